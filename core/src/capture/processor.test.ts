import { batchHash, canonicalHeaderBytes, eventHash, generateGatewayKey, isSuyuanError } from "@suyuan/proto";
import { type BatchAck, BatchHeader as PBatchHeader, SignedBatch } from "@suyuan/proto/gen/suyuan/v1/batch.ts";
import type { EventType } from "@suyuan/proto/gen/suyuan/v1/epcis.ts";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { readConformanceText } from "../../../tests/shared.ts";
import type { VerifiableLog } from "../log/verifiable-log.ts";
import type { Principal } from "../model.ts";
import type { MemoryStore } from "../store/memory/memory-store.ts";
import { CheckPool } from "./check-pool.ts";
import { batchKey, readBatchRecord } from "./gateway-state.ts";
import { type CaptureAlarm, CaptureProcessor } from "./processor.ts";
import { headerToProto } from "./proto-header.ts";
import {
  DOCK_A,
  FakeMaster,
  HeldLedger,
  observe,
  openLog,
  PARTY_A,
  PARTY_B,
  SITE_A,
  SITE_B,
  TestGateway,
} from "./test-fixtures.ts";

const NOW = new Date("2024-03-01T09:00:00.000Z");
const gwToken = (gw: TestGateway): Principal => ({
  id: `tok-${gw.id}`,
  role: "gateway",
  party: gw.party,
  gatewayId: gw.id,
});

function outcomes(ack: BatchAck): string[] {
  return ack.events.map((o) => {
    const oc = o.outcome;
    if (oc === undefined) return "none";
    if (oc.$case === "rejected") return `rejected:${oc.value.code}:${oc.value.field}`;
    return `${oc.$case}:${oc.value.logIndex}`;
  });
}

/** A protobuf base-128 varint (protobuf.dev "Encoding"). */
function varint(n: number): number[] {
  const out: number[] = [];
  do {
    const low = n & 0x7f;
    n = Math.floor(n / 128);
    out.push(n > 0 ? low | 0x80 : low);
  } while (n > 0);
  return out;
}

