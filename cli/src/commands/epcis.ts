import { isSuyuanError, parseEpcisDocument, writeEpcisDocument } from "@suyuan/proto";
import { type Command, type CommandIo, parseFlags, UsageError } from "../io.ts";

const USAGE = `usage: suyuan epcis validate <file>
       suyuan epcis convert <file> --to jsonld|xml

validate: checks an EPCIS 2.0 document (JSON-LD or XML; EPCIS 1.2 XML is upgraded) against
the standard's rules; prints {"valid":true,"events":N} or {"valid":false,"code":…,"field":…,
"message":…} and exits 1 when invalid.
convert: writes the document in the other syntax (EPCIS 2.0) to standard output.`;

export const epcisCommand: Command = {
  name: "epcis",
  summary: "validate or convert EPCIS 2.0 documents (JSON-LD ⇄ XML)",
  usage: USAGE,
  async run(args: string[], io: CommandIo): Promise<number> {
    const [sub, ...rest] = args;
    const { positional, flags } = parseFlags(rest, { to: "string" });
    if (positional.length !== 1) throw new UsageError("expected exactly one file");
    const text = await io.readFile(positional[0]!);
    if (sub === "validate") {
      if (flags.to !== undefined) throw new UsageError("validate takes no --to");
      try {
        const doc = parseEpcisDocument(text, { validate: true });
        io.stdout(`${JSON.stringify({ valid: true, events: doc.events.length })}\n`);
        return 0;
      } catch (e) {
        if (!isSuyuanError(e)) throw e;
        io.stdout(`${JSON.stringify({ valid: false, code: e.code, field: e.field, message: e.message })}\n`);
        return 1;
      }
    }
    if (sub === "convert") {
      const to = flags.to;
      if (to !== "jsonld" && to !== "xml") throw new UsageError("--to must be jsonld or xml");
      const doc = parseEpcisDocument(text, { validate: true });
      const out = writeEpcisDocument(doc, to);
      io.stdout(out.endsWith("\n") ? out : `${out}\n`);
      return 0;
    }
    throw new UsageError(`unknown subcommand ${JSON.stringify(sub ?? "")}: expected validate or convert`);
  },
};
