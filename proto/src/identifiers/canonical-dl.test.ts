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
