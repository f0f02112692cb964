import { describe, expect, it } from "vitest";
import {
  expectValidEvents,
  gs1128,
  ruleHarness,
  SGLN_LINE,
  SGLN_SITE,
  sgtinDl,
  sgtinHex,
  sscc,
  ssccDl,
  ssccHex,
} from "../test-fixtures.ts";

const T = Date.UTC(2024, 4, 1, 2, 0, 0, 0);
const PALLET = "1234567890";
// TDS 2.1 §7.2 example: urn:epc:id:sscc:0614141.1234567890 = (00)106141412345678908
const PALLET_DL = "https://id.gs1.org/00/106141412345678908";

function packing(extra: Record<string, unknown> = {}) {
  return ruleHarness({
    id: "pack1",
    rule: "packing",
    readPoint: SGLN_LINE,
    bizLocation: SGLN_SITE,
    devices: [{ deviceId: "r1" }],
    closeAfterMs: 60_000,
    ...extra,
  });
}

describe("packing rule, RFID (EPCIS 2.0 §7.4.3 AggregationEvent ADD)", () => {
  it("the container tag and the items read in the same cycle → one event with the items", () => {
    const h = packing();
    expect(ssccDl(PALLET)).toBe(PALLET_DL);
    h.rule.onCycle?.(h.cycle({ additions: [ssccHex(PALLET), sgtinHex(1), sgtinHex(2)], ts: T }));
    expect(h.events).toEqual([
      {
        type: "AggregationEvent",
        eventTime: "2024-05-01T10:00:00.000+08:00",
        eventTimeZoneOffset: "+08:00",
        action: "ADD",
        parentID: PALLET_DL,
        childEPCs: [sgtinDl(1), sgtinDl(2)],
        bizStep: "packing",
        disposition: "in_progress",
        readPoint: { id: SGLN_LINE },
        bizLocation: { id: SGLN_SITE },
      },
    ]);
    // Items added in a later cycle while the pallet is still there: one more event for the pallet.
    h.rule.onCycle?.(
      h.cycle({ additions: [sgtinHex(3)], current: [ssccHex(PALLET), sgtinHex(1), sgtinHex(2)], ts: T + 1000 }),
    );
    expect(h.events[1]).toMatchObject({ parentID: PALLET_DL, childEPCs: [sgtinDl(3)] });
    expectValidEvents(h.events);
  });

  it("items wait for a container tag that was missed in their cycle (read-rate noise)", () => {
    const h = packing({ pendingCycles: 2 });
    h.rule.onCycle?.(h.cycle({ additions: [sgtinHex(1), sgtinHex(2)], ts: T }));
    expect(h.events).toEqual([]);
    h.rule.onCycle?.(h.cycle({ additions: [ssccHex(PALLET), sgtinHex(3)], ts: T + 1000 }));
    expect(h.events).toHaveLength(1);
    expect(h.events[0]).toMatchObject({ parentID: PALLET_DL, childEPCs: [sgtinDl(1), sgtinDl(2), sgtinDl(3)] });
    expect(h.alerts).toEqual([]);
  });

  it("items with no container, or with two candidate containers, are reported, not guessed", () => {
    const h = packing({ pendingCycles: 0 });
    h.rule.onCycle?.(h.cycle({ additions: [sgtinHex(1)], ts: T }));
    expect(h.alerts).toEqual([
      expect.objectContaining({ kind: "workflow", code: "RULE_NO_CONTAINER", unit: sgtinDl(1), readPoint: "pack1" }),
    ]);
    h.rule.onCycle?.(h.cycle({ additions: [ssccHex(PALLET), ssccHex("1234567891"), sgtinHex(2)], ts: T }));
    expect(h.alerts[1]).toMatchObject({ code: "RULE_AMBIGUOUS_CONTAINER", unit: sgtinDl(2) });
    expect(h.events).toEqual([]);
  });

  it("container filter: SGTIN case tags recognised by their filter value (TDS 2.1 §10.1)", () => {
    const h = packing({ container: { kinds: ["sgtin"], rfidFilters: [2] } });
    h.rule.onCycle?.(h.cycle({ additions: [sgtinHex(500, 2), sgtinHex(1, 1), sgtinHex(2, 1)], ts: T }));
    expect(h.events[0]).toMatchObject({ parentID: sgtinDl(500), childEPCs: [sgtinDl(1), sgtinDl(2)] });
    expectValidEvents(h.events);
  });
});

