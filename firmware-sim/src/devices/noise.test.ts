import { decodeFrames, encodeFrame, tagNoticeFrame } from "@suyuan/proto/devices/uhf-m100.ts";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LineDecoder } from "../../../gateway/src/drivers/serial-barcode/line-decoder.ts";
import { corruptFrame, inventoryRound, lineNoise, validateReadNoise } from "./noise.ts";
import { mulberry32 } from "./random.ts";

const field = Array.from({ length: 20 }, (_, i) => ({
  epc: `3034257BF7194E40000000${i.toString(16).padStart(2, "0")}`,
}));

describe("mulberry32", () => {
  it("reproduces a sequence from a seed and differs across seeds", () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    const sa = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(sa);
    expect(Array.from({ length: 5 }, () => c())).not.toEqual(sa);
    for (const v of sa) expect(v >= 0 && v < 1).toBe(true);
  });
});

describe("inventoryRound", () => {
  it("with noise off reports every present tag exactly once", () => {
    const r = inventoryRound(field, undefined, mulberry32(1));
    expect(r.map((x) => x.epc).sort()).toEqual(field.map((t) => t.epc).sort());
    expect(r.every((x) => !x.crossRead && x.antenna === 1 && x.rssi >= -65 && x.rssi <= -45)).toBe(true);
  });

  it("reports about readRate of the present tags per round", () => {
    const rng = mulberry32(7);
    let seen = 0;
    const rounds = 500;
    for (let i = 0; i < rounds; i++) seen += inventoryRound(field, { readRate: 0.65 }, rng).length;
    const rate = seen / (rounds * field.length);
    expect(rate).toBeGreaterThan(0.62);
    expect(rate).toBeLessThan(0.68);
  });

  it("repeats each reported tag within the range", () => {
    const r = inventoryRound(field, { repeats: [2, 4] }, mulberry32(3));
    const counts = new Map<string, number>();
    for (const x of r) counts.set(x.epc, (counts.get(x.epc) ?? 0) + 1);
    expect(counts.size).toBe(field.length);
    for (const n of counts.values()) expect(n >= 2 && n <= 4).toBe(true);
    expect(new Set(counts.values()).size).toBeGreaterThan(1);
  });

  it("cross-reads neighbouring tags at low RSSI with the given probability", () => {
    const neighbours = ["E2801160600002000000AAAA", "E2801160600002000000BBBB"];
    const rng = mulberry32(11);
    let cross = 0;
    for (let i = 0; i < 1000; i++) {
      for (const x of inventoryRound([], { crossReads: { tags: neighbours, probability: 0.1 } }, rng)) {
        expect(x.crossRead).toBe(true);
        expect(x.rssi).toBeLessThanOrEqual(-72);
        expect(x.rssi).toBeGreaterThanOrEqual(-82);
        cross++;
      }
    }
    expect(cross / 2000).toBeGreaterThan(0.08);
    expect(cross / 2000).toBeLessThan(0.12);
  });

  it("is deterministic for a seed", () => {
    const n = { readRate: 0.6, repeats: [1, 3] as const };
    expect(inventoryRound(field, n, mulberry32(5))).toEqual(inventoryRound(field, n, mulberry32(5)));
  });

  it("rejects bad settings", () => {
    expect(() => validateReadNoise({ readRate: 1.5 })).toThrow(TypeError);
    expect(() => validateReadNoise({ repeats: 0 })).toThrow(TypeError);
    expect(() => validateReadNoise({ repeats: [3, 2] })).toThrow(TypeError);
  });
});

describe("corruptFrame", () => {
  it("property: a corrupted tag notice never decodes as a valid notice, and the next frame survives", () => {
    const epcArb = fc.uint8Array({ minLength: 12, maxLength: 12 }).map((b) => Buffer.from(b).toString("hex"));
    fc.assert(
      fc.property(epcArb, fc.integer({ min: 0, max: 2 ** 31 }), (epc, seed) => {
        const good = encodeFrame(tagNoticeFrame({ rssi: -50, epc }));
        const next = encodeFrame(tagNoticeFrame({ rssi: -60, epc: "300000000000000000000001" }));
        const bad = corruptFrame(good, mulberry32(seed));
        expect(bad.equals(good)).toBe(false);
        const { frames } = decodeFrames(Buffer.concat([bad, next]));
        // Only the following, intact frame comes out.
        expect(frames.map((f) => Buffer.from(f.payload).toString("hex"))).toEqual([
          Buffer.from(tagNoticeFrame({ rssi: -60, epc: "300000000000000000000001" }).payload).toString("hex"),
        ]);
      }),
      { numRuns: 300 },
    );
  });
});

describe("lineNoise", () => {
  it("is made only of bytes the gateway's line decoder drops, so scans arrive intact", () => {
    const rng = mulberry32(9);
    const d = new LineDecoder("CR");
    const chunks = [lineNoise(rng, 6), Buffer.from("]E04006381333931\r"), lineNoise(rng, 6), Buffer.from("AB\r")];
    expect(chunks.flatMap((c) => d.push(c))).toEqual(["]E04006381333931", "AB"]);
    expect(d.stats.garbageBytes).toBe((chunks[0]?.length ?? 0) + (chunks[2]?.length ?? 0));
  });
});
