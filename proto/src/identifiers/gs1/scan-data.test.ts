import { describe, expect, it } from "vitest";
import { isSuyuanError } from "../../errors.ts";
import { parseScanData, toScanData } from "./scan-data.ts";

describe("AIM scan data", () => {
  it("reads GS1 DataMatrix (]d2) into AIs", () => {
    const r = parseScanData("]d201095060001343522112345XYZ\u001d17261231");
    expect(r.symbology).toBe("DM");
    expect(r.ais).toEqual([
      { ai: "01", value: "09506000134352" },
      { ai: "21", value: "12345XYZ" },
      { ai: "17", value: "261231" },
    ]);
  });
  it("reads a QR code carrying a GS1 Digital Link", () => {
    const r = parseScanData("]Q1https://id.gs1.org/01/09506000134352/21/X1");
    expect(r.digitalLink).toBe("https://id.gs1.org/01/09506000134352/21/X1");
    expect(r.ais?.[1]).toEqual({ ai: "21", value: "X1" });
  });
  it("turns EAN-13 (]E0) into a GTIN-14 and checks its digit", () => {
    expect(parseScanData("]E06291041500213").ais).toEqual([{ ai: "01", value: "06291041500213" }]);
    try {
      parseScanData("]E06291041500214");
      expect.unreachable();
    } catch (e) {
      expect(isSuyuanError(e, "ID_BAD_CHECK_DIGIT")).toBe(true);
    }
  });
  it("round-trips through toScanData", () => {
    for (const [sym, data] of [
      ["DM", "^010950600013435210AB^21X1"],
      ["QR", "^010950600013435210AB^21X1"],
      ["GS1_128_CCA", "^010950600013435210AB^21X1"],
      ["EAN13", "6291041500213"],
    ] as const) {
      expect(parseScanData(toScanData(sym, data)).data).toBe(data);
    }
  });
});
