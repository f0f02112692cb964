// canon / lotOfCode take a shortcut for EPC pure-identity URIs (toCanonicalDigitalLink instead
// of the whole parseCode). Index keys must not change with it, so these properties compare them
// with the definition they shortcut: parseCode(raw).canonical, the input trimmed when parseCode
// refuses it (and parseCode's lot), over generated EPC URIs of the main schemes (valid ones,
// near misses and junk) and every string of the TDS vectors.
import { parseCode } from "@suyuan/proto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readConformanceJson } from "../../../tests/shared.ts";
import { canon, gtinOfPattern, lgtin, lotOfCode } from "./canon.ts";

/** The definition: what canon gave before the shortcut (code.ts parseCode). */
function refCanon(raw: string): string {
  const g = gtinOfPattern(raw);
  if (g !== undefined) return g;
  try {
    return parseCode(raw).canonical;
  } catch {
    return raw.trim();
  }
}

function refLot(raw: string): string | undefined {
  try {
    const r = parseCode(raw);
    const out = r.kind === "lgtin" ? r.canonical : r.classCanonical;
    return out?.startsWith("urn:suyuan:") ? undefined : out;
  } catch {
    return undefined;
  }
}

const digits = (min: number, max: number) =>
  fc.string({ unit: fc.constantFrom(..."0123456789"), minLength: min, maxLength: max });
// GS1 AI encodable set 82 (GS1 General Specifications §7.11) as written in EPC URIs: plain
// characters, TDS 2.1 §6.2 escapes, and a few characters an EPC URI may not carry as such.
const part = fc.string({
  unit: fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(..."ABCXYZabcxyz0123456789") },
    { weight: 2, arbitrary: fc.constantFrom(..."!'()*+,-.:;=_") },
    {
      weight: 1,
      arbitrary: fc.constantFrom("%22", "%25", "%26", "%2F", "%2f", "%3C", "%3E", "%3F", "%", "/", " ", "é"),
    },
  ),
  minLength: 0,
  maxLength: 24,
});

/** Company prefix and a reference that fill `total` digits (or, now and then, do not). */
const keyDigits = (total: number) =>
  fc
    .tuple(
      fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 6, max: 12 }) }, fc.integer({ min: 4, max: 14 })),
      fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, fc.integer({ min: -1, max: 1 })),
    )
    .chain(([cpLen, off]) =>
      fc.tuple(digits(cpLen, cpLen), digits(Math.max(0, total - cpLen + off), Math.max(0, total - cpLen + off))),
    );

const sgtin = fc
  .tuple(keyDigits(13), fc.oneof(digits(1, 20), part))
  .map(([[cp, ref], s]) => `urn:epc:id:sgtin:${cp}.${ref}.${s}`);
const sscc = keyDigits(17).map(([cp, ref]) => `urn:epc:id:sscc:${cp}.${ref}`);
const sgln = fc
  .tuple(keyDigits(12), fc.oneof(fc.constant("0"), digits(1, 20), part))
  .map(([[cp, ref], s]) => `urn:epc:id:sgln:${cp}.${ref}.${s}`);
const grai = fc.tuple(keyDigits(12), part).map(([[cp, ref], s]) => `urn:epc:id:grai:${cp}.${ref}.${s}`);
const giai = fc.tuple(digits(6, 12), part).map(([cp, s]) => `urn:epc:id:giai:${cp}.${s}`);
const pgln = keyDigits(12).map(([cp, ref]) => `urn:epc:id:pgln:${cp}.${ref}`);
const gsrn = keyDigits(17).map(([cp, ref]) => `urn:epc:id:gsrn:${cp}.${ref}`);
const gdti = fc.tuple(keyDigits(12), part).map(([[cp, ref], s]) => `urn:epc:id:gdti:${cp}.${ref}.${s}`);
const gid = fc.tuple(digits(1, 9), digits(1, 8), digits(1, 11)).map(([a, b, c]) => `urn:epc:id:gid:${a}.${b}.${c}`);
// Any scheme name and dotted parts: junk the shortcut must hand back to parseCode.
const anyEpcId = fc
  .tuple(
    fc.constantFrom(
      "sgtin",
      "sscc",
      "sgln",
      "grai",
      "giai",
      "gsrn",
      "gsrnp",
      "gdti",
      "cpi",
      "sgcn",
      "ginc",
      "gsin",
      "itip",
      "upui",
      "pgln",
      "lgtin",
      "gid",
      "usdod",
      "adi",
      "bic",
      "imovn",
      "SGTIN",
      "x",
    ),
    fc.array(fc.oneof(digits(0, 14), part), { minLength: 0, maxLength: 4 }),
  )
  .map(([s, parts]) => `urn:epc:id:${s}:${parts.join(".")}`);
