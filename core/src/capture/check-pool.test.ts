import { readdir, readFile } from "node:fs/promises";
import { getPriority } from "node:os";
import { encodeBase64, isSuyuanError, SuyuanError } from "@suyuan/proto";
import { SignedBatch } from "@suyuan/proto/gen/suyuan/v1/batch.ts";
import type { EventType } from "@suyuan/proto/gen/suyuan/v1/epcis.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  asRefusal,
  type BatchContext,
  type CheckedBatch,
  checkBatchEvents,
  decodeSignedBatch,
  Refusal,
} from "./batch-check.ts";
import { CheckPool, FAILURES_TO_PAUSE, PAUSE_MS, WORKER_NICE_STEPS } from "./check-pool.ts";
import { headerFromProto } from "./proto-header.ts";
import { DOCK_A, observe, PARTY_A, SITE_B, TestGateway } from "./test-fixtures.ts";
import { readBatchEnvelope } from "./wire.ts";

const ALG = "ed25519";

function ctxOf(gw: TestGateway, recordTime = "2024-03-01T09:00:00.000Z"): BatchContext {
  return { gatewayId: gw.id, keyId: gw.key.keyId, party: gw.party, recordTime };
}
const pubOf = (gw: TestGateway): string => encodeBase64(gw.key.publicKeyRaw);

/** The same checks on this thread, as the processor runs them without a pool. */
function inline(bytes: Uint8Array, gw: TestGateway, ctx: BatchContext): CheckedBatch {
  const envelope = readBatchEnvelope(bytes);
  const header = headerFromProto(envelope.header);
  return checkBatchEvents(decodeSignedBatch(bytes, envelope.events), header, gw.key, ctx);
}

/** A pool run as the processor makes it: the envelope (header, event count) read on this thread. */
function run(pool: CheckPool, bytes: Uint8Array, gw: TestGateway, ctx: BatchContext): Promise<CheckedBatch> {
  try {
    const envelope = readBatchEnvelope(bytes);
    return pool.run(bytes, headerFromProto(envelope.header), envelope.events, ALG, pubOf(gw), ctx);
  } catch (e) {
    return Promise.reject(asRefusal(e));
  }
}

function inlineRefusal(bytes: Uint8Array, gw: TestGateway, ctx: BatchContext): Refusal {
  try {
    inline(bytes, gw, ctx);
  } catch (e) {
    if (e instanceof Refusal) return e;
    throw e;
  }
  throw new Error("inline check did not refuse");
}

const hexOf = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");

/** Byte-for-byte equality of two checked batches (the typed arrays compared as bytes and kinds). */
function expectSame(got: CheckedBatch, want: CheckedBatch): void {
  expect(hexOf(got.hash)).toBe(hexOf(want.hash));
  expect(hexOf(got.signature)).toBe(hexOf(want.signature));
  expect(hexOf(got.digests)).toBe(hexOf(want.digests));
  expect(got.refused).toEqual(want.refused);
  expect(got.locations).toEqual(want.locations);
  expect(hexOf(got.records)).toBe(hexOf(want.records));
  expect(got.recordEnds).toBeInstanceOf(Uint32Array);
  expect([...got.recordEnds]).toEqual([...want.recordEnds]);
  expect(hexOf(got.leaves)).toBe(hexOf(want.leaves));
  expect(hexOf(got.logKeys)).toBe(hexOf(want.logKeys));
}

async function rejectionOf(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    (v) => {
      throw new Error(`expected a rejection, got ${String(v)}`);
    },
    (e: unknown) => e,
  );
}

const gwA = new TestGateway("gw-pool-a", PARTY_A);
const gwB = new TestGateway("gw-pool-b", PARTY_A);

/** Wire bytes of a few kinds of batch: plain, with refused events, an unreadable event, an error declaration. */
function sampleBatches(gw: TestGateway, base: number): Uint8Array[] {
  const plain = gw.seal([observe(base), observe(base + 1), observe(base + 2)], { advance: false }).batch;
  const mixed = gw.seal(
    [observe(base + 3), observe(base + 4, DOCK_A, { bizStep: "teleporting" }), observe(base + 5, SITE_B)],
    { advance: false, firstSeq: 17n },
  ).batch;
  const unreadable = gw.seal([observe(base + 6), observe(base + 7)], { advance: false }).batch;
  unreadable.events[0]!.type = 99 as EventType;
  const declaration = gw.seal(
    [
      observe(base + 8, DOCK_A, {
        errorDeclaration: { declarationTime: "2024-03-01T10:00:00.000Z", reason: "did_not_occur" },
      }),
    ],
    { advance: false },
  ).batch;
  return [plain, mixed, unreadable, declaration].map((b) => SignedBatch.encode(b).finish());
}

