import { describe, expect, it } from "vitest";
import { expectValidEvents, gs1128, ruleHarness, SGLN_LINE, sgtinDl, sgtinHex } from "../test-fixtures.ts";

const T = Date.UTC(2024, 4, 1, 2, 0, 0, 0);
const station = (extra: Record<string, unknown> = {}) =>
  ruleHarness({
    id: "mill",
    rule: "transformation",
    readPoint: SGLN_LINE,
    zones: { input: [{ deviceId: "r1", antennas: [1] }], output: [{ deviceId: "r1", antennas: [2] }] },
    closeCodes: ["END-RUN"],
    ...extra,
  });

describe("transformation rule (EPCIS 2.0 §7.4.5)", () => {
  it("inputs from the input zone, outputs from the output zone → one TransformationEvent on close", () => {
    const h = station();
    h.rule.onCycle?.(h.cycle({ additions: [sgtinHex(1), sgtinHex(2)], zone: "input", ts: T }));
    h.rule.onCycle?.(h.cycle({ additions: [sgtinHex(900)], zone: "output", ts: T + 5000 }));
    expect(h.events).toEqual([]);
    h.rule.onClose?.(T + 6000);
    expect(h.events).toEqual([
      {
        type: "TransformationEvent",
        eventTime: "2024-05-01T10:00:06.000+08:00",
        eventTimeZoneOffset: "+08:00",
        inputEPCList: [sgtinDl(1), sgtinDl(2)],
        outputEPCList: [sgtinDl(900)],
        transformationID: "urn:uuid:00000000-0000-4000-8000-000000000001",
        bizStep: "commissioning",
        disposition: "active",
        readPoint: { id: SGLN_LINE },
      },
    ]);
    expectValidEvents(h.events);
    // The next run gets a new transformationID.
    h.rule.onCycle?.(h.cycle({ additions: [sgtinHex(3)], zone: "input", ts: T + 7000 }));
    h.rule.onScan?.(h.scan(gs1128("010952123454321321OUT1"), T + 7500), "output");
    h.rule.onClose?.(T + 8000);
    expect(h.events[1]?.transformationID).toBe("urn:uuid:00000000-0000-4000-8000-000000000002");
  });

  it("quantity-level input (kg of a lot), configured transformationID and output ILMD; closes on inactivity", () => {
    const h = station({
      transformationId: "urn:epc:id:gdti:0614141.00001.PO-77",
      inputQuantity: { quantity: 25, uom: "KGM" },
      ilmd: { lotNumber: "FLOUR-0501" },
      closeAfterMs: 60_000,
    });
    h.setClock(0);
    h.rule.onScan?.(h.scan(gs1128("0109521234543213", "10WHEAT-9"), T), "input");
    h.rule.onScan?.(h.scan(gs1128("0109521234543213", "10WHEAT-9"), T + 1), "input");
    h.setClock(10_000);
    h.rule.onCycle?.(h.cycle({ additions: [sgtinHex(42)], zone: "output", ts: T + 10_000 }));
    h.rule.tick?.(69_999);
    expect(h.events).toEqual([]);
    h.rule.tick?.(70_000);
    expect(h.events).toHaveLength(1);
    expect(h.events[0]).toMatchObject({
      eventTime: "2024-05-01T10:00:10.000+08:00",
      inputQuantityList: [{ epcClass: "https://id.gs1.org/01/09521234543213/10/WHEAT-9", quantity: 50, uom: "KGM" }],
      outputEPCList: [sgtinDl(42)],
      transformationID: "urn:epc:id:gdti:0614141.00001.PO-77",
      ilmd: [{ ns: "urn:epcglobal:cbv:mda", prefix: "cbvmda", name: "lotNumber", value: "FLOUR-0501" }],
    });
    expect(h.events[0]?.inputEPCList).toBeUndefined();
    expectValidEvents(h.events);
  });

  it("an empty run emits nothing; a one-sided run is recorded with an alert", () => {
    const h = station();
    h.rule.onClose?.(T);
    expect(h.events).toEqual([]);
    h.rule.onCycle?.(h.cycle({ additions: [sgtinHex(1)], zone: "input", ts: T }));
    h.rule.onClose?.(T + 1);
    expect(h.events).toHaveLength(1);
    expect(h.alerts[0]).toMatchObject({ code: "RULE_ONE_SIDED_TRANSFORMATION" });
    expectValidEvents(h.events);
  });

  it("configuration: zones are required and quantities need a Rec. 20 unit", () => {
    expect(() => station({ zones: undefined, devices: [{ deviceId: "r1" }] })).toThrow(
      "RULE_BAD_CONFIG: readPoints[0].zones: a transformation read point needs zones.input and zones.output",
    );
    expect(() => station({ inputQuantity: { quantity: 1, uom: "kg" } })).toThrow(
      'RULE_BAD_CONFIG: readPoints[0].inputQuantity.uom: "kg" is not a UN/CEFACT Rec. 20 unit code',
    );
  });
});
