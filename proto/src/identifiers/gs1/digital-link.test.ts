import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isSuyuanError } from "../../errors.ts";
import { buildDigitalLink, parseDigitalLink } from "./digital-link.ts";

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (e) {
    if (isSuyuanError(e)) return e.code;
    throw e;
  }
  return undefined;
};

describe("GS1 Digital Link", () => {
  it("parses the GS1 Digital Link standard's example with qualifiers and an attribute", () => {
    const r = parseDigitalLink("https://id.gs1.org/01/09520123456788/10/ABC1/21/12345?17=180426");
    expect(r.ais).toEqual([
      { ai: "01", value: "09520123456788" },
      { ai: "10", value: "ABC1" },
      { ai: "21", value: "12345" },
      { ai: "17", value: "180426" },
    ]);
    expect(r.stem).toBe("https://id.gs1.org");
    expect(r.pathAiCount).toBe(3);
  });
  it("keeps any domain and path prefix as the stem", () => {
    const r = parseDigitalLink("https://brand.example.com/some/prefix/00/006141411234567890?utm=x");
    expect(r.stem).toBe("https://brand.example.com/some/prefix");
    expect(r.ais).toEqual([{ ai: "00", value: "006141411234567890" }]);
  });
  it("accepts convenience alphas and GTIN-13 only when asked", () => {
    expect(parseDigitalLink("https://a.example/gtin/09520123456788/ser/X1").ais).toHaveLength(2);
    expect(codeOf(() => parseDigitalLink("https://a.example/01/9520123456788"))).toBe("ID_AI_FORMAT");
    expect(
      parseDigitalLink("https://a.example/01/9520123456788", { permitZeroSuppressedGtin: true }).ais[0]!.value,
    ).toBe("09520123456788");
  });
  it("rejects compressed URIs, missing keys and bad qualifier order with codes", () => {
    expect(codeOf(() => parseDigitalLink("https://id.gs1.org/AQnYUc1gmiYVSwoRcmcmVgE"))).toBe("ID_DL_COMPRESSED");
    expect(codeOf(() => parseDigitalLink("https://id.gs1.org/products/123"))).toBe("ID_DL_NO_PRIMARY_KEY");
    expect(codeOf(() => parseDigitalLink("https://id.gs1.org/01/09520123456788/21/1/10/A"))).toBe(
      "ID_DL_KEY_QUALIFIERS",
    );
    expect(codeOf(() => parseDigitalLink("https://id.gs1.org/01/09520123456788?10=A"))).toBe("ID_DL_ATTRIBUTE");
    expect(codeOf(() => parseDigitalLink("ftp://id.gs1.org/01/09520123456788"))).toBe("ID_DL_SYNTAX");
  });
  it("builds the canonical form: qualifiers in dlpkey order, fixed-length attributes first", () => {
    expect(
      buildDigitalLink([
        { ai: "10", value: "AB/1" },
        { ai: "3103", value: "000195" },
        { ai: "21", value: "S+1" },
        { ai: "01", value: "09520123456788" },
        { ai: "17", value: "261231" },
      ]),
    ).toBe("https://id.gs1.org/01/09520123456788/10/AB%2F1/21/S%2B1?3103=000195&17=261231");
  });
  it("round-trips AIs through a URI", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[!"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{1,20}$/), (serial) => {
        const ais = [
          { ai: "01", value: "09520123456788" },
          { ai: "21", value: serial },
        ];
        const uri = buildDigitalLink(ais, { stem: "https://example.com/" });
        expect(parseDigitalLink(uri).ais).toEqual(ais);
      }),
    );
  });
  it("never crashes on arbitrary input", () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        try {
          parseDigitalLink(`https://a.example/${s}`);
        } catch (e) {
          expect(isSuyuanError(e)).toBe(true);
        }
      }),
    );
  });
});
