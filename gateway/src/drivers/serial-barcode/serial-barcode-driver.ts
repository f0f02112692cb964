import { type BackoffOptions, type DriverDeps, type Log, noLog } from "../common/deps.ts";
import { ReadQueue } from "../common/read-queue.ts";
import { SerialLink } from "../common/serial-link.ts";
import type { BindingInterface } from "../common/serialport-types.ts";
import type { Driver, DriverStats, RawRead } from "../driver.ts";
import { LineDecoder, type Suffix } from "./line-decoder.ts";

export interface SerialBarcodeOptions extends DriverDeps {
  id: string;
  /** Serial device, e.g. /dev/ttyACM0 or a stable udev/socat symlink. */
  path: string;
  baud: number;
  suffix: Suffix;
  /** Longest line kept (bytes); longer ones are discarded and counted. Default 4096. */
  maxLineLength?: number;
  /** Reopen backoff after an unplug (default 200 ms doubling to 10 s). */
  reconnect?: BackoffOptions;
  /** Serial binding; default native. Tests pass `MockBinding` from `@serialport/binding-mock`. */
  binding?: BindingInterface;
  queueSize?: number;
}

export interface SerialBarcodeStats extends DriverStats {
  garbageBytes: number;
  overlongLines: number;
}

/** A barcode scanner in serial mode: one read per suffix-terminated line (see line-decoder.ts). */
export class SerialBarcodeDriver implements Driver {
  readonly id: string;
  readonly kind = "serial-barcode";
  private readonly link: SerialLink;
  private readonly decoder: LineDecoder;
  private readonly queue: ReadQueue;
  private readonly log: Log;
  private readonly now: () => number;
  private reads_ = 0;
  private lostPartials = 0;
  private errorsSeen = { garbageBytes: 0, overlongLines: 0, badLines: 0 };

  constructor(o: SerialBarcodeOptions) {
    this.id = o.id;
    this.log = o.log ?? noLog;
    this.now = o.now ?? Date.now;
    this.decoder = new LineDecoder(o.suffix, o.maxLineLength ?? 4096);
    this.link = new SerialLink({
      deviceId: o.id,
      path: o.path,
      baudRate: o.baud,
      ...(o.binding ? { binding: o.binding } : {}),
      ...(o.reconnect ? { backoff: o.reconnect } : {}),
      ...(o.timers ? { timers: o.timers } : {}),
      log: this.log,
      onData: (chunk) => this.onData(chunk),
      onDown: () => {
        // A line cut by the unplug is incomplete: never emit it glued to the next scan.
        if (this.decoder.reset() > 0) {
          this.lostPartials++;
          this.log("barcode partial line dropped", { driver: this.id, reason: "port lost" });
        }
      },
    });
    this.queue = new ReadQueue(o.queueSize ?? 10_000, (p) => this.link.setPaused(p));
  }

  open(): Promise<void> {
    return this.link.open();
  }

  private onData(chunk: Buffer): void {
    const ts = this.now();
    for (const line of this.decoder.push(chunk)) {
      if (this.queue.push({ deviceId: this.id, kind: "barcode", data: line, ts })) this.reads_++;
    }
    const s = this.decoder.stats;
    if (
      s.garbageBytes !== this.errorsSeen.garbageBytes ||
      s.overlongLines !== this.errorsSeen.overlongLines ||
      s.badLines !== this.errorsSeen.badLines
    ) {
      this.log("barcode input noise", {
        driver: this.id,
        garbageBytes: s.garbageBytes - this.errorsSeen.garbageBytes,
        overlongLines: s.overlongLines - this.errorsSeen.overlongLines,
        badLines: s.badLines - this.errorsSeen.badLines,
      });
      this.errorsSeen = { ...s };
    }
  }

  reads(): AsyncIterable<RawRead> {
    return this.queue.iterable();
  }

  async close(): Promise<void> {
    await this.link.close();
    this.queue.end();
  }

  /**
   * `errors` counts input events that were not reads: chunks carrying noise bytes are counted
   * per byte in `garbageBytes`; `errors` = garbage bytes + overlong + non-UTF-8 lines + lines
   * cut by an unplug.
   */
  stats(): SerialBarcodeStats {
    const s = this.decoder.stats;
    return {
      reads: this.reads_,
      errors: s.garbageBytes + s.overlongLines + s.badLines + this.lostPartials,
      reconnects: this.link.reconnects,
      dropped: this.queue.dropped,
      connected: this.link.connected,
      garbageBytes: s.garbageBytes,
      overlongLines: s.overlongLines,
    };
  }
}
