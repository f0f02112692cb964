import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { BITS_PER_KEY, HashFilter, parseHashFilter } from "./hash-filter.ts";

/** Distinct SHA-256 outputs (event hashes are SHA-256 outputs too). */
const h = (label: string, i: number): Uint8Array =>
  new Uint8Array(createHash("sha256").update(`${label}:${i}`).digest());

function fill(f: HashFilter, label: string, n: number): void {
  for (let i = 0; i < n; i++) f.add(h(label, i));
}

function falsePositives(f: HashFilter, label: string, n: number): number {
  let fp = 0;
  for (let i = 0; i < n; i++) if (f.mightHave(h(label, i))) fp++;
  return fp;
}

describe("HashFilter", () => {
  it("never forgets a hash it was given, and rarely claims one it was not", () => {
    const f = new HashFilter();
    const n = 100_000; // about the first layer's capacity (2^20 bits / 10)
    fill(f, "in", n);
    for (let i = 0; i < n; i++) expect(f.mightHave(h("in", i))).toBe(true);
    // Bloom filter with 10 bits per key and 7 tests: ~0.8 % false positives when full.
    const fp = falsePositives(f, "out", 50_000);
    expect(fp / 50_000).toBeLessThan(0.02);
    expect(f.count).toBe(n);
  });

  it("an empty filter holds nothing", () => {
    const f = new HashFilter();
    expect(falsePositives(f, "x", 10_000)).toBe(0);
  });

  it("grows past a layer's capacity by adding a larger layer, keeping every hash and its error rate", () => {
    const f = new HashFilter();
    const first = f.bytes;
    const n = Math.ceil(((first * 8) / BITS_PER_KEY) * 3); // three times the first layer
    fill(f, "grow", n);
    expect(f.bytes).toBeGreaterThan(first);
    for (let i = 0; i < n; i += 7) expect(f.mightHave(h("grow", i))).toBe(true);
    expect(f.mightHave(h("grow", n - 1))).toBe(true);
    // Two layers, the first full: at most the sum of their rates.
    expect(falsePositives(f, "other", 50_000) / 50_000).toBeLessThan(0.03);
  });

  it("sizes its first layer for the hashes it is told to expect", () => {
    expect(new HashFilter(2_000_000).bytes).toBeGreaterThanOrEqual((2_000_000 * BITS_PER_KEY) / 8);
    expect(new HashFilter(0).bytes).toBe(2 ** 20 / 8);
  });

  it("refuses a hash that is not 32 bytes with TypeError", () => {
    const f = new HashFilter();
    expect(() => f.add(new Uint8Array(31))).toThrow(TypeError);
    expect(() => f.mightHave(new Uint8Array(33))).toThrow(TypeError);
    expect(() => f.add("x" as unknown as Uint8Array)).toThrow(TypeError);
  });
});

describe("saved filter", () => {
  const last = h("last", 0);

  it("round-trips: same answers, covered count and last hash", () => {
    const f = new HashFilter();
    const n = 250_000; // two layers
    fill(f, "rt", n);
    const bytes = f.serialize(n, last);
    const parsed = parseHashFilter(bytes);
    if ("problem" in parsed) throw new Error(parsed.problem);
    expect(parsed.covered).toBe(n);
    expect(Buffer.from(parsed.lastHash)).toEqual(Buffer.from(last));
    expect(parsed.filter.count).toBe(n);
    expect(parsed.filter.bytes).toBe(f.bytes);
    for (let i = 0; i < n; i += 11) expect(parsed.filter.mightHave(h("rt", i))).toBe(true);
    for (let i = 0; i < 5000; i++) expect(parsed.filter.mightHave(h("no", i))).toBe(f.mightHave(h("no", i)));
    // Grows on from where it was.
    parsed.filter.add(h("more", 1));
    expect(parsed.filter.mightHave(h("more", 1))).toBe(true);
  });

  it("names what is wrong with bytes that are no saved filter", () => {
    const f = new HashFilter();
    fill(f, "bad", 10);
    const good = f.serialize(10, last);
    const problem = (b: Uint8Array) => {
      const r = parseHashFilter(b);
      return "problem" in r ? r.problem : undefined;
    };
    expect(problem(good)).toBeUndefined();
    expect(problem(new Uint8Array(0))).toMatch(/magic/);
    expect(problem(Buffer.concat([Buffer.from("x"), good.subarray(1)]))).toMatch(/magic/);
    // Any single changed byte past the magic, or a cut, fails the checksum.
    for (const at of [30, 60, 100, 5000, good.length - 40, good.length - 1]) {
      const b = Buffer.from(good);
      b[at]! ^= 0x01;
      expect(problem(b), `byte ${at}`).toMatch(/checksum/);
    }
    expect(problem(good.subarray(0, good.length - 1000))).toMatch(/checksum/);
  });

  it("refuses a well-checksummed file whose layout does not add up", () => {
    const f = new HashFilter();
    const good = f.serialize(0, new Uint8Array(32));
    const reseal = (b: Buffer): Buffer => {
      const body = b.subarray(0, b.length - 32);
      return Buffer.concat([body, createHash("sha256").update(body).digest()]);
    };
    const head = "suyuan-hash-filter/1\n".length + 8 + 32;
    const layersAt = head;
    const log2At = head + 4;
    let b = Buffer.from(good);
    b.writeUInt32BE(0, layersAt);
    expect(parseHashFilter(reseal(b))).toEqual({ problem: "layer count 0 out of range" });
    b = Buffer.from(good);
    b.writeUInt8(40, log2At);
    expect(parseHashFilter(reseal(b))).toEqual({ problem: "layer 0 has 2^40 bits, out of range" });
    b = Buffer.from(good);
    b.writeUInt32BE(2, layersAt);
    expect(parseHashFilter(reseal(b))).toEqual({ problem: "layer 1 is cut short" });
    b = Buffer.concat([good.subarray(0, good.length - 32), Buffer.from([0])]);
    expect(parseHashFilter(reseal(Buffer.concat([b, Buffer.alloc(32)])))).toEqual({
      problem: "trailing bytes after the last layer",
    });
  });

  it("refuses to save with a bad covered count or last hash", () => {
    const f = new HashFilter();
    expect(() => f.serialize(-1, last)).toThrow(TypeError);
    expect(() => f.serialize(1.5, last)).toThrow(TypeError);
    expect(() => f.serialize(1, new Uint8Array(3))).toThrow(TypeError);
  });
});
