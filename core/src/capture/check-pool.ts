// Capture check workers: the per-event work of a gateway batch (decode, CBV 2.0 hashes,
// signature, standard checks, record layout; batch-check.ts) on worker threads, so it runs
// beside the event loop that sequences, stores and acknowledges batches instead of on it.
// Capture then scales with cores: one Ed25519 verification and ~1000 event hashes per batch
// are independent of every other batch.
//
// A task is one batch: its wire bytes (copied once into a buffer of their own, transferred),
// the enrolled key and the provenance. The answer comes back as a few transferred buffers.
// A worker that dies fails the batches it held with CORE_INTERNAL (the processor then checks
// them on the event loop, so no batch fails for it) and is replaced on the next task. After
// FAILURES_TO_PAUSE deaths in a row the pool pauses for PAUSE_MS (`available()` is false) and
// capture runs on the event loop meanwhile: slower, never stuck.
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { type BatchHeader, SuyuanError } from "@suyuan/proto";
import { type BatchContext, type CheckedBatch, Refusal } from "./batch-check.ts";
import { cgroupCpuLimit } from "./cpu-limit.ts";

export interface CheckRequest {
  id: number;
  bytes: Uint8Array;
  /**
   * The header the event loop read from these bytes and accepted (authorisation, sequence,
   * ack): the worker verifies the signature over this one, never over one it reads itself.
   */
  header: BatchHeader;
  /** Events the event loop counted in the bytes. */
  events: number;
  algorithm: string;
  /** Raw public key, base64 (as enrolled). */
  publicKey: string;
  ctx: BatchContext;
}

/** What a check worker is started with. */
export interface CheckWorkerData {
  /** The worker's module (check-worker.ts). */
  entry: string;
  niceSteps: number;
}

export type CheckReply =
  | { id: number; checked: CheckedBatch }
  | { id: number; refusal: { code: string; reason: string; field: string | undefined } }
  | { id: number; error: string };

/**
 * How much lower than the event loop's a check worker's CPU priority is (Linux nice steps).
 * Capture keeps every core busy, and an inspector's chain query then waited its turn behind
 * the worker: on the 2-core bench machine GetChain under full capture took 34–43 ms at the
 * median and 230–460 ms at p99 (5 runs of capture bench phase 2), against 17–27 ms and
 * 96–231 ms (9 runs) with the worker 10 steps lower, while capture's own throughput stayed
 * within the machine's noise: the worker still has every cycle the event loop does not want.
 */
export const WORKER_NICE_STEPS = 10;

/**
 * Workers when the core is not told: one per core it may use, at most 4 — the CPUs it may run
 * on, or fewer when a container or service limit says so (cpu-limit.ts; a limit of 1.5 cores
 * counts as 2). The workers run below the event loop's priority (WORKER_NICE_STEPS), so it
 * needs no core kept free for it; before they did, the default was one per core beyond the
 * event loop's. On the 2-core bench machine a second worker fills the time the first waits
 * for its next batch: capture's throughput rose 3–13 % (5 paired runs, e.g. 22.0k → 23.7k,
 * 20.6k → 23.3k events/s). The
 * price, if any, is paid by queries while capture saturates the machine: an inspector's
 * GetChain under full capture (capture bench phase 2) took 13–15 ms at p50 and 57–64 ms at
 * p99 with one worker (2 runs), 15–20 ms and 51–114 ms with two (4 runs). An operator who
 * prefers that latency to throughput starts the core with --capture-workers 1.
 */
export function defaultCheckWorkers(cpuLimit: number | undefined = cgroupCpuLimit()): number {
  const cores = Math.min(
    availableParallelism(),
    cpuLimit === undefined ? Number.POSITIVE_INFINITY : Math.ceil(cpuLimit),
  );
  return Math.max(1, Math.min(4, cores));
}

interface Slot {
  worker: Worker;
  pending: Map<number, { resolve: (c: CheckedBatch) => void; reject: (e: unknown) => void }>;
}

/** Worker deaths in a row (no answer between them) after which the pool pauses. */
export const FAILURES_TO_PAUSE = 3;
export const PAUSE_MS = 30_000;

const BOOT = new URL("./check-worker-boot.mjs", import.meta.url);
const ENTRY = new URL("./check-worker.ts", import.meta.url).href;