describe("CheckPool on real worker threads", () => {
  let pool: CheckPool;
  beforeAll(() => {
    pool = new CheckPool(2);
  });
  afterAll(async () => {
    await pool.close();
  });

  it("gives byte-identical results to the inline checks", async () => {
    expect(pool.size).toBe(2);
    const ctx = ctxOf(gwA);
    for (const bytes of sampleBatches(gwA, 0)) {
      const got = await run(pool, bytes, gwA, ctx);
      expectSame(got, inline(bytes, gwA, ctx));
    }
    // The samples did exercise refused events and records.
    const mixed = inline(sampleBatches(gwA, 0)[1]!, gwA, ctx);
    expect(mixed.refused.map((r) => r[0])).toEqual([1]);
    expect(mixed.records.length).toBeGreaterThan(0);
  });

  it("uses the bytes of a view only, and leaves the caller's buffer usable", async () => {
    const bytes = sampleBatches(gwA, 20)[0]!;
    const big = new Uint8Array(bytes.length + 64).fill(0xff);
    big.set(bytes, 32);
    const view = big.subarray(32, 32 + bytes.length);
    const ctx = ctxOf(gwA);
    const got = await run(pool, view, gwA, ctx);
    expectSame(got, inline(bytes, gwA, ctx));
    // Not transferred away from the caller (a transport may still hold it).
    expect(big.byteLength).toBe(bytes.length + 64);
    expect(hexOf(view)).toBe(hexOf(bytes));
  });

  it("verifies the header it is given, never one it reads from the bytes itself", async () => {
    const ctx = ctxOf(gwA);
    const bytes = sampleBatches(gwA, 40)[0]!;
    const envelope = readBatchEnvelope(bytes);
    const header = headerFromProto(envelope.header);
    // The caller's reading of the same bytes, and the same header: checks out.
    expectSame(await pool.run(bytes, header, envelope.events, ALG, pubOf(gwA), ctx), inline(bytes, gwA, ctx));
    // Another header than the one in the bytes (the signature covers the one in the bytes).
    const other = await rejectionOf(
      pool.run(bytes, { ...header, firstSeq: header.firstSeq + 1000n }, envelope.events, ALG, pubOf(gwA), ctx),
    );
    expect(other).toBeInstanceOf(Refusal);
    expect((other as Refusal).code).toBe("CAPTURE_BAD_SIGNATURE");
    // Another event count than the bytes decode to.
    const count = await rejectionOf(pool.run(bytes, header, envelope.events + 1, ALG, pubOf(gwA), ctx));
    expect(count).toBeInstanceOf(Refusal);
    expect((count as Refusal).code).toBe("CAPTURE_BAD_BATCH");
    expect((count as Refusal).reason).toMatch(/events decode to \d+ messages but it holds \d+ events fields/);
  });

  it("brings a batch refusal back as a Refusal with the inline code, reason and field", async () => {
    const ctx = ctxOf(gwA);
    const good = gwA.seal([observe(40), observe(41)], { advance: false }).batch;
    const mutants: SignedBatch[] = [];
    const badSig = structuredClone(good);
    badSig.signature = Buffer.from(badSig.signature.map((x, i) => (i === 3 ? x ^ 1 : x)));
    mutants.push(badSig);
    const falseHint = structuredClone(good);
    falseHint.eventHashes[0] = Buffer.alloc(32, 9);
    mutants.push(falseHint);
    const fewHints = structuredClone(good);
    fewHints.eventHashes.pop();
    mutants.push(fewHints);
    const unreadable = structuredClone(good);
    unreadable.eventHashes = [];
    unreadable.events[1]!.type = 99 as EventType;
    mutants.push(unreadable);
    const codes: string[] = [];
    for (const m of mutants) {
      const bytes = SignedBatch.encode(m).finish();
      const want = inlineRefusal(bytes, gwA, ctx);
      const got = await rejectionOf(run(pool, bytes, gwA, ctx));
      expect(got).toBeInstanceOf(Refusal);
      const r = got as Refusal;
      expect({ code: r.code, reason: r.reason, field: r.field }).toEqual({
        code: want.code,
        reason: want.reason,
        field: want.field,
      });
      codes.push(r.code);
    }
    expect(codes).toEqual([
      "CAPTURE_BAD_SIGNATURE",
      "CAPTURE_HASH_MISMATCH",
      "CAPTURE_COUNT_MISMATCH",
      "CAPTURE_BAD_EVENT",
    ]);
    // Another gateway's key for this batch.
    const other = await rejectionOf(run(pool, SignedBatch.encode(good).finish(), gwB, ctx));
    expect(other).toBeInstanceOf(Refusal);
    expect((other as Refusal).code).toBe("CAPTURE_KEY_MISMATCH");
  });

  it("refuses bytes that are no SignedBatch with CAPTURE_BAD_BATCH", async () => {
    const ctx = ctxOf(gwA);
    const good = SignedBatch.encode(gwA.seal([observe(50)], { advance: false }).batch).finish();
    for (const bytes of [
      Uint8Array.from([0x1a, 0x05, 0x01]), // an events field running past the end
      Uint8Array.from([...good, 0x1a, 0x02, 0x0f, 0xff]), // an events field that is no Event
      Uint8Array.from([0x0a, 0x01, 0x0f]), // a header that is no BatchHeader
    ]) {
      const got = await rejectionOf(run(pool, bytes, gwA, ctx));
      expect(got, hexOf(bytes)).toBeInstanceOf(Refusal);
      expect((got as Refusal).code).toBe("CAPTURE_BAD_BATCH");
      expect((got as Refusal).reason).toMatch(/^not a signed batch: /);
    }
    // A batch without header is no batch that can be checked either.
    const headless = SignedBatch.encode({ ...SignedBatch.decode(good), header: undefined }).finish();
    const got = await rejectionOf(run(pool, headless, gwA, ctx));
    expect(got).toBeInstanceOf(Refusal);
    expect((got as Refusal).code).toBe("CAPTURE_BAD_HEADER");
  });

  it("answers many batches at once, each with its own result", async () => {
    const jobs: { bytes: Uint8Array; gw: TestGateway; ctx: BatchContext }[] = [];
    for (let k = 0; k < 12; k++) {
      const gw = k % 2 === 0 ? gwA : gwB;
      // Distinct recordTimes too, so a result given to the wrong run shows in its records.
      const ctx = ctxOf(gw, `2024-03-01T09:00:${String(k).padStart(2, "0")}.000Z`);
      for (const bytes of sampleBatches(gw, 100 + 10 * k)) jobs.push({ bytes, gw, ctx });
      // And some refusals among them.
      const bad = SignedBatch.decode(sampleBatches(gw, 100 + 10 * k)[0]!);
      bad.signature[0]! ^= 0xff;
      jobs.push({ bytes: SignedBatch.encode(bad).finish(), gw, ctx });
    }
    const runs = jobs.map((j) => run(pool, j.bytes, j.gw, j.ctx));
    // Both workers took part, each given half (the least busy one gets the next batch).
    const slots = (pool as unknown as { slots: ({ pending: Map<number, unknown> } | undefined)[] }).slots;
    expect(slots.map((s) => s?.pending.size)).toEqual([jobs.length / 2, jobs.length / 2]);
    const settled = await Promise.allSettled(runs);
    let resolved = 0;
    let refused = 0;
    for (let k = 0; k < jobs.length; k++) {
      const { bytes, gw, ctx } = jobs[k]!;
      const s = settled[k]!;
      let want: CheckedBatch | undefined;
      let wantRefusal: Refusal | undefined;
      try {
        want = inline(bytes, gw, ctx);
      } catch (e) {
        if (!(e instanceof Refusal)) throw e;
        wantRefusal = e;
      }
      if (want !== undefined) {
        expect(s.status, `job ${k}`).toBe("fulfilled");
        if (s.status === "fulfilled") expectSame(s.value, want);
        resolved++;
      } else {
        expect(s.status, `job ${k}`).toBe("rejected");
        if (s.status === "rejected") {
          expect(s.reason).toBeInstanceOf(Refusal);
          expect((s.reason as Refusal).code).toBe(wantRefusal!.code);
        }
        refused++;
      }
    }
    expect(resolved).toBe(48);
    expect(refused).toBe(12);
  });
});