const epcId = fc.oneof(sgtin, sscc, sgln, grai, giai, pgln, gsrn, gdti, gid, anyEpcId);
// Surrounding whitespace (scanners end lines with CR/LF): parseCode trims it.
const withSpace = fc
  .tuple(fc.constantFrom("", " ", "\t"), epcId, fc.constantFrom("", " ", "\r\n"))
  .map(([a, b, c]) => a + b + c);

describe("canon shortcut for EPC pure-identity URIs", () => {
  it("gives parseCode's canonical id (or the trimmed input) for generated EPC URIs", () => {
    fc.assert(
      fc.property(fc.oneof(epcId, withSpace), (raw) => {
        expect(canon(raw)).toBe(refCanon(raw));
        expect(lotOfCode(raw)).toBe(refLot(raw));
        // again, from the memo
        expect(canon(raw)).toBe(refCanon(raw));
        expect(lotOfCode(raw)).toBe(refLot(raw));
      }),
      { numRuns: 3000 },
    );
  });

  it("generates mostly valid codes of the fast-path schemes (so the property is not vacuous)", () => {
    const sample = fc.sample(fc.oneof(sgtin, sscc, sgln), { numRuns: 600, seed: 7 });
    const converted = sample.filter((raw) => canon(raw).startsWith("https://id.gs1.org/"));
    expect(converted.length).toBeGreaterThan(300);
  });

  it("agrees with parseCode on every string of the TDS vectors (epcpy), valid or not", () => {
    const doc = readConformanceJson<{ cases: Array<Record<string, unknown>> }>("tds", "epcpy-vectors.json");
    const strings = new Set<string>();
    const walk = (v: unknown) => {
      if (typeof v === "string") strings.add(v);
      else if (Array.isArray(v)) v.forEach(walk);
      else if (typeof v === "object" && v !== null) Object.values(v).forEach(walk);
    };
    doc.cases.forEach(walk);
    let epcIds = 0;
    for (const raw of strings) {
      if (raw.startsWith("urn:epc:id:")) epcIds++;
      expect(canon(raw), raw).toBe(refCanon(raw));
      expect(lotOfCode(raw), raw).toBe(refLot(raw));
    }
    expect(epcIds).toBeGreaterThan(200);
  });

  it("keeps the worked examples (GS1 General Specifications §7.9 check digits)", () => {
    expect(canon("urn:epc:id:sgtin:0614141.107346.2017")).toBe("https://id.gs1.org/01/10614141073464/21/2017");
    expect(canon("urn:epc:id:sscc:0614141.1234567890")).toBe("https://id.gs1.org/00/106141412345678908");
    expect(canon("urn:epc:id:sgln:0614141.12345.400")).toBe("https://id.gs1.org/414/0614141123452/254/400");
    expect(canon("urn:epc:id:sgln:0614141.12345.0")).toBe("https://id.gs1.org/414/0614141123452");
    expect(canon("urn:epc:id:gid:95100000.12345.400")).toBe("urn:epc:id:gid:95100000.12345.400");
    expect(canon(" urn:epc:id:sgtin:0614141.107346.2017\r\n")).toBe("https://id.gs1.org/01/10614141073464/21/2017");
    expect(canon("urn:epc:id:sgtin:0614141.107346.toolongserialnumber12345")).toBe(
      "urn:epc:id:sgtin:0614141.107346.toolongserialnumber12345",
    );
    expect(lotOfCode("urn:epc:id:sgtin:0614141.107346.2017")).toBeUndefined();
    expect(lotOfCode("urn:epc:class:lgtin:0614141.107346.L1")).toBe("https://id.gs1.org/01/10614141073464/10/L1");
    expect(lotOfCode("(01)10614141073464(10)L1(21)S1")).toBe("https://id.gs1.org/01/10614141073464/10/L1");
    expect(lgtin("10614141073464", "L/1")).toBe("https://id.gs1.org/01/10614141073464/10/L%2F1");
    expect(lgtin("10614141073465", "L1")).toBeUndefined(); // wrong check digit
  });
});
