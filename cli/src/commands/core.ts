// `suyuan core start`: runs the core (core/src/server.ts startCore) with a LevelDB ledger in a
// data directory, prints what an operator needs once (address, data dir, log size, the
// checkpoint verifier key, the bootstrap admin token), and serves until SIGINT/SIGTERM.
import { chmod, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { SuyuanError } from "@suyuan/proto";
import { parse as parseYaml } from "yaml";
import { checkAddress } from "../grpc-client.ts";
import { type Command, type CommandIo, parseFlags, UsageError } from "../io.ts";

const USAGE = `usage: suyuan core start [--data DIR] [--grpc HOST:PORT] [--http HOST:PORT]
                         [--capture-workers N] [--backup-dir DIR] [--config FILE]

Starts the core ledger service: LevelDB ledger under --data (default ./data), gRPC on --grpc
(default 127.0.0.1:50051; port 0 picks a free port). --capture-workers sets the worker threads
that check gateway batches (0: on the event loop; default one per core the process may use,
fewer under a container or service CPU limit, at most 4, run below the event loop's CPU
priority). --backup-dir names the folder \`suyuan admin backup NAME\` writes hot backups into
(as DIR/NAME; without it the core takes no backups). --config is a YAML or JSON file with the
same keys (data, grpc, http, capture-workers, backup-dir); flags win. Prints the gRPC
address, data directory, log size, the core's checkpoint verifier key and — when this start
created it — the bootstrap admin token (also written to DIR/admin-token.txt, mode 0600).
Serves until SIGINT or SIGTERM.`;

export const ADMIN_TOKEN_FILE = "admin-token.txt";
const CONFIG_KEYS = ["data", "grpc", "http", "capture-workers", "backup-dir"] as const;
type Settings = Partial<Record<(typeof CONFIG_KEYS)[number], string>>;

/** The config file: a map with only the keys the flags have (a misspelt key must not be ignored). */
export function parseConfig(text: string, file: string): Settings {
  let doc: unknown;
  try {
    doc = /\.json$/i.test(file) ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new SuyuanError("CLI_BAD_CONFIG", `${file}: not valid YAML/JSON: ${(e as Error).message.split("\n")[0]}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== "object" || Array.isArray(doc)) {
    throw new SuyuanError("CLI_BAD_CONFIG", `${file}: must be a map of ${CONFIG_KEYS.join(", ")}`);
  }
  const out: Settings = {};
  for (const [k, v] of Object.entries(doc)) {
    if (!(CONFIG_KEYS as readonly string[]).includes(k)) {
      throw new SuyuanError("CLI_BAD_CONFIG", `${file}: ${k}: not a known key (${CONFIG_KEYS.join(", ")})`, {
        field: k,
      });
    }
    // YAML reads `capture-workers: 2` as a number.
    const text = typeof v === "number" && k === "capture-workers" ? String(v) : v;
    if (typeof text !== "string" || text === "") {
      throw new SuyuanError("CLI_BAD_CONFIG", `${file}: ${k}: must be a non-empty string`, { field: k });
    }
    out[k as keyof Settings] = text;
  }
  return out;
}

/** Structured log lines on stderr (one JSON object per line); bigints and bytes made printable. */
function stderrLog(io: CommandIo) {
  return (msg: string, fields?: object) => {
    const line = JSON.stringify({ time: new Date().toISOString(), msg, ...fields }, (_k, v) =>
      typeof v === "bigint" ? v.toString() : v instanceof Uint8Array ? Buffer.from(v).toString("base64") : v,
    );
    io.stderr(`${line}\n`);
  };
}

/** Resolves on the first SIGINT or SIGTERM; `cancel` removes the handlers. */
function untilSignal(): { stop: Promise<string>; cancel: () => void } {
  let cancel = () => {};
  const stop = new Promise<string>((done) => {
    const on = (sig: NodeJS.Signals) => {
      cancel();
      done(sig);
    };
    cancel = () => {
      process.off("SIGINT", on);
      process.off("SIGTERM", on);
    };
    process.on("SIGINT", on);
    process.on("SIGTERM", on);
  });
  return { stop, cancel };
}

export interface CoreStartHooks {
  /** Resolves when the core should stop; default: SIGINT or SIGTERM. */
  untilStop?: Promise<string>;
}

export async function coreStart(args: string[], io: CommandIo, hooks: CoreStartHooks = {}): Promise<number> {
  const { positional, flags } = parseFlags(args, {
    data: "string",
    grpc: "string",
    http: "string",
    "capture-workers": "string",
    "backup-dir": "string",
    config: "string",
  });
  if (positional.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positional[0])}`);
  const fromFile = typeof flags.config === "string" ? parseConfig(await io.readFile(flags.config), flags.config) : {};
  const pick = (k: keyof Settings) => (typeof flags[k] === "string" ? (flags[k] as string) : fromFile[k]);
  const dataDir = resolve(pick("data") ?? "./data");
  const grpc = checkAddress(pick("grpc") ?? "127.0.0.1:50051", "--grpc");
  const http = pick("http");
  if (http !== undefined) {
    checkAddress(http, "--http");
  }
  const backupPick = pick("backup-dir");
  const backupDir = backupPick === undefined ? undefined : resolve(backupPick);
  if (backupDir !== undefined) {
    const { within } = await import("@suyuan/core");
    if (within(dataDir, backupDir) || within(backupDir, dataDir)) {
      throw new UsageError(`--backup-dir ${backupDir} must lie outside the data folder ${dataDir}, and not hold it`);
    }
  }
  const workers = pick("capture-workers");
  if (workers !== undefined && !/^(?:[0-9]|[1-5][0-9]|6[0-4])$/.test(workers)) {
    throw new UsageError(`--capture-workers must be a whole number from 0 to 64, got ${JSON.stringify(workers)}`);
  }
  // Listen before the (slow) start, so a signal while starting still stops cleanly.
  const signals = hooks.untilStop === undefined ? untilSignal() : { stop: hooks.untilStop, cancel: () => {} };
  let core: Awaited<ReturnType<typeof import("@suyuan/core")["startCore"]>>;
  try {
    const { startCore } = await import("@suyuan/core");
    core = await startCore({
      dataDir,
      grpcAddress: grpc,
      ...(http === undefined ? {} : { httpAddress: http }),
      ...(workers === undefined ? {} : { captureWorkers: Number(workers) }),
      ...(backupDir === undefined ? {} : { backupDir }),
      log: stderrLog(io),
    });
  } catch (e) {
    signals.cancel();
    throw e;
  }
  try {
    io.stdout(`gRPC address: ${core.grpcAddress}\n`);
    if (core.httpUrl !== undefined) {
      io.stdout(`HTTP: ${core.httpUrl}\n`);
      io.stdout(`metrics: ${core.httpUrl}/metrics (Prometheus; an admin token as bearer credentials)\n`);
    }
    io.stdout(`data: ${dataDir}\n`);
    if (backupDir !== undefined) io.stdout(`backups: ${backupDir}\n`);
    io.stdout(`log size: ${core.ledger.size()}\n`);
    io.stdout(`verifier key: ${core.verifierKey}\n`);
    if (core.bootstrapAdminToken !== undefined) {
      const file = join(dataDir, ADMIN_TOKEN_FILE);
      await writeFile(file, `${core.bootstrapAdminToken}\n`, { mode: 0o600 });
      await chmod(file, 0o600); // mode applies only on create; a stale file keeps its own
      io.stdout(`admin token: ${core.bootstrapAdminToken}\n`);
      io.stdout(`admin token file: ${file}\n`);
    }
    io.stdout("serving\n");
    io.stderr("serving; stop with SIGINT or SIGTERM\n");
    const sig = await signals.stop;
    io.stderr(`${sig}: stopping\n`);
  } finally {
    signals.cancel();
    await core.stop();
  }
  io.stderr("stopped\n");
  return 0;
}

export const coreCommand: Command = {
  name: "core",
  summary: "run the core ledger service (core start)",
  usage: USAGE,
  async run(args: string[], io: CommandIo): Promise<number> {
    const [sub, ...rest] = args;
    if (sub !== "start")
      throw new UsageError(
        sub === undefined ? "expected a subcommand: start" : `unknown subcommand ${JSON.stringify(sub)}`,
      );
    return coreStart(rest, io);
  },
};
