// One site's gateway as the system runs it: a child process `suyuan gateway start --config FILE`
// (the way it is deployed: its own process, its own LevelDB outbox, killable with SIGKILL) or
// in-process through startGateway (the serial mock binding only exists inside this process).
// Either way it is watched through its ops endpoint: /healthz and /metrics.
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync, readFileSync, statSync } from "node:fs";
import { type RunningGateway, startGateway } from "@suyuan/gateway";
// The config loader is not part of @suyuan/gateway's index; the system runner reads the file it wrote.
import { loadConfig } from "../../../gateway/src/config/config.ts";

export type Log = (msg: string, fields?: object) => void;

/** What /healthz and /metrics say, reduced to what progress and drain checks need. */
export interface GatewaySample {
  up: boolean;
  coreConnected: boolean;
  devicesConnected: boolean;
  devices: Array<{ id: string; connected: boolean }>;
  reads: number;
  events: number;
  batchesAcked: number;
  outboxBatches: number;
  deadLetters: number;
}

export interface SiteGatewayOptions {
  site: string;
  gatewayId: string;
  configFile: string;
  /** The ops HTTP port written in the config (http.listen). */
  httpPort: number;
  mode: "process" | "inprocess";
  /** Child processes: the CLI entry (cli/bin/suyuan.mjs) and the log file for their stderr. */
  bin: string;
  logFile: string;
  /** In-process gateways: the serial binding of the mock lines. */
  serialBinding?: unknown;
  log: Log;
}

const DOWN: GatewaySample = {
  up: false,
  coreConnected: false,
  devicesConnected: false,
  devices: [],
  reads: 0,
  events: 0,
  batchesAcked: 0,
  outboxBatches: 0,
  deadLetters: 0,
};

/** Sum of a metric's samples (all label sets) in the Prometheus text format. */
export function metricSum(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== " " && rest[0] !== "{") continue;
    const v = Number(line.slice(line.lastIndexOf(" ") + 1));
    if (Number.isFinite(v)) sum += v;
  }
  return sum;
}

export class SiteGateway {
  private child: ChildProcess | undefined;
  private childExit: Promise<void> | undefined;
  private inproc: RunningGateway | undefined;
  /** Counters of the gateway's earlier lives (a restarted process starts its counters at 0). */
  private base = { reads: 0, events: 0, batchesAcked: 0 };
  private last: GatewaySample = DOWN;
  /** Size of the log file when the current process started (its own lines come after). */
  private logOffset = 0;
  restarts = 0;

  constructor(readonly o: SiteGatewayOptions) {}

