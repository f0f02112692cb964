// The durable outbox (issue 4 §3): the gateway's point of durability. A sealed batch is
// written with sync: true, together with the chain state it advances, in ONE atomic LevelDB
// batch BEFORE the uplink may send it; it stays until the core acknowledges it. Events the
// core rejects move to a dead-letter store in the same atomic write that clears their batch:
// nothing is dropped silently.
//
// Layout (one LevelDB, string keys, binary values; <seq> = 20-digit zero-padded decimal so
// lexicographic key order is sequence order):
//   b!<firstSeq>   → protobuf SignedBatch bytes (header, signature, events, event_hashes)
//   i!<firstSeq>   → JSON { count, bytes, createdAt }          index, read on open
//   d!<seq>        → JSON DeadLetter                            rejected events, kept
//   m!chain        → JSON { nextSeq: "<dec>", prevBatchHash: "<hex>" }   after the last SEALED batch
//   m!lastAck      → JSON { at: "<RFC 3339>", firstSeq: "<dec>" }
import { EventEmitter } from "node:events";
import { type BatchHeader, batchHash, SuyuanError, ZERO_HASH } from "@suyuan/proto";
import { Level } from "level";
import type { ChainState, SealedOutboxBatch } from "../batcher/batcher.ts";
import { decodeSignedBatch, encodeSignedBatch } from "./codec.ts";

export interface DeadLetter {
  /** Sequence number of the event (batch firstSeq + index). */
  seq: string;
  batchFirstSeq: string;
  index: number;
  /** CBV 2.0 event hash digest, hex. */
  eventHash: string;
  /** The core's SuyuanError code, message and field. */
  code: string;
  message: string;
  field: string;
  /** When the core's answer arrived. */
  at: string;
  /** The event as sealed (EPCIS 2.0 JSON model). */
  event: unknown;
}

export interface RejectedOutcome {
  index: number;
  code: string;
  message: string;
  field: string;
}

export interface PendingBatch {
  firstSeq: bigint;
  count: number;
  bytes: number;
  createdAt: string;
}

export interface OutboxStats {
  batches: number;
  events: number;
  bytes: number;
  quotaBytes: number;
  /** bytes / quotaBytes in [0, 1+]. */
  fill: number;
  full: boolean;
  oldestCreatedAt: string | undefined;
  deadLetters: number;
  lastAck: { at: string; firstSeq: string } | undefined;
}

export interface OutboxOptions {
  /** Disk quota for unacknowledged batches, bytes. */
  quotaBytes: number;
  now?: () => Date;
  log?: (msg: string, fields?: object) => void;
  /** A loud operator alarm (outbox full); also logged at error level by the caller's log. */
  onAlarm?: (kind: string, detail: object) => void;
}

const SEQ_DIGITS = 20;
const seqKey = (prefix: string, seq: bigint): string => `${prefix}!${seq.toString(10).padStart(SEQ_DIGITS, "0")}`;
const enc = new TextEncoder();
const dec = new TextDecoder();
const json = (v: unknown): Uint8Array => enc.encode(JSON.stringify(v));
const unjson = <T>(b: Uint8Array): T => JSON.parse(dec.decode(b)) as T;
const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");

type Db = Level<string, Uint8Array>;

export class Outbox {
  private readonly pending = new Map<bigint, PendingBatch>();
  /** firstSeq of pending batches in ascending order (appends are in order). */
  private order: bigint[] = [];
  private bytes = 0;
  private events = 0;
  private chain: ChainState;
  private deadLetterCount: number;
  private lastAck: { at: string; firstSeq: string } | undefined;
  private spaceWaiters: Array<() => void> = [];
  private alarmed = false;
  /** "append" (a batch became sendable), "space" (an ack freed space). */
  readonly signals = new EventEmitter();

  private constructor(
    private readonly db: Db,
    private readonly opts: OutboxOptions,
    init: {
      chain: ChainState;
      pending: PendingBatch[];
      deadLetters: number;
      lastAck: { at: string; firstSeq: string } | undefined;
    },
  ) {
    this.chain = init.chain;
    for (const p of init.pending) {
      this.pending.set(p.firstSeq, p);
      this.order.push(p.firstSeq);
      this.bytes += p.bytes;
      this.events += p.count;
    }
    this.deadLetterCount = init.deadLetters;
    this.lastAck = init.lastAck;
  }

