import {
  batchHash,
  type EpcisEvent,
  eventFromProto,
  eventHash,
  eventHashBytes,
  gatewayPublicKey,
  leafHash,
} from "@suyuan/proto";
import { SignedBatch } from "@suyuan/proto/gen/suyuan/v1/batch.ts";
import type { EventType } from "@suyuan/proto/gen/suyuan/v1/epcis.ts";
import { describe, expect, it } from "vitest";
import { decodeRecord, encodeRecord, logKeyOf, type StoredEvent } from "../model.ts";
import { type BatchContext, type CheckedBatch, checkBatchEvents, gatewayStoredEvent, Refusal } from "./batch-check.ts";
import { DOCK_A, observe, PARTY_A, SITE_A, SITE_B, TestGateway } from "./test-fixtures.ts";

const HASH = 32;
const ZERO32 = Buffer.alloc(HASH);
const gw = new TestGateway("gw-check", PARTY_A);
const key = gatewayPublicKey("ed25519", gw.key.publicKeyRaw);
const ctx: BatchContext = {
  gatewayId: gw.id,
  keyId: gw.key.keyId,
  party: PARTY_A,
  recordTime: "2024-03-01T09:00:00.000Z",
};

/** The batch as a receiver has it: encoded and decoded again (Buffers, no shared objects). */
const overTheWire = (b: SignedBatch): SignedBatch => SignedBatch.decode(SignedBatch.encode(b).finish());

const slice = (b: Uint8Array, i: number): Buffer => Buffer.from(b.subarray(i * HASH, (i + 1) * HASH));