  get url(): string {
    return `http://127.0.0.1:${this.o.httpPort}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(): Promise<void> {
    if (this.o.mode === "inprocess") {
      const config = await loadConfig(this.o.configFile);
      this.inproc = await startGateway(config, {
        log: this.o.log,
        ...(this.o.serialBinding === undefined ? {} : { driverDeps: { serialBinding: this.o.serialBinding as never } }),
      });
      return;
    }
    const fd = openSync(this.o.logFile, "a");
    this.logOffset = statSync(this.o.logFile).size;
    try {
      const child = spawn(process.execPath, [this.o.bin, "gateway", "start", "--config", this.o.configFile], {
        stdio: ["ignore", "ignore", fd],
      });
      this.child = child;
      this.childExit = new Promise<void>((resolve) => {
        child.once("exit", (code, signal) => {
          if (this.child === child) this.child = undefined;
          this.o.log("gateway process exited", { site: this.o.site, pid: child.pid, code, signal });
          resolve();
        });
      });
    } finally {
      closeSync(fd);
    }
  }

  /** The last lines the child wrote (for an error message when it does not come up). */
  logTail(lines = 8): string {
    try {
      return readFileSync(this.o.logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
    } catch {
      return "";
    }
  }

  /** The error line `suyuan gateway start` printed when it failed to start, if it did. */
  startError(): string | undefined {
    if (this.o.mode === "inprocess") return undefined;
    try {
      const text = readFileSync(this.o.logFile, "utf8").slice(this.logOffset);
      return /^suyuan gateway start: .*$/m.exec(text)?.[0];
    } catch {
      return undefined;
    }
  }

  get running(): boolean {
    return this.o.mode === "inprocess" ? this.inproc !== undefined : this.child !== undefined;
  }

  /**
   * Waits until /healthz answers with every device connected. (The uplink reports the core
   * connected only once the core has answered on the capture stream, i.e. after a first batch.)
   */
  async waitHealthy(timeoutMs: number): Promise<void> {
    const end = Date.now() + timeoutMs;
    let s = DOWN;
    while (Date.now() < end) {
      if (!this.running) {
        throw new Error(`gateway of site ${this.o.site} exited while starting:\n${this.logTail()}`);
      }
      const failed = this.startError();
      if (failed !== undefined) {
        // A gateway that failed to start may not exit by itself: make sure it is gone.
        await this.kill();
        throw new Error(`gateway of site ${this.o.site} failed to start: ${failed}`);
      }
      s = await this.sample();
      if (s.up && s.devicesConnected) return;
      await delay(100);
    }
    const down = s.devices.filter((d) => !d.connected).map((d) => d.id);
    throw new Error(
      `gateway of site ${this.o.site} not healthy after ${timeoutMs} ms (` +
        `${s.up ? `devices not connected: ${down.join(", ")}` : "no /healthz answer"})` +
        `${this.o.mode === "process" ? `\n${this.logTail()}` : ""}`,
    );
  }

  /** Reads /healthz and /metrics; counters are cumulative over restarts. */
  async sample(): Promise<GatewaySample> {
    if (!this.running) return { ...this.last, up: false, coreConnected: false };
    try {
      const signal = AbortSignal.timeout(2000);
      const [h, m] = await Promise.all([
        fetch(`${this.url}/healthz`, { signal }).then((r) => r.json() as Promise<HealthBody>),
        fetch(`${this.url}/metrics`, { signal }).then((r) => r.text()),
      ]);
      const s: GatewaySample = {
        up: true,
        coreConnected: h.core?.connected === true,
        devicesConnected: (h.devices ?? []).every((d) => d.connected),
        devices: (h.devices ?? []).map((d) => ({ id: d.id, connected: d.connected })),
        reads: this.base.reads + metricSum(m, "suyuan_gateway_reads_total"),
        events: this.base.events + metricSum(m, "suyuan_gateway_events_total"),
        batchesAcked: this.base.batchesAcked + metricSum(m, "suyuan_gateway_batches_acked_total"),
        outboxBatches: metricSum(m, "suyuan_gateway_outbox_batches"),
        deadLetters: metricSum(m, "suyuan_gateway_dead_letters"),
      };
      this.last = s;
      return s;
    } catch {
      return { ...this.last, up: false, coreConnected: false };
    }
  }

  /** SIGKILL (a power cut): nothing is flushed; the outbox on disk is what survives. */
  async kill(): Promise<void> {
    await this.sample();
    this.keepCounters();
    if (this.o.mode === "inprocess") {
      // No process to kill in-process: the closest is an immediate stop.
      const g = this.inproc;
      this.inproc = undefined;
      await g?.stop();
      return;
    }
    const c = this.child;
    if (c === undefined) return;
    c.kill("SIGKILL");
    await this.childExit;
  }

  async restart(): Promise<void> {
    this.restarts++;
    await this.start();
  }

  private keepCounters(): void {
    this.base = { reads: this.last.reads, events: this.last.events, batchesAcked: this.last.batchesAcked };
  }

  /**
   * SIGTERM (the gateway flushes and closes its outbox), SIGKILL after `graceMs`. The grace is
   * above 5 s because startGateway's stop() leaves its 5 s flush-timeout timer running, which
   * keeps a stopped gateway process alive that long.
   */
  async stop(graceMs = 8000): Promise<void> {
    if (this.o.mode === "inprocess") {
      const g = this.inproc;
      this.inproc = undefined;
      await g?.stop();
      return;
    }
    const c = this.child;
    if (c === undefined) return;
    c.kill("SIGTERM");
    const t = setTimeout(() => c.kill("SIGKILL"), graceMs);
    await this.childExit;
    clearTimeout(t);
  }
}

interface HealthBody {
  core?: { connected?: boolean };
  devices?: Array<{ id: string; connected: boolean }>;
}

export const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
