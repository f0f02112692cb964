// `suyuan verify-bundle FILE --key CORE_PUBLIC_KEY`: checks a proof bundle offline (issue 6
// §3) with only the core's checkpoint verifier key; names the first thing that fails.
import { formatVerification, verifyBundle } from "../../../core/src/export/verify-bundle.ts";
import { type Command, type CommandIo, parseFlags, UsageError } from "../io.ts";

const USAGE = `usage: suyuan verify-bundle <bundle.json> --key <core verifier key | file> [--json]

Verifies a suyuan proof bundle (GET /api/v1/bundles/chain?code=… or /bundles/recall?lot=…)
without contacting the core: the checkpoint's signature with the core's key (the C2SP
verifier key string <name>+<keyID>+<base64>, or a file holding it; GET /api/v1/checkpoint/key),
each event's RFC 9162 inclusion in the checkpoint's tree, each record's CBV 2.0 event hash,
the gateway batch signatures and batch inclusion of gateway-signed events, and that the
summary refers only to proved events.
Prints "OK: N entries, checkpoint size S" (exit 0) or "FAIL: <what> (entry i): <why>" (exit 1).`;

/** The key string itself, or the first non-empty line of the file it names. */
async function readKey(arg: string, io: CommandIo): Promise<string> {
  const looksLikeKey = /^[^\s+]+\+[0-9a-f]{8}\+[A-Za-z0-9+/=]+$/.test(arg.trim());
  if (looksLikeKey) return arg.trim();
  const text = await io.readFile(arg);
  const line = text.split(/\r?\n/).find((l) => l.trim() !== "");
  if (line === undefined) throw new UsageError(`--key file ${arg} is empty`);
  return line.trim();
}

export const verifyBundleCommand: Command = {
  name: "verify-bundle",
  summary: "check a proof bundle offline with the core's public key",
  usage: USAGE,
  async run(args: string[], io: CommandIo): Promise<number> {
    const { positional, flags } = parseFlags(args, { key: "string", json: "boolean" });
    if (positional.length !== 1) throw new UsageError("expected exactly one bundle file");
    if (typeof flags.key !== "string" || flags.key === "") throw new UsageError("--key is required");
    const key = await readKey(flags.key, io);
    const text = await io.readFile(positional[0]!);
    const v = verifyBundle(text, key);
    if (flags.json === true) io.stdout(`${JSON.stringify(v, null, 2)}\n`);
    else {
      io.stdout(`${formatVerification(v)}\n`);
      if (v.ok) {
        io.stdout(`  checkpoint origin: ${v.origin}\n`);
        if (v.gatewaySigned > 0) {
          io.stdout(`  gateway-signed entries: ${v.gatewaySigned} (gateways: ${v.gateways.join(", ")})\n`);
        }
        for (const n of v.notes) io.stdout(`  note: ${n}\n`);
      }
    }
    return v.ok ? 0 : 1;
  },
};
