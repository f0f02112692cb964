import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isSuyuanError } from "../../errors.ts";
import { gs1CheckDigit } from "./common.ts";
import { bicCheckDigit, elementStringFromEpc, epcUriFromAis, gs1KeyFromEpc, parseEpcUri } from "./uri.ts";

function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (isSuyuanError(e)) return e.code;
    throw e;
  }
  throw new Error("expected a rejection");
}

// TDS 2.1 §5: the seven cset82 characters written as %-escapes in EPC URIs.
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
const digits = (n: number) => fc.string({ unit: fc.constantFrom(..."0123456789"), minLength: n, maxLength: n });

describe("GS1 check digit (GenSpecs §7.9)", () => {
  it("computes published check digits", () => {
    expect(gs1CheckDigit("0950600013435")).toBe(2); // GTIN 09506000134352
    expect(gs1CheckDigit("8061414112345")).toBe(8); // TDS example GTIN 80614141123458
    expect(gs1CheckDigit("10614141234567890")).toBe(8); // TDS example SSCC 106141412345678908
  });
  it("ISO 6346 check digit of a container code", () => {
    expect(bicCheckDigit("CSQU305438")).toBe(3); // ISO 6346 example CSQU3054383
  });
});

describe("parseEpcUri", () => {
  it("parses the TDS SGTIN example into its GS1 AIs", () => {
    const e = parseEpcUri("urn:epc:id:sgtin:0614141.812345.6789");
    expect(e).toMatchObject({
      scheme: "sgtin",
      kind: "id",
      companyPrefix: "0614141",
      parts: ["0614141", "812345", "6789"],
    });
    expect(e.ais).toEqual([
      { ai: "01", value: "80614141123458" },
      { ai: "21", value: "6789" },
    ]);
    expect(elementStringFromEpc(e)).toBe("(01)80614141123458(21)6789");
    expect(gs1KeyFromEpc(e)).toBe("80614141123458");
  });
  it("normalises escapes to upper case and decodes values", () => {
    const e = parseEpcUri("urn:epc:id:sgtin:0614141.812345.a%2fb%25");
    expect(e.uri).toBe("urn:epc:id:sgtin:0614141.812345.a%2Fb%25");
    expect(e.values[2]).toBe("a/b%");
  });
  it("keeps dots inside a serial", () => {
    expect(parseEpcUri("urn:epc:id:sgtin:0614141.812345.1.2.3").values[2]).toBe("1.2.3");
  });
  it("rejects with codes naming the rule", () => {
    expect(code(() => parseEpcUri("urn:epc:id:sgtin:06141.1812345.1"))).toBe("ID_EPC_BAD_COMPANY_PREFIX");
    expect(code(() => parseEpcUri("urn:epc:id:sgtin:0614141.81234.1"))).toBe("ID_EPC_BAD_LENGTH");
    expect(code(() => parseEpcUri("urn:epc:id:sgtin:0614141.812345.a%23"))).toBe("ID_EPC_BAD_ESCAPE");
    expect(code(() => parseEpcUri("urn:epc:id:sgtin:0614141.812345.a/b"))).toBe("ID_EPC_BAD_CHARACTER");
    expect(code(() => parseEpcUri("urn:epc:id:sgtin:0614141.812345.123456789012345678901"))).toBe("ID_EPC_BAD_LENGTH");
    expect(code(() => parseEpcUri("urn:epc:id:sgtn:0614141.812345.1"))).toBe("ID_EPC_UNKNOWN_SCHEME");
    expect(code(() => parseEpcUri("urn:epc:tag:sgtin-96:0.0614141.812345.1"))).toBe("ID_EPC_NOT_EPC_URI");
    expect(parseEpcUri("urn:epc:id:sgtin:0614141.812345.*").values[2]).toBe("*"); // "*" is a GS3A3 character
    expect(code(() => parseEpcUri("urn:epc:id:sgtin:0614141.*.1"))).toBe("ID_EPC_BAD_LENGTH");
    expect(code(() => parseEpcUri("urn:epc:idpat:sgtin:0614141.*.6789"))).toBe("ID_EPC_BAD_PATTERN");
    expect(code(() => parseEpcUri("urn:epc:id:gid:1.01.1"))).toBe("ID_EPC_LEADING_ZERO");
    expect(code(() => parseEpcUri("urn:epc:id:sscc:0614141.1234567890", { scheme: "sgtin" }))).toBe(
      "ID_EPC_UNEXPECTED_SCHEME",
    );
  });
  it("never fails with anything but a coded error", () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.constantFrom("urn:epc:id:sgtin:", "urn:epc:id:adi:", "urn:epc:idpat:grai:", ""),
        (s, p) => {
          try {
            parseEpcUri(p + s);
          } catch (e) {
            expect(isSuyuanError(e)).toBe(true);
          }
        },
      ),
    );
  });
});

