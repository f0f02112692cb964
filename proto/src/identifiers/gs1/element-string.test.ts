import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isSuyuanError } from "../../errors.ts";
import {
  formatBracketed,
  formatUnbracketed,
  GS,
  parseBracketedAis,
  parseElementString,
  parseUnbracketedAis,
  validateAis,
} from "./element-string.ts";

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (e) {
    if (isSuyuanError(e)) return e.code;
    throw e;
  }
  return undefined;
};

// GS1 General Specifications §3 example: GTIN, serial, expiry, batch.
const EXAMPLE = [
  { ai: "01", value: "09506000134352" },
  { ai: "21", value: "12345XYZ" },
  { ai: "17", value: "261231" },
  { ai: "10", value: "ABC123" },
];

describe("element strings", () => {
  it("parses all three forms to the same AIs", () => {
    expect(parseElementString("(01)09506000134352(21)12345XYZ(17)261231(10)ABC123")).toEqual(EXAMPLE);
    expect(parseElementString(`^010950600013435221${"12345XYZ"}^17261231${"10ABC123"}`)).toEqual(EXAMPLE);
    expect(parseElementString(`010950600013435221${"12345XYZ"}${GS}1726123110ABC123`)).toEqual(EXAMPLE);
  });
  it("writes FNC1 only after variable-length values that are followed by another AI", () => {
    // (01) and (17) are predefined length (§5.10.1): no separator after them.
    expect(formatUnbracketed(EXAMPLE, "^")).toBe("010950600013435221" + "12345XYZ^1726123110ABC123");
    expect(formatBracketed(EXAMPLE)).toBe("(01)09506000134352(21)12345XYZ(17)261231(10)ABC123");
  });
  it("names the key and the expected digit on a bad check digit", () => {
    expect(() => parseElementString("(01)09506000134353")).toThrow(
      "ID_BAD_CHECK_DIGIT: GTIN 09506000134353: check digit 3, expected 2",
    );
  });
  it("enforces the combination rules (§4.13)", () => {
    expect(codeOf(() => parseElementString("(21)ABC"))).toBe("ID_AI_REQUISITE");
    expect(codeOf(() => parseElementString("(01)09506000134352(02)09506000134352(37)1"))).toBe("ID_AI_EXCLUSIVE");
    expect(codeOf(() => parseElementString("(01)09506000134352(10)A(10)B"))).toBe("ID_AI_REPEAT");
    expect(parseElementString("(01)09506000134352(10)A(10)A")).toHaveLength(3);
    expect(parseElementString("(21)ABC", { associations: false })).toEqual([{ ai: "21", value: "ABC" }]);
  });
  it("rejects unknown AIs, bad syntax and bad values with codes", () => {
    expect(codeOf(() => parseElementString("(89)X"))).toBe("ID_AI_UNKNOWN");
    expect(codeOf(() => parseBracketedAis("(01"))).toBe("ID_AI_SYNTAX");
    expect(codeOf(() => parseUnbracketedAis("0109506000134352"))).toBe("ID_AI_SYNTAX");
    expect(codeOf(() => parseElementString("(17)261332(01)09506000134352"))).toBe("ID_AI_FORMAT");
    expect(codeOf(() => validateAis([{ ai: "01", value: "0950600013435" }]))).toBe("ID_AI_FORMAT");
  });
  it("never crashes on arbitrary input", () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        try {
          parseElementString(s);
        } catch (e) {
          expect(isSuyuanError(e)).toBe(true);
        }
      }),
    );
  });
  it("bracketed and unbracketed forms round-trip", () => {
    const ai = fc.record({
      gtin: fc.stringMatching(/^[0-9]{13}$/),
      serial: fc.stringMatching(/^[0-9A-Za-z]{1,20}$/),
      lot: fc.stringMatching(/^[0-9A-Z\-./]{1,20}$/),
    });
    fc.assert(
      fc.property(ai, ({ gtin, serial, lot }) => {
        let sum = 0;
        for (let i = 0; i < 13; i++) sum += Number(gtin[12 - i]) * (i % 2 === 0 ? 3 : 1);
        const ais = [
          { ai: "01", value: gtin + ((10 - (sum % 10)) % 10) },
          { ai: "21", value: serial },
          { ai: "10", value: lot },
        ];
        expect(parseBracketedAis(formatBracketed(ais))).toEqual(ais);
        expect(parseUnbracketedAis(GS + formatUnbracketed(ais))).toEqual(ais);
      }),
    );
  });
});