describe("packing rule, barcode workflow: container label, items, close", () => {
  const item = (s: string) => gs1128(`010952123454321321${s}`);
  const itemDl = (s: string) => `https://id.gs1.org/01/09521234543213/21/${s}`;

  it("scan container, items (duplicates ignored), close → AggregationEvent at the close time", () => {
    const h = packing();
    h.rule.onScan?.(h.scan(gs1128(`00${sscc(PALLET)}`), T), "main");
    h.rule.onScan?.(h.scan(item("A1"), T + 1000), "main");
    h.rule.onScan?.(h.scan(item("A2"), T + 2000), "main");
    h.rule.onScan?.(h.scan(item("A1"), T + 3000), "main");
    expect(h.events).toEqual([]);
    h.rule.onClose?.(T + 4000);
    expect(h.events).toEqual([
      {
        type: "AggregationEvent",
        eventTime: "2024-05-01T10:00:04.000+08:00",
        eventTimeZoneOffset: "+08:00",
        action: "ADD",
        parentID: PALLET_DL,
        childEPCs: [itemDl("A1"), itemDl("A2")],
        bizStep: "packing",
        disposition: "in_progress",
        readPoint: { id: SGLN_LINE },
        bizLocation: { id: SGLN_SITE },
      },
    ]);
    expectValidEvents(h.events);
  });

  it("the next container label closes the open one; class-level items count as quantities", () => {
    const h = packing();
    h.rule.onScan?.(h.scan(gs1128(`00${sscc(PALLET)}`), T), "main");
    h.rule.onScan?.(h.scan(gs1128("0109521234543213"), T + 1), "main");
    h.rule.onScan?.(h.scan(gs1128("0109521234543213"), T + 2), "main");
    h.rule.onScan?.(h.scan(gs1128(`00${sscc("1234567891")}`), T + 3), "main");
    expect(h.events).toHaveLength(1);
    expect(h.events[0]?.childEPCs).toBeUndefined();
    expect(h.events[0]?.childQuantityList).toEqual([{ epcClass: "https://id.gs1.org/01/09521234543213", quantity: 2 }]);
    expectValidEvents(h.events);
  });

  it("an open aggregation closes after closeAfterMs without scans (gateway clock)", () => {
    const h = packing({ closeAfterMs: 30_000 });
    h.setClock(1_000);
    h.rule.onScan?.(h.scan(gs1128(`00${sscc(PALLET)}`), T), "main");
    h.setClock(2_000);
    h.rule.onScan?.(h.scan(item("B1"), T + 1000), "main");
    h.rule.tick?.(31_999);
    expect(h.events).toEqual([]);
    h.rule.tick?.(32_000);
    expect(h.events).toHaveLength(1);
    // The event time is the last scan, not the time the timeout noticed it.
    expect(h.events[0]?.eventTime).toBe("2024-05-01T10:00:01.000+08:00");
  });

  it("an item scanned with no open container is reported, not dropped silently", () => {
    const h = packing();
    h.rule.onScan?.(h.scan(item("C1"), T), "main");
    expect(h.alerts).toEqual([
      {
        kind: "workflow",
        readPoint: "pack1",
        code: "RULE_NO_OPEN_CONTAINER",
        message: expect.stringContaining("scan the container label first"),
        unit: itemDl("C1"),
        time: "2024-05-01T10:00:00.000+08:00",
      },
    ]);
    expect(h.events).toEqual([]);
  });
});

