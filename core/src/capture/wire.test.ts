import { batchHash } from "@suyuan/proto";
import { BatchHeader as PBatchHeader, SignedBatch } from "@suyuan/proto/gen/suyuan/v1/batch.ts";
import { Event as PEvent } from "@suyuan/proto/gen/suyuan/v1/epcis.ts";
import { describe, expect, it } from "vitest";
import { mulberry32 } from "../../../firmware-sim/src/devices/random.ts";
import { Refusal } from "./batch-check.ts";
import { headerFromProto } from "./proto-header.ts";
import { observe, TestGateway } from "./test-fixtures.ts";
import { readBatchEnvelope } from "./wire.ts";

// Hand-built protobuf wire bytes (protobuf.dev "Encoding"), independent of the code under test.
function varint(v: bigint | number): number[] {
  let x = BigInt(v);
  const out: number[] = [];
  do {
    const low = Number(x & 0x7fn);
    x >>= 7n;
    out.push(x === 0n ? low : low | 0x80);
  } while (x !== 0n);
  return out;
}
const tag = (field: number, wire: number): number[] => varint(field * 8 + wire);
const ld = (field: number, body: ArrayLike<number>): number[] => [
  ...tag(field, 2),
  ...varint(body.length),
  ...Array.from(body),
];
const bytes = (...parts: ArrayLike<number>[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => Array.from(p)));

/** The parts of a SignedBatch, each a complete field (tag, length, body), in schema order. */
function fields(batch: SignedBatch): { header: number[]; signature: number[]; events: number[][]; hints: number[][] } {
  return {
    header: ld(1, PBatchHeader.encode(batch.header!).finish()),
    signature: ld(2, batch.signature),
    events: batch.events.map((e) => ld(3, PEvent.encode(e).finish())),
    hints: batch.eventHashes.map((h) => ld(4, h)),
  };
}

function refusalOf(input: Uint8Array): Refusal {
  let thrown: unknown;
  try {
    readBatchEnvelope(input);
  } catch (e) {
    thrown = e;
  }
  expect(thrown, `no refusal for ${Buffer.from(input).toString("hex")}`).toBeInstanceOf(Refusal);
  const r = thrown as Refusal;
  expect(r.code).toBe("CAPTURE_BAD_BATCH");
  expect(r.reason.startsWith("not a signed batch: ")).toBe(true);
  return r;
}

const gw = new TestGateway("gw-wire", "https://id.gs1.org/417/0614141000005");
const seal = (n: number, hints = true) =>
  gw.seal(
    Array.from({ length: n }, (_, i) => observe(i)),
    { hints },
  );

describe("readBatchEnvelope: sealed batches", () => {
  it.each([
    { n: 1, hints: true },
    { n: 1, hints: false },
    { n: 50, hints: true },
    { n: 50, hints: false },
  ])("$n events, hints $hints: the decoded header and the event count", ({ n, hints }) => {
    const { batch, header } = seal(n, hints);
    const wire = SignedBatch.encode(batch).finish();
    const env = readBatchEnvelope(wire);
    const decoded = SignedBatch.decode(wire);
    expect(decoded.events).toHaveLength(n);
    expect(decoded.eventHashes).toHaveLength(hints ? n : 0);
    expect(env.events).toBe(n);
    expect(env.header).toEqual(decoded.header);
    // The header the envelope gives is the signed one: same canonical bytes, same hash.
    const h = headerFromProto(env.header);
    expect(h).toMatchObject({ gatewayId: "gw-wire", keyId: gw.key.keyId, firstSeq: header.firstSeq, count: n });
    expect(Buffer.from(batchHash(h)).equals(Buffer.from(batchHash(header)))).toBe(true);
  });

  it("0 events: the header of a batch without events, count 0", () => {
    const { batch } = seal(1);
    const empty: SignedBatch = { ...batch, events: [], eventHashes: [] };
    const wire = SignedBatch.encode(empty).finish();
    const env = readBatchEnvelope(wire);
    expect(env.events).toBe(0);
    expect(env.header).toEqual(SignedBatch.decode(wire).header);
    expect(env.header?.gatewayId).toBe("gw-wire");
  });

  it("no header: undefined header (empty message, or events only)", () => {
    expect(readBatchEnvelope(new Uint8Array(0))).toEqual({ header: undefined, events: 0 });
    const { batch } = seal(3);
    const f = fields(batch);
    expect(readBatchEnvelope(bytes(f.signature, ...f.events, ...f.hints))).toEqual({ header: undefined, events: 3 });
  });

  it("counts events without decoding them: an events field that is no Event still counts", () => {
    const { batch } = seal(2);
    const f = fields(batch);
    const garbageEvent = ld(3, [0x0f, 0xff]); // wire type 7 inside: Event.decode would throw
    const wire = bytes(f.header, f.signature, f.events[0]!, garbageEvent, f.events[1]!);
    expect(() => SignedBatch.decode(wire)).toThrow();
    const env = readBatchEnvelope(wire);
    expect(env.events).toBe(3);
    expect(env.header?.gatewayId).toBe("gw-wire");
  });

  it("takes a view into a larger buffer as it is (offsets relative to the view)", () => {
    const { batch } = seal(4);
    const wire = SignedBatch.encode(batch).finish();
    const big = new Uint8Array(wire.length + 20).fill(0xff);
    big.set(wire, 7);
    const env = readBatchEnvelope(big.subarray(7, 7 + wire.length));
    expect(env.events).toBe(4);
    expect(env.header).toEqual(SignedBatch.decode(wire).header);
  });
});