describe("CheckPool: workers that stop, and closing", () => {
  it("fails the runs of a worker that dies with CORE_INTERNAL; a later run gets a new worker", async () => {
    const logged: string[] = [];
    const pool = new CheckPool(1, (msg) => logged.push(msg));
    try {
      const ctx = ctxOf(gwA);
      const [b1, b2, b3] = sampleBatches(gwA, 200);
      // Rejection handlers attached at once: both runs fail while the first is awaited.
      const p1 = rejectionOf(run(pool, b1!, gwA, ctx));
      const p2 = rejectionOf(run(pool, b2!, gwA, ctx));
      type Slots = { slots: ({ worker: { terminate(): Promise<number> } } | undefined)[] };
      const slot = (pool as unknown as Slots).slots[0]!;
      const dead = slot.worker;
      // The worker is still starting (it loads its TypeScript first): neither run can have been answered.
      void dead.terminate();
      for (const p of [p1, p2]) {
        const e = await p;
        expect(isSuyuanError(e, "CORE_INTERNAL"), String(e)).toBe(true);
        expect(e).not.toBeInstanceOf(Refusal);
      }
      expect(logged).toContain("capture check worker stopped");
      const got = await run(pool, b3!, gwA, ctx);
      expectSame(got, inline(b3!, gwA, ctx));
      const now = (pool as unknown as Slots).slots[0];
      expect(now).toBeDefined();
      expect(now!.worker).not.toBe(dead);
    } finally {
      await pool.close();
    }
  });

  it("pauses after workers die three times in a row (available() is false), and resumes after the pause", async () => {
    const logged: string[] = [];
    const pool = new CheckPool(1, (msg) => logged.push(msg));
    type Slots = { slots: ({ worker: { terminate(): Promise<number> } } | undefined)[] };
    try {
      const ctx = ctxOf(gwA);
      const [b1] = sampleBatches(gwA, 400);
      expect(pool.available()).toBe(true);
      for (let k = 1; k <= FAILURES_TO_PAUSE; k++) {
        const pending = rejectionOf(run(pool, b1!, gwA, ctx));
        void (pool as unknown as Slots).slots[0]!.worker.terminate();
        expect(isSuyuanError(await pending, "CORE_INTERNAL")).toBe(true);
        expect(pool.available()).toBe(k < FAILURES_TO_PAUSE);
      }
      expect(logged.filter((m) => m === "capture check worker stopped")).toHaveLength(FAILURES_TO_PAUSE);
      expect(logged).toContain("capture check workers paused; checking on the event loop");
      expect(pool.available(Date.now() + PAUSE_MS + 1)).toBe(true);
    } finally {
      await pool.close();
    }
    expect(pool.available(Date.now() + PAUSE_MS + 1)).toBe(false); // closed
  });

  it("after close(), run rejects with CORE_STOPPING; runs in progress fail with CORE_STOPPING too", async () => {
    const logged: string[] = [];
    const pool = new CheckPool(2, (msg) => logged.push(msg));
    const ctx = ctxOf(gwA);
    const [b1] = sampleBatches(gwA, 300);
    // One run answered, so the pool has a live worker when it closes.
    expectSame(await run(pool, b1!, gwA, ctx), inline(b1!, gwA, ctx));
    const inProgress = rejectionOf(run(pool, b1!, gwA, ctx));
    await pool.close();
    const e1 = await inProgress;
    expect(isSuyuanError(e1, "CORE_STOPPING"), String(e1)).toBe(true);
    const e2 = await rejectionOf(run(pool, b1!, gwA, ctx));
    expect(e2).toBeInstanceOf(SuyuanError);
    expect(isSuyuanError(e2, "CORE_STOPPING")).toBe(true);
    // Stopping on purpose is not a worker failure.
    expect(logged).not.toContain("capture check worker stopped");
    await pool.close(); // twice is harmless
  });

  it("refuses a size that is not a positive integer", () => {
    for (const size of [0, -1, 1.5, Number.NaN]) expect(() => new CheckPool(size)).toThrow(TypeError);
  });
});

