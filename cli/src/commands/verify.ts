// `suyuan verify`: the auditor's check of the verifiable log (core/src/log/verify.ts) — a
// running core over gRPC (with the checkpoints seen on earlier runs, so a rewritten history
// is caught by RFC 9162 §2.1.4 consistency), or a stopped core's data directory.
import { access, appendFile, readFile } from "node:fs/promises";
import { join } from "node:path";
import { SuyuanError } from "@suyuan/proto";
import { withCore } from "../grpc-client.ts";
import { type Command, type CommandIo, parseFlags, UsageError } from "../io.ts";

const USAGE = `usage: suyuan verify --core HOST:PORT --key VKEY_OR_FILE [--seen FILE]
       suyuan verify --data DIR [--key VKEY_OR_FILE]

Recomputes every leaf, event hash and tree node of the log and checks the signed checkpoint
with the core's verifier key (C2SP signed note). --core checks a running core; --seen FILE
holds checkpoints seen before (each must be a prefix of today's log) and gets the current one
appended after a successful run. --data checks a stopped core's data directory (its LevelDB
ledger and, unless --key is given, its core-key.pub).
Prints "OK size N root R", or the first discrepancy (code, index, message) and exits 1.`;

/** A C2SP vkey: <name>+<8 hex key id>+<base64 key>. Anything else is a file holding one. */
const VKEY = /^[^+\s]+\+[0-9a-fA-F]{8}\+[A-Za-z0-9+/]+=*$/;

async function verifierKey(value: string, io: CommandIo): Promise<string> {
  if (VKEY.test(value)) return value;
  return (await io.readFile(value)).trim();
}

/**
 * Splits a file of signed notes (C2SP signed-note: body lines, a blank line, "— " signature
 * lines) into the notes, each ending with its last signature line and a newline.
 */
export function splitNotes(text: string): string[] {
  const notes: string[] = [];
  const lines = text.replace(/\r\n/g, "\n").split("\n");
  let body: string[] = [];
  let sigs: string[] = [];
  let inSigs = false;
  const flush = () => {
    if (body.length > 0 && sigs.length > 0) notes.push(`${body.join("\n")}\n\n${sigs.join("\n")}\n`);
    body = [];
    sigs = [];
    inSigs = false;
  };
  for (const line of lines) {
    if (inSigs) {
      if (line.startsWith("\u2014 ")) {
        sigs.push(line);
        continue;
      }
      if (sigs.length > 0) flush();
      if (line === "") continue;
    }
    if (line === "") {
      if (body.length > 0) inSigs = true;
      continue;
    }
    body.push(line);
  }
  flush();
  return notes;
}

async function readSeen(file: string): Promise<string[]> {
  try {
    const text = await readFile(file, "utf8");
    const notes = splitNotes(text);
    if (notes.length === 0 && text.trim() !== "") {
      // Appending to a file that is not ours would make it unreadable for the next run.
      throw new SuyuanError("CLI_BAD_SEEN", `--seen ${file}: holds no signed checkpoint notes`, { field: "seen" });
    }
    return notes;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return []; // first run
    throw e;
  }
}

type Report = Awaited<ReturnType<typeof import("@suyuan/core")["verifyStore"]>>;

function printReport(r: Report, io: CommandIo): number {
  if (r.ok) {
    for (const w of r.warnings) io.stderr(`warning: ${w}\n`);
    io.stdout(`OK size ${r.size} root ${r.root}\n`);
    return 0;
  }
  const at = r.problem.index === undefined ? "" : ` at index ${r.problem.index}`;
  io.stdout(`FAIL ${r.problem.code}${at}: ${r.problem.message}\n`);
  return 1;
}

export const verifyCommand: Command = {
  name: "verify",
  summary: "audit the verifiable log of a running core or a data directory",
  usage: USAGE,
  async run(args: string[], io: CommandIo): Promise<number> {
    const { positional, flags } = parseFlags(args, {
      core: "string",
      data: "string",
      key: "string",
      seen: "string",
      token: "string",
      "token-file": "string",
    });
    if (positional.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positional[0])}`);
    const core = await import("@suyuan/core");
    if (typeof flags.data === "string") {
      if (flags.core !== undefined) throw new UsageError("give --core or --data, not both");
      if (flags.seen !== undefined) throw new UsageError("--seen goes with --core");
      const dir = flags.data;
      await core.refuseIncompleteBackup(dir);
      const key =
        typeof flags.key === "string"
          ? await verifierKey(flags.key, io)
          : (await io.readFile(join(dir, core.CORE_PUB_FILE))).trim();
      const ledgerDir = join(dir, "ledger");
      try {
        // Never create a ledger where there is none (LevelDB would make an empty one).
        await access(join(ledgerDir, "CURRENT"));
      } catch {
        throw new SuyuanError("CLI_NO_LEDGER", `${ledgerDir} holds no LevelDB ledger`, {
          field: "data",
        });
      }
      // No event-hash filter: an audit reads, and leaves the directory as it found it.
      const store = new core.LevelStore(ledgerDir, { eventHashFilter: false });
      await store.open();
      try {
        return printReport(await core.verifyStore(store, key), io);
      } finally {
        await store.close();
      }
    }
    if (flags.core === undefined) throw new UsageError("give --core HOST:PORT --key VKEY, or --data DIR");
    if (typeof flags.key !== "string") throw new UsageError("--key VKEY_OR_FILE is required with --core");
    const key = await verifierKey(flags.key, io);
    const seenFile = typeof flags.seen === "string" ? flags.seen : undefined;
    const seen = seenFile === undefined ? [] : await readSeen(seenFile);
    const report = await withCore(flags, io, false, (conn) => core.verifyRemote(conn.ledger, key, seen));
    const code = printReport(report, io);
    if (report.ok && seenFile !== undefined && report.checkpoint !== undefined) {
      const note = report.checkpoint.endsWith("\n") ? report.checkpoint : `${report.checkpoint}\n`;
      if (!seen.includes(note)) await appendFile(seenFile, seen.length === 0 ? note : `\n${note}`, { mode: 0o644 });
    }
    return code;
  },
};