  /** Opens (or creates) the outbox at `path` and resumes its chain and pending batches. */
  static async open(path: string, opts: OutboxOptions): Promise<Outbox> {
    if (!(Number.isFinite(opts.quotaBytes) && opts.quotaBytes > 0)) {
      throw new SuyuanError("OUTBOX_BAD_QUOTA", `quotaBytes ${opts.quotaBytes}: must be a positive number`, {
        field: "quotaBytes",
      });
    }
    const db: Db = new Level<string, Uint8Array>(path, { keyEncoding: "utf8", valueEncoding: "view" });
    try {
      await db.open();
    } catch (e) {
      throw new SuyuanError("OUTBOX_OPEN_FAILED", `outbox ${path}: ${(e as Error).message}`, {
        field: "outbox.path",
        cause: e,
      });
    }
    const chainRaw = await db.get("m!chain");
    let chain: ChainState = { nextSeq: 0n, prevBatchHash: ZERO_HASH };
    if (chainRaw !== undefined) {
      const c = unjson<{ nextSeq: string; prevBatchHash: string }>(chainRaw);
      chain = { nextSeq: BigInt(c.nextSeq), prevBatchHash: new Uint8Array(Buffer.from(c.prevBatchHash, "hex")) };
    }
    const pending: PendingBatch[] = [];
    for await (const [k, v] of db.iterator({ gt: "i!", lt: "i~" })) {
      const i = unjson<{ count: number; bytes: number; createdAt: string }>(v);
      pending.push({ firstSeq: BigInt(k.slice(2)), count: i.count, bytes: i.bytes, createdAt: i.createdAt });
    }
    let deadLetters = 0;
    for await (const _ of db.keys({ gt: "d!", lt: "d~" })) deadLetters++;
    const lastAckRaw = await db.get("m!lastAck");
    const lastAck = lastAckRaw === undefined ? undefined : unjson<{ at: string; firstSeq: string }>(lastAckRaw);
    const ob = new Outbox(db, opts, { chain, pending, deadLetters, lastAck });
    opts.log?.("outbox opened", { path, batches: pending.length, nextSeq: String(chain.nextSeq) });
    return ob;
  }

  /** The chain after the last sealed (durable) batch: where the batcher continues. */
  chainState(): ChainState {
    return { nextSeq: this.chain.nextSeq, prevBatchHash: this.chain.prevBatchHash };
  }

  /** True while the quota is used up or a batch waits for space. */
  isFull(): boolean {
    return this.bytes >= this.opts.quotaBytes || this.spaceWaiters.length > 0;
  }

  /**
   * Makes a sealed batch durable (fsync) with the chain state it advances, atomically. When
   * the quota is full this WAITS (backpressure towards the batcher and the devices) and
   * raises the alarm once; it never discards. A batch must follow the chain.
   */
  async append(batch: SealedOutboxBatch): Promise<void> {
    const h = batch.header;
    if (h.firstSeq !== this.chain.nextSeq || !Buffer.from(h.prevBatchHash).equals(this.chain.prevBatchHash)) {
      throw new SuyuanError(
        "OUTBOX_CHAIN_BROKEN",
        `batch firstSeq ${h.firstSeq} does not continue the outbox chain at ${this.chain.nextSeq}`,
        { field: "header.firstSeq" },
      );
    }
    const bytes = encodeSignedBatch(batch);
    // A batch larger than the whole quota goes in when the outbox is empty, or it would wait forever.
    while (this.bytes > 0 && this.bytes + bytes.length > this.opts.quotaBytes) {
      this.raiseFullAlarm(bytes.length);
      await new Promise<void>((resolve) => this.spaceWaiters.push(resolve));
    }
    const { nextSeq, prevBatchHash } = nextLinkOf(h);
    const entry: PendingBatch = { firstSeq: h.firstSeq, count: h.count, bytes: bytes.length, createdAt: h.createdAt };
    await this.db.batch(
      [
        { type: "put", key: seqKey("b", h.firstSeq), value: bytes },
        {
          type: "put",
          key: seqKey("i", h.firstSeq),
          value: json({ count: entry.count, bytes: entry.bytes, createdAt: entry.createdAt }),
        },
        {
          type: "put",
          key: "m!chain",
          value: json({ nextSeq: nextSeq.toString(10), prevBatchHash: hex(prevBatchHash) }),
        },
      ],
      { sync: true },
    );
    this.chain = { nextSeq, prevBatchHash };
    this.pending.set(h.firstSeq, entry);
    this.order.push(h.firstSeq);
    this.bytes += entry.bytes;
    this.events += entry.count;
    if (this.alarmed && this.spaceWaiters.length === 0) {
      this.alarmed = false;
      this.opts.log?.("outbox has space again", { bytes: this.bytes, quotaBytes: this.opts.quotaBytes });
    }
    this.signals.emit("append", entry);
  }

  private raiseFullAlarm(need: number): void {
    if (this.alarmed) return;
    this.alarmed = true;
    const detail = { bytes: this.bytes, quotaBytes: this.opts.quotaBytes, need, batches: this.order.length };
    this.opts.log?.("ALARM outbox full: sealing waits, devices are held back", detail);
    this.opts.onAlarm?.("outbox_full", detail);
  }

