import { describe, expect, it } from "vitest";
import { aiEntries } from "./ai-dictionary.ts";
import { LINTERS, lint } from "./linters.ts";

describe("GS1 component linters", () => {
  it("every linter named in the Syntax Dictionary is implemented", () => {
    for (const e of aiEntries())
      for (const p of e.parts) for (const l of p.linters) expect(LINTERS[l], l).toBeDefined();
  });
  it("csum points at the check digit", () => {
    expect(lint("csum", "09506000134352")).toBeUndefined();
    expect(lint("csum", "09506000134353")).toEqual({ error: "GS1_LINTER_INCORRECT_CHECK_DIGIT", pos: 13, len: 1 });
  });
  it("dates follow GS1 General Specifications §7.12", () => {
    expect(lint("yymmdd", "240229")).toBeUndefined(); // 2024 is a leap year
    expect(lint("yymmdd", "230229")?.error).toBe("GS1_LINTER_ILLEGAL_DAY");
    expect(lint("yymmd0", "251200")).toBeUndefined(); // day 00: no specific day
    expect(lint("yymmdd", "251200")?.error).toBe("GS1_LINTER_ILLEGAL_DAY");
    expect(lint("yyyymmdd", "19000229")?.error).toBe("GS1_LINTER_ILLEGAL_DAY"); // 1900 not leap
    expect(lint("yyyymmdd", "20000229")).toBeUndefined();
  });
  it("code lists: ISO 3166 China 156 / CN, ISO 4217 CNY 156", () => {
    expect(lint("iso3166", "156")).toBeUndefined();
    expect(lint("iso3166alpha2", "CN")).toBeUndefined();
    expect(lint("iso4217", "156")).toBeUndefined();
    expect(lint("iso3166", "999")?.error).toBe("GS1_LINTER_NOT_ISO3166");
    expect(lint("iso3166999", "999")).toBeUndefined();
  });
  it("IBAN mod 97 (ISO 13616 example GB82WEST12345698765432)", () => {
    expect(lint("iban", "GB82WEST12345698765432")).toBeUndefined();
    expect(lint("iban", "GB83WEST12345698765432")?.error).toBe("GS1_LINTER_INCORRECT_IBAN_CHECKSUM");
  });
  it("unknown linter names are a programmer error", () => {
    expect(() => lint("nope", "x")).toThrow(TypeError);
  });
});