export class CheckPool {
  private readonly slots: (Slot | undefined)[];
  private nextId = 0;
  private closed = false;
  private failuresInARow = 0;
  private pausedUntil = 0;

  constructor(
    size: number,
    private readonly log: (msg: string, fields?: object) => void = () => {},
    /** Nice steps below the event loop for the workers (0: the same priority). */
    private readonly niceSteps = WORKER_NICE_STEPS,
  ) {
    if (!Number.isInteger(size) || size < 1)
      throw new TypeError(`CheckPool: size must be a positive integer, got ${size}`);
    this.slots = new Array(size).fill(undefined);
  }

  get size(): number {
    return this.slots.length;
  }

  /** False while closed, or paused after workers kept dying. */
  available(now = Date.now()): boolean {
    return !this.closed && now >= this.pausedUntil;
  }

  /**
   * Checks one batch on the least busy worker: `bytes` as received, with the header and event
   * count the caller read from them (wire.ts readBatchEnvelope). Rejects with a Refusal for a
   * batch refusal.
   */
  run(
    bytes: Uint8Array,
    header: BatchHeader,
    events: number,
    algorithm: string,
    publicKey: string,
    ctx: BatchContext,
  ): Promise<CheckedBatch> {
    if (this.closed) return Promise.reject(new SuyuanError("CORE_STOPPING", "capture is shutting down"));
    const slot = this.pick();
    const id = this.nextId++;
    // A buffer of its own: the wire bytes may be a view into a larger buffer of the transport.
    const own = new Uint8Array(bytes);
    return new Promise<CheckedBatch>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      const req: CheckRequest = { id, bytes: own, header, events, algorithm, publicKey, ctx };
      slot.worker.postMessage(req, [own.buffer]);
    });
  }

  private pick(): Slot {
    let best = -1;
    for (let i = 0; i < this.slots.length; i++) {
      const s = this.slots[i];
      if (s === undefined) {
        this.slots[i] = this.spawn(i);
        return this.slots[i]!;
      }
      if (best < 0 || s.pending.size < this.slots[best]!.pending.size) best = i;
    }
    return this.slots[best]!;
  }

  private spawn(i: number): Slot {
    const data: CheckWorkerData = { entry: ENTRY, niceSteps: this.niceSteps };
    const worker = new Worker(BOOT, { workerData: data });
    const slot: Slot = { worker, pending: new Map() };
    worker.on("message", (m: CheckReply) => {
      const p = slot.pending.get(m.id);
      if (p === undefined) return;
      slot.pending.delete(m.id);
      this.failuresInARow = 0;
      if ("checked" in m) p.resolve(m.checked);
      else if ("refusal" in m) p.reject(new Refusal(m.refusal.code, m.refusal.reason, m.refusal.field));
      else p.reject(new SuyuanError("CORE_INTERNAL", `capture check failed: ${m.error}`));
    });
    let failed = false;
    const fail = (why: string) => {
      if (failed) return; // "error" is followed by "exit"
      failed = true;
      if (this.slots[i] === slot) this.slots[i] = undefined;
      if (!this.closed) {
        this.log("capture check worker stopped", { level: "error", worker: i, why });
        if (++this.failuresInARow >= FAILURES_TO_PAUSE) {
          this.failuresInARow = 0;
          this.pausedUntil = Date.now() + PAUSE_MS;
          this.log("capture check workers paused; checking on the event loop", { level: "error", pauseMs: PAUSE_MS });
        }
      }
      for (const p of slot.pending.values()) {
        p.reject(new SuyuanError("CORE_INTERNAL", `capture check worker stopped: ${why}`));
      }
      slot.pending.clear();
    };
    worker.on("error", (e) => fail(e instanceof Error ? e.message : String(e)));
    worker.on("exit", (code) => fail(`exit code ${code}`));
    return slot;
  }

  /** Stops the workers; batches still being checked fail with CORE_STOPPING. */
  async close(): Promise<void> {
    this.closed = true;
    const slots = this.slots.splice(0, this.slots.length);
    await Promise.all(
      slots.map(async (s) => {
        if (s === undefined) return;
        for (const p of s.pending.values()) p.reject(new SuyuanError("CORE_STOPPING", "capture is shutting down"));
        s.pending.clear();
        await s.worker.terminate();
      }),
    );
  }
}
