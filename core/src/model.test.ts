// encodeRecord writes through Node's Buffer for speed; the stored bytes (and so every leaf
// hash, RFC 9162 §2.1.1) must stay exactly the WHATWG UTF-8 encoding of the JSON text.
import type { EpcisEvent } from "@suyuan/proto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeRecord, encodeRecord, type StoredEvent } from "./model.ts";

const utf8 = new TextEncoder();

function stored(event: unknown, recordTime = "2024-06-20T00:00:00.000Z"): StoredEvent {
  return {
    v: 1,
    hashId: `ni:///sha-256;${"ab".repeat(32)}?ver=CBV2.0`,
    event: event as EpcisEvent,
    provenance: { kind: "core", principal: "t", reason: "t" },
    recordTime,
  };
}

describe("encodeRecord", () => {
  it("is byte for byte TextEncoder over JSON.stringify, for any content (property)", () => {
    // Full Unicode (astral planes, lone surrogates, NUL, ␟) at every size around the Buffer
    // pool's cut-over (records under 4 KiB share a slab, larger ones get their own buffer).
    const text = fc.oneof(fc.string({ unit: "binary" }), fc.string({ unit: "grapheme" }), fc.string());
    const content = fc.record({
      type: fc.constant("ObjectEvent"),
      eventTime: text,
      epcList: fc.array(text, { maxLength: 40 }),
      pad: fc.integer({ min: 0, max: 9000 }).map((n) => "x".repeat(n)),
      extra: fc.jsonValue({ maxDepth: 3 }),
    });
    fc.assert(
      fc.property(content, text, (ev, rt) => {
        const s = stored(ev, rt);
        const got = encodeRecord(s);
        expect(got.constructor).toBe(Uint8Array);
        expect(Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(utf8.encode(JSON.stringify(s)))).toBe(
          true,
        );
      }),
      { numRuns: 400 },
    );
  });

  it("encodes known text to the expected UTF-8 bytes and round-trips through decodeRecord", () => {
    // U+6EAF U+6E90 (溯源) is E6 BA AF E6 BA 90; U+1F34E is F0 9F 8D 8E (RFC 3629 §3).
    const s = stored({ type: "ObjectEvent", note: "溯源🍎" });
    const bytes = encodeRecord(s);
    const hex = Buffer.from(bytes).toString("hex");
    expect(hex).toContain("e6baafe6ba90f09f8d8e");
    expect(decodeRecord(bytes)).toEqual(s);
  });

  it("returns bytes the caller owns: slice copies, and two records never alias", () => {
    const a = encodeRecord(stored({ type: "ObjectEvent", n: 1 }));
    const b = encodeRecord(stored({ type: "ObjectEvent", n: 2 }));
    const before = Buffer.from(b).toString("hex");
    const copy = a.slice();
    copy.fill(0);
    a.fill(0x20); // scribbling over one record must not touch the next one written
    expect(Buffer.from(b).toString("hex")).toBe(before);
    expect(copy.every((x) => x === 0)).toBe(true);
  });
});
