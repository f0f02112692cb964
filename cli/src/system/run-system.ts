// The whole system on one machine (issue 5 §3): a core (LevelDB, gRPC and HTTP), one gateway
// per scenario site (its own process with its own outbox and embedded MQTT broker, or
// in-process over the serial mock), and the site's emulated devices attached over socat ptys
// and MQTT. `play()` walks the scenario's timeline through the devices in real time, injects
// faults, and resolves once every gateway's outbox is drained and a checkpoint covers the log.
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type RunningCore, startCore } from "@suyuan/core";
import {
  type Action,
  buildScenario,
  epcHex,
  fillTransports,
  type GatewaySetup,
  type GroundTruth,
  groundTruth,
  MockSerialBus,
  type Observation,
  readPointOf,
  type Scenario,
  setupFor,
  socatAvailable,
  type Timing,
} from "@suyuan/firmware-sim";
import { exportKey, type GatewayKey, generateGatewayKey, importKey, parseCode } from "@suyuan/proto";
import { stringify as toYaml } from "yaml";
import { freePorts } from "./ports.ts";
import { type NoiseOptions, SiteDevices } from "./site-devices.ts";
import { delay, SiteGateway } from "./site-gateway.ts";

export type Log = (msg: string, fields?: object) => void;

export interface SystemOptions {
  scenario: "food" | "drug";
  units?: number;
  sites?: number;
  speed?: number;
  seed?: number;
  /** Device timing of the scenario (extension: e.g. a shorter scan interval for large runs). */
  timing?: Partial<Timing>;
  dataDir: string;
  transport?: "pty" | "mock" | "auto";
  gatewayMode?: "process" | "inprocess";
  grpcAddress?: string;
  httpAddress?: string;
  noise?: NoiseOptions;
  log?: Log;
  /** Extension: how long to wait for each gateway to become healthy (default 60 s). */
  startTimeoutMs?: number;
}

export interface SiteProgress {
  site: string;
  gatewayId: string;
  reads: number;
  events: number;
  batchesAcked: number;
  outboxDepth: number;
  connected: boolean;
  /** Extension: events the core rejected (the gateway's dead letters). */
  deadLetters?: number;
}

export type Fault =
  | { atMs: number; kind: "kill-gateway"; site: string }
  | { atMs: number; kind: "restart-core" }
  | { atMs: number; kind: "disconnect-reader"; device: string };

export interface PlayReport {
  actions: number;
  wallMs: number;
  readsSent: number;
  eventsAcked: number;
  faults: string[];
  /** Extension: events the core rejected, over all gateways (0 in a clean run). */
  deadLetters?: number;
}

export interface RunningSystem {
  core: RunningCore;
  scenario: Scenario;
  truth: GroundTruth;
  runStartMs: number;
  tokens: { admin: string; inspector: string; recallOfficer: string };
  /** Extension: how serial devices are attached, and how gateways run. */
  transport: "pty" | "mock";
  gatewayMode: "process" | "inprocess";
  play(opts?: { onProgress?: (p: SiteProgress[]) => void; faults?: Fault[] }): Promise<PlayReport>;
  progress(): Promise<SiteProgress[]>;
  exampleCodes(): { rfidHex: string; elementString: string; digitalLink: string; lot: string };
  /** Read-to-ledger latency (ms) of the events the last play() recorded. */
  latencies(): Promise<number[]>;
  stop(): Promise<void>;
}

const noLog: Log = () => {};

