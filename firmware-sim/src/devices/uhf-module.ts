/**
 * The MODULE side of the M100/QM100-family UHF RFID serial protocol (proto/src/devices/
 * UHF-M100-PROTOCOL.md), on a serial line: decodes the host's commands with the shared codec and
 * answers them the way the module firmware does.
 *
 * - §2.2 multiple inventory → rounds every `roundMs`: one §3.1 notice per tag report (with the
 *   noise of noise.ts), or a §3.5 error 0x15 when a round finds nothing; stops by itself when the
 *   requested rounds are used up (the host's watchdog re-issues it);
 * - §2.3 stop → stops and answers §3.3;
 * - §2.1 single inventory → one round, answered at once;
 * - §2.4 information → §3.4 with the version text;
 * - anything else → §3.5 error 0x17 (command error).
 */
import {
  Cmd,
  ErrorCode,
  encodeFrame,
  errorFrame,
  type Frame,
  FrameDecoder,
  FrameType,
  InfoKind,
  infoResponseFrame,
  parseMultiInventory,
  stopResponseFrame,
  tagNoticeFrame,
} from "@suyuan/proto/devices/uhf-m100.ts";
import { errorMessage, type Log, noLog, realScheduler, type Scheduler } from "./clock.ts";
import {
  corruptFrame,
  inventoryRound,
  type ReadNoise,
  type SerialNoise,
  type TagInField,
  type TagReport,
  validateReadNoise,
} from "./noise.ts";
import { chance, mulberry32, type Random } from "./random.ts";
import { normaliseTag } from "./tags.ts";
import type { SerialTransport } from "./transport/serial.ts";

export interface UhfModuleOptions {
  id: string;
  transport: SerialTransport;
  /** Duration of one inventory round in ms (default 50: ~20 rounds/s, as these modules do). */
  roundMs?: number;
  noise?: ReadNoise & SerialNoise;
  /** §3.4 texts. */
  info?: { hardware?: string; software?: string; manufacturer?: string };
  scheduler?: Scheduler;
  random?: Random;
  log?: Log;
}

export interface UhfModuleStats {
  /** Valid command frames received. */
  commands: number;
  /** Command frames the module did not understand (answered 0x17). */
  badCommands: number;
  /** Corrupt bytes/frames from the host, as counted by the shared decoder. */
  hostFrameErrors: number;
  rounds: number;
  /** Tag notices sent (including repeats, cross-reads and corrupted ones). */
  notices: number;
  emptyRounds: number;
  crossReads: number;
  /** Frames damaged on purpose (noise). */
  corrupted: number;
  /** Writes that failed because the line was down. */
  lostWrites: number;
  unplugs: number;
}

export class UhfModule {
  readonly id: string;
  private readonly o: UhfModuleOptions;
  private readonly scheduler: Scheduler;
  private readonly rng: Random;
  private readonly log: Log;
  private readonly roundMs: number;
  private readonly decoder = new FrameDecoder();
  private field: TagInField[] = [];
  private remaining = 0;
  private timer: unknown;
  private roundBusy = false;
  private started = false;
  // Map ( EPC hex -> notices sent for it ): what the module put on the line (ground truth).
  readonly reported = new Map<string, number>();
  readonly stats: UhfModuleStats = {
    commands: 0,
    badCommands: 0,
    hostFrameErrors: 0,
    rounds: 0,
    notices: 0,
    emptyRounds: 0,
    crossReads: 0,
    corrupted: 0,
    lostWrites: 0,
    unplugs: 0,
  };

  constructor(o: UhfModuleOptions) {
    validateReadNoise(o.noise);
    const cr = o.noise?.corruptRate;
    if (cr !== undefined && !(cr >= 0 && cr <= 1)) throw new TypeError("corruptRate must be 0..1");
    this.o = o;
    this.id = o.id;
    this.scheduler = o.scheduler ?? realScheduler;
    this.rng = o.random ?? mulberry32(1);
    this.log = o.log ?? noLog;
    this.roundMs = o.roundMs ?? 50;
    if (!(this.roundMs > 0)) throw new TypeError("roundMs must be > 0");
  }

  /** True while a multiple inventory runs. */
  get inventoryRunning(): boolean {
    return this.remaining > 0;
  }

  /**
   * The tags physically in the antenna's field from now on (EPC hex or TagInField; `antenna`
   * applies to entries that give none). The scenario moves goods by calling this.
   */
  setTagsInField(tags: readonly (string | TagInField)[], opts: { antenna?: number } = {}): void {
    this.field = tags.map((t) => normaliseTag(t, opts.antenna));
  }

  get tagsInField(): readonly TagInField[] {
    return this.field;
  }