// Every gateway-batch case four ways: the batch decoded, as wire bytes checked on the event
// loop, as wire bytes checked on a capture worker thread, and on two (the default on a
// 2-core machine), where a gateway's batches are checked side by side and may finish out of
// order.
describe.each([
  { mode: "decoded batch" },
  { mode: "wire bytes" },
  { mode: "wire bytes on a worker" },
  { mode: "wire bytes on two workers" },
] as const)("CaptureProcessor: gateway batches ($mode)", ({ mode }) => {
  let pool: CheckPool | undefined;
  beforeAll(() => {
    if (mode === "wire bytes on a worker") pool = new CheckPool(1);
    if (mode === "wire bytes on two workers") pool = new CheckPool(2);
  });
  afterAll(async () => {
    await pool?.close();
  });
  /** The batch as this mode hands it to processBatch. */
  const asSent = (b: SignedBatch): SignedBatch | Uint8Array =>
    mode === "decoded batch" ? b : SignedBatch.encode(b).finish();
  const withPool = (): { checkPool?: CheckPool } => (pool === undefined ? {} : { checkPool: pool });
  let log: VerifiableLog;
  let store: MemoryStore;
  let master: FakeMaster;
  let gw: TestGateway;
  let alarms: CaptureAlarm[];
  let p: CaptureProcessor;

  beforeEach(async () => {
    ({ log, store } = await openLog());
    master = new FakeMaster().own(PARTY_A, SITE_A).own(PARTY_A, DOCK_A).own(PARTY_B, SITE_B);
    gw = new TestGateway("gw-1", PARTY_A);
    master.gateways.set(gw.id, gw.enrolment());
    alarms = [];
    p = new CaptureProcessor({
      ledger: log,
      master,
      store,
      now: () => NOW,
      onAlarm: (a) => alarms.push(a),
      ...withPool(),
    });
  });
  afterEach(async () => {
    await log.close();
    await store.close();
  });

  it("accepts a signed batch: per-event log indexes, gateway provenance, durable before the ack", async () => {
    const events = [observe(1), observe(2), observe(3)];
    const { batch, header } = gw.seal(events);
    const ack = await p.processBatch(asSent(batch), gwToken(gw));
    expect(ack.status?.$case).toBe("accepted");
    expect(outcomes(ack)).toEqual(["accepted:0", "accepted:1", "accepted:2"]);
    expect(Buffer.from(ack.batchHash).equals(Buffer.from(batchHash(header)))).toBe(true);
    // The ack came after the append: the events are in the log (and the store) already.
    expect(await store.size()).toBe(3);
    const second = await log.getEvent(1);
    expect(second?.hashId).toBe(eventHash(events[1]!));
    expect(second?.recordTime).toBe("2024-03-01T09:00:00.000Z");
    expect(second?.provenance).toEqual({
      kind: "gateway",
      gatewayId: "gw-1",
      keyId: gw.key.keyId,
      party: PARTY_A,
      batchHash: Buffer.from(batchHash(header)).toString("hex"),
      seq: "1",
      batchIndex: 1,
    });
    // The signed batch is kept for proof bundles: exact signed bytes and every event digest.
    const rec = await readBatchRecord(store, "gw-1", 0n);
    if (rec === undefined) throw new Error("no batch record");
    const raw = await store.getMeta(batchKey("gw-1", 0n));
    expect(Buffer.from(rec.signature).equals(batch.signature)).toBe(true);
    expect(rec.eventHashes.map((d) => Buffer.from(d).toString("hex"))).toEqual(
      events.map((e) => eventHash(e).slice(14, 78)),
    );
    const json = JSON.parse(raw as string) as { headerBytes: string };
    expect(Buffer.from(json.headerBytes, "base64").equals(Buffer.from(canonicalHeaderBytes(header)))).toBe(true);
  });

  it("answers a resent batch with duplicates at the original indexes and stores nothing twice", async () => {
    const first = gw.seal([observe(1), observe(2)]);
    const second = gw.seal([observe(3), observe(4, SITE_B)]);
    await p.processBatch(asSent(first.batch), gwToken(gw));
    const a2 = await p.processBatch(asSent(second.batch), gwToken(gw));
    expect(outcomes(a2)).toEqual(["accepted:2", "rejected:POLICY_FORBIDDEN:events[1].readPoint"]);

    const again = await p.processBatch(asSent(first.batch), gwToken(gw));
    expect(again.status?.$case).toBe("accepted");
    expect(outcomes(again)).toEqual(["duplicate:0", "duplicate:1"]);
    // The last batch resent keeps its rejected event rejected.
    const again2 = await p.processBatch(asSent(second.batch), gwToken(gw));
    expect(outcomes(again2)).toEqual(["duplicate:2", "rejected:POLICY_FORBIDDEN:events[1].readPoint"]);
    expect(log.size()).toBe(3);
    expect(p.stats().batchesResent).toBe(2);
  });

  it("answers a gap with the missing range and stores nothing; the resent range then continues the chain", async () => {
    const b0 = gw.seal([observe(1), observe(2)]); // seq 0..1
    const b1 = gw.seal([observe(3), observe(4), observe(5)]); // seq 2..4
    const b2 = gw.seal([observe(6)]); // seq 5
    await p.processBatch(asSent(b0.batch), gwToken(gw));
    const gap = await p.processBatch(asSent(b2.batch), gwToken(gw));
    expect(gap.status).toEqual({ $case: "gap", value: { expectedSeq: 2n, missingFrom: 2n, missingTo: 4n } });
    expect(gap.events).toEqual([]);
    expect(log.size()).toBe(2);
    expect(outcomes(await p.processBatch(asSent(b1.batch), gwToken(gw)))).toEqual([
      "accepted:2",
      "accepted:3",
      "accepted:4",
    ]);
    expect(outcomes(await p.processBatch(asSent(b2.batch), gwToken(gw)))).toEqual(["accepted:5"]);
  });

  it("asks for the start when the core holds nothing and the batch names a predecessor", async () => {
    gw.seal([observe(1)]); // never delivered
    const b1 = gw.seal([observe(2)]);
    const ack = await p.processBatch(asSent(b1.batch), gwToken(gw));
    expect(ack.status).toEqual({ $case: "gap", value: { expectedSeq: 0n, missingFrom: 0n, missingTo: 0n } });
  });

  it("refuses a fork (other content at an accepted sequence) and raises an alarm", async () => {
    const b0 = gw.seal([observe(1), observe(2)]);
    await p.processBatch(asSent(b0.batch), gwToken(gw));
    const forked = gw.seal([observe(7), observe(8)], { firstSeq: 0n, prev: b0.header.prevBatchHash, advance: false });
    const ack = await p.processBatch(asSent(forked.batch), gwToken(gw));
    expect(ack.status?.$case).toBe("fork");
    if (ack.status?.$case !== "fork") return;
    expect(ack.status.value.seq).toBe(0n);
    expect(Buffer.from(ack.status.value.acceptedBatchHash).equals(Buffer.from(batchHash(b0.header)))).toBe(true);
    expect(alarms).toHaveLength(1);
    expect(alarms[0]).toMatchObject({
      kind: "fork",
      gatewayId: "gw-1",
      seq: "0",
      acceptedBatchHash: Buffer.from(batchHash(b0.header)).toString("hex"),
      receivedBatchHash: Buffer.from(batchHash(forked.header)).toString("hex"),
    });
    expect(p.stats().forks).toBe(1);
    expect(log.size()).toBe(2);
  });

  it("treats a batch at the expected sequence that does not chain to the last batch as a fork", async () => {
    const b0 = gw.seal([observe(1)]);
    await p.processBatch(asSent(b0.batch), gwToken(gw));
    // The gateway lost its state and starts over at the right number with an empty chain.
    const reset = gw.seal([observe(2)], { prev: new Uint8Array(32) });
    const ack = await p.processBatch(asSent(reset.batch), gwToken(gw));
    expect(ack.status?.$case).toBe("fork");
    expect(alarms).toHaveLength(1);
    expect(log.size()).toBe(1);
  });

  it("refuses batches with a bad signature, a wrong root, a wrong count, a false hash hint", async () => {
    const good = gw.seal([observe(1), observe(2)], { advance: false });
    const codes: string[] = [];
    const refuse = async (mutate: (b: typeof good.batch) => void) => {
      const b = structuredClone(good.batch);
      mutate(b);
      const ack = await p.processBatch(asSent(b), gwToken(gw));
      codes.push(ack.status?.$case === "rejected" ? ack.status.value.code : `status ${ack.status?.$case}`);
    };
    await refuse((b) => {
      b.signature = Buffer.from(b.signature.map((x, i) => (i === 0 ? x ^ 1 : x)));
    });
    await refuse((b) => {
      b.header!.eventsRoot = Buffer.alloc(32, 7); // signature no longer covers it either; root is checked first
    });
    await refuse((b) => {
      b.events.pop();
      b.eventHashes = [];
    });
    await refuse((b) => {
      b.eventHashes[1] = Buffer.alloc(32, 1);
    });
    await refuse((b) => {
      // An event changed in transit (hints dropped, so only the root can catch it).
      b.events[0]!.eventTime = "2024-03-01T08:59:59.000+08:00";
      b.eventHashes = [];
    });
    expect(codes).toEqual([
      "CAPTURE_BAD_SIGNATURE",
      "CAPTURE_ROOT_MISMATCH",
      "CAPTURE_COUNT_MISMATCH",
      "CAPTURE_HASH_MISMATCH",
      "CAPTURE_ROOT_MISMATCH",
    ]);
    expect(log.size()).toBe(0);
    // None of them moved the sequence: the genuine batch is still the expected one.
    expect(outcomes(await p.processBatch(asSent(good.batch), gwToken(gw)))).toEqual(["accepted:0", "accepted:1"]);
  });

  it("refuses unknown gateways, unknown keys and revoked keys", async () => {
    const stranger = new TestGateway("gw-stranger", PARTY_A);
    const a1 = await p.processBatch(asSent(stranger.seal([observe(1)]).batch), gwToken(stranger));
    expect(a1.status).toMatchObject({ $case: "rejected", value: { code: "CAPTURE_UNKNOWN_GATEWAY" } });

    const other = generateGatewayKey();
    const a2 = await p.processBatch(asSent(gw.seal([observe(1)], { key: other, advance: false }).batch), gwToken(gw));
    expect(a2.status).toMatchObject({ $case: "rejected", value: { code: "CAPTURE_UNKNOWN_KEY" } });

    master.revoked.add(`gw-1/${gw.key.keyId}`);
    const a3 = await p.processBatch(asSent(gw.seal([observe(1)], { advance: false }).batch), gwToken(gw));
    expect(a3.status).toMatchObject({ $case: "rejected", value: { code: "CAPTURE_KEY_REVOKED" } });

    // Revocation recorded in the enrolment itself counts as well.
    master.revoked.clear();
    const enr = gw.enrolment();
    enr.keys[0]!.status = "revoked";
    master.gateways.set(gw.id, enr);
    const a4 = await p.processBatch(asSent(gw.seal([observe(1)], { advance: false }).batch), gwToken(gw));
    expect(a4.status).toMatchObject({ $case: "rejected", value: { code: "CAPTURE_KEY_REVOKED" } });
    expect(log.size()).toBe(0);
  });

  it("rejects only the bad events of a batch; the others are stored and the sequence advances", async () => {
    const events = [
      observe(1),
      observe(2, DOCK_A, { bizStep: "teleporting" }), // not a CBV 2.0 bizStep (CBV 2.0 §7.1) nor a URI
      observe(3, SITE_B), // party B's location
      observe(4, DOCK_A, { bizLocation: { id: SITE_B } }),
      observe(5, "urn:epc:id:sgln:0614141.99999.0"), // unknown to master data
      observe(6),
    ];
    const ack = await p.processBatch(asSent(gw.seal(events).batch), gwToken(gw));
    expect(ack.status?.$case).toBe("accepted");
    expect(outcomes(ack)).toEqual([
      "accepted:0",
      "rejected:EPCIS_NOT_CBV:events[1].bizStep",
      "rejected:POLICY_FORBIDDEN:events[2].readPoint",
      "rejected:POLICY_FORBIDDEN:events[3].bizLocation",
      "rejected:POLICY_FORBIDDEN:events[4].readPoint",
      "accepted:1",
    ]);
    const rej = ack.events[2]!.outcome;
    expect(rej?.$case === "rejected" && rej.value.message).toContain(PARTY_B);
    expect(log.size()).toBe(2);
    expect(outcomes(await p.processBatch(asSent(gw.seal([observe(7)]).batch), gwToken(gw)))).toEqual(["accepted:2"]);
  });

  it("refuses only an unreadable event when its hash was sent; without the hash the batch cannot be verified", async () => {
    const withHints = gw.seal([observe(1), observe(2), observe(3)]);
    withHints.batch.events[1]!.type = 99 as EventType; // no EPCIS 2.0 §7.4 event type
    const ack = await p.processBatch(asSent(withHints.batch), gwToken(gw));
    expect(ack.status?.$case).toBe("accepted");
    expect(outcomes(ack)).toEqual(["accepted:0", "rejected:SCHEMA_BAD_EVENT_TYPE:events[1].type", "accepted:1"]);

    const noHints = gw.seal([observe(4), observe(5)], { hints: false, advance: false });
    noHints.batch.events[0]!.type = 99 as EventType;
    const refused = await p.processBatch(asSent(noHints.batch), gwToken(gw));
    expect(refused.status).toMatchObject({ $case: "rejected", value: { code: "CAPTURE_BAD_EVENT" } });
    expect(log.size()).toBe(2);
  });

  it("limits a gateway with allowed read points to them (a GLN covers its extensions)", async () => {
    const gw2 = new TestGateway("gw-2", PARTY_A, [DOCK_A]);
    master.gateways.set(gw2.id, gw2.enrolment());
    const ack = await p.processBatch(
      asSent(
        gw2.seal([observe(1, DOCK_A, { bizLocation: undefined }), observe(2, SITE_A, { bizLocation: undefined })])
          .batch,
      ),
      gwToken(gw2),
    );
    expect(outcomes(ack)).toEqual(["accepted:0", "rejected:POLICY_FORBIDDEN:events[1].readPoint"]);

    const gw3 = new TestGateway("gw-3", PARTY_A, [SITE_A]);
    master.gateways.set(gw3.id, gw3.enrolment());
    const ack3 = await p.processBatch(asSent(gw3.seal([observe(3, DOCK_A)]).batch), gwToken(gw3));
    expect(outcomes(ack3)).toEqual(["accepted:1"]);
  });

  it("refuses a batch whose header bytes two decoders would read differently; nothing is stored", async () => {
    // An unsigned header (seq 1000, count 7), an end-group tag, then the gateway's real
    // signed header as a smuggled field: a protobuf decoder stops the header at the tag
    // and reads the signed one as the batch's own. It must not be accepted under either.
    const real = gw.seal([observe(1), observe(2)]);
    const signed = PBatchHeader.encode(real.batch.header!).finish();
    const forged = PBatchHeader.encode(headerToProto({ ...real.header, firstSeq: 1000n, count: 7 })).finish();
    const field1 = (body: Uint8Array) => Buffer.concat([Uint8Array.of(0x0a, ...varint(body.length)), body]);
    const inner = Buffer.concat([forged, Uint8Array.of(0x0c), field1(signed)]);
    const rest = SignedBatch.encode({ ...real.batch, header: undefined }).finish();
    const evil = Buffer.concat([field1(inner), rest]);
    const ack = await p.processBatch(mode === "decoded batch" ? SignedBatch.decode(evil) : evil, gwToken(gw));
    if (mode === "decoded batch") {
      // Decoded by a protobuf decoder first: the smuggled header is what it sees, and that one is signed.
      expect(ack.status?.$case).toBe("accepted");
      return;
    }
    expect(ack.status?.$case === "rejected" && ack.status.value.code).toBe("CAPTURE_BAD_BATCH");
    expect(log.size()).toBe(0);
    // The gateway's chain is untouched: its real batch is accepted at seq 0 afterwards.
    const next = await p.processBatch(asSent(real.batch), gwToken(gw));
    expect(next.status?.$case).toBe("accepted");
    expect(next.firstSeq).toBe(0n);
    expect(outcomes(next)).toEqual(["accepted:0", "accepted:1"]);
  });

  it("refuses principals that are not this gateway's token", async () => {
    const { batch } = gw.seal([observe(1)], { advance: false });
    const partner: Principal = { id: "t-p", role: "partner", party: PARTY_A };
    const otherGw: Principal = { id: "t-g", role: "gateway", party: PARTY_A, gatewayId: "gw-9" };
    for (const who of [partner, otherGw]) {
      const err = await p.processBatch(asSent(batch), who).catch((e: unknown) => e);
      expect(isSuyuanError(err, "AUTH_FORBIDDEN")).toBe(true);
    }
    expect(log.size()).toBe(0);
  });

  it("keeps one gateway's batches in order when they arrive together", async () => {
    const bs = [gw.seal([observe(1)]), gw.seal([observe(2), observe(3)]), gw.seal([observe(4)])];
    const acks = await Promise.all(bs.map((b) => p.processBatch(asSent(b.batch), gwToken(gw))));
    expect(acks.map(outcomes)).toEqual([["accepted:0"], ["accepted:1", "accepted:2"], ["accepted:3"]]);
  });

  it("appends a gateway's batches in the order they came when a later one is checked first", async () => {
    // The first batch takes far longer to check than the next two, which a second worker
    // finishes meanwhile: they must still wait for it (their sequence numbers follow it).
    const big = Array.from({ length: 3000 }, (_, i) => observe(i + 1));
    const bs = [gw.seal(big), gw.seal([observe(5001)]), gw.seal([observe(5002), observe(5003)])];
    const acks = await Promise.all(bs.map((b) => p.processBatch(asSent(b.batch), gwToken(gw))));
    expect(acks.map((a) => a.status?.$case)).toEqual(["accepted", "accepted", "accepted"]);
    expect(outcomes(acks[1]!)).toEqual(["accepted:3000"]);
    expect(outcomes(acks[2]!)).toEqual(["accepted:3001", "accepted:3002"]);
    expect(log.size()).toBe(3003);
  });

  it("resumes a gateway's sequence from the store after a restart", async () => {
    const b0 = gw.seal([observe(1)]);
    await p.processBatch(asSent(b0.batch), gwToken(gw));
    const p2 = new CaptureProcessor({ ledger: log, master, store, now: () => NOW, ...withPool() });
    expect(outcomes(await p2.processBatch(asSent(b0.batch), gwToken(gw)))).toEqual(["duplicate:0"]);
    const skip = gw.seal([observe(3)], { firstSeq: 5n });
    const gap = await p2.processBatch(asSent(skip.batch), gwToken(gw));
    expect(gap.status).toEqual({ $case: "gap", value: { expectedSeq: 1n, missingFrom: 1n, missingTo: 4n } });
  });

  it("pushes back with a retry hint when too many events are in flight", async () => {
    const held = new HeldLedger(log);
    const q = new CaptureProcessor({
      ledger: held,
      master,
      store,
      maxInFlightEvents: 3,
      retryAfterMs: 40,
      ...withPool(),
    });
    held.hold();
    const first = q.processBatch(asSent(gw.seal([observe(1), observe(2)]).batch), gwToken(gw));
    const gw2 = new TestGateway("gw-2", PARTY_A);
    master.gateways.set(gw2.id, gw2.enrolment());
    const err = await q
      .processBatch(asSent(gw2.seal([observe(3), observe(4)]).batch), gwToken(gw2))
      .catch((e: unknown) => e);
    expect(isSuyuanError(err, "CORE_PUSHBACK")).toBe(true);
    expect((err as { detail?: { retryAfterMs?: number } }).detail?.retryAfterMs).toBe(40);
    expect(q.stats()).toMatchObject({ pushbacks: 1, inFlightEvents: 2 });
    held.release();
    expect(outcomes(await first)).toEqual(["accepted:0", "accepted:1"]);
    expect(q.stats().inFlightEvents).toBe(0);
    // Room again: the pushed-back batch goes through when retried.
    expect(
      outcomes(
        await q.processBatch(
          asSent(gw2.seal([observe(3), observe(4)], { firstSeq: 0n, prev: new Uint8Array(32) }).batch),
          gwToken(gw2),
        ),
      ),
    ).toEqual(["accepted:2", "accepted:3"]);
  });
});