/** The repository root (cli/src/system → ../../..). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
export const CLI_BIN = join(REPO_ROOT, "cli/bin/suyuan.mjs");

interface Site {
  id: string;
  gatewayId: string;
  setup: GatewaySetup;
  dir: string;
  devices: SiteDevices;
  gateway: SiteGateway;
  mqttPort: number;
}

async function loadOrCreateKey(file: string): Promise<GatewayKey> {
  if (existsSync(file)) return importKey(await readFile(file, "utf8"));
  const key = generateGatewayKey();
  await writeFile(file, exportKey(key.privateKey, "pem"), { mode: 0o600 });
  return key;
}

export async function startSystem(opts: SystemOptions): Promise<RunningSystem> {
  const log = opts.log ?? noLog;
  const scenario = buildScenario(opts.scenario, {
    ...(opts.units === undefined ? {} : { units: opts.units }),
    ...(opts.sites === undefined ? {} : { sites: opts.sites }),
    ...(opts.speed === undefined ? {} : { speed: opts.speed }),
    ...(opts.seed === undefined ? {} : { seed: opts.seed }),
    ...(opts.timing === undefined ? {} : { timing: opts.timing }),
  });
  const truth = groundTruth(scenario);
  const wanted = opts.transport ?? "auto";
  let transport: "pty" | "mock";
  if (wanted === "auto") transport = socatAvailable() ? "pty" : "mock";
  else if (wanted === "pty" && !socatAvailable()) throw new Error("transport pty needs socat on PATH (or use mock)");
  else transport = wanted;
  // The serial mock binding lives in this process: its gateways must too.
  const gatewayMode = transport === "mock" ? "inprocess" : (opts.gatewayMode ?? "process");
  const dataDir = resolve(opts.dataDir);
  await mkdir(join(dataDir, "gateways"), { recursive: true });

  const coreOptions = (grpcAddress: string, httpAddress: string) => ({
    dataDir: join(dataDir, "core"),
    grpcAddress,
    httpAddress,
    log,
  });
  let core = await startCore(coreOptions(opts.grpcAddress ?? "127.0.0.1:0", opts.httpAddress ?? "127.0.0.1:0"));
  // A restarted core comes back on the same ports: gateways and printed URLs stay valid.
  const grpcAddress = core.grpcAddress;
  const httpAddress = (() => {
    const u = new URL(core.httpUrl as string);
    return `${u.hostname.includes(":") ? `[${u.hostname}]` : u.hostname}:${u.port}`;
  })();
  const bus = transport === "mock" ? new MockSerialBus() : undefined;
  const sites: Site[] = [];
  let stopped = false;

  const stopAll = async () => {
    // MQTT devices leave first (no reconnect storm when brokers go), then the gateways close
    // their ends of the serial lines and flush, then the serial devices go.
    // Every stage is bounded: a device or gateway that does not stop in time (e.g. a broker
    // waiting for a client that waits for it, after Ctrl-C took the ptys away) must not keep
    // the whole system from stopping. Gateways that outlive their grace are SIGKILLed.
    await settleWithin(
      sites.map((s) => s.devices.stopMqtt()),
      3000,
    );
    await settleWithin(
      sites.map((s) => s.gateway.stop()),
      12_000,
    );
    await settleWithin(
      sites.map((s) => s.devices.stop()),
      3000,
    );
    bus?.reset();
    await core.stop();
  };

  let tokens: RunningSystem["tokens"];
  try {
    const admin =
      core.bootstrapAdminToken ?? (await core.auth.issueToken({ role: "admin", label: "suyuan start" })).token;
    const inspector = (await core.auth.issueToken({ role: "inspector", label: "suyuan start inspector" })).token;
    const recallOfficer = (await core.auth.issueToken({ role: "recall_officer", label: "suyuan start recalls" })).token;
    tokens = { admin, inspector, recallOfficer };

    // Keys first: the master data import enrols nothing; each gateway is enrolled below.
    const gwDir = (site: string) => join(dataDir, "gateways", site);
    const setup = setupFor(scenario, { coreAddress: grpcAddress, dataDir: join(dataDir, "gateways") });
    await core.master.importMasterData(setup.masterDataJson, "json");

    for (const g of setup.gateways) {
      const dir = gwDir(g.site);
      await mkdir(dir, { recursive: true });
      const spec = scenario.sites.find((x) => x.id === g.site)!;
      const key = await loadOrCreateKey(join(dir, "gateway.key"));
      if (core.master.gateway(g.gatewayId) === undefined) {
        await core.master.enrollGateway({
          gatewayId: g.gatewayId,
          party: spec.party.id,
          // The core checks readPoint AND bizLocation against this list: the site's own GLN too.
          allowedReadPoints: [spec.location.id, ...spec.readPoints.map((r) => r.readPoint)],
          keys: [
            { keyId: key.keyId, algorithm: key.algorithm, publicKey: Buffer.from(key.publicKeyRaw).toString("base64") },
          ],
        });
      }
      const { token } = await core.auth.issueToken({
        role: "gateway",
        gatewayId: g.gatewayId,
        label: `gateway ${g.gatewayId}`,
      });
      await writeFile(join(dir, "gateway.token"), `${token}\n`, { mode: 0o600 });

      const devices = new SiteDevices({
        site: g.site,
        spec,
        setup: g,
        transport,
        ...(bus === undefined ? {} : { bus }),
        ptyDir: dir,
        ...(opts.noise === undefined ? {} : { noise: opts.noise }),
        seed: (opts.seed ?? 1) * 7919 + sites.length,
        log,
      });
      const site: Site = {
        id: g.site,
        gatewayId: g.gatewayId,
        setup: g,
        dir,
        devices,
        mqttPort: 0,
        gateway: new SiteGateway({
          site: g.site,
          gatewayId: g.gatewayId,
          configFile: join(dir, "gateway.yaml"),
          httpPort: 0,
          mode: gatewayMode,
          bin: CLI_BIN,
          logFile: join(dir, "gateway.log"),
          ...(bus === undefined ? {} : { serialBinding: bus }),
          log,
        }),
      };
      sites.push(site);
      await devices.openSerial();
    }

    const writeConfig = async (site: Site, ports: number[]) => {
      const [mqttPort, httpPort] = ports as [number, number];
      site.mqttPort = mqttPort;
      site.gateway.o.httpPort = httpPort;
      const filled = fillTransports(site.setup.config, site.devices.hostPaths, mqttPort);
      const config = {
        ...filled,
        devices: (filled.devices as Array<Record<string, unknown>>).map((d) =>
          d.kind === "mqtt" ? { ...d, broker: { embedded: { port: mqttPort, host: "127.0.0.1" } } } : d,
        ),
        core: { address: grpcAddress, tokenFile: "gateway.token" },
        keyFile: "gateway.key",
        outbox: { ...(filled.outbox as object), path: "outbox" },
        alerts: { ...(filled.alerts as object), path: "recalls" },
        // Reconnect quickly after a core restart (the default backoff grows to minutes).
        uplink: { backoff: { initialMs: 200, maxMs: 2000 } },
        http: { listen: `127.0.0.1:${httpPort}` },
      };
      await writeFile(
        join(site.dir, "gateway.yaml"),
        `# Written by suyuan start for site ${site.id} (${scenario.name} scenario).\n${toYaml(config)}`,
      );
    };
    // Ports for every broker and ops endpoint, allocated together so none repeats.
    const ports = await freePorts(2 * sites.length);
    await Promise.all(sites.map((s, i) => writeConfig(s, ports.slice(2 * i, 2 * i + 2))));

    const timeout = opts.startTimeoutMs ?? 60_000;
    const startOne = async (s: Site) => {
      try {
        await s.gateway.start();
        await s.gateway.waitHealthy(timeout);
      } catch (e) {
        // Another program took a port between allocation and bind: once more on fresh ports.
        if (!/EADDRINUSE/.test((e as Error).message)) throw e;
        log("gateway port taken; retrying on other ports", { site: s.id });
        await writeConfig(s, await freePorts(2));
        await s.gateway.start();
        await s.gateway.waitHealthy(timeout);
      }
    };
    await Promise.all(sites.map(startOne));
    await Promise.all(sites.map((s) => s.devices.openMqtt(`mqtt://127.0.0.1:${s.mqttPort}`)));
    log("system started", { sites: sites.length, transport, gatewayMode, grpcAddress, httpUrl: core.httpUrl });
  } catch (e) {
    await stopAll().catch(() => {});
    throw e;
  }

  const progress = async (): Promise<SiteProgress[]> =>
    Promise.all(
      sites.map(async (s) => {
        const m = await s.gateway.sample();
        return {
          site: s.id,
          gatewayId: s.gatewayId,
          reads: m.reads,
          events: m.events,
          batchesAcked: m.batchesAcked,
          outboxDepth: m.outboxBatches,
          // The uplink says "connected" once the core answered; an empty outbox is fine too.
          connected: m.up && (m.coreConnected || m.outboxBatches === 0),
          deadLetters: m.deadLetters,
        };
      }),
    );

  // Wall-clock emission of each action (first observation start, last observation end).
  const emitted = new Map<number, { start: number; end: number }>();
  let playedFromIndex = 0;
  let runStartMs = 0;

  const restartCore = async () => {
    await core.stop();
    core = await startCore(coreOptions(grpcAddress, httpAddress));
  };

  const runFault = async (f: Fault): Promise<string> => {
    if (f.kind === "kill-gateway") {
      const s = sites.find((x) => x.id === f.site);
      if (s === undefined) throw new TypeError(`fault kill-gateway: unknown site ${f.site}`);
      const pid = s.gateway.pid;
      await s.gateway.kill();
      await delay(1000);
      await s.gateway.restart();
      await s.gateway.waitHealthy(opts.startTimeoutMs ?? 60_000);
      return `kill-gateway ${f.site} at ${f.atMs} ms (${pid === undefined ? "in-process stop" : `SIGKILL pid ${pid}`}), restarted on the same outbox`;
    }
    if (f.kind === "restart-core") {
      const size = core.ledger.size();
      await restartCore();
      return `restart-core at ${f.atMs} ms (log size ${size}), back on ${grpcAddress}`;
    }
    const s = sites.find((x) => x.devices.hasMqttDevice(f.device));
    if (s === undefined) throw new TypeError(`fault disconnect-reader: no MQTT device ${f.device}`);
    await s.devices.disconnectDevice(f.device);
    await delay(500);
    await s.devices.reconnectDevice(f.device);
    return `disconnect-reader ${f.device} at ${f.atMs} ms, reconnected`;
  };

  const waitDrained = async (timeoutMs: number) => {
    // Quiet long enough for the last RFID tags to be missed for missTolerance cycles and the
    // last batch to be sealed (maxDelayMs) and acknowledged.
    const quietMs = Math.max(2000, 4 * scenario.timing.cycleMs + 500);
    const end = Date.now() + timeoutMs;
    let lastEvents = -1;
    let since = Date.now();
    while (Date.now() < end) {
      const samples = await Promise.all(sites.map((s) => s.gateway.sample()));
      const events = samples.reduce((n, s) => n + s.events + s.reads, 0);
      if (events !== lastEvents) {
        lastEvents = events;
        since = Date.now();
      }
      const drained = samples.every((s) => s.up && s.outboxBatches === 0);
      if (drained && Date.now() - since >= quietMs) return;
      await delay(200);
    }
    const p = await progress();
    throw new Error(
      `gateways not drained after ${timeoutMs} ms: ${p.map((x) => `${x.site} outbox ${x.outboxDepth}${x.connected ? "" : " (not connected)"}`).join(", ")}`,
    );
  };

  const play: RunningSystem["play"] = async (po = {}) => {
    const observations: Array<{ o: Observation; a: Action }> = [];
    for (const a of scenario.actions) for (const o of a.observations) observations.push({ o, a });
    observations.sort((x, y) => x.o.at - y.o.at || x.a.seq - y.a.seq);
    const sizeBefore = core.ledger.size();
    playedFromIndex = sizeBefore;
    const readsBefore = sites.reduce((n, s) => n + s.devices.readsSent, 0);
    emitted.clear();
    runStartMs = Date.now() + 100;
    const started = Date.now();
    const siteOf = new Map(sites.map((s) => [s.id, s]));
    const running: Array<Promise<void>> = [];
    const errors: string[] = [];
    let ticker: ReturnType<typeof setInterval> | undefined;
    if (po.onProgress) {
      const cb = po.onProgress;
      let busy = false;
      ticker = setInterval(() => {
        if (busy) return;
        busy = true;
        void progress()
          .then(cb)
          .finally(() => {
            busy = false;
          });
      }, 1000);
    }
    const faultReports: string[] = [];
    const faults = (po.faults ?? []).map(async (f) => {
      await delay(runStartMs + f.atMs - Date.now());
      try {
        faultReports.push(await runFault(f));
      } catch (e) {
        faultReports.push(`${f.kind} at ${f.atMs} ms FAILED: ${(e as Error).message}`);
        throw e;
      }
    });
    try {
      for (const { o, a } of observations) {
        const at = runStartMs + o.at;
        const wait = at - Date.now();
        if (wait > 0) await delay(wait);
        const site = siteOf.get(a.site);
        if (site === undefined) throw new TypeError(`action ${a.seq}: unknown site ${a.site}`);
        const e = emitted.get(a.seq);
        const start = Date.now();
        if (e === undefined) emitted.set(a.seq, { start, end: start });
        running.push(
          site.devices.perform(o, at, runStartMs).then(
            () => {
              const rec = emitted.get(a.seq);
              if (rec) rec.end = Math.max(rec.end, Date.now());
            },
            (err: unknown) => {
              errors.push(`action ${a.seq} (${a.type} at ${a.site}/${a.readPoint}): ${(err as Error).message}`);
            },
          ),
        );
      }
      await Promise.all(running);
      const faultResults = await Promise.allSettled(faults);
      const failed = faultResults.find((r) => r.status === "rejected");
      if (failed) throw (failed as PromiseRejectedResult).reason;
      if (errors.length > 0)
        throw new Error(`play: ${errors.length} observations failed: ${errors.slice(0, 5).join("; ")}`);
      await waitDrained(Math.max(60_000, scenario.durationMs));
      await core.ledger.signCheckpointNow();
      if (po.onProgress) po.onProgress(await progress());
    } finally {
      if (ticker) clearInterval(ticker);
    }
    const deadLetters = (await progress()).reduce((n, p) => n + (p.deadLetters ?? 0), 0);
    if (deadLetters > 0) log("ALARM play: the core rejected events", { deadLetters });
    return {
      deadLetters,
      actions: scenario.actions.length,
      wallMs: Date.now() - started,
      readsSent: sites.reduce((n, s) => n + s.devices.readsSent, 0) - readsBefore,
      eventsAcked: core.ledger.size() - sizeBefore,
      faults: faultReports,
    };
  };

  const latencies = async (): Promise<number[]> => {
    // Actions by canonical read point, with their emission intervals.
    const canon = new Map<string, string>();
    const canonical = (id: string) => {
      let c = canon.get(id);
      if (c === undefined) {
        try {
          c = parseCode(id).canonical;
        } catch {
          c = id;
        }
        canon.set(id, c);
      }
      return c;
    };
    const byReadPoint = new Map<string, Array<{ start: number; end: number }>>();
    for (const a of scenario.actions) {
      const e = emitted.get(a.seq);
      if (e === undefined) continue;
      const rp = canonical(readPointOf(scenario, a.site, a.readPoint).readPoint);
      const list = byReadPoint.get(rp) ?? [];
      list.push(e);
      byReadPoint.set(rp, list);
    }
    const slack = 2 * scenario.timing.cycleMs + 500;
    const out: number[] = [];
    const size = core.ledger.size();
    for (let i = playedFromIndex; i < size; i += 500) {
      const idx = Array.from({ length: Math.min(500, size - i) }, (_, k) => i + k);
      for (const ev of await core.ledger.getEvents(idx)) {
        const recorded = Date.parse(ev.recordTime);
        const eventTime = Date.parse(ev.event.eventTime);
        const rpId = ev.event.readPoint?.id;
        const candidates = rpId === undefined ? [] : (byReadPoint.get(canonical(rpId)) ?? []);
        const hit = candidates.find((c) => eventTime >= c.start - slack && eventTime <= c.end + slack);
        // The read that completed the event was emitted within the action's emission interval.
        const emittedAt = hit === undefined ? eventTime : Math.min(Math.max(eventTime, hit.start), hit.end);
        if (Number.isFinite(recorded) && Number.isFinite(emittedAt)) out.push(recorded - emittedAt);
      }
    }
    return out;
  };

  const exampleCodes = () => exampleCodesFor(scenario, truth);

  const system: RunningSystem = {
    get core() {
      return core;
    },
    scenario,
    truth,
    get runStartMs() {
      return runStartMs;
    },
    tokens,
    transport,
    gatewayMode,
    play,
    progress,
    exampleCodes,
    latencies,
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopAll();
    },
  };
  return system;
}

/**
 * Codes to try on a played scenario: an RFID EPC bank (hex) of a tagged unit that reached a
 * store, the GS1 element string of a sold (dispensed) unit's label, the Digital Link of another
 * sold unit, and a lot from the start of the chain (a farm's mango lot, a vaccine lot).
 */