describe("GS1 keys and element strings", () => {
  it("writes GTIN-13/12/8 only when the dropped digits are zeros", () => {
    expect(gs1KeyFromEpc("urn:epc:id:sgtin:0614141.012345.1", { gtinType: "GTIN13" })).toBe("0614141123452");
    expect(code(() => gs1KeyFromEpc("urn:epc:id:sgtin:0614141.812345.1", { gtinType: "GTIN13" }))).toBe(
      "ID_EPC_GTIN_TYPE",
    );
  });
  it("rejects a bad check digit in AIs", () => {
    expect(
      code(() =>
        epcUriFromAis(
          [
            { ai: "01", value: "09506000134353" },
            { ai: "21", value: "1" },
          ],
          7,
        ),
      ),
    ).toBe("ID_EPC_BAD_CHECK_DIGIT");
  });
  it("has no key for non-GS1 or multi-AI schemes", () => {
    expect(code(() => gs1KeyFromEpc("urn:epc:id:gid:1.2.3"))).toBe("ID_EPC_NO_GS1_KEY");
    expect(code(() => elementStringFromEpc("urn:epc:id:usdod:2S194.1"))).toBe("ID_EPC_NO_ELEMENT_STRING");
  });
  it("round-trips SGTIN / LGTIN / SGLN / GRAI / GDTI / GIAI through their AIs (property)", () => {
    const cpRef = (total: number) =>
      fc.integer({ min: 6, max: 12 }).chain((L) => fc.tuple(digits(L), digits(Math.max(total - L, 0))));
    const uris = fc.oneof(
      fc.tuple(cpRef(13), cset82(1, 20)).map(([[cp, r], s]) => `urn:epc:id:sgtin:${cp}.${r}.${toUri(s)}`),
      fc.tuple(cpRef(13), cset82(1, 20)).map(([[cp, r], s]) => `urn:epc:class:lgtin:${cp}.${r}.${toUri(s)}`),
      fc.tuple(cpRef(12), cset82(1, 20)).map(([[cp, r], s]) => `urn:epc:id:sgln:${cp}.${r}.${toUri(s)}`),
      fc.tuple(cpRef(12), cset82(1, 16)).map(([[cp, r], s]) => `urn:epc:id:grai:${cp}.${r}.${toUri(s)}`),
      fc.tuple(cpRef(12), cset82(1, 17)).map(([[cp, r], s]) => `urn:epc:id:gdti:${cp}.${r}.${toUri(s)}`),
      fc.tuple(cpRef(17)).map(([[cp, r]]) => `urn:epc:id:sscc:${cp}.${r}`),
      fc.tuple(cpRef(0), cset82(1, 18)).map(([[cp], s]) => `urn:epc:id:giai:${cp}.${toUri(s)}`),
    );
    fc.assert(
      fc.property(uris, (uri) => {
        const e = parseEpcUri(uri);
        expect(e.uri).toBe(uri);
        expect(epcUriFromAis(e.ais!, e.companyPrefix!.length)).toBe(uri);
      }),
    );
  });
});