describe("CaptureProcessor: a check worker that dies", () => {
  it("checks the batch on the event loop instead: the batch is still accepted", async () => {
    const { log, store } = await openLog();
    const master = new FakeMaster().own(PARTY_A, SITE_A).own(PARTY_A, DOCK_A);
    const gw = new TestGateway("gw-dies", PARTY_A);
    master.gateways.set(gw.id, gw.enrolment());
    const logged: string[] = [];
    const dying = new CheckPool(1);
    try {
      const q = new CaptureProcessor({
        ledger: log,
        master,
        store,
        now: () => NOW,
        checkPool: dying,
        log: (m) => logged.push(m),
      });
      const { batch } = gw.seal([observe(1), observe(2)]);
      const acked = q.processBatch(SignedBatch.encode(batch).finish(), gwToken(gw));
      // The worker is still loading its TypeScript: it cannot have answered yet.
      type Slots = { slots: ({ worker: { terminate(): Promise<number> } } | undefined)[] };
      void (dying as unknown as Slots).slots[0]!.worker.terminate();
      const ack = await acked;
      expect(ack.status?.$case).toBe("accepted");
      expect(outcomes(ack)).toEqual(["accepted:0", "accepted:1"]);
      expect(log.size()).toBe(2);
      expect(logged).toContain("capture batch checked on the event loop");
    } finally {
      await dying.close();
      await log.close();
      await store.close();
    }
  });
});