describe("readBatchEnvelope: unknown fields and repeated fields", () => {
  // One unknown field of each wire type, with payloads that look like SignedBatch fields, so
  // that a reader which does not skip them exactly would see phantom headers or events.
  const unknown = {
    varint: [...tag(5, 0), ...varint(300)],
    bigVarint: [...tag(6, 0), ...varint(2 ** 53 - 1)],
    // An int64 of -1 from a newer schema: ten bytes, beyond any JS safe integer.
    int64Minus1: [...tag(11, 0), ...varint(2n ** 64n - 1n)],
    fixed64: [...tag(7, 1), 0x1a, 0x00, 0x1a, 0x00, 0x0a, 0x00, 0x1a, 0x00],
    lengthDelimited: ld(8, [0x0a, 0x02, 0x08, 0x01, 0x1a, 0x00, 0x1a, 0x00]),
    emptyLengthDelimited: ld(9, []),
    fixed32: [...tag(10, 5), 0x1a, 0x00, 0x1a, 0x00],
    maxField: [...tag(2 ** 29 - 1, 0), 0x01],
    // Known field numbers with another wire type are unknown fields too (as SignedBatch.decode has it).
    eventsAsVarint: [...tag(3, 0), 0x05],
    headerAsFixed32: [...tag(1, 5), 0x0a, 0x00, 0x0a, 0x00],
    eventsAsFixed64: [...tag(3, 1), 1, 2, 3, 4, 5, 6, 7, 8],
  };
  const all = Object.values(unknown);

  it("skips unknown fields of wire types 0, 1, 2 and 5 before, between and after the known ones", () => {
    const { batch } = seal(3);
    const f = fields(batch);
    const wire = bytes(
      ...all,
      f.header,
      unknown.fixed64,
      f.signature,
      unknown.varint,
      f.events[0]!,
      unknown.lengthDelimited,
      f.events[1]!,
      unknown.fixed32,
      unknown.eventsAsVarint,
      f.events[2]!,
      unknown.headerAsFixed32,
      ...f.hints,
      ...all,
    );
    const decoded = SignedBatch.decode(wire);
    expect(decoded.events).toHaveLength(3); // the decoder agrees these are unknown fields
    expect(decoded.header).toEqual(SignedBatch.decode(SignedBatch.encode(batch).finish()).header);
    const env = readBatchEnvelope(wire);
    expect(env.events).toBe(3);
    expect(env.header).toEqual(decoded.header);
  });

  it.each(Object.entries(unknown))("skips an unknown %s field at the very end", (_, field) => {
    const { batch } = seal(2);
    const wire = bytes(SignedBatch.encode(batch).finish(), field);
    const env = readBatchEnvelope(wire);
    expect(env.events).toBe(2);
    expect(env.header).toEqual(SignedBatch.decode(wire).header);
  });

  it("a message of unknown fields only has no header and no events", () => {
    expect(readBatchEnvelope(bytes(...all))).toEqual({ header: undefined, events: 0 });
  });

  it("a repeated header field: the last one wins, as SignedBatch.decode has it", () => {
    const first = seal(2).batch;
    const second = seal(1).batch; // other firstSeq, count, root
    const f1 = fields(first);
    const f2 = fields(second);
    const wire = bytes(f1.header, f1.signature, ...f1.events, f2.header, ...f1.hints);
    const decoded = SignedBatch.decode(wire);
    const env = readBatchEnvelope(wire);
    expect(env.header).toEqual(decoded.header);
    expect(env.header).toEqual(PBatchHeader.decode(PBatchHeader.encode(second.header!).finish()));
    expect(env.header?.firstSeq).not.toBe(first.header?.firstSeq);
    expect(env.events).toBe(2);
    // And the other way round.
    const wire2 = bytes(f2.header, ...f1.events, f1.header);
    expect(readBatchEnvelope(wire2).header).toEqual(SignedBatch.decode(wire2).header);
    expect(readBatchEnvelope(wire2).header?.count).toBe(2);
  });
});

