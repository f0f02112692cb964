import type { CodeResult } from "@suyuan/proto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { RawRead } from "../drivers/driver.ts";
import { createDecoder } from "./decode.ts";
import { createSmoother, deriveMissTolerance } from "./smoothing.ts";
import { gs1128, rfid, rng, scan, sgtinDl, sgtinHex } from "./test-fixtures.ts";
import type { CycleReport, DecodedRead } from "./types.ts";

const decoder = createDecoder();
function dec(read: RawRead): DecodedRead {
  const r = decoder.decode(read);
  if (r.ok !== true) throw new Error(`fixture does not decode: ${read.data}`);
  return r.decoded;
}
const ids = (list: Array<{ id: CodeResult }>) => list.map((t) => t.id.canonical).sort();

describe("deriveMissTolerance", () => {
  it("is the smallest N with (1 − p)^N ≤ ε", () => {
    // 0.4^7 ≈ 1.6e-3 > 1e-3, 0.4^8 ≈ 6.6e-4 ≤ 1e-3
    expect(deriveMissTolerance(0.6, 1e-3)).toBe(8);
    // 0.35^6 ≈ 1.8e-3, 0.35^7 ≈ 6.4e-4
    expect(deriveMissTolerance(0.65, 1e-3)).toBe(7);
    expect(deriveMissTolerance(0.9, 0.01)).toBe(2);
    expect(createSmoother({ readPoint: "rp" }).spec.missTolerance).toBe(8);
  });
});