/** Waits for the promises to settle, but no longer than `ms`. */
async function settleWithin(ps: Array<Promise<unknown>>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.allSettled(ps),
    new Promise<void>((r) => {
      timer = setTimeout(r, ms);
      timer.unref();
    }),
  ]);
  clearTimeout(timer);
}

export function exampleCodesFor(
  scenario: Scenario,
  truth: GroundTruth,
): { rfidHex: string; elementString: string; digitalLink: string; lot: string } {
  const storeSites = new Set(
    scenario.sites.filter((s) => ["store", "pharmacy", "hospital"].includes(s.role)).map((s) => s.id),
  );
  const reached = [...truth.units.values()]
    .filter((u) => u.path.some((p) => storeSites.has(p.site)))
    .map((u) => scenario.objects.get(u.id))
    .filter((o) => o !== undefined);
  const sold = scenario.actions
    .map((a) => (a.type === "sell" || a.type === "dispense" ? scenario.objects.get(a.unit) : undefined))
    .filter((o) => o !== undefined);
  const consumerUnits = sold.length > 0 ? sold : reached;

  // RFID: a tagged unit at a store, else any tagged object, else the EPC bank a tag of a sold
  // unit would carry (TDS 2.1 §14: SGTIN-96 or SGTIN-198).
  let rfidHex = reached.find((o) => o.rfidHex !== undefined)?.rfidHex;
  rfidHex ??= [...scenario.objects.values()].find((o) => o.rfidHex !== undefined)?.rfidHex;
  if (rfidHex === undefined) {
    for (const o of consumerUnits) {
      const uri = safe(() => parseCode(o.id).epcUri);
      const hex = uri === undefined ? undefined : safe(() => epcHex(uri));
      if (hex !== undefined) {
        rfidHex = hex;
        break;
      }
    }
  }
  const elementOf = (scan: string) => safe(() => parseCode(scan).elementString);
  const labelled = consumerUnits.find((o) => (o.scans ?? []).some((x) => elementOf(x)?.startsWith("(01)")));
  const elementString = (labelled?.scans ?? []).map(elementOf).find((e) => e?.startsWith("(01)")) ?? "";
  const dl =
    consumerUnits.find((o) => o.id !== labelled?.id && o.id.startsWith("https://")) ??
    consumerUnits.find((o) => o.id.startsWith("https://"));
  const firstLots = scenario.lots.filter((l) => {
    const role = scenario.sites.find((s) => s.id === l.origin)?.role;
    return role === "farm" || role === "manufacturer";
  });
  const lot = (firstLots[0] ?? scenario.lots[0])?.id ?? "";
  return { rfidHex: rfidHex ?? "", elementString, digitalLink: dl?.id ?? "", lot };
}

function safe<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}