describe("readBatchEnvelope: refusals", () => {
  const { batch } = seal(2);
  const wire = SignedBatch.encode(batch).finish();

  it("a truncated varint (tag, value or length)", () => {
    expect(refusalOf(bytes([0x80])).reason).toContain("truncated varint"); // tag
    expect(refusalOf(bytes([0x08, 0x80])).reason).toContain("truncated varint"); // varint value
    expect(refusalOf(bytes([0x08])).reason).toContain("truncated varint"); // value missing
    expect(refusalOf(bytes([0x1a, 0xff])).reason).toContain("truncated varint"); // length
    expect(refusalOf(bytes(wire, [0x1a])).reason).toContain("truncated varint"); // after a whole batch
  });

  it("a length running past the end of the message", () => {
    expect(refusalOf(bytes([0x1a, 0x05, 0x01, 0x02])).reason).toMatch(/field 3 runs past the end/);
    expect(refusalOf(bytes([0x0a, 0x01])).reason).toMatch(/field 1 runs past the end/);
    // A whole batch cut short inside an event.
    expect(refusalOf(wire.subarray(0, wire.length - 40)).reason).toMatch(/runs past the end/);
    // A length far beyond any buffer (but a safe integer).
    expect(refusalOf(bytes(tag(8, 2), varint(2 ** 40), [1, 2, 3])).reason).toMatch(/field 8 runs past the end/);
  });

  it("fixed-size fields cut short", () => {
    expect(refusalOf(bytes(tag(7, 1), [1, 2, 3, 4, 5, 6, 7])).reason).toContain("truncated");
    expect(refusalOf(bytes(tag(7, 5), [1, 2, 3])).reason).toContain("truncated");
    expect(refusalOf(bytes(wire, tag(7, 1))).reason).toContain("truncated");
  });

  it.each([3, 4, 6, 7])("wire type %i", (w) => {
    const r = refusalOf(bytes(wire, tag(5, w), [0, 0, 0, 0, 0, 0, 0, 0]));
    expect(r.reason).toContain(`wire type ${w} of field 5`);
    // Also on a known field number, and first in the message.
    expect(refusalOf(bytes(tag(3, w), wire)).reason).toContain(`wire type ${w} of field 3`);
  });

  it("field number 0", () => {
    for (const w of [0, 1, 2, 5]) {
      expect(refusalOf(bytes(tag(0, w), [0, 0, 0, 0, 0, 0, 0, 0, 0])).reason).toContain("field number 0");
      expect(refusalOf(bytes(wire, tag(0, w), [0, 0, 0, 0, 0, 0, 0, 0])).reason).toContain("field number 0");
    }
    // A zero byte between fields (which SignedBatch.decode takes as the end of the message).
    expect(refusalOf(bytes(wire, [0x00], wire)).reason).toContain("field number 0");
  });

  it("a varint longer than 10 bytes (as tag, value and length)", () => {
    const eleven = [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00];
    expect(refusalOf(bytes([0x08], eleven)).reason).toContain("varint longer than 10 bytes");
    expect(refusalOf(bytes([0x88, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00])).reason).toContain(
      "varint longer than 10 bytes",
    );
    expect(refusalOf(bytes([0x1a], eleven, [1, 2, 3])).reason).toContain("varint longer than 10 bytes");
  });

  it("a header whose bytes are not a BatchHeader", () => {
    for (const [body, reason] of [
      [[0x0f], "wire type 7 of field 1 is not supported (in the header)"],
      [[0x12, 0x05, 0x61], "field 2 runs past the end of the header"], // gatewayId string
      [[0x08, 0x80], "truncated varint in the header"], // version
    ] as const) {
      expect(() => PBatchHeader.decode(Uint8Array.from(body))).toThrow();
      const r = refusalOf(bytes(ld(1, body), ...fields(batch).events));
      expect(r.reason).toContain(reason);
    }
    // Only the header that counts (the last) is decoded: a bad one followed by a good one is fine.
    const good = bytes(ld(1, [0x0f]), wire);
    expect(readBatchEnvelope(good).header).toEqual(SignedBatch.decode(wire).header);
    // A good one followed by a bad one is not.
    expect(refusalOf(bytes(wire, ld(1, [0x0f]))).reason).toContain("(in the header)");
  });

  it("a header holding an end-group tag, which decoders stop at and read on from (a smuggled second header)", () => {
    // The bytes of an unsigned header, an end-group tag, then a whole signed header as if it
    // were a field of the outer message: BatchHeader.decode stops at the end-group tag, and
    // SignedBatch.decode then reads the second header as the batch's own. Refused here, so
    // nothing downstream ever sees two readings of one batch.
    const signed = PBatchHeader.encode(batch.header!).finish();
    const forged = PBatchHeader.encode({ ...batch.header!, firstSeq: 1000n, count: 7 }).finish();
    const evil = bytes(ld(1, [...forged, 0x0c, ...ld(1, signed)]), ...fields(batch).events);
    expect(PBatchHeader.decode(bytes(forged, [0x0c], ld(1, signed))).firstSeq).toBe(1000n);
    expect(SignedBatch.decode(evil).header?.firstSeq).toBe(batch.header!.firstSeq);
    expect(refusalOf(evil).reason).toContain("wire type 4 of field 1 is not supported (in the header)");
  });
});

