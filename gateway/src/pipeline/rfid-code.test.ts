// The compact RFID identifier answers every CodeResult field as parseCode does (kept fields
// directly, the others decoded again on access), and the decoder hands it out for EPC banks.
import { type CodeResult, encodeEpcDetailed, parseCode } from "@suyuan/proto";
import { describe, expect, it } from "vitest";
import { createDecoder } from "./decode.ts";
import { RfidCode } from "./rfid-code.ts";
import { TDS_SGTIN_HEX } from "./test-fixtures.ts";

// TDS 2.1 §14.5: one tag URI per EPC scheme family the gateway meets at a dock door.
const TAG_URIS = [
  "urn:epc:tag:sgtin-96:3.0614141.812345.6789",
  "urn:epc:tag:sgtin-198:3.0614141.812345.mixed%2Fserial-1",
  "urn:epc:tag:sscc-96:0.0614141.1234567890",
  "urn:epc:tag:sgln-96:0.0614141.12345.400",
  "urn:epc:tag:grai-96:0.0614141.12345.5678",
  "urn:epc:tag:giai-96:0.0614141.5678",
];
const HEXES = [TDS_SGTIN_HEX, ...TAG_URIS.map((u) => encodeEpcDetailed(u).hex)];
const FIELDS: Array<keyof CodeResult> = [
  "valid",
  "kind",
  "form",
  "canonical",
  "digitalLink",
  "classCanonical",
  "epcUri",
  "epcClassUri",
  "elementString",
  "ais",
  "symbology",
  "cnDrugCode",
  "notes",
];

describe("RfidCode", () => {
  it.each(HEXES)("answers every field of parseCode(%s)", (hex) => {
    const full = parseCode(hex);
    const c = RfidCode.of(hex, full, {});
    expect(c).toBeInstanceOf(RfidCode);
    for (const f of FIELDS) expect(c[f], f).toEqual(full[f]);
    expect({ ...c.rfid, tagUri: c.rfid?.tagUri }).toEqual({ ...full.rfid });
    expect(JSON.parse(JSON.stringify(c))).toEqual(JSON.parse(JSON.stringify(full)));
  });

  it("keeps only the fields the pipeline reads as own data", () => {
    const c = RfidCode.of(TDS_SGTIN_HEX, parseCode(TDS_SGTIN_HEX), {});
    for (const f of ["digitalLink", "epcUri", "elementString", "ais"]) expect(Object.hasOwn(c, f), f).toBe(false);
    expect(Object.hasOwn(c.rfid!, "tagUri")).toBe(false);
  });

  it("leaves other forms of code as parseCode gave them", () => {
    const uri = "urn:epc:id:sgtin:0614141.812345.6789";
    const r = parseCode(uri);
    expect(RfidCode.of(uri, r, {})).toBe(r);
  });

  it("is what the decoder caches for an EPC bank read", () => {
    const d = createDecoder();
    const r = d.decodeRfid({ deviceId: "r1", kind: "rfid", data: HEXES[1]!, ts: 1 });
    expect(r).toBeInstanceOf(RfidCode);
    expect(r).toBe(d.decodeRfid({ deviceId: "r1", kind: "rfid", data: HEXES[1]!, ts: 2 }));
  });
});
