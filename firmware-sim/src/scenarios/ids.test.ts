import { parseCode } from "@suyuan/proto";
import { describe, expect, it } from "vitest";
import {
  dataMatrixScan,
  digitalLinkQrScan,
  gs1128Scan,
  lgtinOf,
  makeCnDrugCode,
  makeGln,
  makeGtin,
  makeSgtin,
  makeSscc,
  makeSsccIds,
  sglnUri,
} from "./ids.ts";

describe("scenario identifiers", () => {
  it("computes GS1 check digits as the standard's examples have them", () => {
    // TDS 2.1 §6.3.2 example: urn:epc:id:sscc:0614141.1234567890 ↔ SSCC 106141412345678908.
    expect(makeSscc("0614141", 234567890, 1)).toBe("106141412345678908");
    // GLN 0614141000005 (PGLN 0614141.00000) and 0614141007776 (SGLN 0614141.00777.0), GS1 GS §7.9.1.
    expect(makeGln("0614141", 0)).toBe("0614141000005");
    expect(makeGln("0614141", 777)).toBe("0614141007776");
    // GTIN-13 4012345000009's GTIN-14 form with an item reference 0 (GS1 example prefix 4012345).
    expect(makeGtin("4012345", 0)).toBe("04012345000009");
    expect(() => makeGtin("0614141", 123456)).toThrow(TypeError);
  });

  it("builds SGTIN RFID tags that decode to the same canonical SGTIN", () => {
    const gtin = makeGtin("0614141", 10734);
    const s = makeSgtin(gtin, 100001, 7, 2);
    expect(s.epcUri).toBe("urn:epc:id:sgtin:0614141.010734.100001");
    const r = parseCode(s.rfidHex);
    expect(r.kind).toBe("sgtin");
    expect(r.canonical).toBe(s.canonical);
    expect(r.canonical).toBe(`https://id.gs1.org/01/${gtin}/21/100001`);
    expect(r.rfid?.filter).toBe(2);
    expect(r.rfid?.scheme).toBe("sgtin-96");
  });

  it("builds SSCC tags and labels that name the same logistic unit", () => {
    const ids = makeSsccIds(makeSscc("9506000", 1), 7);
    expect(parseCode(ids.rfidHex).canonical).toBe(ids.canonical);
    expect(parseCode(gs1128Scan([{ ai: "00", value: ids.sscc }])).canonical).toBe(ids.canonical);
    expect(ids.canonical).toBe(`https://id.gs1.org/00/${ids.sscc}`);
  });

  it("writes DataMatrix and Digital Link QR scans whose unit and lot parse back", () => {
    const gtin = makeGtin("0614141", 20001);
    const ais = [
      { ai: "01", value: gtin },
      { ai: "21", value: "5001" },
      { ai: "10", value: "J1-240603" },
      { ai: "17", value: "241130" },
    ];
    const dm = dataMatrixScan(ais);
    expect(dm.startsWith("]d201")).toBe(true);
    expect(dm).toContain("\u001d");
    const qr = digitalLinkQrScan([ais[0]!, ais[2]!, ais[1]!, ais[3]!], "https://qr.example.cn");
    expect(qr).toBe(`]Q1https://qr.example.cn/01/${gtin}/10/J1-240603/21/5001?17=241130`);
    for (const s of [dm, qr]) {
      const r = parseCode(s);
      expect(r.canonical).toBe(`https://id.gs1.org/01/${gtin}/21/5001`);
      expect(r.classCanonical).toBe(lgtinOf(gtin, "J1-240603"));
    }
  });

  it("builds structurally valid 20-digit drug traceability codes", () => {
    const c = makeCnDrugCode("8612345", 42);
    expect(c).toMatch(/^8612345000000042\d{4}$/);
    expect(makeCnDrugCode("8612345", 42)).toBe(c);
    const r = parseCode(c);
    expect(r.kind).toBe("cn-drug-code");
    expect(r.canonical).toBe(`urn:suyuan:cn-drug-code:${c}`);
    expect(r.classCanonical).toBe("urn:suyuan:cn-drug-product:8612345");
    expect(() => makeCnDrugCode("0012345", 1)).toThrow(TypeError);
  });

  it("writes SGLNs whose extension 0 is the GLN itself", () => {
    expect(parseCode(sglnUri("4012345", 42, 0)).canonical).toBe(`https://id.gs1.org/414/${makeGln("4012345", 42)}`);
    expect(parseCode(sglnUri("4012345", 42, 3)).canonical).toBe(
      `https://id.gs1.org/414/${makeGln("4012345", 42)}/254/3`,
    );
  });
});
