import { eventHash, parseEpcisDocument } from "@suyuan/proto";
import { type Command, type CommandIo, parseFlags, UsageError } from "../io.ts";

const USAGE = `usage: suyuan hash <file> [--cbv 2.0|2.1]

Prints one line per event of an EPCIS 2.0 document (JSON-LD or XML, or EPCIS 1.2 XML), in
document order: its CBV event hash ID (ni:///sha-256;…?ver=CBV2.0).`;

export const hashCommand: Command = {
  name: "hash",
  summary: "print the CBV 2.0 event hash ID of every event in an EPCIS document",
  usage: USAGE,
  async run(args: string[], io: CommandIo): Promise<number> {
    const { positional, flags } = parseFlags(args, { cbv: "string" });
    if (positional.length !== 1) throw new UsageError("expected exactly one file");
    const cbv = flags.cbv ?? "2.0";
    if (cbv !== "2.0" && cbv !== "2.1") throw new UsageError("--cbv must be 2.0 or 2.1");
    const doc = parseEpcisDocument(await io.readFile(positional[0]!), { validate: false });
    for (const ev of doc.events) io.stdout(`${eventHash(ev, { cbvVersion: cbv })}\n`);
    return 0;
  },
};
