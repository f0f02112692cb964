import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isSuyuanError } from "../errors.ts";
import { toCanonicalDigitalLink, tryCanonicalDigitalLink } from "./canonical-dl.ts";

const CSET82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";
const ESC: Record<string, string> = {
  '"': "%22",
  "%": "%25",
  "&": "%26",
  "/": "%2F",
  "<": "%3C",
  ">": "%3E",
  "?": "%3F",
};

describe("toCanonicalDigitalLink", () => {
  it("maps the TDS SGTIN example to its GS1 Digital Link (GS1 DL 1.2 §4)", () => {
    expect(toCanonicalDigitalLink("urn:epc:id:sgtin:0614141.812345.6789")).toBe(
      "https://id.gs1.org/01/80614141123458/21/6789",
    );
  });
  it("keeps identifiers without a GS1 key out (null from tryCanonicalDigitalLink)", () => {
    for (const s of [
      "urn:uuid:6ba7b810-9dad-11d1-80b4-00c04fd430c8",
      "urn:epc:id:gid:1.2.3",
      "https://example.com/x",
      "",
    ]) {
      expect(tryCanonicalDigitalLink(s)).toBeNull();
      expect(() => toCanonicalDigitalLink(s)).toThrow(/^ID_/);
    }
    expect(tryCanonicalDigitalLink(undefined)).toBeNull();
  });
  it("drops CPV and lot when a serial is present, and the query string", () => {
    expect(toCanonicalDigitalLink("https://a.example/shop/01/09506000134352/22/x/10/L1/21/S1?17=250101")).toBe(
      "https://id.gs1.org/01/09506000134352/21/S1",
    );
  });
  it("agrees between the EPC path and the Digital Link path (property)", () => {
    const arb = fc.tuple(
      fc
        .integer({ min: 6, max: 12 })
        .chain((L) =>
          fc.tuple(
            fc.string({ unit: fc.constantFrom(..."0123456789"), minLength: L, maxLength: L }),
            fc.string({ unit: fc.constantFrom(..."0123456789"), minLength: 13 - L, maxLength: 13 - L }),
          ),
        ),
      fc.string({ unit: fc.constantFrom(...CSET82), minLength: 1, maxLength: 20 }),
    );
    fc.assert(
      fc.property(arb, ([[cp, ref], serial]) => {
        const viaEpc = toCanonicalDigitalLink(
          `urn:epc:id:sgtin:${cp}.${ref}.${serial.replace(/["%&/<>?]/g, (c) => ESC[c]!)}`,
        );
        const gtin = viaEpc.split("/")[4]!;
        expect(gtin.slice(0, 13)).toBe(ref[0] + cp + ref.slice(1));
        const viaDl = toCanonicalDigitalLink(`http://example.com/01/${gtin}/21/${encodeURIComponent(serial)}`);
        expect(viaDl).toBe(viaEpc);
        expect(decodeURIComponent(viaEpc.split("/")[6]!)).toBe(serial);
      }),
    );
  });
  // GS1 GenSpecs §7.9.1 check digit, written out here independently of the code under test.
  const check = (digits: string): string => {
    let sum = 0;
    for (let i = 0; i < digits.length; i++) sum += Number(digits[digits.length - 1 - i]) * (i % 2 === 0 ? 3 : 1);
    return digits + String((10 - (sum % 10)) % 10);
  };
  const digitsOf = (n: number) => fc.string({ unit: fc.constantFrom(..."0123456789"), minLength: n, maxLength: n });
  const alnum = fc.string({
    unit: fc.constantFrom(..."0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"),
    minLength: 1,
    maxLength: 20,
  });
  const cpAndRef = (total: number) =>
    fc.integer({ min: 6, max: 12 }).chain((L) => fc.tuple(digitsOf(L), digitsOf(total - L)));

  it("SSCC and SGLN: the EPC path agrees with the Digital Link path and TDS 2.1 §7.3/§7.4 (property)", () => {
    fc.assert(
      fc.property(cpAndRef(17), ([cp, ref]) => {
        const sscc = check(ref[0] + cp + ref.slice(1));
        const viaEpc = toCanonicalDigitalLink(`urn:epc:id:sscc:${cp}.${ref}`);
        expect(viaEpc).toBe(`https://id.gs1.org/00/${sscc}`);
        expect(toCanonicalDigitalLink(`https://example.com/00/${sscc}`)).toBe(viaEpc);
      }),
    );
    fc.assert(
      fc.property(cpAndRef(12), fc.oneof(alnum, fc.constant("0")), ([cp, ref], ext) => {
        const gln = check(cp + ref);
        const viaEpc = toCanonicalDigitalLink(`urn:epc:id:sgln:${cp}.${ref}.${ext}`);
        expect(viaEpc).toBe(ext === "0" ? `https://id.gs1.org/414/${gln}` : `https://id.gs1.org/414/${gln}/254/${ext}`);
        expect(toCanonicalDigitalLink(`https://example.com/414/${gln}${ext === "0" ? "" : `/254/${ext}`}`)).toBe(
          viaEpc,
        );
      }),
    );
    fc.assert(
      fc.property(cpAndRef(13), alnum, ([cp, ref], serial) => {
        expect(toCanonicalDigitalLink(`urn:epc:id:sgtin:${cp}.${ref}.${serial}`)).toBe(
          `https://id.gs1.org/01/${check(ref[0] + cp + ref.slice(1))}/21/${serial}`,
        );
      }),
    );
  });

  it("still refuses malformed SGTIN, SSCC and SGLN URIs with their coded errors", () => {
    for (const [uri, code] of [
      ["urn:epc:id:sgtin:061414.12345.1", "ID_EPC_BAD_LENGTH"], // 6 + 5 digits, not 13
      ["urn:epc:id:sgtin:06141A1.812345.1", "ID_EPC_BAD_COMPANY_PREFIX"],
      ["urn:epc:id:sgtin:0614141.812345.", "ID_EPC_BAD_LENGTH"],
      ["urn:epc:id:sgtin:0614141.812345.123456789012345678901", "ID_EPC_BAD_LENGTH"],
      ["urn:epc:id:sgtin:0614141.812345", "ID_EPC_BAD_SYNTAX"],
      ["urn:epc:id:sscc:0614141.123456789", "ID_EPC_BAD_LENGTH"],
      ["urn:epc:id:sscc:0614141.1234567890.1", "ID_EPC_BAD_LENGTH"],
      ["urn:epc:id:sgln:0614141.12345.%zz", "ID_EPC_BAD_ESCAPE"],
      ["urn:epc:id:sgln:06141.1234567.0", "ID_EPC_BAD_COMPANY_PREFIX"],
    ] as const) {
      let thrown: unknown;
      try {
        toCanonicalDigitalLink(uri);
      } catch (e) {
        thrown = e;
      }
      expect(isSuyuanError(thrown) ? thrown.code : thrown, uri).toBe(code);
    }
    // Escaped and punctuated serials take the general path and keep their canonical escapes.
    expect(toCanonicalDigitalLink("urn:epc:id:sgtin:0614141.812345.a%2Fb.c")).toBe(
      "https://id.gs1.org/01/80614141123458/21/a%2Fb.c",
    );
  });

  it("never fails with anything but a coded error", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("urn:epc:id:sgtin:", "https://x/01/", "http://", "urn:epc:idpat:"),
        fc.string(),
        (p, s) => {
          try {
            toCanonicalDigitalLink(p + s);
          } catch (e) {
            expect(isSuyuanError(e)).toBe(true);
          }
        },
      ),
    );
  });
});
