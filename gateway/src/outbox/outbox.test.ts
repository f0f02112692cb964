import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { batchHash, generateGatewayKey, ZERO_HASH } from "@suyuan/proto";
import { SignedBatch } from "@suyuan/proto/gen/suyuan/v1/batch.ts";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Batcher, type SealedOutboxBatch } from "../batcher/batcher.ts";
import { testEvents } from "../batcher/testing.ts";
import { Outbox } from "./outbox.ts";

const key = generateGatewayKey();

/** Seals `sizes` batches (sizes[i] events each) onto the chain the outbox holds. */
async function sealInto(outbox: Outbox, sizes: number[], from = 0): Promise<SealedOutboxBatch[]> {
  const sealed: SealedOutboxBatch[] = [];
  const b = new Batcher({
    gatewayId: "gw-test",
    key,
    chain: outbox.chainState(),
    sink: { append: (x) => outbox.append(x).then(() => void sealed.push(x)) },
    maxEvents: 1000,
  });
  let i = from;
  for (const n of sizes) {
    for (const ev of testEvents(i, n)) b.push(ev);
    i += n;
    b.seal();
  }
  await b.close();
  return sealed;
}

describe("Outbox", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "suyuan-outbox-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("persists sealed batches and the chain; a reopened outbox resumes both", async () => {
    const ob = await Outbox.open(dir, { quotaBytes: 1e9 });
    expect(ob.chainState()).toEqual({ nextSeq: 0n, prevBatchHash: ZERO_HASH });
    const sealed = await sealInto(ob, [3, 2]);
    await ob.close();

    const ob2 = await Outbox.open(dir, { quotaBytes: 1e9 });
    expect(ob2.list().map((p) => [p.firstSeq, p.count])).toEqual([
      [0n, 3],
      [3n, 2],
    ]);
    const chain = ob2.chainState();
    expect(chain.nextSeq).toBe(5n);
    expect(Buffer.from(chain.prevBatchHash).equals(batchHash(sealed[1]!.header))).toBe(true);
    // The stored record is the protobuf SignedBatch the uplink sends.
    const wire = SignedBatch.decode(await ob2.read(3n));
    expect(wire.header?.firstSeq).toBe(3n);
    expect(wire.events).toHaveLength(2);
    expect(Buffer.from(wire.signature).equals(sealed[1]!.signature)).toBe(true);
    // The batcher continues the chain exactly.
    const more = await sealInto(ob2, [1], 5);
    expect(more[0]!.header.firstSeq).toBe(5n);
    expect(Buffer.from(more[0]!.header.prevBatchHash).equals(batchHash(sealed[1]!.header))).toBe(true);
    await ob2.close();
  });

  it("refuses a batch that does not continue its chain", async () => {
    const ob = await Outbox.open(dir, { quotaBytes: 1e9 });
    const other = await Outbox.open(join(dir, "other"), { quotaBytes: 1e9 });
    const sealed = await sealInto(other, [1, 1]);
    await expect(ob.append(sealed[1]!)).rejects.toThrow(/OUTBOX_CHAIN_BROKEN/);
    await other.close();
    await ob.close();
  });

  it("clears acked batches and keeps rejected events as listable dead letters, across reopen", async () => {
    const ob = await Outbox.open(dir, { quotaBytes: 1e9, now: () => new Date("2024-03-01T00:00:00Z") });
    const sealed = await sealInto(ob, [2, 2]);
    await ob.ack(0n, [{ index: 1, code: "EPCIS_BAD_FIELD", message: "bizStep: unknown", field: "bizStep" }]);
    expect(ob.list().map((p) => p.firstSeq)).toEqual([2n]);
    expect(ob.stats().deadLetters).toBe(1);
    expect(ob.stats().lastAck).toEqual({ at: "2024-03-01T00:00:00.000Z", firstSeq: "0" });
    await ob.close();
    const ob2 = await Outbox.open(dir, { quotaBytes: 1e9 });
    const dl = await ob2.deadLetters();
    expect(dl).toHaveLength(1);
    expect(dl[0]).toMatchObject({ seq: "1", batchFirstSeq: "0", index: 1, code: "EPCIS_BAD_FIELD", field: "bizStep" });
    expect(dl[0]!.event).toMatchObject({ epcList: sealed[0]!.events[1]!.epcList });
    expect(dl[0]!.eventHash).toBe(Buffer.from(sealed[0]!.eventHashes[1]!).toString("hex"));
    expect(ob2.stats().deadLetters).toBe(1);
    expect(ob2.list()).toHaveLength(1);
    await ob2.close();
  });

  it("when the quota is full: sealing waits (backpressure), the alarm is raised once, nothing is discarded", async () => {
    const probe = await Outbox.open(join(dir, "probe"), { quotaBytes: 1e9 });
    await sealInto(probe, [10]);
    const oneBatch = probe.stats().bytes;
    await probe.close();

    const alarms: Array<[string, object]> = [];
    const ob = await Outbox.open(dir, { quotaBytes: oneBatch * 2 + 100, onAlarm: (k, d) => alarms.push([k, d]) });
    const sealed: SealedOutboxBatch[] = [];
    const b = new Batcher({
      gatewayId: "gw-test",
      key,
      chain: ob.chainState(),
      sink: { append: (x) => ob.append(x).then(() => void sealed.push(x)), isFull: () => ob.isFull() },
      maxEvents: 10,
      maxQueuedBatches: 100,
    });
    let accepted = true;
    for (const ev of testEvents(0, 40)) accepted = b.push(ev) && accepted;
    // Two batches fit, the third waits.
    await new Promise((r) => setTimeout(r, 50));
    expect(sealed).toHaveLength(2);
    expect(ob.isFull()).toBe(true);
    expect(b.push(testEvents(40, 1)[0]!)).toBe(false); // backpressure upstream
    expect(alarms.map((a) => a[0])).toEqual(["outbox_full"]);
    // Acks free space: the waiting batches go in, in order.
    await ob.ack(0n);
    await new Promise((r) => setTimeout(r, 50));
    expect(sealed).toHaveLength(3);
    await ob.ack(10n);
    await ob.ack(20n);
    await b.close();
    expect(sealed.map((s) => s.header.firstSeq)).toEqual([0n, 10n, 20n, 30n, 40n]);
    expect(sealed.reduce((n, s) => n + s.header.count, 0)).toBe(41);
    await ob.close();
  });

  it("reports its age and fill", async () => {
    let t = Date.parse("2024-03-01T00:00:00Z");
    const ob = await Outbox.open(dir, { quotaBytes: 1e6, now: () => new Date(t) });
    expect(ob.oldestUnackedSeconds()).toBe(0);
    const sealed = await sealInto(ob, [1]);
    t = Date.parse(sealed[0]!.header.createdAt) + 90_000;
    expect(ob.oldestUnackedSeconds()).toBe(90);
    expect(ob.stats().fill).toBeGreaterThan(0);
    await ob.close();
  });
});