function refusalOf(f: () => unknown): Refusal {
  let thrown: unknown;
  try {
    f();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(Refusal);
  return thrown as Refusal;
}

/** The record of event i as the standard functions give it, built here field by field. */
function expectedStored(
  ev: EpcisEvent,
  i: number,
  firstSeq: bigint,
  batchHashHex: string,
  c: BatchContext = ctx,
): StoredEvent {
  return {
    v: 1,
    hashId: eventHash(ev),
    event: ev,
    provenance: {
      kind: "gateway",
      gatewayId: c.gatewayId,
      keyId: c.keyId,
      party: c.party,
      batchHash: batchHashHex,
      seq: (firstSeq + BigInt(i)).toString(10),
      batchIndex: i,
    },
    recordTime: c.recordTime,
  };
}

function records(c: CheckedBatch): (Buffer | undefined)[] {
  const out: (Buffer | undefined)[] = [];
  let start = 0;
  for (const end of c.recordEnds) {
    out.push(end === start ? undefined : Buffer.from(c.records.subarray(start, end)));
    start = end;
  }
  return out;
}

describe("checkBatchEvents: every output is what the standard functions give", () => {
  const events = [
    observe(1),
    observe(2, SITE_A),
    observe(3, DOCK_A, { bizLocation: undefined }),
    observe(4, SITE_B, { bizLocation: { id: SITE_B } }), // another party's site: the policy is not checked here
    observe(5, DOCK_A, { readPoint: undefined }),
    observe(6),
  ];
  // A sequence position other than 0, so a wrong seq offset shows.
  const sealed = gw.seal(events, { firstSeq: 41n, advance: false });
  const batch = overTheWire(sealed.batch);
  const c = checkBatchEvents(batch, sealed.header, key, ctx);
  const hashHex = Buffer.from(batchHash(sealed.header)).toString("hex");
  const n = events.length;
  // The events as the receiver reads them (the record holds the decoded form).
  const read = batch.events.map(eventFromProto);

  it("batch hash and signature", () => {
    expect(Buffer.from(c.hash).equals(Buffer.from(batchHash(sealed.header)))).toBe(true);
    expect(Buffer.from(c.signature).equals(sealed.batch.signature)).toBe(true);
    expect(c.refused).toEqual([]);
  });

  it("digests: the CBV 2.0 hash of each event, in order", () => {
    expect(c.digests.length).toBe(n * HASH);
    for (let i = 0; i < n; i++) {
      expect(slice(c.digests, i).equals(Buffer.from(eventHashBytes(events[i]!))), `event ${i}`).toBe(true);
    }
  });

  it("records: encodeRecord of the stored event, byte for byte, with gateway provenance", () => {
    expect(c.recordEnds).toHaveLength(n);
    const rs = records(c);
    for (let i = 0; i < n; i++) {
      const want = expectedStored(read[i]!, i, 41n, hashHex);
      const bytes = rs[i];
      expect(bytes, `event ${i}`).toBeDefined();
      expect(bytes!.equals(Buffer.from(encodeRecord(want))), `event ${i}`).toBe(true);
      expect(decodeRecord(bytes!)).toEqual(want);
      // gatewayStoredEvent is that same stored event.
      expect(gatewayStoredEvent(ctx, sealed.header, hashHex, i, eventHashBytes(events[i]!), read[i]!)).toEqual(want);
    }
    expect(c.records.length).toBe(c.recordEnds[n - 1]);
    expect(decodeRecord(rs[3]!).provenance).toMatchObject({ seq: "44", batchIndex: 3 });
  });

  it("leaves: the RFC 9162 leaf hash of each record", () => {
    const rs = records(c);
    for (let i = 0; i < n; i++) {
      expect(slice(c.leaves, i).equals(Buffer.from(leafHash(rs[i]!))), `event ${i}`).toBe(true);
    }
  });

  it("logKeys: logKeyOf the stored event (the digest itself for plain events)", () => {
    for (let i = 0; i < n; i++) {
      const want = Buffer.from(logKeyOf(expectedStored(read[i]!, i, 41n, hashHex)));
      expect(slice(c.logKeys, i).equals(want), `event ${i}`).toBe(true);
      expect(slice(c.logKeys, i).equals(slice(c.digests, i))).toBe(true);
    }
  });

  it("locations: readPoint and bizLocation id of each event, empty where absent", () => {
    expect(c.locations).toEqual([
      DOCK_A,
      SITE_A,
      SITE_A,
      SITE_A,
      DOCK_A,
      "",
      SITE_B,
      SITE_B,
      "",
      SITE_A,
      DOCK_A,
      SITE_A,
    ]);
  });

  it("lays out every array in its own ArrayBuffer (transferable, not Node's shared pool)", () => {
    const arrays = [c.digests, c.records, c.recordEnds, c.leaves, c.logKeys];
    for (const a of arrays) {
      expect(a.byteOffset).toBe(0);
      expect(a.buffer.byteLength).toBe(a.byteLength);
    }
    expect(new Set(arrays.map((a) => a.buffer)).size).toBe(arrays.length);
    // Also when they are small (Node pools allocations under 4 KiB in shared 8 KiB slabs).
    const one = gw.seal([observe(9)], { advance: false });
    const small = checkBatchEvents(overTheWire(one.batch), one.header, key, ctx);
    expect(small.records.length).toBeLessThan(2048);
    for (const a of [small.digests, small.records, small.recordEnds, small.leaves, small.logKeys]) {
      expect(a.byteOffset).toBe(0);
      expect(a.buffer.byteLength).toBe(a.byteLength);
    }
  });

  it("depends on the provenance it is given", () => {
    const other: BatchContext = {
      ...ctx,
      party: "https://id.gs1.org/417/0012345000008",
      recordTime: "2025-01-01T00:00:00.000Z",
    };
    const c2 = checkBatchEvents(batch, sealed.header, key, other);
    expect(Buffer.from(c2.digests).equals(Buffer.from(c.digests))).toBe(true);
    expect(Buffer.from(c2.records).equals(Buffer.from(c.records))).toBe(false);
    const first = Buffer.from(c2.records.subarray(0, c2.recordEnds[0]));
    expect(first.equals(Buffer.from(encodeRecord(expectedStored(read[0]!, 0, 41n, hashHex, other))))).toBe(true);
  });
});

describe("checkBatchEvents: events refused per event", () => {
  it("an event that breaks a standard rule: refused with its field, no record, zero leaf and log key", () => {
    const events = [
      observe(1),
      observe(2, DOCK_A, { bizStep: "teleporting" }), // not a CBV 2.0 bizStep (CBV 2.0 §7.1) nor a URI
      observe(3),
    ];
    const sealed = gw.seal(events, { advance: false });
    const c = checkBatchEvents(overTheWire(sealed.batch), sealed.header, key, ctx);
    expect(c.refused).toHaveLength(1);
    const [index, code, reason, field] = c.refused[0]!;
    expect([index, code, field]).toEqual([1, "EPCIS_NOT_CBV", "events[1].bizStep"]);
    expect(reason).toContain("teleporting");
    // Its digest is still its CBV hash (the ack names it), and its locations are still given.
    expect(slice(c.digests, 1).equals(Buffer.from(eventHashBytes(events[1]!)))).toBe(true);
    expect(c.locations.slice(2, 4)).toEqual([DOCK_A, SITE_A]);
    expect(c.recordEnds[1]).toBe(c.recordEnds[0]);
    expect(c.recordEnds[0]).toBeGreaterThan(0);
    expect(c.recordEnds[2]).toBeGreaterThan(c.recordEnds[1]!);
    expect(slice(c.leaves, 1).equals(ZERO32)).toBe(true);
    expect(slice(c.logKeys, 1).equals(ZERO32)).toBe(true);
    // The events around it keep their own records.
    const hashHex = Buffer.from(batchHash(sealed.header)).toString("hex");
    const read = sealed.batch.events.map(eventFromProto);
    const third = Buffer.from(c.records.subarray(c.recordEnds[1], c.recordEnds[2]));
    expect(third.equals(Buffer.from(encodeRecord(expectedStored(read[2]!, 2, 0n, hashHex))))).toBe(true);
    expect(slice(c.leaves, 2).equals(Buffer.from(leafHash(third)))).toBe(true);
  });

  it("an unreadable event with a hash hint: refused (ordered by position), the hint as its digest", () => {
    const events = [observe(1), observe(2, DOCK_A, { bizStep: "teleporting" }), observe(3), observe(4)];
    const sealed = gw.seal(events, { advance: false });
    const batch = overTheWire(sealed.batch);
    batch.events[2]!.type = 99 as EventType; // no EPCIS 2.0 §7.4 event type
    const c = checkBatchEvents(batch, sealed.header, key, ctx);
    expect(c.refused.map(([i, code, , field]) => [i, code, field])).toEqual([
      [1, "EPCIS_NOT_CBV", "events[1].bizStep"],
      [2, "SCHEMA_BAD_EVENT_TYPE", "events[2].type"],
    ]);
    expect(slice(c.digests, 2).equals(Buffer.from(eventHashBytes(events[2]!)))).toBe(true);
    expect(c.locations.slice(4, 6)).toEqual(["", ""]);
    expect([...c.recordEnds].filter((e, i, a) => i > 0 && e === a[i - 1])).toHaveLength(2);
    expect(slice(c.leaves, 2).equals(ZERO32)).toBe(true);
    expect(slice(c.logKeys, 2).equals(ZERO32)).toBe(true);
    expect(slice(c.leaves, 3).equals(ZERO32)).toBe(false);
  });

  it("an error declaration: its log key is logKeyOf (not its CBV digest, which names the declared event)", () => {
    const declared = observe(7);
    const declaration = observe(7, DOCK_A, {
      errorDeclaration: {
        declarationTime: "2024-03-01T10:00:00.000Z",
        reason: "incorrect_data",
        correctiveEventIDs: ["urn:uuid:7d4b5d4e-0f0e-4c55-9b8e-2a3c1f0a9e11"],
      },
    });
    const sealed = gw.seal([declared, declaration], { advance: false });
    const batch = overTheWire(sealed.batch);
    const c = checkBatchEvents(batch, sealed.header, key, ctx);
    expect(c.refused).toEqual([]);
    // CBV 2.0 §8.9 leaves errorDeclaration out of the hash: both events have one digest.
    expect(slice(c.digests, 0).equals(slice(c.digests, 1))).toBe(true);
    expect(slice(c.logKeys, 0).equals(slice(c.digests, 0))).toBe(true);
    expect(slice(c.logKeys, 1).equals(slice(c.digests, 1))).toBe(false);
    const hashHex = Buffer.from(batchHash(sealed.header)).toString("hex");
    const stored = expectedStored(eventFromProto(batch.events[1]!), 1, 0n, hashHex);
    expect(stored.event.errorDeclaration).toBeDefined();
    expect(slice(c.logKeys, 1).equals(Buffer.from(logKeyOf(stored)))).toBe(true);
    const rec = Buffer.from(c.records.subarray(c.recordEnds[0], c.recordEnds[1]));
    expect(rec.equals(Buffer.from(encodeRecord(stored)))).toBe(true);
  });
});

describe("checkBatchEvents: batch refusals", () => {
  const sealed = gw.seal([observe(1), observe(2), observe(3)], { advance: false });
  const fresh = () => overTheWire(sealed.batch);

  it("the genuine batch passes (the refusals below are the mutation's doing)", () => {
    expect(checkBatchEvents(fresh(), sealed.header, key, ctx).refused).toEqual([]);
  });

  it("bad signature → CAPTURE_BAD_SIGNATURE", () => {
    const b = fresh();
    b.signature[5]! ^= 1;
    const r = refusalOf(() => checkBatchEvents(b, sealed.header, key, ctx));
    expect([r.code, r.field]).toEqual(["CAPTURE_BAD_SIGNATURE", "signature"]);
    // No signature at all.
    const none = fresh();
    none.signature = Buffer.alloc(0);
    expect(refusalOf(() => checkBatchEvents(none, sealed.header, key, ctx)).code).toBe("CAPTURE_BAD_SIGNATURE");
    // Another key's signature over the same header.
    const other = new TestGateway("gw-check", PARTY_A);
    expect(
      refusalOf(() =>
        checkBatchEvents(fresh(), sealed.header, gatewayPublicKey("ed25519", other.key.publicKeyRaw), ctx),
      ).code,
    ).toBe("CAPTURE_KEY_MISMATCH");
  });

  it("event_hashes of the wrong length → CAPTURE_COUNT_MISMATCH", () => {
    for (const keep of [1, 2]) {
      const b = fresh();
      b.eventHashes = b.eventHashes.slice(0, keep);
      const r = refusalOf(() => checkBatchEvents(b, sealed.header, key, ctx));
      expect([r.code, r.field]).toEqual(["CAPTURE_COUNT_MISMATCH", "eventHashes"]);
      expect(r.reason).toContain(`${keep} entries`);
    }
    const more = fresh();
    more.eventHashes.push(Buffer.alloc(32));
    expect(refusalOf(() => checkBatchEvents(more, sealed.header, key, ctx)).code).toBe("CAPTURE_COUNT_MISMATCH");
  });

  it("fewer events than the header counts → CAPTURE_COUNT_MISMATCH", () => {
    const b = fresh();
    b.events.pop();
    b.eventHashes = [];
    const r = refusalOf(() => checkBatchEvents(b, sealed.header, key, ctx));
    expect(r.code).toBe("CAPTURE_COUNT_MISMATCH");
  });

  it("a false hint → CAPTURE_HASH_MISMATCH naming the hint", () => {
    const b = fresh();
    b.eventHashes[1] = Buffer.alloc(32, 1);
    const r = refusalOf(() => checkBatchEvents(b, sealed.header, key, ctx));
    expect([r.code, r.field]).toEqual(["CAPTURE_HASH_MISMATCH", "eventHashes[1]"]);
    // A hint of the wrong size is false too.
    const short = fresh();
    short.eventHashes[2] = short.eventHashes[2]!.subarray(0, 31);
    expect(refusalOf(() => checkBatchEvents(short, sealed.header, key, ctx)).code).toBe("CAPTURE_HASH_MISMATCH");
  });

  it("an event changed in transit without hints → CAPTURE_ROOT_MISMATCH", () => {
    const b = fresh();
    b.events[0]!.eventTime = "2024-03-01T08:59:59.000+08:00";
    b.eventHashes = [];
    expect(refusalOf(() => checkBatchEvents(b, sealed.header, key, ctx)).code).toBe("CAPTURE_ROOT_MISMATCH");
  });

  it("an unreadable event without a hint → CAPTURE_BAD_EVENT (the batch cannot be verified)", () => {
    const b = fresh();
    b.eventHashes = [];
    b.events[1]!.type = 99 as EventType;
    const r = refusalOf(() => checkBatchEvents(b, sealed.header, key, ctx));
    expect([r.code, r.field]).toEqual(["CAPTURE_BAD_EVENT", "events[1]"]);
  });
});
