import {
  Cmd,
  commands,
  ErrorCode,
  encodeFrame,
  type Frame,
  FrameDecoder,
  FrameType,
  parseError,
  parseTagNotice,
} from "@suyuan/proto/devices/uhf-m100.ts";
import type { BackoffOptions, DriverDeps, Log, Timers } from "../common/deps.ts";
import { errorMessage, noLog, realTimers } from "../common/deps.ts";
import { ReadQueue } from "../common/read-queue.ts";
import { SerialLink } from "../common/serial-link.ts";
import type { BindingInterface } from "../common/serialport-types.ts";
import type { Driver, DriverStats, RawRead } from "../driver.ts";

export interface SerialUhfOptions extends DriverDeps {
  id: string;
  path: string;
  /** M100-family modules default to 115200 baud. */
  baud?: number;
  /** Antenna number reported on reads: these modules have one antenna port (default 1). */
  antenna?: number;
  /** Rounds per multiple-inventory command (1..65535, default 65535); it is re-issued anyway. */
  rounds?: number;
  /** Re-issue the inventory when the module has sent nothing for this long (default 2000 ms). */
  watchdogMs?: number;
  /** Re-issue the inventory at least this often even when frames flow (default 60 000 ms; 0 = never). */
  reissueMs?: number;
  /** Drop reads whose backscattered CRC-16 does not match PC+EPC (default true). */
  verifyCrc?: boolean;
  reconnect?: BackoffOptions;
  binding?: BindingInterface;
  queueSize?: number;
}

export interface SerialUhfStats extends DriverStats {
  /** Corrupt frames (checksum, framing) and malformed notices. */
  frameErrors: number;
  /** Tag notices dropped for a CRC-16 mismatch. */
  crcErrors: number;
  /** Error frames other than "no tag" reported by the module. */
  moduleErrors: number;
  /** Inventory rounds that found no tag (error 0x15: routine). */
  emptyRounds: number;
  /** Times the inventory command was (re-)issued. */
  inventoryStarts: number;
}

/**
 * A UHF RFID module of the M100/QM100 family on a serial port (frames: proto/src/devices/uhf-m100.ts and UHF-M100-PROTOCOL.md).
 * On open (and every reopen after an unplug) it starts a multiple inventory; a watchdog re-issues
 * it when the module goes silent (rounds exhausted, module reset) or reports it stopped; on close
 * it sends stop.
 */
export class SerialUhfDriver implements Driver {
  readonly id: string;
  readonly kind = "serial-uhf";
  private readonly link: SerialLink;
  private readonly decoder = new FrameDecoder();
  private readonly queue: ReadQueue;
  private readonly log: Log;
  private readonly now: () => number;
  private readonly timers: Timers;
  private readonly antenna: number;
  private readonly rounds: number;
  private readonly watchdogMs: number;
  private readonly reissueTicks: number;
  private readonly verifyCrc: boolean;
  private watchdog: unknown;
  private framesSinceTick = 0;
  private ticksSinceStart = 0;
  private closing = false;
  private malformed = 0;
  private counts = { reads: 0, crcErrors: 0, moduleErrors: 0, emptyRounds: 0, inventoryStarts: 0 };

  constructor(o: SerialUhfOptions) {
    this.id = o.id;
    this.log = o.log ?? noLog;
    this.now = o.now ?? Date.now;
    this.timers = o.timers ?? realTimers;
    this.antenna = o.antenna ?? 1;
    this.rounds = o.rounds ?? 0xffff;
    this.watchdogMs = o.watchdogMs ?? 2000;
    const reissueMs = o.reissueMs ?? 60_000;
    this.reissueTicks = reissueMs > 0 ? Math.max(1, Math.round(reissueMs / this.watchdogMs)) : 0;
    this.verifyCrc = o.verifyCrc ?? true;
    commands.multiInventory(this.rounds); // validates rounds up front
    this.link = new SerialLink({
      deviceId: o.id,
      path: o.path,
      baudRate: o.baud ?? 115200,
      ...(o.binding ? { binding: o.binding } : {}),
      ...(o.reconnect ? { backoff: o.reconnect } : {}),
      timers: this.timers,
      log: this.log,
      onData: (chunk) => this.onData(chunk),
      onOpen: () => this.startInventory("open"),
      onDown: () => {
        this.decoder.reset();
        this.stopWatchdog();
      },
    });
    this.queue = new ReadQueue(o.queueSize ?? 10_000, (p) => this.link.setPaused(p));
  }