describe("CheckPool: worker CPU priority", () => {
  /** Nice value of every thread of this process (Linux /proc; field 19 of a task's stat). */
  async function threadNices(): Promise<number[]> {
    const tasks = await readdir("/proc/self/task");
    const out: number[] = [];
    for (const t of tasks) {
      try {
        const stat = await readFile(`/proc/self/task/${t}/stat`, "utf8");
        // After "(comm) ": state, ppid, … — nice is the 19th field of the line, the 17th here.
        out.push(Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]));
      } catch {
        // A thread that ended meanwhile.
      }
    }
    return out;
  }
  const count = (xs: number[], v: number) => xs.filter((x) => x === v).length;

  it("runs each worker WORKER_NICE_STEPS below this thread (Linux) and never touches the event loop's", async () => {
    expect(WORKER_NICE_STEPS).toBe(10);
    const base = getPriority(0);
    const lowered = Math.min(19, base + WORKER_NICE_STEPS);
    const before = await threadNices();
    const pool = new CheckPool(2);
    const plain = new CheckPool(1, undefined, 0);
    try {
      const ctx = ctxOf(gwA);
      const [b1, b2] = sampleBatches(gwA, 400);
      // Two runs at once start both workers of `pool`; one run starts `plain`'s.
      await Promise.all([run(pool, b1!, gwA, ctx), run(pool, b2!, gwA, ctx), run(plain, b1!, gwA, ctx)]);
      const after = await threadNices();
      // The workers' threads: two more at the lowered priority (none where nice is per process).
      const expected = process.platform === "linux" && lowered !== base ? 2 : 0;
      expect(count(after, lowered) - count(before, lowered)).toBe(expected);
      expect(getPriority(0)).toBe(base);
    } finally {
      await pool.close();
      await plain.close();
    }
  });
});
