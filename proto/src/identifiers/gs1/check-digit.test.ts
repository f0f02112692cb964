import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { gs1CheckDigit, gs1CheckPair, hasValidGs1CheckDigit } from "./check-digit.ts";

describe("gs1CheckDigit (GS1 General Specifications §7.9.1)", () => {
  it("matches hand-checked keys", () => {
    // GTIN-13 629104150021-3: 3×(2+1+4+5+0+1) + (6+9+0+1+0+2) = 39 + 18 = 57 → 3.
    expect(gs1CheckDigit("629104150021")).toBe(3);
    // GTIN-14 0950600013435-2 (GS1 Digital Link examples).
    expect(gs1CheckDigit("0950600013435")).toBe(2);
    // SSCC 00614141123456789-0.
    expect(gs1CheckDigit("00614141123456789")).toBe(0);
    // GTIN-8 0234567-3.
    expect(gs1CheckDigit("0234567")).toBe(3);
  });
  it("rejects non-digits as a programmer error", () => {
    expect(() => gs1CheckDigit("12a")).toThrow(TypeError);
  });
  it("a key with its computed digit validates, and any other last digit does not", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{7,17}$/), fc.integer({ min: 1, max: 9 }), (body, delta) => {
        const d = gs1CheckDigit(body);
        expect(hasValidGs1CheckDigit(body + d)).toBe(true);
        expect(hasValidGs1CheckDigit(body + ((d + delta) % 10))).toBe(false);
      }),
    );
  });
  it("detects every single-digit substitution in the data", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{13}$/), fc.nat(12), fc.integer({ min: 1, max: 9 }), (body, i, delta) => {
        const key = body + gs1CheckDigit(body);
        const changed = key.slice(0, i) + ((Number(key[i]) + delta) % 10) + key.slice(i + 1);
        expect(hasValidGs1CheckDigit(changed)).toBe(false);
      }),
    );
  });
});

describe("gs1CheckPair (GS1 General Specifications §7.9.5)", () => {
  it("matches the specification's worked example", () => {
    expect(gs1CheckPair("1987654Ad4X4bL5ttr2310c")).toBe("2K");
  });
  it("is 22 for empty data and undefined outside CSET 82", () => {
    expect(gs1CheckPair("")).toBe("22");
    expect(gs1CheckPair("AB CD")).toBeUndefined();
  });
});