describe("readBatchEnvelope: arbitrary bytes", () => {
  it("2000 inputs: each returns an envelope or throws a CAPTURE_BAD_BATCH Refusal, nothing else", () => {
    const rand = mulberry32(0x5eed); // seeded, so any failure replays
    const int = (n: number) => Math.floor(rand() * n);
    const base = SignedBatch.encode(seal(3).batch).finish();
    let returned = 0;
    let refused = 0;
    let compared = 0;
    for (let k = 0; k < 2000; k++) {
      let input: Uint8Array;
      switch (k % 4) {
        case 0: // random bytes
          input = Uint8Array.from({ length: int(64) }, () => int(256));
          break;
        case 1: {
          // a real batch with a few bytes changed
          input = new Uint8Array(base);
          for (let m = 1 + int(4); m > 0; m--) input[int(input.length)] = int(256);
          break;
        }
        case 2: // a real batch cut short
          input = base.slice(0, int(base.length));
          break;
        default: {
          // random fields with plausible tags
          const parts: number[][] = [];
          for (let m = int(8); m > 0; m--) {
            const t = tag(int(6), int(8));
            const len = int(12);
            parts.push([...t, ...(rand() < 0.5 ? varint(len) : []), ...Array.from({ length: len }, () => int(256))]);
          }
          input = bytes(...parts);
        }
      }
      const copy = new Uint8Array(input);
      let env: ReturnType<typeof readBatchEnvelope> | undefined;
      try {
        env = readBatchEnvelope(input);
      } catch (e) {
        if (!(e instanceof Refusal) || e.code !== "CAPTURE_BAD_BATCH" || !e.reason.startsWith("not a signed batch: ")) {
          throw new Error(`input ${Buffer.from(input).toString("hex")} threw ${String(e)}`);
        }
        refused++;
      }
      expect(Buffer.from(input).equals(copy)).toBe(true); // the input is not changed
      if (env === undefined) continue;
      returned++;
      expect(Number.isInteger(env.events) && env.events >= 0).toBe(true);
      // Whatever the full decoder makes of the same bytes, its canonical encoding reads back
      // as the same header and event count.
      let decoded: SignedBatch | undefined;
      try {
        decoded = SignedBatch.decode(input);
      } catch {
        decoded = undefined;
      }
      if (decoded !== undefined) {
        compared++;
        const again = readBatchEnvelope(SignedBatch.encode(decoded).finish());
        expect(again.events).toBe(decoded.events.length);
        expect(again.header).toEqual(decoded.header);
      }
    }
    // The inputs exercised both outcomes (and the comparison with the decoder).
    expect(returned).toBeGreaterThan(100);
    expect(refused).toBeGreaterThan(100);
    expect(compared).toBeGreaterThan(50);
  });
});
