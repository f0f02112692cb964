/**
 * A barcode scanner in serial (RS-232 / USB-CDC) mode: each decode is sent as the AIM
 * symbology identifier, the data and the configured suffix, at a human pace (an operator aims,
 * pulls the trigger, moves to the next item) or as fast as the line allows.
 */
import { errorMessage, type Log, noLog, realScheduler, type Scheduler, sleep } from "./clock.ts";
import { lineNoise } from "./noise.ts";
import { chance, mulberry32, type Random, randomInt } from "./random.ts";
import type { SerialTransport } from "./transport/serial.ts";

export type ScannerSuffix = "CR" | "LF" | "CRLF";
const SUFFIX_BYTES: Readonly<Record<ScannerSuffix, string>> = { CR: "\r", LF: "\n", CRLF: "\r\n" };

export interface ScannerNoise {
  /** Probability that line noise (control bytes the host drops) precedes a scan (default 0). */
  lineNoiseRate?: number;
  /** Probability that a scan is sent twice (trigger held, a double decode) (default 0). */
  doubleReadRate?: number;
}

export interface BarcodeScannerOptions {
  id: string;
  transport: SerialTransport;
  /** Suffix after each scan (default CR, the usual factory setting). */
  suffix?: ScannerSuffix;
  /** Pause between scans in ms: an inclusive range (default 300–1500), or "fast" (no pause). */
  pace?: readonly [number, number] | "fast";
  noise?: ScannerNoise;
  scheduler?: Scheduler;
  random?: Random;
  log?: Log;
}

/** Ground truth of one scan. */
export interface ScanRecord {
  data: string;
  /** Scheduler time the line was sent. */
  ts: number;
  /** False when the line was down (unplugged): the scan went nowhere. */
  delivered: boolean;
}

export class BarcodeScanner {
  readonly id: string;
  private readonly o: BarcodeScannerOptions;
  private readonly scheduler: Scheduler;
  private readonly rng: Random;
  private readonly log: Log;
  private readonly suffix: string;
  private queue: Promise<void> = Promise.resolve();
  private lastScanAt: number | undefined;
  private started = false;
  /** Every scan attempted, in order (ground truth). */
  readonly sent: ScanRecord[] = [];
  readonly stats = { scans: 0, lost: 0, doubleReads: 0, noiseBursts: 0, unplugs: 0 };

  constructor(o: BarcodeScannerOptions) {
    const pace = o.pace ?? [300, 1500];
    if (pace !== "fast" && !(pace[0] >= 0 && pace[1] >= pace[0])) throw new TypeError("pace must be [min, max] ms");
    if (o.suffix !== undefined && !(o.suffix in SUFFIX_BYTES)) throw new TypeError("suffix must be CR, LF or CRLF");
    this.o = o;
    this.id = o.id;
    this.scheduler = o.scheduler ?? realScheduler;
    this.rng = o.random ?? mulberry32(1);
    this.log = o.log ?? noLog;
    this.suffix = SUFFIX_BYTES[o.suffix ?? "CR"];
  }

  async start(): Promise<void> {
    if (this.started) return;
    // A scanner ignores what the host sends (no command set implemented).
    await this.o.transport.open(() => {});
    this.started = true;
  }

  /**
   * Scans one symbol: waits the human pause since the previous scan, then sends it. Scans are
   * sent in call order. Resolves when the line has been written (or lost while unplugged).
   */
  scan(data: string): Promise<ScanRecord> {
    if (!this.started) return Promise.reject(new Error(`scanner ${this.id} is not started`));
    if (data.length === 0 || /[\r\n]/.test(data)) {
      return Promise.reject(new TypeError("scan data must be non-empty and contain no CR or LF"));
    }
    const run = this.queue.then(() => this.send(data));
    this.queue = run.then(
      () => {},
      () => {},
    );
    return run;
  }

  async scanAll(data: Iterable<string>): Promise<ScanRecord[]> {
    const out: ScanRecord[] = [];
    for (const d of data) out.push(await this.scan(d));
    return out;
  }

  private async send(data: string): Promise<ScanRecord> {
    const pace = this.o.pace ?? [300, 1500];
    if (pace !== "fast" && this.lastScanAt !== undefined) {
      const due = this.lastScanAt + randomInt(this.rng, pace[0], pace[1]);
      const wait = due - this.scheduler.now();
      if (wait > 0) await sleep(this.scheduler, wait);
    }
    const noise = this.o.noise;
    const parts: Buffer[] = [];
    if (chance(this.rng, noise?.lineNoiseRate ?? 0)) {
      parts.push(lineNoise(this.rng));
      this.stats.noiseBursts++;
    }
    const line = Buffer.from(data + this.suffix, "utf8");
    parts.push(line);
    if (chance(this.rng, noise?.doubleReadRate ?? 0)) {
      parts.push(line);
      this.stats.doubleReads++;
    }
    const ts = this.scheduler.now();
    this.lastScanAt = ts;
    this.stats.scans++;
    let delivered = true;
    try {
      await this.o.transport.write(Buffer.concat(parts));
    } catch (e) {
      delivered = false;
      this.stats.lost++;
      this.log("scanner scan lost", { device: this.id, error: errorMessage(e) });
    }
    const rec = { data, ts, delivered };
    this.sent.push(rec);
    return rec;
  }

  /** Pulls the USB cable (the pty or mock line vanishes). Scans until `replug()` are lost. */
  async unplug(): Promise<void> {
    await this.queue;
    this.stats.unplugs++;
    await this.o.transport.unplug();
    this.log("scanner unplugged", { device: this.id });
  }

  async replug(): Promise<void> {
    await this.o.transport.replug();
    this.log("scanner replugged", { device: this.id });
  }

  /** Waits for queued scans, then closes the line. Idempotent. */
  async stop(): Promise<void> {
    await this.queue;
    if (!this.started) return;
    this.started = false;
    await this.o.transport.close();
  }
}
