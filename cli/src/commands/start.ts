// `suyuan start` (issue 5 §3, the README's first command): the whole system on this machine —
// core, one gateway per site, emulated devices — plays a scenario with live progress, prints
// what to try, and keeps serving until Ctrl-C.
import { existsSync } from "node:fs";
import { readdir, rm, writeFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { type CommandIo, parseFlags, UsageError } from "../io.ts";
import type { SiteProgress } from "../system/run-system.ts";

const USAGE = `usage: suyuan start [--scenario food|drug] [--units N] [--sites N] [--speed X] [--seed N]
                    [--data DIR] [--http HOST:PORT] [--grpc HOST:PORT] [--mock]

Runs the whole system on this machine: a core (LevelDB under DIR/core), one gateway per site
(each with its embedded MQTT broker), and the emulated scanners, UHF readers, handhelds and
temperature loggers of the scenario, attached over socat ptys (or the in-process serial mock:
--mock, or when socat is missing) and MQTT. Plays the scenario with live progress, prints the
pages, example codes and commands to try, and serves until Ctrl-C.

  --scenario   food (default: mango lots → packhouse → DC → juice factory → stores) or drug
               (vaccines → wholesaler → hospitals and pharmacies)
  --units N    scale (food: cases and bottles; drug: units)
  --sites N    farms and stores (food), hospitals and pharmacies (drug)
  --speed X    simulated-time multiplier for the waits between stages
  --seed N     scenario seed (same seed, same scenario)
  --data DIR   data folder (default ./data/demo-<scenario>; a folder suyuan start made is wiped at start)
  --http H:P   core HTTP: pages, REST and JSON API (default 127.0.0.1:8080, a free port when taken)
  --grpc H:P   core gRPC (default 127.0.0.1:7443, a free port when taken)
  --mock       serial devices over the in-process serial mock instead of socat ptys

Large runs (more than ${2000} units) use a 5 ms scan interval unless --speed is given, so that
--scenario drug --units 10000 plays in under two minutes.`;

const MARKER = ".suyuan-start";
const LARGE_UNITS = 2000;

function intFlag(v: string | boolean | undefined, name: string, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== "string" || !Number.isInteger(n) || n < min)
    throw new UsageError(`--${name} must be an integer ≥ ${min}`);
  return n;
}

async function pickAddress(
  wanted: string | undefined,
  fallback: string,
  what: string,
  notes: string[],
): Promise<string> {
  const { freePort, portFree, splitHostPort } = await import("../system/ports.ts");
  let hp: { host: string; port: number };
  try {
    hp = splitHostPort(wanted ?? fallback);
  } catch (e) {
    throw new UsageError(`--${what}: ${(e as Error).message}`);
  }
  if (hp.port === 0 || (await portFree(hp.host, hp.port))) return `${hp.host}:${hp.port}`;
  const port = await freePort(hp.host);
  notes.push(`${what.toUpperCase()} port ${hp.port} is taken: using ${port} instead`);
  return `${hp.host}:${port}`;
}

function progressLines(p: SiteProgress[]): string[] {
  const w = Math.max(...p.map((x) => x.site.length));
  return p.map(
    (x) =>
      `  ${x.site.padEnd(w)}  reads ${String(x.reads).padStart(6)}  events ${String(x.events).padStart(6)}  ` +
      `batches acked ${String(x.batchesAcked).padStart(4)}  outbox ${String(x.outboxDepth).padStart(3)}` +
      `${x.connected ? "" : "  (core not connected)"}`,
  );
}

