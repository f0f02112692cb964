import { describe, expect, it } from "vitest";
import { cbvUrn, cbvWebUri, cbvWord, checkVocabularyValue, toCbvWordOrSelf } from "./cbv.ts";

// Spellings from CBV 2.0 §6 (Web URI https://ref.gs1.org/cbv/BizStep-…, URN urn:epcglobal:cbv:bizstep:…)
// and the EPCIS 2.0 JSON-LD context (bare words, cbv: CURIEs).
describe("CBV vocabularies", () => {
  it("recognises every spelling of a term", () => {
    for (const v of [
      "shipping",
      "https://ref.gs1.org/cbv/BizStep-shipping",
      "cbv:BizStep-shipping",
      "urn:epcglobal:cbv:bizstep:shipping",
    ])
      expect(cbvWord("bizStep", v)).toBe("shipping");
    expect(cbvWord("disposition", "urn:epcglobal:cbv:disp:in_transit")).toBe("in_transit");
    expect(cbvWord("bizTransactionType", "urn:epcglobal:cbv:btt:po")).toBe("po");
    expect(cbvWord("sourceDestType", "https://ref.gs1.org/cbv/SDT-owning_party")).toBe("owning_party");
    expect(cbvWord("errorReason", "urn:epcglobal:cbv:er:incorrect_data")).toBe("incorrect_data");
    expect(cbvWord("measurementType", "gs1:Temperature")).toBe("Temperature");
    expect(cbvWord("sensorAlertType", "https://gs1.org/voc/ALARM_CONDITION")).toBe("ALARM_CONDITION");
    expect(cbvWord("component", "cbv:Comp-latitude")).toBe("latitude");
  });

  it("does not mix vocabularies", () => {
    expect(cbvWord("disposition", "shipping")).toBeUndefined();
    expect(cbvWord("bizStep", "urn:epcglobal:cbv:disp:in_transit")).toBeUndefined();
  });

  it("builds URIs and URNs", () => {
    expect(cbvWebUri("bizStep", "receiving")).toBe("https://ref.gs1.org/cbv/BizStep-receiving");
    expect(cbvUrn("disposition", "in_progress")).toBe("urn:epcglobal:cbv:disp:in_progress");
    expect(cbvUrn("measurementType", "Temperature")).toBe("gs1:Temperature");
    expect(() => cbvWebUri("bizStep", "transforming")).toThrow(TypeError);
  });

  it("classifies values: term, user URI, non-term word, reserved namespace", () => {
    expect(checkVocabularyValue("bizStep", "commissioning")).toEqual({ ok: true, word: "commissioning" });
    expect(checkVocabularyValue("bizStep", "https://example.com/bizstep/brewing")).toEqual({ ok: true });
    expect(checkVocabularyValue("bizStep", "transforming")).toEqual({ ok: false, reason: "not-a-term" });
    expect(checkVocabularyValue("disposition", "in_transport")).toEqual({ ok: false, reason: "not-a-term" });
    expect(checkVocabularyValue("bizStep", "urn:epcglobal:cbv:bizstep:transforming")).toEqual({
      ok: false,
      reason: "reserved-namespace",
    });
    expect(checkVocabularyValue("bizStep", "https://ref.gs1.org/cbv/Bizstep-shipping").ok).toBe(false);
    expect(toCbvWordOrSelf("bizStep", "urn:epcglobal:cbv:bizstep:packing")).toBe("packing");
    expect(toCbvWordOrSelf("bizStep", "https://example.com/x")).toBe("https://example.com/x");
  });
});