describe("CaptureProcessor: partner documents", () => {
  const JSON_961 = readConformanceText("epcis-examples", "gs1-epcis", "JSON", "Example_9.6.1-ObjectEvent.jsonld");
  const XML_961 = readConformanceText(
    "epcis-examples",
    "gs1-epcis",
    "XML",
    "Example_9.6.1-ObjectEvent-2020_06_18a.xml",
  );
  // Example 9.6.1's read points and business location (EPCIS 2.0 §9.6.1).
  const DOC_LOCATIONS = [
    "urn:epc:id:sgln:0614141.07346.1234",
    "urn:epc:id:sgln:0012345.11111.400",
    "urn:epc:id:sgln:0012345.11111.0",
  ];
  const PARTNER: Principal = { id: "partner-tok", role: "partner", party: PARTY_B };
  let log: VerifiableLog;
  let store: MemoryStore;
  let master: FakeMaster;

  beforeEach(async () => {
    ({ log, store } = await openLog());
    master = new FakeMaster();
  });
  afterEach(async () => {
    await log.close();
    await store.close();
  });

  it("captures Example 9.6.1 for a party that owns its locations, with partner provenance", async () => {
    for (const l of DOC_LOCATIONS) master.own(PARTY_B, l);
    const p = new CaptureProcessor({ ledger: log, master, store, now: () => NOW, newCaptureId: () => "job-1" });
    const r = await p.processDocument(JSON_961, undefined, PARTNER);
    expect(r).toMatchObject({ captureId: "job-1", format: "jsonld", accepted: 2, duplicates: 0, rejected: 0 });
    expect(r.events.map((o) => [o.status, o.status === "rejected" ? -1 : o.logIndex])).toEqual([
      ["accepted", 0],
      ["accepted", 1],
    ]);
    const e0 = await log.getEvent(0);
    expect(e0?.provenance).toEqual({
      kind: "partner",
      party: PARTY_B,
      principal: "partner-tok",
      format: "jsonld",
      documentId: "job-1",
    });
    expect(e0?.event.epcList).toEqual(["urn:epc:id:sgtin:0614141.107346.2017", "urn:epc:id:sgtin:0614141.107346.2018"]);
    // The same events in the XML binding (EPCIS 2.0 §10) are the same events: CBV 2.0 §8.9
    // event hashes do not depend on the syntax. The first is stored once; the second is
    // not the same event, as its extension's namespace in the XML example lacks the JSON
    // example's trailing "/" (http://ns.example.com/epcis vs http://ns.example.com/epcis/).
    const x = await p.processDocument(XML_961, "xml", PARTNER);
    expect(x.events.map((o) => o.status)).toEqual(["duplicate", "accepted"]);
    expect(x.events.map((o) => (o.status === "rejected" ? -1 : o.logIndex))).toEqual([0, 2]);
    expect((await log.getEvent(2))?.provenance).toMatchObject({ kind: "partner", format: "xml" });
    expect(log.size()).toBe(3);
  });

  it("proceed stores the events that pass; rollback stores none when one fails", async () => {
    // Party B owns only the second event's locations: the first event is another party's.
    master.own(PARTY_A, DOC_LOCATIONS[0]!).own(PARTY_B, DOC_LOCATIONS[1]!).own(PARTY_B, DOC_LOCATIONS[2]!);
    const p = new CaptureProcessor({ ledger: log, master, store });
    const rb = await p.processDocument(JSON_961, "jsonld", PARTNER, { errorBehaviour: "rollback" });
    expect(rb.rolledBack).toBe(true);
    expect(rb.events.map((o) => (o.status === "rejected" ? `${o.code}:${o.field}` : o.status))).toEqual([
      "POLICY_FORBIDDEN:epcisBody.eventList[0].readPoint",
      "CAPTURE_ROLLED_BACK:epcisBody.eventList[1]",
    ]);
    expect(log.size()).toBe(0);

    const pr = await p.processDocument(JSON_961, "jsonld", PARTNER, { errorBehaviour: "proceed" });
    expect(pr).toMatchObject({ accepted: 1, rejected: 1, rolledBack: false });
    expect(pr.events[1]).toMatchObject({ status: "accepted", logIndex: 0 });
    expect(log.size()).toBe(1);
  });

  it("refuses a document that is not a sound EPCIS document as a whole, and non-partner roles", async () => {
    const p = new CaptureProcessor({ ledger: log, master, store });
    const codeOf = (e: unknown) => (isSuyuanError(e) ? e.code : String(e));
    expect(codeOf(await p.processDocument("{ not json", undefined, PARTNER).catch((e: unknown) => e))).toMatch(
      /^EPCIS_/,
    );
    expect(codeOf(await p.processDocument("hello", undefined, PARTNER).catch((e: unknown) => e))).toBe(
      "EPCIS_UNKNOWN_FORMAT",
    );
    const gwP: Principal = { id: "g", role: "gateway", party: PARTY_B, gatewayId: "gw-1" };
    expect(codeOf(await p.processDocument(JSON_961, undefined, gwP).catch((e: unknown) => e))).toBe("AUTH_FORBIDDEN");
    expect(log.size()).toBe(0);
  });

  it("hands the document's master data to the hook before checking its events", async () => {
    const seen: string[] = [];
    const text = readConformanceText(
      "epcis-examples",
      "gs1-epcis",
      "XML",
      "WithFullCombinationOfFields",
      "masterdata_all_possible_fields.xml",
    );
    const p = new CaptureProcessor({
      ledger: log,
      master,
      store,
      onMasterData: (vocs, who) => {
        seen.push(`${who.id}:${vocs.map((v) => v.type).join(",")}`);
      },
    });
    const admin: Principal = { id: "root", role: "admin" };
    const r = await p.processDocument(text, undefined, admin).catch((e: unknown) => e);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatch(/^root:.*urn:epcglobal:epcis:vtype:/);
    expect(isSuyuanError(r)).toBe(false);
  });
});