  /** Pending batches in sequence order. */
  list(): PendingBatch[] {
    return this.order.map((s) => this.pending.get(s)!);
  }

  /** The pending batch containing `seq`, or the first one after it. */
  firstFrom(seq: bigint): PendingBatch | undefined {
    for (const s of this.order) {
      const p = this.pending.get(s)!;
      if (p.firstSeq + BigInt(p.count) > seq) return p;
    }
    return undefined;
  }

  /** The pending batch after `firstSeq` (in order), if any. */
  next(firstSeq: bigint): PendingBatch | undefined {
    const i = this.order.indexOf(firstSeq);
    const s = i === -1 ? undefined : this.order[i + 1];
    return s === undefined ? undefined : this.pending.get(s);
  }

  has(firstSeq: bigint): boolean {
    return this.pending.has(firstSeq);
  }

  /** The stored SignedBatch bytes (what goes on the wire). */
  async read(firstSeq: bigint): Promise<Uint8Array> {
    const v = await this.db.get(seqKey("b", firstSeq));
    if (v === undefined) {
      throw new SuyuanError("OUTBOX_MISSING", `no pending batch at firstSeq ${firstSeq}`, { field: "firstSeq" });
    }
    return v;
  }

  /**
   * The core answered the batch: accepted or duplicate events are delivered; `rejected`
   * events move to the dead-letter store. Clears the batch in one synced atomic write.
   * Unknown batches (acked twice) are ignored.
   */
  async ack(firstSeq: bigint, rejected: readonly RejectedOutcome[] = []): Promise<void> {
    const p = this.pending.get(firstSeq);
    if (p === undefined) return;
    const at = (this.opts.now ?? (() => new Date()))().toISOString();
    const ops: Array<{ type: "put"; key: string; value: Uint8Array } | { type: "del"; key: string }> = [
      { type: "del", key: seqKey("b", firstSeq) },
      { type: "del", key: seqKey("i", firstSeq) },
    ];
    if (rejected.length > 0) {
      const b = decodeSignedBatch(await this.read(firstSeq));
      for (const r of rejected) {
        const seq = firstSeq + BigInt(r.index);
        const h = b.eventHashes[r.index];
        const dl: DeadLetter = {
          seq: seq.toString(10),
          batchFirstSeq: firstSeq.toString(10),
          index: r.index,
          eventHash: h === undefined ? "" : hex(h),
          code: r.code,
          message: r.message,
          field: r.field,
          at,
          event: b.events[r.index] ?? null,
        };
        ops.push({ type: "put", key: seqKey("d", seq), value: json(dl) });
        this.opts.log?.("event rejected by core: dead letter", {
          seq: dl.seq,
          code: r.code,
          field: r.field,
          message: r.message,
        });
      }
    }
    const lastAck = { at, firstSeq: firstSeq.toString(10) };
    ops.push({ type: "put", key: "m!lastAck", value: json(lastAck) });
    await this.db.batch(ops, { sync: true });
    if (!this.pending.delete(firstSeq)) return; // raced with another ack of the same batch
    this.order = this.order.filter((s) => s !== firstSeq);
    this.bytes -= p.bytes;
    this.events -= p.count;
    this.deadLetterCount += rejected.length;
    this.lastAck = lastAck;
    const w = this.spaceWaiters;
    this.spaceWaiters = [];
    for (const r of w) r();
    this.signals.emit("space");
  }

  async deadLetters(limit = 1000): Promise<DeadLetter[]> {
    const out: DeadLetter[] = [];
    for await (const v of this.db.values({ gt: "d!", lt: "d~", limit })) out.push(unjson<DeadLetter>(v));
    return out;
  }

  stats(): OutboxStats {
    const first = this.order[0];
    return {
      batches: this.order.length,
      events: this.events,
      bytes: this.bytes,
      quotaBytes: this.opts.quotaBytes,
      fill: this.bytes / this.opts.quotaBytes,
      full: this.isFull(),
      oldestCreatedAt: first === undefined ? undefined : this.pending.get(first)?.createdAt,
      deadLetters: this.deadLetterCount,
      lastAck: this.lastAck,
    };
  }

  /** Seconds since the oldest pending batch was sealed (0 when empty). */
  oldestUnackedSeconds(): number {
    const o = this.stats().oldestCreatedAt;
    if (o === undefined) return 0;
    const now = (this.opts.now ?? (() => new Date()))().getTime();
    return Math.max(0, (now - Date.parse(o)) / 1000);
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

function nextLinkOf(h: BatchHeader): ChainState {
  // proto sign/batch.ts nextBatchLink: firstSeq + count, batchHash of the canonical header.
  return { nextSeq: h.firstSeq + BigInt(h.count), prevBatchHash: batchHash(h) };
}