  async start(): Promise<void> {
    if (this.started) return;
    await this.o.transport.open((chunk) => this.onHostBytes(chunk));
    this.started = true;
  }

  private onHostBytes(chunk: Buffer): void {
    const before = this.decoder.errors;
    const frames = this.decoder.push(chunk);
    this.stats.hostFrameErrors += this.decoder.errors - before;
    for (const f of frames) this.onCommand(f);
  }

  private onCommand(f: Frame): void {
    if (f.type !== FrameType.Command) {
      this.stats.badCommands++;
      this.send([errorFrame(ErrorCode.CommandError)]);
      return;
    }
    switch (f.cmd) {
      case Cmd.MultiInventory: {
        const rounds = parseMultiInventory(f);
        if (rounds === undefined || rounds === 0) break;
        this.stats.commands++;
        const wasRunning = this.remaining > 0;
        this.remaining = rounds;
        this.log("uhf module inventory start", { device: this.id, rounds });
        if (!wasRunning) this.schedule(0);
        return;
      }
      case Cmd.StopInventory:
        this.stats.commands++;
        this.halt();
        this.send([stopResponseFrame(0)]);
        return;
      case Cmd.SingleInventory:
        this.stats.commands++;
        this.send(this.roundFrames());
        return;
      case Cmd.GetInfo: {
        if (f.payload.length !== 1) break;
        this.stats.commands++;
        const kind = f.payload[0] as number;
        const info = this.o.info ?? {};
        const text =
          kind === InfoKind.Hardware
            ? (info.hardware ?? "M100 26dBm V1.0")
            : kind === InfoKind.Software
              ? (info.software ?? "V2.3.5")
              : kind === InfoKind.Manufacturer
                ? (info.manufacturer ?? "suyuan firmware-sim")
                : undefined;
        if (text === undefined) break;
        this.send([infoResponseFrame(kind, text)]);
        return;
      }
    }
    this.stats.badCommands++;
    this.send([errorFrame(ErrorCode.CommandError)]);
  }

  private schedule(ms: number): void {
    if (this.timer !== undefined) return;
    this.timer = this.scheduler.setTimeout(() => {
      this.timer = undefined;
      void this.round();
    }, ms);
  }

  private async round(): Promise<void> {
    if (this.remaining <= 0) return;
    if (this.roundBusy) {
      // A (re-)start arrived while the previous round was still being written: go on after it.
      this.schedule(this.roundMs);
      return;
    }
    this.roundBusy = true;
    this.remaining--;
    try {
      await this.send(this.roundFrames());
    } finally {
      this.roundBusy = false;
    }
    if (this.remaining > 0 && this.started) this.schedule(this.roundMs);
  }

  /** One inventory round: tag notices, or the "no tag" error frame (§3.5, 0x15). */
  private roundFrames(): Frame[] {
    this.stats.rounds++;
    const reports: TagReport[] = inventoryRound(this.field, this.o.noise, this.rng);
    if (reports.length === 0) {
      this.stats.emptyRounds++;
      return [errorFrame(ErrorCode.NoTag)];
    }
    return reports.map((r) => {
      this.stats.notices++;
      if (r.crossRead) this.stats.crossReads++;
      this.reported.set(r.epc, (this.reported.get(r.epc) ?? 0) + 1);
      // The module reports RSSI as a signed byte (§3.1); PC and CRC as the tag backscatters them.
      return tagNoticeFrame({ rssi: Math.max(-128, Math.min(127, Math.round(r.rssi))), epc: r.epc });
    });
  }

  private async send(frames: Frame[]): Promise<void> {
    const rate = this.o.noise?.corruptRate ?? 0;
    const bytes = frames.map((f) => {
      const enc = encodeFrame(f);
      if (!chance(this.rng, rate)) return enc;
      this.stats.corrupted++;
      return corruptFrame(enc, this.rng);
    });
    try {
      await this.o.transport.write(Buffer.concat(bytes));
    } catch (e) {
      this.stats.lostWrites++;
      this.log("uhf module write lost", { device: this.id, error: errorMessage(e) });
    }
  }

  private halt(): void {
    this.remaining = 0;
    if (this.timer !== undefined) {
      this.scheduler.clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  /** Pulls the cable: the inventory stops (the module loses power) and the host's port vanishes. */
  async unplug(): Promise<void> {
    this.stats.unplugs++;
    this.halt();
    this.decoder.reset();
    await this.o.transport.unplug();
  }

  /** Plugs back in; the module waits for the host's next inventory command, as after power-up. */
  async replug(): Promise<void> {
    await this.o.transport.replug();
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    this.halt();
    await this.o.transport.close();
  }
}
