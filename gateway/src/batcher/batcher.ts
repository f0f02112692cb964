// Events → CBV 2.0 §8.9 event hash → batches sealed by size or time → signed (proto
// sealBatch). Sequence numbers are per event: a batch carries firstSeq .. firstSeq + count − 1
// and the next batch starts at firstSeq + count; prevBatchHash names the previous header's
// batchHash (ZERO_HASH for the gateway's first batch), so the core sees gaps and forks.
import type { KeyObject } from "node:crypto";
import {
  type AlgorithmName,
  type BatchHeader,
  type EpcisEvent,
  eventHashBytes,
  nextBatchLink,
  SuyuanError,
  sealBatch,
} from "@suyuan/proto";

/** A sealed, signed batch with its events, ready for the outbox. */
export interface SealedOutboxBatch {
  header: BatchHeader;
  signature: Uint8Array;
  events: EpcisEvent[];
  /** CBV 2.0 event-hash digests (32 bytes each), in event order. */
  eventHashes: Uint8Array[];
}

/** Where the chain continues: the next event's sequence number and the last batch's hash. */
export interface ChainState {
  nextSeq: bigint;
  prevBatchHash: Uint8Array;
}

export interface BatchSink {
  /**
   * Makes the batch durable. MAY wait (the outbox is full: backpressure); MUST keep order:
   * the batcher calls it one batch at a time.
   */
  append(batch: SealedOutboxBatch): Promise<void>;
  /** True while the sink cannot take more (its quota is full). */
  isFull?(): boolean;
}

export interface BatcherOptions {
  gatewayId: string;
  key: { keyId: string; algorithm: AlgorithmName; privateKey: KeyObject };
  /** The chain state the outbox holds (resume after restart). */
  chain: ChainState;
  sink: BatchSink;
  /** Seal when this many events are open (issue 4 §3: ≤ 1000). Default 1000. */
  maxEvents?: number;
  /** Seal at most this long after the first open event arrived. Default 200 ms. */
  maxDelayMs?: number;
  /** Sealed batches waiting for the sink before `push` reports backpressure. Default 4. */
  maxQueuedBatches?: number;
  now?: () => Date;
  log?: (msg: string, fields?: object) => void;
  onSealed?: (batch: SealedOutboxBatch) => void;
  onError?: (err: unknown) => void;
}

export const MAX_BATCH_EVENTS = 1000;
export const MAX_BATCH_DELAY_MS = 200;