describe("smoothing: RFID event cycles (ALE 1.1 §8.2)", () => {
  it("a tag read 40 times in 2 s is one observation", () => {
    const s = createSmoother({ readPoint: "dock", durationMs: 1000, missTolerance: 3 });
    const reports: CycleReport[] = [];
    const readsAtReport: number[] = [];
    for (let t = 0; t <= 2000; t += 50) {
      const r = s.tick(t);
      if (r) {
        reports.push(r);
        // Observations are live views of the smoother's state: read them when delivered.
        readsAtReport.push(r.current[0]?.reads ?? 0);
        if (r.additions[0]) expect(r.additions[0].firstSeen).toBe(10_000);
      }
      if (t < 2000) s.push(dec(rfid("r1", sgtinHex(1), 10_000 + t)));
    }
    expect(reports).toHaveLength(2);
    const [c1, c2] = reports;
    expect(c1).toMatchObject({ readPoint: "dock", zone: "main", cycleStart: 0, cycleEnd: 1000, reason: "duration" });
    expect(ids(c1!.additions)).toEqual([sgtinDl(1)]);
    expect(readsAtReport).toEqual([20, 40]);
    expect(c2!.additions).toEqual([]);
    expect(ids(c2!.current)).toEqual([sgtinDl(1)]);
    expect(reports.flatMap((r) => r.deletions)).toEqual([]);
  });

  it("a tag becomes absent after missTolerance consecutive missed cycles, once; a return is a new addition", () => {
    const s = createSmoother({ readPoint: "rp", durationMs: 100, missTolerance: 3, startMs: 0 });
    const pattern = [1, 0, 0, 1, 0, 0, 0, 0, 1];
    const out: CycleReport[] = [];
    pattern.forEach((seen, c) => {
      if (seen) s.push(dec(rfid("r1", sgtinHex(2), c * 100 + 5)));
      const r = s.tick((c + 1) * 100);
      if (!r) throw new Error("cycle did not end");
      out.push(r);
    });
    expect(out.map((r) => r.additions.length)).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 1]);
    // Missed cycles 4, 5, 6 → absent at the end of cycle 6 (index 6).
    expect(out.map((r) => r.deletions.length)).toEqual([0, 0, 0, 0, 0, 0, 1, 0, 0]);
    expect(out.map((r) => r.current.length)).toEqual([1, 1, 1, 1, 1, 1, 0, 0, 1]);
    expect(s.stats()).toMatchObject({ cycles: 9, additions: 2, deletions: 1, present: 1 });
  });

  it("stableSetInterval ends a cycle early once no new tag appears", () => {
    const s = createSmoother({ readPoint: "rp", durationMs: 5000, stableSetIntervalMs: 300 });
    s.push(dec(rfid("r1", sgtinHex(1), 1)));
    expect(s.tick(0)).toBeUndefined(); // cycle starts, growth seen
    s.push(dec(rfid("r1", sgtinHex(2), 2)));
    expect(s.tick(100)).toBeUndefined();
    s.push(dec(rfid("r1", sgtinHex(1), 3))); // a repeat: not growth
    expect(s.tick(300)).toBeUndefined();
    const r = s.tick(400);
    expect(r).toMatchObject({ reason: "stableSet", cycleStart: 0, cycleEnd: 400 });
    expect(ids(r!.additions)).toEqual([sgtinDl(1), sgtinDl(2)]);
    // An empty cycle is not ended early: it runs its full duration.
    expect(s.tick(1000)).toBeUndefined();
    expect(s.tick(5400)).toMatchObject({ reason: "duration", cycleStart: 400 });
  });

  it("repeatPeriod: cycles start repeatPeriod apart; reads between cycles belong to none", () => {
    const s = createSmoother({ readPoint: "rp", durationMs: 200, repeatPeriodMs: 1000, missTolerance: 2 });
    s.tick(0);
    s.push(dec(rfid("r1", sgtinHex(1), 50)));
    expect(s.tick(200)).toMatchObject({ cycleStart: 0, cycleEnd: 200 });
    s.push(dec(rfid("r1", sgtinHex(9), 500))); // between cycles
    expect(s.tick(999)).toBeUndefined();
    expect(s.tick(1000)).toBeUndefined(); // next cycle opens
    s.push(dec(rfid("r1", sgtinHex(1), 1050)));
    const r = s.tick(1200);
    expect(r).toMatchObject({ cycleStart: 1000, cycleEnd: 1200, additions: [] });
    expect(ids(r!.current)).toEqual([sgtinDl(1)]);
    expect(s.stats().betweenCycles).toBe(1);
  });

  it("a stalled clock does not produce a run of empty cycles (no false deletions)", () => {
    const s = createSmoother({ readPoint: "rp", durationMs: 100, missTolerance: 2 });
    s.tick(0);
    s.push(dec(rfid("r1", sgtinHex(1), 10)));
    s.tick(100);
    s.push(dec(rfid("r1", sgtinHex(1), 150)));
    // The process stalls for 10 s: one late cycle end, not a hundred empty cycles.
    const r = s.tick(10_100);
    expect(r?.deletions).toEqual([]);
    expect(s.stats().cycles).toBe(2);
  });

  it("read-rate noise: 60 tags read in 65 % of cycles, repeated reads, default tolerance → no flapping", () => {
    const rand = rng(42);
    const s = createSmoother({ readPoint: "rp", durationMs: 500, startMs: 0 });
    const tags = Array.from({ length: 60 }, (_, i) => dec(rfid("r1", sgtinHex(100 + i), 0)));
    const missRun = new Array<number>(60).fill(0);
    let longestRun = 0;
    let additions = 0;
    let deletions = 0;
    for (let c = 0; c < 80; c++) {
      tags.forEach((t, i) => {
        if (rand() < 0.65) {
          missRun[i] = 0;
          const n = 1 + Math.floor(rand() * 20);
          for (let k = 0; k < n; k++) s.push({ ...t, read: { ...t.read, ts: c * 500 + k } });
        } else if (c > 0) longestRun = Math.max(longestRun, ++missRun[i]!);
      });
      const r = s.tick((c + 1) * 500);
      additions += r?.additions.length ?? 0;
      deletions += r?.deletions.length ?? 0;
    }
    // The seeded pattern has misses in a row, but never as many as the tolerance.
    expect(longestRun).toBeGreaterThanOrEqual(4);
    expect(longestRun).toBeLessThan(s.spec.missTolerance);
    expect(additions).toBe(60);
    expect(deletions).toBe(0);
    // Then the tags leave: all absent at most missTolerance cycles later.
    for (let c = 80; c < 80 + s.spec.missTolerance; c++) deletions += s.tick((c + 1) * 500)?.deletions.length ?? 0;
    expect(deletions).toBe(60);
    expect(s.present()).toEqual([]);
  });

  it("property: with per-cycle read probability ≥ 0.6, a present tag is added once and never deleted while present", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.6, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.integer({ min: 3, max: 8 }),
        fc.integer({ min: 2, max: 60 }),
        fc.integer({ min: 1, max: 40 }),
        (p, seed, tolerance, cycles, maxReads) => {
          const rand = rng(seed);
          const pattern = Array.from({ length: cycles }, (_, c) => c === 0 || rand() < p);
          // The tolerance is the contract: only patterns without `tolerance` misses in a row.
          let run = 0;
          let longest = 0;
          for (const seen of pattern) {
            run = seen ? 0 : run + 1;
            longest = Math.max(longest, run);
          }
          fc.pre(longest < tolerance);
          const s = createSmoother({ readPoint: "rp", durationMs: 1000, missTolerance: tolerance, startMs: 0 });
          const tag = dec(rfid("r1", sgtinHex(5), 0));
          let adds = 0;
          let dels = 0;
          pattern.forEach((seen, c) => {
            if (seen) {
              const n = 1 + Math.floor(rand() * maxReads);
              for (let k = 0; k < n; k++) s.push({ ...tag, read: { ...tag.read, ts: c * 1000 + k } });
            }
            for (let t = c * 1000 + 250; t <= (c + 1) * 1000; t += 250) {
              const r = s.tick(t);
              if (r) {
                adds += r.additions.length;
                dels += r.deletions.length;
                expect(ids(r.current)).toEqual([sgtinDl(5)]);
              }
            }
          });
          expect(adds).toBe(1);
          expect(dels).toBe(0);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("property: additions and deletions follow the miss-tolerance model for any read pattern", () => {
    fc.assert(
      fc.property(
        fc.array(fc.boolean(), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 5 }),
        (pattern, k) => {
          const s = createSmoother({ readPoint: "rp", durationMs: 100, missTolerance: k, startMs: 0 });
          const tag = dec(rfid("r1", sgtinHex(6), 0));
          // Reference model: present after a cycle with a read; absent after k misses in a row.
          let present = false;
          let missed = 0;
          pattern.forEach((seen, c) => {
            if (seen) s.push({ ...tag, read: { ...tag.read, ts: c * 100 } });
            const r = s.tick((c + 1) * 100);
            if (!r) throw new Error("cycle did not end");
            let add = 0;
            let del = 0;
            if (seen) {
              missed = 0;
              if (!present) add = 1;
              present = true;
            } else if (present && ++missed >= k) {
              del = 1;
              present = false;
              missed = 0;
            }
            expect([r.additions.length, r.deletions.length, r.current.length]).toEqual([add, del, present ? 1 : 0]);
          });
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("smoothing: barcode debounce", () => {
  const code = gs1128("0109521234543213215001");
  it("repeats within the window are one scan; a deliberate re-scan later is a new one", () => {
    const s = createSmoother({ readPoint: "pos", barcodeDebounceMs: 1000 });
    const got = [0, 200, 400, 900, 2500, 2600, 4000].map((ts) => s.push(dec(scan("s1", code, ts))));
    expect(got.map((g) => g?.ts)).toEqual([0, undefined, undefined, undefined, 2500, undefined, 4000]);
    expect(got[0]?.id.canonical).toBe("https://id.gs1.org/01/09521234543213/21/5001");
    // Another code is its own observation.
    expect(s.push(dec(scan("s1", gs1128("0109521234543213215002"), 4001)))?.ts).toBe(4001);
    expect(s.stats()).toMatchObject({ scans: 4, debounced: 4 });
  });

  it("the window slides: a code held under a presentation scanner stays one scan", () => {
    const s = createSmoother({ readPoint: "pos", barcodeDebounceMs: 500 });
    const got = [0, 400, 800, 1200, 1600, 2400].filter((ts) => s.push(dec(scan("s1", code, ts))) !== undefined);
    expect(got).toEqual([0, 2400]);
  });

  it("a zero window counts every scan (class-level POS items scanned one after another)", () => {
    const s = createSmoother({ readPoint: "pos", barcodeDebounceMs: 0 });
    const gtin = gs1128("0109521234543213");
    expect([0, 10, 20].filter((ts) => s.push(dec(scan("s1", gtin, ts))) !== undefined)).toHaveLength(3);
  });
});

describe("smoothing: configuration", () => {
  it("refuses a repeat period shorter than the duration, naming the key", () => {
    expect(() => createSmoother({ readPoint: "rp", durationMs: 1000, repeatPeriodMs: 500 })).toThrow(
      /RULE_BAD_CONFIG: rp\.cycle\.repeatPeriodMs/,
    );
    expect(() => createSmoother({ readPoint: "rp", missTolerance: 0 })).toThrow(/missTolerance/);
  });
});
