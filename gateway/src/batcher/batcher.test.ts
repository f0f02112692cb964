import { batchHash, eventHashBytes, generateGatewayKey, verifyBatch, ZERO_HASH } from "@suyuan/proto";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Batcher, type SealedOutboxBatch } from "./batcher.ts";
import { testEvent } from "./testing.ts";

const key = generateGatewayKey();

function collectingSink() {
  const batches: SealedOutboxBatch[] = [];
  return { batches, sink: { append: async (b: SealedOutboxBatch) => void batches.push(b) } };
}

describe("Batcher", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date("2024-03-01T08:00:00.000Z"));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("seals by size: 1000 events → one batch at the 1000th, without waiting for the timer", async () => {
    const { batches, sink } = collectingSink();
    const b = new Batcher({ gatewayId: "gw-1", key, chain: { nextSeq: 0n, prevBatchHash: ZERO_HASH }, sink });
    for (let i = 0; i < 1000; i++) b.push(testEvent(i));
    await b.flushed();
    expect(batches).toHaveLength(1);
    expect(batches[0]!.header.count).toBe(1000);
    expect(batches[0]!.header.firstSeq).toBe(0n);
    b.push(testEvent(1000));
    await b.flushed();
    expect(batches).toHaveLength(1); // the 1001st waits for size or time
  });

  it("seals by time: ≤ 200 ms after the first event, not before", async () => {
    const { batches, sink } = collectingSink();
    const b = new Batcher({ gatewayId: "gw-1", key, chain: { nextSeq: 0n, prevBatchHash: ZERO_HASH }, sink });
    b.push(testEvent(1));
    await vi.advanceTimersByTimeAsync(100);
    b.push(testEvent(2));
    await vi.advanceTimersByTimeAsync(99);
    expect(batches).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(batches).toHaveLength(1);
    expect(batches[0]!.header.count).toBe(2);
    // createdAt is the injected/fake clock at sealing time (RFC 3339 UTC, ms).
    expect(batches[0]!.header.createdAt).toBe("2024-03-01T08:00:00.200Z");
  });

  it("chains batches: firstSeq continues, prevBatchHash = batchHash(previous header), genesis = zero hash", async () => {
    const { batches, sink } = collectingSink();
    const b = new Batcher({
      gatewayId: "gw-1",
      key,
      chain: { nextSeq: 0n, prevBatchHash: ZERO_HASH },
      sink,
      maxEvents: 3,
    });
    for (let i = 0; i < 7; i++) b.push(testEvent(i));
    await vi.advanceTimersByTimeAsync(200);
    expect(batches.map((x) => [x.header.firstSeq, x.header.count])).toEqual([
      [0n, 3],
      [3n, 3],
      [6n, 1],
    ]);
    expect(Buffer.from(batches[0]!.header.prevBatchHash).equals(ZERO_HASH)).toBe(true);
    expect(Buffer.from(batches[1]!.header.prevBatchHash).equals(batchHash(batches[0]!.header))).toBe(true);
    expect(Buffer.from(batches[2]!.header.prevBatchHash).equals(batchHash(batches[1]!.header))).toBe(true);
    for (const x of batches) {
      // The signature verifies over the CBV event hashes of exactly these events.
      verifyBatch(
        x.header,
        x.signature,
        key,
        x.events.map((e) => eventHashBytes(e)),
      );
    }
    expect(b.chainState().nextSeq).toBe(7n);
  });

  it("resumes a chain handed over by the outbox", async () => {
    const { batches, sink } = collectingSink();
    const prev = new Uint8Array(32).fill(7);
    const b = new Batcher({ gatewayId: "gw-1", key, chain: { nextSeq: 42n, prevBatchHash: prev }, sink });
    b.push(testEvent(1));
    await vi.advanceTimersByTimeAsync(200);
    expect(batches[0]!.header.firstSeq).toBe(42n);
    expect(Buffer.from(batches[0]!.header.prevBatchHash).equals(prev)).toBe(true);
  });

  it("applies backpressure while the sink waits, and never drops events", async () => {
    const batches: SealedOutboxBatch[] = [];
    let release: (() => void) | undefined;
    const sink = {
      append: async (x: SealedOutboxBatch) => {
        await new Promise<void>((r) => {
          release = r;
        });
        batches.push(x);
      },
    };
    const b = new Batcher({
      gatewayId: "gw-1",
      key,
      chain: { nextSeq: 0n, prevBatchHash: ZERO_HASH },
      sink,
      maxEvents: 1,
      maxQueuedBatches: 2,
    });
    expect(b.push(testEvent(0))).toBe(true); // queued: 1, being written
    expect(b.push(testEvent(1))).toBe(false); // queued: 2 → backpressure
    expect(b.push(testEvent(2))).toBe(false); // still accepted, still backpressure
    let writable = false;
    void b.writable().then(() => {
      writable = true;
    });
    for (let i = 0; i < 2; i++) {
      await vi.advanceTimersByTimeAsync(0);
      release?.();
      await vi.advanceTimersByTimeAsync(0);
    }
    expect(writable).toBe(true);
    release?.();
    await b.flushed();
    expect(batches.map((x) => x.header.firstSeq)).toEqual([0n, 1n, 2n]);
  });

  it("refuses maxEvents above 1000 and maxDelayMs above 200 (issue 4 §3)", () => {
    const { sink } = collectingSink();
    const chain = { nextSeq: 0n, prevBatchHash: ZERO_HASH };
    expect(() => new Batcher({ gatewayId: "g", key, chain, sink, maxEvents: 1001 })).toThrow(/BATCH_BAD_OPTION/);
    expect(() => new Batcher({ gatewayId: "g", key, chain, sink, maxDelayMs: 201 })).toThrow(/BATCH_BAD_OPTION/);
  });
});
