import { writeEpcisDocument } from "@suyuan/proto";
import { describe, expect, it } from "vitest";
import {
  expectValidEvents,
  gs1128,
  ruleHarness,
  SGLN_LINE,
  SGLN_SITE,
  sgtinDl,
  sgtinHex,
  TDS_SGTIN_HEX,
} from "../test-fixtures.ts";

const MDA = "urn:epcglobal:cbv:mda";
const T = Date.UTC(2024, 4, 1, 2, 0, 0, 123); // 2024-05-01T10:00:00.123+08:00

function harness(extra: Record<string, unknown> = {}) {
  return ruleHarness({
    id: "line1",
    rule: "commissioning",
    readPoint: SGLN_LINE,
    bizLocation: SGLN_SITE,
    devices: [{ deviceId: "r1" }],
    ilmd: { lotNumber: "L42", itemExpirationDate: "2026-12-31" },
    ...extra,
  });
}

describe("commissioning rule (CBV 2.0 §7.1 commissioning)", () => {
  it("RFID: one ObjectEvent ADD per cycle with the new tags and the configured ILMD", () => {
    const h = harness();
    h.rule.onCycle?.(h.cycle({ additions: [TDS_SGTIN_HEX, sgtinHex(2)], ts: T }));
    expect(h.events).toEqual([
      {
        type: "ObjectEvent",
        eventTime: "2024-05-01T10:00:00.123+08:00",
        eventTimeZoneOffset: "+08:00",
        action: "ADD",
        epcList: [sgtinDl(6789), sgtinDl(2)],
        bizStep: "commissioning",
        disposition: "active",
        readPoint: { id: SGLN_LINE },
        bizLocation: { id: SGLN_SITE },
        ilmd: [
          { ns: MDA, prefix: "cbvmda", name: "lotNumber", value: "L42" },
          { ns: MDA, prefix: "cbvmda", name: "itemExpirationDate", value: "2026-12-31" },
        ],
      },
    ]);
    expectValidEvents(h.events);
    // EPCIS 2.0 JSON-LD: the standard context's cbvmda prefix.
    const json = writeEpcisDocument({ kind: "EPCISDocument", schemaVersion: "2.0", events: h.events }, "jsonld");
    expect(json).toContain('"cbvmda:lotNumber": "L42"');
    // A cycle without new tags is no event.
    h.rule.onCycle?.(h.cycle({ seen: [TDS_SGTIN_HEX], ts: T + 1000 }));
    expect(h.events).toHaveLength(1);
  });

  it("barcode: ILMD from the scanned element string's AIs (10), (17), (11) wins over configured values", () => {
    const h = harness();
    const code = gs1128("010952123454321321S1", "10LOT7", "17261231", "11240100");
    h.rule.onScan?.(h.scan(code, T), "main");
    expect(h.events).toHaveLength(1);
    const ev = h.events[0];
    expect(ev?.epcList).toEqual(["https://id.gs1.org/01/09521234543213/21/S1"]);
    expect(ev?.ilmd).toEqual([
      { ns: MDA, prefix: "cbvmda", name: "lotNumber", value: "LOT7" },
      // GS1 General Specifications §7.12: DD 00 = last day of the month.
      { ns: MDA, prefix: "cbvmda", name: "productionDate", value: "2024-01-31" },
      { ns: MDA, prefix: "cbvmda", name: "itemExpirationDate", value: "2026-12-31" },
    ]);
    expectValidEvents(h.events);
  });

  it("a scanned lot/expiry label becomes the ILMD of the RFID units commissioned after it", () => {
    const h = harness({ ilmd: { lotNumber: "CONFIGURED" } });
    h.rule.onAttributes?.(
      {
        read: { deviceId: "s1", kind: "barcode", data: "", ts: T },
        ais: [
          { ai: "10", value: "B-2024-17" },
          { ai: "17", value: "250630" },
        ],
      },
      "main",
    );
    h.rule.onCycle?.(h.cycle({ additions: [sgtinHex(3)], ts: T + 5 }));
    expect(h.events[0]?.ilmd).toEqual([
      { ns: MDA, prefix: "cbvmda", name: "lotNumber", value: "B-2024-17" },
      { ns: MDA, prefix: "cbvmda", name: "itemExpirationDate", value: "2025-06-30" },
    ]);
    // A close code ends the label's context: back to the configured values.
    h.rule.onClose?.(T + 10);
    h.rule.onCycle?.(h.cycle({ additions: [sgtinHex(4)], ts: T + 20 }));
    expect(h.events[1]?.ilmd).toEqual([{ ns: MDA, prefix: "cbvmda", name: "lotNumber", value: "CONFIGURED" }]);
    expectValidEvents(h.events);
  });

  it("class-level scans (GTIN + lot, no serial) are commissioned as a quantity (EPCIS 2.0 §7.3.3.3)", () => {
    const h = harness({ ilmd: undefined });
    h.rule.onScan?.(h.scan(gs1128("0109521234543213", "10LOT1"), T), "main");
    const ev = h.events[0];
    expect(ev?.epcList).toBeUndefined();
    expect(ev?.quantityList).toEqual([{ epcClass: "https://id.gs1.org/01/09521234543213/10/LOT1", quantity: 1 }]);
    expect(ev?.ilmd).toEqual([{ ns: MDA, prefix: "cbvmda", name: "lotNumber", value: "LOT1" }]);
    expectValidEvents(h.events);
  });

  it("refuses bad ILMD configuration, naming the key", () => {
    expect(() => harness({ ilmd: { itemExpirationDate: "31/12/2026" } })).toThrow(
      "RULE_BAD_CONFIG: readPoints[0].ilmd.itemExpirationDate",
    );
    expect(() => harness({ ilmd: { lot: "x" } })).toThrow("RULE_BAD_CONFIG: readPoints[0].ilmd.lot: unknown key");
  });
});