  open(): Promise<void> {
    return this.link.open();
  }

  private startInventory(reason: string): void {
    if (this.closing) return;
    this.counts.inventoryStarts++;
    this.ticksSinceStart = 0;
    this.log("uhf inventory start", { driver: this.id, reason, rounds: this.rounds });
    this.link.write(encodeFrame(commands.multiInventory(this.rounds))).catch((e: unknown) => {
      this.log("uhf command write failed", { driver: this.id, error: errorMessage(e) });
    });
    this.armWatchdog();
  }

  private armWatchdog(): void {
    this.stopWatchdog();
    this.framesSinceTick = 0;
    this.watchdog = this.timers.setTimeout(() => this.tick(), this.watchdogMs);
  }

  private tick(): void {
    this.watchdog = undefined;
    if (this.closing || !this.link.connected) return;
    this.ticksSinceStart++;
    if (this.framesSinceTick === 0) this.startInventory("module silent");
    else if (this.reissueTicks > 0 && this.ticksSinceStart >= this.reissueTicks) this.startInventory("periodic");
    else this.armWatchdog();
  }

  private stopWatchdog(): void {
    if (this.watchdog !== undefined) {
      this.timers.clearTimeout(this.watchdog);
      this.watchdog = undefined;
    }
  }

  private onData(chunk: Buffer): void {
    const before = this.decoder.errors;
    const frames = this.decoder.push(chunk);
    if (this.decoder.errors > before) {
      this.log("uhf corrupt frame", { driver: this.id, count: this.decoder.errors - before });
    }
    if (frames.length > 0) this.framesSinceTick += frames.length;
    const ts = this.now();
    for (const f of frames) this.onFrame(f, ts);
  }

  private onFrame(f: Frame, ts: number): void {
    if (f.type === FrameType.Notice && f.cmd === Cmd.SingleInventory) {
      const t = parseTagNotice(f);
      if (t === undefined) {
        this.malformed++;
        this.log("uhf malformed tag notice", { driver: this.id, length: f.payload.length });
        return;
      }
      if (!t.crcOk && this.verifyCrc) {
        this.counts.crcErrors++;
        this.log("uhf tag crc mismatch", { driver: this.id, epc: t.epc, crc: t.crc });
        return;
      }
      const read: RawRead = {
        deviceId: this.id,
        kind: "rfid",
        data: t.epc,
        ts,
        antenna: this.antenna,
        rssi: t.rssi,
        pc: t.pc,
      };
      if (this.queue.push(read)) this.counts.reads++;
      return;
    }
    const code = parseError(f);
    if (code !== undefined) {
      if (code === ErrorCode.NoTag) this.counts.emptyRounds++;
      else {
        this.counts.moduleErrors++;
        this.log("uhf module error", { driver: this.id, code: `0x${code.toString(16).padStart(2, "0")}` });
      }
      return;
    }
    if (f.type === FrameType.Response && f.cmd === Cmd.StopInventory && !this.closing) {
      // Someone (a module reset, another host) stopped the inventory: start it again.
      this.startInventory("module stopped");
    }
  }

  reads(): AsyncIterable<RawRead> {
    return this.queue.iterable();
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.stopWatchdog();
    if (this.link.connected) {
      // Stop the module's inventory so it does not keep transmitting into a closed port.
      await this.link.write(encodeFrame(commands.stopInventory())).catch(() => {});
    }
    await this.link.close();
    this.queue.end();
  }

  stats(): SerialUhfStats {
    const frameErrors = this.decoder.errors + this.malformed;
    return {
      reads: this.counts.reads,
      errors: frameErrors + this.counts.crcErrors + this.counts.moduleErrors,
      reconnects: this.link.reconnects,
      dropped: this.queue.dropped,
      connected: this.link.connected,
      frameErrors,
      crcErrors: this.counts.crcErrors,
      moduleErrors: this.counts.moduleErrors,
      emptyRounds: this.counts.emptyRounds,
      inventoryStarts: this.counts.inventoryStarts,
    };
  }
}
