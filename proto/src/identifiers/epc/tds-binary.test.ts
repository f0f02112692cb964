import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isSuyuanError } from "../../errors.ts";
import { parseTagUri, tagUriToEpcUri } from "./tag-uri.ts";
import { type BinaryScheme, decodeEpc, encodeEpc, encodeEpcDetailed } from "./tds-binary.ts";

function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (isSuyuanError(e)) return e.code;
    throw e;
  }
  throw new Error("expected a rejection");
}

const ESC: Record<string, string> = {
  '"': "%22",
  "%": "%25",
  "&": "%26",
  "/": "%2F",
  "<": "%3C",
  ">": "%3E",
  "?": "%3F",
};
const toUri = (s: string) => s.replace(/["%&/<>?]/g, (c) => ESC[c]!);
const CSET82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";
const cset82 = (min: number, max: number) =>
  fc.string({ unit: fc.constantFrom(...CSET82), minLength: min, maxLength: max });
const digits = (min: number, max = min) =>
  fc.string({ unit: fc.constantFrom(..."0123456789"), minLength: min, maxLength: max });
const int = (bits: number) => fc.bigInt({ min: 0n, max: (1n << BigInt(bits)) - 1n }).map(String);
const cpRef = (total: number) =>
  fc.integer({ min: 6, max: 12 }).chain((L) => fc.tuple(digits(L), digits(Math.max(total - L, 0))));
const cage = fc.string({ unit: fc.constantFrom(..."0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"), minLength: 5, maxLength: 6 });
const adiChars = (min: number, max: number) =>
  fc.string({ unit: fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-/"), minLength: min, maxLength: max });

describe("TDS examples", () => {
  it("decodes and encodes the TDS SGTIN-96 example (TDS 2.1 §14.5.1 / Annex E)", () => {
    const d = decodeEpc("3074257BF7194E4000001A85");
    expect(d).toEqual({
      scheme: "sgtin-96",
      filter: 3,
      tagUri: "urn:epc:tag:sgtin-96:3.0614141.812345.6789",
      epcUri: "urn:epc:id:sgtin:0614141.812345.6789",
    });
    expect(encodeEpc("urn:epc:tag:sgtin-96:3.0614141.812345.6789")).toBe("3074257BF7194E4000001A85");
  });
  it("decodes the TDS 2.3 Table 506 hex as the errata says", () => {
    expect(decodeEpc("3066C4409047E140075BCD15").tagUri).toBe("urn:epc:tag:sgtin-96:3.95060001343.05.123456789");
  });
  it("encodes the TDS SSCC-96 example", () => {
    expect(encodeEpc("urn:epc:id:sscc:0614141.1234567890", { filter: 3 })).toBe("3174257BF4499602D2000000");
  });
});

describe("rejections", () => {
  it("rejects bad input with coded errors", () => {
    expect(code(() => decodeEpc("zz"))).toBe("ID_EPC_BINARY_BAD_HEX");
    expect(code(() => decodeEpc("000000000000000000000000"))).toBe("ID_EPC_BINARY_UNKNOWN_HEADER");
    expect(code(() => decodeEpc("3074257BF7194E4000001A"))).toBe("ID_EPC_BINARY_BAD_LENGTH");
    expect(code(() => decodeEpc("3074257BF7194E4000001A850001"))).toBe("ID_EPC_BINARY_BAD_LENGTH");
    expect(code(() => decodeEpc("307C257BF7194E4000001A85"))).toBe("ID_EPC_BINARY_BAD_PARTITION");
    expect(code(() => decodeEpc("31742 57BF4499602D2000001".replace(" ", "")))).toBe("ID_EPC_BINARY_BAD_VALUE");
  });
  it("accepts a longer EPC bank read when the extra bits are zero", () => {
    expect(decodeEpc("3074257BF7194E4000001A850000").epcUri).toBe("urn:epc:id:sgtin:0614141.812345.6789");
  });
  it("refuses values that do not fit SGTIN-96", () => {
    const o = { scheme: "sgtin-96" as const };
    expect(code(() => encodeEpc("urn:epc:id:sgtin:0614141.812345.0123", o))).toBe("ID_EPC_NOT_ENCODABLE");
    expect(code(() => encodeEpc("urn:epc:id:sgtin:0614141.812345.274877906944", o))).toBe("ID_EPC_NOT_ENCODABLE");
    expect(code(() => encodeEpc("urn:epc:id:sgtin:0614141.812345.A1", o))).toBe("ID_EPC_NOT_ENCODABLE");
    expect(encodeEpc("urn:epc:id:sgtin:0614141.812345.274877906943", o)).toMatch(/^30/);
    expect(code(() => encodeEpc("urn:epc:id:sgtin:0614141.812345.1", { filter: 8 }))).toBe("ID_EPC_BAD_FILTER");
  });
  it("chooses SGTIN-198 by default when the serial does not fit SGTIN-96", () => {
    expect(encodeEpcDetailed("urn:epc:id:sgtin:0614141.812345.A1").scheme).toBe("sgtin-198");
  });
  it("never fails on random hex with anything but a coded error", () => {
    const hex = fc.string({ unit: fc.constantFrom(..."0123456789ABCDEF"), minLength: 0, maxLength: 60 });
    fc.assert(
      fc.property(fc.constantFrom("30", "36", "31", "3B", "3D", "41", "38", "2F", "35", "3A", "3F"), hex, (h, rest) => {
        try {
          decodeEpc(h + rest);
        } catch (e) {
          expect(isSuyuanError(e)).toBe(true);
        }
      }),
    );
  });
});

describe("decode(encode(x)) = x (property)", () => {
  const f3 = fc.integer({ min: 0, max: 7 });
  const cases: [BinaryScheme, fc.Arbitrary<string>, fc.Arbitrary<number | undefined>][] = [
    ["sgtin-96", fc.tuple(cpRef(13), int(38)).map(([[c, r], s]) => `sgtin:${c}.${r}.${s}`), f3],
    ["sgtin-198", fc.tuple(cpRef(13), cset82(1, 20)).map(([[c, r], s]) => `sgtin:${c}.${r}.${toUri(s)}`), f3],
    ["sscc-96", cpRef(17).map(([c, r]) => `sscc:${c}.${r}`), f3],
    ["sgln-96", fc.tuple(cpRef(12), int(41)).map(([[c, r], s]) => `sgln:${c}.${r}.${s}`), f3],
    ["sgln-195", fc.tuple(cpRef(12), cset82(1, 20)).map(([[c, r], s]) => `sgln:${c}.${r}.${toUri(s)}`), f3],
    ["grai-96", fc.tuple(cpRef(12), int(38)).map(([[c, r], s]) => `grai:${c}.${r}.${s}`), f3],
    ["grai-170", fc.tuple(cpRef(12), cset82(1, 16)).map(([[c, r], s]) => `grai:${c}.${r}.${toUri(s)}`), f3],
    ["giai-96", fc.tuple(digits(6, 12), int(42)).map(([c, s]) => `giai:${c}.${s}`), f3],
    ["giai-202", fc.tuple(digits(6, 12), cset82(1, 18)).map(([c, s]) => `giai:${c}.${toUri(s)}`), f3],
    ["gsrn-96", cpRef(17).map(([c, r]) => `gsrn:${c}.${r}`), f3],
    ["gsrnp-96", cpRef(17).map(([c, r]) => `gsrnp:${c}.${r}`), f3],
    ["gdti-96", fc.tuple(cpRef(12), int(41)).map(([[c, r], s]) => `gdti:${c}.${r}.${s}`), f3],
    ["gdti-174", fc.tuple(cpRef(12), cset82(1, 17)).map(([[c, r], s]) => `gdti:${c}.${r}.${toUri(s)}`), f3],
    ["sgcn-96", fc.tuple(cpRef(12), digits(1, 12)).map(([[c, r], s]) => `sgcn:${c}.${r}.${s}`), f3],
    [
      "itip-110",
      fc.tuple(cpRef(13), digits(2), digits(2), int(38)).map(([[c, r], p, t, s]) => `itip:${c}.${r}.${p}.${t}.${s}`),
      f3,
    ],
    [
      "itip-212",
      fc
        .tuple(cpRef(13), digits(2), digits(2), cset82(1, 20))
        .map(([[c, r], p, t, s]) => `itip:${c}.${r}.${p}.${t}.${toUri(s)}`),
      f3,
    ],
    [
      "cpi-96",
      fc.tuple(digits(7), fc.integer({ min: 0, max: 99999999 }), int(31)).map(([c, p, s]) => `cpi:${c}.${p}.${s}`),
      f3,
    ],
    [
      "cpi-var",
      fc
        .tuple(
          digits(6, 12),
          fc.string({ unit: fc.constantFrom(..."0123456789ABCXYZ-#/"), minLength: 1, maxLength: 18 }),
          fc.bigInt({ min: 0n, max: 999999999999n }).map(String),
        )
        .map(([c, p, s]) => `cpi:${c}.${p.replace(/#/g, "%23").replace(/\//g, "%2F")}.${s}`),
      f3,
    ],
    ["gid-96", fc.tuple(int(28), int(24), int(36)).map(([a, b, c]) => `gid:${a}.${b}.${c}`), fc.constant(undefined)],
    ["usdod-96", fc.tuple(cage, int(36)).map(([c, s]) => `usdod:${c}.${s}`), fc.integer({ min: 0, max: 15 })],
    [
      "adi-var",
      fc
        .tuple(cage, adiChars(0, 32), fc.boolean(), adiChars(1, 29))
        .map(([c, p, h, s]) => `adi:${c}.${p.replace(/\//g, "%2F")}.${h ? "%23" : ""}${s.replace(/\//g, "%2F")}`),
      fc.integer({ min: 0, max: 63 }),
    ],
  ];
  for (const [scheme, body, filter] of cases) {
    it(scheme, () => {
      fc.assert(
        fc.property(body, filter, (b, f) => {
          const epcUri = `urn:epc:id:${b}`;
          const hex = encodeEpc(epcUri, { scheme, ...(f === undefined ? {} : { filter: f }) });
          const tagUri =
            f === undefined
              ? `urn:epc:tag:${scheme}:${b.slice(b.indexOf(":") + 1)}`
              : `urn:epc:tag:${scheme}:${f}.${b.slice(b.indexOf(":") + 1)}`;
          const d = decodeEpc(hex);
          expect(d).toEqual({ scheme, filter: f, tagUri, epcUri });
          expect(parseTagUri(tagUri).tagUri).toBe(tagUri);
          expect(tagUriToEpcUri(tagUri)).toBe(epcUri);
          expect(encodeEpc(tagUri)).toBe(hex);
        }),
        { numRuns: 200 },
      );
    });
  }
});
