import { isSuyuanError, parseCode } from "@suyuan/proto";
import { type Command, type CommandIo, parseFlags, UsageError } from "../io.ts";

const USAGE = `usage: suyuan code <input> [--gcp-length N]
       suyuan code - [--gcp-length N]     (one code per line from standard input)

Decodes any code a person or device gives — RFID EPC hex, EPC URIs, tag URIs, GS1 element
strings (bracketed or with FNC1/GS), scan data with AIM prefixes (]C1 ]d2 ]Q3 ]e0 ]J1),
GS1 Digital Links on any domain, China's 20-digit drug traceability code — and prints one
JSON object: {"valid":true,"kind":…,"digitalLink":…,"epcUri":…,"elementString":…} or
{"valid":false,"code":…,"message":…} (exit 1).`;

function decodeLine(input: string, gcpLength: number | undefined): { json: string; ok: boolean } {
  try {
    const r = parseCode(input, gcpLength === undefined ? {} : { companyPrefixLength: gcpLength });
    return { json: JSON.stringify(r), ok: true };
  } catch (e) {
    if (isSuyuanError(e)) {
      return { json: JSON.stringify({ valid: false, code: e.code, message: e.message }), ok: false };
    }
    throw e;
  }
}

export const codeCommand: Command = {
  name: "code",
  summary: "decode any code form to its canonical identifier (JSON)",
  usage: USAGE,
  async run(args: string[], io: CommandIo): Promise<number> {
    const { positional, flags } = parseFlags(args, { "gcp-length": "string" });
    if (positional.length !== 1) throw new UsageError("expected exactly one input (or - for standard input)");
    let gcpLength: number | undefined;
    if (flags["gcp-length"] !== undefined) {
      gcpLength = Number(flags["gcp-length"]);
      if (!Number.isInteger(gcpLength) || gcpLength < 6 || gcpLength > 12) {
        throw new UsageError("--gcp-length must be a whole number from 6 to 12");
      }
    }
    const input = positional[0]!;
    if (input !== "-") {
      const { json, ok } = decodeLine(input, gcpLength);
      io.stdout(`${json}\n`);
      return ok ? 0 : 1;
    }
    let allOk = true;
    for await (const line of io.stdinLines()) {
      if (line.trim() === "") continue;
      const { json, ok } = decodeLine(line, gcpLength);
      io.stdout(`${json}\n`);
      allOk &&= ok;
    }
    return allOk ? 0 : 1;
  },
};