export class Batcher {
  private readonly opts: Required<Pick<BatcherOptions, "maxEvents" | "maxDelayMs" | "maxQueuedBatches">> &
    BatcherOptions;
  private chain: ChainState;
  private openEvents: EpcisEvent[] = [];
  private openHashes: Uint8Array[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Sealed batches not yet written by the sink, in order. */
  private readonly queue: SealedOutboxBatch[] = [];
  private writing: Promise<void> | undefined;
  private waiters: Array<() => void> = [];
  private closed = false;
  private abandoned = false;
  private sealedCount = 0;

  constructor(opts: BatcherOptions) {
    const maxEvents = opts.maxEvents ?? MAX_BATCH_EVENTS;
    const maxDelayMs = opts.maxDelayMs ?? MAX_BATCH_DELAY_MS;
    if (!Number.isInteger(maxEvents) || maxEvents < 1 || maxEvents > MAX_BATCH_EVENTS) {
      throw new SuyuanError("BATCH_BAD_OPTION", `maxEvents ${maxEvents}: must be an integer in [1, 1000]`, {
        field: "maxEvents",
      });
    }
    if (!(maxDelayMs > 0 && maxDelayMs <= MAX_BATCH_DELAY_MS)) {
      throw new SuyuanError("BATCH_BAD_OPTION", `maxDelayMs ${maxDelayMs}: must be in (0, 200]`, {
        field: "maxDelayMs",
      });
    }
    this.opts = { ...opts, maxEvents, maxDelayMs, maxQueuedBatches: opts.maxQueuedBatches ?? 4 };
    this.chain = { nextSeq: opts.chain.nextSeq, prevBatchHash: opts.chain.prevBatchHash };
  }

  /** The chain after the last sealed batch. */
  chainState(): ChainState {
    return { ...this.chain };
  }

  stats(): { open: number; queued: number; sealed: number } {
    return { open: this.openEvents.length, queued: this.queue.length, sealed: this.sealedCount };
  }

  /**
   * Adds one event. Never drops it: the return value is the backpressure signal — false
   * means the caller SHOULD stop reading devices until `writable()` resolves.
   */
  push(ev: EpcisEvent): boolean {
    if (this.closed) throw new SuyuanError("BATCH_CLOSED", "the batcher is closed", { field: "batcher" });
    // CBV 2.0 §8.9: the event's identity, computed once here; the core recomputes it.
    const digest = eventHashBytes(ev);
    this.openEvents.push(ev);
    this.openHashes.push(digest);
    if (this.openEvents.length >= this.opts.maxEvents) this.seal();
    else if (this.timer === undefined) this.timer = setTimeout(() => this.seal(), this.opts.maxDelayMs);
    return !this.backpressured();
  }

  /** True while sealed batches pile up in front of a slow or full sink. */
  backpressured(): boolean {
    return this.queue.length >= this.opts.maxQueuedBatches || (this.opts.sink.isFull?.() ?? false);
  }

  /** Resolves when `push` would return true again. */
  writable(): Promise<void> {
    if (!this.backpressured()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Seals the open events now (if any). */
  seal(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.openEvents.length === 0) return;
    const events = this.openEvents;
    const eventHashes = this.openHashes;
    this.openEvents = [];
    this.openHashes = [];
    const now = (this.opts.now ?? (() => new Date()))();
    const { header, signature } = sealBatch(
      {
        gatewayId: this.opts.gatewayId,
        keyId: this.opts.key.keyId,
        algorithm: this.opts.key.algorithm,
        firstSeq: this.chain.nextSeq,
        prevBatchHash: this.chain.prevBatchHash,
        createdAt: now.toISOString(),
      },
      eventHashes,
      this.opts.key,
    );
    const batch: SealedOutboxBatch = { header, signature, events, eventHashes };
    this.chain = nextLink(header);
    this.sealedCount++;
    this.queue.push(batch);
    this.opts.log?.("batch sealed", { firstSeq: String(header.firstSeq), count: header.count });
    this.pump();
  }

  private pump(): void {
    if (this.writing !== undefined) return;
    this.writing = (async () => {
      while (this.queue.length > 0 && !this.abandoned) {
        const b = this.queue[0]!;
        try {
          await this.opts.sink.append(b);
        } catch (e) {
          // The sink could not make the batch durable (disk error). Keep it queued and retry:
          // a sealed batch is never skipped, or the chain would break (its successor names it).
          this.opts.log?.("batch append failed", { firstSeq: String(b.header.firstSeq), error: String(e) });
          this.opts.onError?.(e);
          await new Promise((r) => setTimeout(r, 100));
          continue;
        }
        this.queue.shift();
        this.opts.onSealed?.(b);
        this.wake();
      }
    })().finally(() => {
      this.writing = undefined;
      this.wake();
    });
  }

  private wake(): void {
    if (this.backpressured()) return;
    const w = this.waiters;
    this.waiters = [];
    for (const r of w) r();
  }

  /** Wakes `writable()` waiters after the sink freed space (outbox acks). */
  notifySinkSpace(): void {
    this.wake();
  }

  /** Resolves once every sealed batch is in the sink. */
  async flushed(): Promise<void> {
    while (this.writing !== undefined) await this.writing;
  }

  /**
   * Gives up on batches still waiting for the sink (shutdown with a full outbox): they were
   * never durable, never sent, and the chain continues from the last durable batch.
   */
  abandon(): void {
    this.abandoned = true;
    this.closed = true;
  }

  /** Seals what is open, waits for the sink, and refuses further events. */
  async close(): Promise<void> {
    this.seal();
    this.closed = true;
    await this.flushed();
  }
}

function nextLink(h: BatchHeader): ChainState {
  const l = nextBatchLink(h);
  return { nextSeq: l.firstSeq, prevBatchHash: l.prevBatchHash };
}
