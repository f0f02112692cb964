import { parseCode, parseScanData } from "@suyuan/proto";
import { describe, expect, it } from "vitest";
import { cnDrugCode, digitalLinkQr, ean13, gs1_128, gs1DataMatrix, gs1QrElementString } from "./barcode-content.ts";

// GTIN 09506000134352 is GS1's documentation example (GS1 General Specifications, GS1 Digital Link examples).
describe("barcode content", () => {
  it("GS1-128: ]C1 and GS only after a variable-length AI that is not last", () => {
    expect(gs1_128("(01)09506000134352(10)ABC(17)261231")).toBe("]C1010950600013435210ABC\x1d17261231");
    expect(gs1_128("(00)106141411234567897")).toBe("]C100106141411234567897");
  });

  it("GS1 DataMatrix and GS1 QR element strings carry ]d2 / ]Q3", () => {
    const dm = gs1DataMatrix([
      { ai: "01", value: "09506000134352" },
      { ai: "17", value: "261231" },
      { ai: "10", value: "LOT7" },
      { ai: "21", value: "S1" },
    ]);
    expect(dm).toBe("]d2010950600013435217261231" + "10LOT7\x1d21S1");
    expect(gs1QrElementString("(01)09506000134352(21)X")).toBe("]Q3010950600013435221X");
    expect(parseScanData(dm).symbology).toBe("DM");
  });

  it("Digital Link QR is plain QR data (]Q1) that proto resolves to the same identifier", () => {
    const qr = digitalLinkQr("(01)09506000134352(10)ABC(21)S42");
    expect(qr).toBe("]Q1https://id.gs1.org/01/09506000134352/10/ABC/21/S42");
    const scan = parseScanData(qr);
    expect(scan.digitalLink).toBe("https://id.gs1.org/01/09506000134352/10/ABC/21/S42");
    expect(parseCode(qr).canonical).toBe(parseCode(gs1DataMatrix("(01)09506000134352(21)S42")).canonical);
  });

  it("EAN-13: ]E0 + 13 digits, check digit verified by proto", () => {
    expect(ean13("4006381333931")).toBe("]E04006381333931");
    expect(ean13("04006381333931")).toBe("]E04006381333931");
    expect(() => ean13("4006381333932")).toThrow(expect.objectContaining({ code: "ID_BAD_CHECK_DIGIT" }));
  });

  it("rejects AI syntax errors instead of emitting a bad symbol", () => {
    expect(() => gs1_128("(01)09506000134353")).toThrow();
    expect(() => cnDrugCode("123")).toThrow(TypeError);
  });
});