/** Shell-quotes an argument when it needs it (element strings have parentheses). */
function sh(s: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export async function runStart(args: string[], io: CommandIo, signals?: AbortSignal): Promise<number> {
  const { flags, positional } = parseFlags(args, {
    scenario: "string",
    units: "string",
    sites: "string",
    speed: "string",
    seed: "string",
    data: "string",
    http: "string",
    grpc: "string",
    mock: "boolean",
  });
  if (positional.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positional[0])}`);
  const scenario = (flags.scenario ?? "food") as string;
  if (scenario !== "food" && scenario !== "drug") throw new UsageError("--scenario must be food or drug");
  const units = intFlag(flags.units, "units", 1);
  const sites = intFlag(flags.sites, "sites", 1);
  const seed = intFlag(flags.seed, "seed", 0);
  let speed: number | undefined;
  if (flags.speed !== undefined) {
    speed = Number(flags.speed);
    if (!(speed > 0)) throw new UsageError("--speed must be a number > 0");
  }
  const notes: string[] = [];
  const large = units !== undefined && units > LARGE_UNITS && speed === undefined;
  if (large) notes.push(`${units} units: scanning at a 5 ms interval so the run takes minutes, not hours`);

  const dataDir = resolve(typeof flags.data === "string" ? flags.data : `data/demo-${scenario}`);
  // Wipe only a folder this command made (it leaves a marker), or the default one.
  if (existsSync(dataDir)) {
    const ours = existsSync(join(dataDir, MARKER)) || flags.data === undefined;
    const empty = (await readdir(dataDir)).length === 0;
    if (!ours && !empty) {
      io.stderr(`suyuan start: ${dataDir} exists and was not made by suyuan start; choose another --data\n`);
      return 1;
    }
    await rm(dataDir, { recursive: true, force: true });
  }
  const { mkdir } = await import("node:fs/promises");
  await mkdir(dataDir, { recursive: true });
  await writeFile(join(dataDir, MARKER), "made by suyuan start; wiped by the next run\n");

  const httpAddress = await pickAddress(flags.http as string | undefined, "127.0.0.1:8080", "http", notes);
  const grpcAddress = await pickAddress(flags.grpc as string | undefined, "127.0.0.1:7443", "grpc", notes);

  const { startSystem } = await import("../system/run-system.ts");
  const { socatAvailable } = await import("@suyuan/firmware-sim");
  const transport = flags.mock === true ? "mock" : socatAvailable() ? "pty" : "mock";
  io.stdout(`suyuan start: ${scenario} scenario, data in ${relative(process.cwd(), dataDir) || "."}\n`);
  for (const n of notes) io.stdout(`  note: ${n}\n`);
  io.stdout(
    transport === "pty"
      ? "serial devices: socat pseudo-terminals (one pty pair per scanner and UHF module), one gateway process per site\n"
      : `serial devices: the in-process serial mock${flags.mock === true ? "" : " (socat not found)"}, gateways in-process\n`,
  );

  const system = await startSystem({
    scenario,
    dataDir,
    transport,
    grpcAddress,
    httpAddress,
    ...(units === undefined ? {} : { units }),
    ...(sites === undefined ? {} : { sites }),
    ...(speed === undefined ? {} : { speed }),
    ...(seed === undefined ? {} : { seed }),
    ...(large ? { timing: { scanIntervalMs: 5 } } : {}),
  });
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= system.stop();
    return stopping;
  };
  // Ctrl-C during the run or while serving: stop cleanly.
  let interrupted: () => void = () => {};
  const interruptedP = new Promise<void>((r) => {
    interrupted = r;
  });
  // A second Ctrl-C while stopping means "now": leave at once (gateway outboxes are durable).
  let signalled = 0;
  const onSignal = () => {
    signalled++;
    if (signalled > 1) {
      io.stderr("second interrupt: exiting now\n");
      process.exit(130);
    }
    interrupted();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  signals?.addEventListener("abort", onSignal);
  try {
    const s = system.scenario;
    io.stdout(
      `${s.sites.length} sites, ${s.actions.length} actions over ~${Math.round(s.durationMs / 1000)} s; core gRPC ${system.core.grpcAddress}, HTTP ${system.core.httpUrl}\n`,
    );
    // Live lines rewritten in place on a terminal; plain lines every 5 s into a pipe or file.
    const tty = process.stdout.isTTY === true;
    let shown = 0;
    let lastPlain = 0;
    const onProgress = (p: SiteProgress[]) => {
      const lines = progressLines(p);
      if (tty) {
        if (shown > 0) io.stdout(`\x1b[${shown}A`);
        io.stdout(`${lines.map((l) => `\x1b[2K${l}`).join("\n")}\n`);
        shown = lines.length;
      } else if (Date.now() - lastPlain >= 5000) {
        lastPlain = Date.now();
        io.stdout(`progress:\n${lines.join("\n")}\n`);
      }
    };
    const played = await Promise.race([
      system.play({ onProgress }).then(
        (r) => ({ r }),
        (e: unknown) => ({ error: e as Error }),
      ),
      interruptedP.then(() => undefined),
    ]);
    if (played === undefined) {
      io.stdout("\ninterrupted: stopping\n");
      await stop();
      return 0;
    }
    // A run that did not drain still leaves a working core to look at: say so and serve.
    if ("error" in played) io.stderr(`suyuan start: the run did not complete: ${played.error.message}\n`);
    const report = "r" in played ? played.r : undefined;
    if (!tty) io.stdout(`progress:\n${progressLines(await system.progress()).join("\n")}\n`);
    const http = system.core.httpUrl as string;
    const grpc = system.core.grpcAddress;
    const codes = system.exampleCodes();
    const publicPath = codes.digitalLink.replace(/^https:\/\/id\.gs1\.org/, "");
    const t = system.tokens;
    const out = [
      "",
      report === undefined
        ? `log size ${system.core.ledger.size()}`
        : `played ${report.actions} actions in ${(report.wallMs / 1000).toFixed(1)} s: ${report.readsSent} device reads → ${report.eventsAcked} events in the ledger (log size ${system.core.ledger.size()}, checkpoint signed)`,
      "",
      "Open:",
      `  inspector:      ${http}/?code=${encodeURIComponent(codes.digitalLink)}   (paste the inspector token)`,
      `  recall page:    ${http}/recall   (recall officer token)`,
      `  consumer view:  ${http}${publicPath}   (public, no token)`,
      "",
      "Example codes:",
      `  RFID tag (EPC hex):   ${codes.rfidHex}`,
      `  GS1 element string:   ${codes.elementString}`,
      `  GS1 Digital Link:     ${codes.digitalLink}`,
      `  lot:                  ${codes.lot}`,
      "",
      "Try:",
      `  npx suyuan chain ${sh(codes.rfidHex)} --core ${grpc} --token ${t.inspector}`,
      `  npx suyuan chain ${sh(codes.elementString)} --core ${grpc} --token ${t.inspector}`,
      `  npx suyuan chain ${sh(codes.digitalLink)} --core ${grpc} --token ${t.inspector}`,
      `  npx suyuan recall ${sh(codes.lot)} --core ${grpc} --token ${t.recallOfficer} --json`,
      "",
      "Tokens:",
      `  inspector:        ${t.inspector}`,
      `  recall officer:   ${t.recallOfficer}`,
      `  admin:            ${t.admin}`,
      "",
      `Gateway logs and configs: ${relative(process.cwd(), join(dataDir, "gateways")) || "."}/<site>/`,
      "Serving until Ctrl-C.",
      "",
    ];
    io.stdout(out.join("\n"));
    await interruptedP;
    io.stdout("stopping…\n");
    await stop();
    io.stdout("stopped.\n");
    return 0;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    signals?.removeEventListener("abort", onSignal);
    await stop();
  }
}

export const startCommand = {
  name: "start",
  summary: "run the whole system (core, gateways, emulated devices) on a scenario",
  usage: USAGE,
  run: (args: string[], io: CommandIo) => runStart(args, io),
};