describe("packing rule, nested barcode packing (childContainers: pallet of cases)", () => {
  const CASES = ["2234567890", "2234567891", "2234567892"];
  const label = (ref: string) => gs1128(`00${sscc(ref)}`);

  it("pallet label, case labels, close → one ADD with parentID = pallet, childEPCs = the cases", () => {
    const h = packing({ childContainers: true, closeCodes: ["CLOSE"] });
    h.rule.onScan?.(h.scan(label(PALLET), T), "main");
    for (const [i, c] of CASES.entries()) h.rule.onScan?.(h.scan(label(c), T + 1000 * (i + 1)), "main");
    // The pallet's own label scanned again and a case scanned twice add nothing.
    h.rule.onScan?.(h.scan(label(PALLET), T + 5000), "main");
    h.rule.onScan?.(h.scan(label(CASES[0] as string), T + 6000), "main");
    expect(h.events).toEqual([]);
    h.rule.onClose?.(T + 7000);
    expect(h.alerts).toEqual([]);
    // SSCC (00) 2 0614141 234567890 + check digit 5 (GS1 GS §7.9 mod 10: weighted sum 135).
    expect(ssccDl(CASES[0] as string)).toBe("https://id.gs1.org/00/206141412345678905");
    expect(h.events).toEqual([
      {
        type: "AggregationEvent",
        eventTime: "2024-05-01T10:00:07.000+08:00",
        eventTimeZoneOffset: "+08:00",
        action: "ADD",
        parentID: PALLET_DL,
        childEPCs: CASES.map(ssccDl),
        bizStep: "packing",
        disposition: "in_progress",
        readPoint: { id: SGLN_LINE },
        bizLocation: { id: SGLN_SITE },
      },
    ]);
    expectValidEvents(h.events);
    // After the close the next container label opens the next pallet.
    h.rule.onScan?.(h.scan(label("1234567891"), T + 8000), "main");
    h.rule.onScan?.(h.scan(label("2234567899"), T + 9000), "main");
    h.rule.onClose?.(T + 10_000);
    expect(h.events[1]).toMatchObject({ parentID: ssccDl("1234567891"), childEPCs: [ssccDl("2234567899")] });
  });

  it("a nested aggregation also closes after closeAfterMs", () => {
    const h = packing({ childContainers: true, closeAfterMs: 30_000 });
    h.setClock(0);
    h.rule.onScan?.(h.scan(label(PALLET), T), "main");
    h.rule.onScan?.(h.scan(label(CASES[0] as string), T + 1000), "main");
    h.rule.tick?.(30_000);
    expect(h.events).toEqual([
      expect.objectContaining({ parentID: PALLET_DL, childEPCs: [ssccDl(CASES[0] as string)] }),
    ]);
  });

  it("without childContainers the next container label still closes the open one", () => {
    const h = packing();
    h.rule.onScan?.(h.scan(label(PALLET), T), "main");
    h.rule.onScan?.(h.scan(label(CASES[0] as string), T + 1000), "main");
    expect(h.alerts).toEqual([expect.objectContaining({ code: "RULE_EMPTY_AGGREGATION", unit: PALLET_DL })]);
  });

  it("childContainers must be a boolean", () => {
    expect(() => packing({ childContainers: "yes" })).toThrow(/childContainers.*true or false/);
  });
});

describe("unpacking rule (AggregationEvent DELETE)", () => {
  it("RFID and barcode; a close with no items is a DELETE of the whole content", () => {
    const h = ruleHarness({ id: "unpack", rule: "unpacking", readPoint: SGLN_LINE, devices: [{ deviceId: "r1" }] });
    h.rule.onCycle?.(h.cycle({ additions: [ssccHex(PALLET), sgtinHex(1)], ts: T }));
    expect(h.events[0]).toMatchObject({
      type: "AggregationEvent",
      action: "DELETE",
      bizStep: "unpacking",
      parentID: PALLET_DL,
      childEPCs: [sgtinDl(1)],
    });
    h.rule.onScan?.(h.scan(gs1128(`00${sscc(PALLET)}`), T + 5), "main");
    h.rule.onClose?.(T + 6);
    expect(h.events[1]).toEqual({
      type: "AggregationEvent",
      eventTime: "2024-05-01T10:00:00.006+08:00",
      eventTimeZoneOffset: "+08:00",
      action: "DELETE",
      parentID: PALLET_DL,
      bizStep: "unpacking",
      disposition: "in_progress",
      readPoint: { id: SGLN_LINE },
    });
    expectValidEvents(h.events);
  });
});
