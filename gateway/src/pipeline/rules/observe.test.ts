import type { CodeResult } from "@suyuan/proto";
import { describe, expect, it } from "vitest";
import {
  expectValidEvents,
  gln,
  gs1128,
  ruleHarness,
  SGLN_LINE,
  SGLN_SITE,
  sgtinDl,
  sgtinHex,
  sscc,
} from "../test-fixtures.ts";

const T = Date.UTC(2024, 4, 1, 2, 0, 0, 0);
const PALLET_DL = "https://id.gs1.org/00/106141412345678908";
const PALLET_SCAN = gs1128(`00${sscc("1234567890")}`);
const base = { readPoint: SGLN_LINE, bizLocation: SGLN_SITE, devices: [{ deviceId: "r1" }] };

describe("shipping rule (CBV 2.0 §7.1 shipping, §7.2 in_transit)", () => {
  it("one ObjectEvent OBSERVE for a cycle's additions, with configured source and destination", () => {
    const h = ruleHarness({
      id: "dock1",
      rule: "shipping",
      ...base,
      sources: [{ type: "owning_party", id: "https://id.gs1.org/417/0614141000005" }],
      destinations: [{ type: "location", id: "urn:epc:id:sgln:0614141.00999.0" }],
    });
    h.rule.onCycle?.(h.cycle({ additions: [sgtinHex(1), sgtinHex(2)], ts: T }));
    expect(h.events).toEqual([
      {
        type: "ObjectEvent",
        eventTime: "2024-05-01T10:00:00.000+08:00",
        eventTimeZoneOffset: "+08:00",
        action: "OBSERVE",
        epcList: [sgtinDl(1), sgtinDl(2)],
        bizStep: "shipping",
        disposition: "in_transit",
        readPoint: { id: SGLN_LINE },
        bizLocation: { id: SGLN_SITE },
        sourceList: [{ type: "owning_party", id: "https://id.gs1.org/417/0614141000005" }],
        destinationList: [{ type: "location", id: "urn:epc:id:sgln:0614141.00999.0" }],
      },
    ]);
    expectValidEvents(h.events);
  });

  it("a scanned ship-to (AI 410) — on the SSCC label or its own — is the destination; a GDTI the despatch advice", () => {
    const h = ruleHarness({
      id: "dock1",
      rule: "shipping",
      ...base,
      destinations: [{ type: "location", id: "urn:epc:id:sgln:0614141.00999.0" }],
    });
    const shipTo = gln("061414100001");
    h.rule.onScan?.(h.scan(`${PALLET_SCAN}\u001d410${shipTo}`, T), "main");
    expect(h.events[0]).toMatchObject({
      epcList: [PALLET_DL],
      destinationList: [{ type: "location", id: `https://id.gs1.org/414/${shipTo}` }],
    });
    // Despatch document (GDTI, AI 253) then an RFID cycle: context applies to it.
    h.rule.onScan?.(h.scan(gs1128(`253${gln("401234500000")}DOC1`), T + 1), "main");
    expect(h.events).toHaveLength(1); // a document is context, not goods
    h.rule.onCycle?.(h.cycle({ additions: [sgtinHex(7)], ts: T + 2 }));
    expect(h.events[1]).toMatchObject({
      bizTransactionList: [{ type: "desadv", bizTransaction: "https://id.gs1.org/253/4012345000009DOC1" }],
      destinationList: [{ type: "location", id: `https://id.gs1.org/414/${shipTo}` }],
    });
    // A ship-to label on its own replaces the destination; close clears the scanned context.
    const other = gln("061414100002");
    h.rule.onAttributes?.(
      { read: { deviceId: "s1", kind: "barcode", data: "", ts: T + 3 }, ais: [{ ai: "410", value: other }] },
      "main",
    );
    h.rule.onCycle?.(h.cycle({ additions: [sgtinHex(8)], ts: T + 4 }));
    expect(h.events[2]?.destinationList).toEqual([{ type: "location", id: `https://id.gs1.org/414/${other}` }]);
    h.rule.onClose?.(T + 5);
    h.rule.onCycle?.(h.cycle({ additions: [sgtinHex(9)], ts: T + 6 }));
    expect(h.events[3]?.destinationList).toEqual([{ type: "location", id: "urn:epc:id:sgln:0614141.00999.0" }]);
    expect(h.events[3]?.bizTransactionList).toBeUndefined();
    expectValidEvents(h.events);
  });

  it("scanned context expires after contextTtlMs (gateway clock)", () => {
    const h = ruleHarness({ id: "dock1", rule: "shipping", ...base, contextTtlMs: 1000 });
    h.setClock(0);
    h.rule.onAttributes?.(
      { read: { deviceId: "s1", kind: "barcode", data: "", ts: T }, ais: [{ ai: "410", value: gln("061414100001") }] },
      "main",
    );
    h.setClock(1001);
    h.rule.onCycle?.(h.cycle({ additions: [sgtinHex(1)], ts: T }));
    expect(h.events[0]?.destinationList).toBeUndefined();
  });

  it("splits more than 1000 EPCs over several events", () => {
    const h = ruleHarness({ id: "dock1", rule: "shipping", ...base });
    const tags = Array.from({ length: 2001 }, (_, i) => sgtinHex(i + 1));
    h.rule.onCycle?.(h.cycle({ additions: tags, ts: T }));
    expect(h.events.map((e) => e.epcList?.length)).toEqual([1000, 1000, 1]);
    expect(new Set(h.events.flatMap((e) => e.epcList)).size).toBe(2001);
  });
});

describe("receiving rule with a recall check (issue 4 §4)", () => {
  it("a recalled unit gets its own event with disposition recalled, and an alert", () => {
    const recalled = sgtinDl(2);
    const h = ruleHarness(
      { id: "store-rx", rule: "receiving", ...base },
      {
        recallCheck: (id: CodeResult) =>
          id.canonical === recalled
            ? { recallId: "urn:uuid:5f1b7a3e-0000-4000-8000-000000000001", action: "quarantine" }
            : undefined,
      },
    );
    h.rule.onCycle?.(h.cycle({ additions: [sgtinHex(1), sgtinHex(2), sgtinHex(3)], ts: T }));
    expect(h.events).toHaveLength(2);
    expect(h.events[0]).toMatchObject({
      bizStep: "receiving",
      disposition: "in_progress",
      epcList: [sgtinDl(1), sgtinDl(3)],
    });
    expect(h.events[1]).toMatchObject({ bizStep: "receiving", disposition: "recalled", epcList: [recalled] });
    expect(h.alerts).toEqual([
      {
        kind: "recall",
        readPoint: "store-rx",
        unit: recalled,
        recallId: "urn:uuid:5f1b7a3e-0000-4000-8000-000000000001",
        action: "quarantine",
        time: "2024-05-01T10:00:00.000+08:00",
        bizStep: "receiving",
      },
    ]);
    expectValidEvents(h.events);
  });

  it("the recall disposition is configurable (non_sellable_other)", () => {
    const h = ruleHarness(
      { id: "rx", rule: "receiving", ...base, recallDisposition: "non_sellable_other" },
      { recallCheck: () => ({ recallId: "urn:uuid:1", action: "hold" }) },
    );
    h.rule.onScan?.(h.scan(PALLET_SCAN, T), "main");
    expect(h.events[0]?.disposition).toBe("non_sellable_other");
    expectValidEvents(h.events);
  });
});

describe("storing / inspecting: CBV defaults and configured overrides", () => {
  it("uses the rule's CBV defaults unless the read point configures bizStep/disposition", () => {
    const s = ruleHarness({ id: "st", rule: "storing", ...base });
    s.rule.onCycle?.(s.cycle({ additions: [sgtinHex(1)], ts: T }));
    expect(s.events[0]).toMatchObject({
      action: "OBSERVE",
      bizStep: "storing",
      disposition: "sellable_not_accessible",
    });
    const i = ruleHarness({ id: "qc", rule: "inspecting", ...base, disposition: "non_conformant" });
    i.rule.onCycle?.(i.cycle({ additions: [sgtinHex(1)], ts: T }));
    expect(i.events[0]).toMatchObject({ bizStep: "inspecting", disposition: "non_conformant" });
    expectValidEvents([...s.events, ...i.events]);
  });
});

describe("retail-selling and dispensing: one event per unit", () => {
  it("POS: disposition retail_sold, one event per scanned or read unit; GTIN-only scans as quantity", () => {
    const h = ruleHarness({ id: "pos1", rule: "retail-selling", ...base });
    h.rule.onScan?.(h.scan(gs1128("0109521234543213", "21S9"), T), "main");
    h.rule.onScan?.(h.scan("]E06901234567892", T + 1), "main");
    h.rule.onCycle?.(h.cycle({ additions: [sgtinHex(1), sgtinHex(2)], ts: T + 2 }));
    expect(h.events).toHaveLength(4);
    expect(h.events[0]).toMatchObject({
      action: "OBSERVE",
      bizStep: "retail_selling",
      disposition: "retail_sold",
      epcList: ["https://id.gs1.org/01/09521234543213/21/S9"],
    });
    expect(h.events[1]?.quantityList).toEqual([{ epcClass: "https://id.gs1.org/01/06901234567892", quantity: 1 }]);
    expect(h.events.slice(2).map((e) => e.epcList)).toEqual([[sgtinDl(1)], [sgtinDl(2)]]);
    expectValidEvents(h.events);
  });

  it("pharmacy: disposition dispensed; China's drug traceability code is an instance", () => {
    const h = ruleHarness(
      { id: "rx1", rule: "dispensing", ...base },
      { recallCheck: () => ({ recallId: "urn:uuid:9", action: "do not dispense" }) },
    );
    h.rule.onScan?.(h.scan("81000000000000000001", T), "main");
    expect(h.events[0]).toMatchObject({
      bizStep: "dispensing",
      disposition: "dispensed",
      epcList: ["urn:suyuan:cn-drug-code:81000000000000000001"],
    });
    // Alert only (the sale/dispensing is recorded as it happened).
    expect(h.alerts[0]).toMatchObject({ kind: "recall", action: "do not dispense", bizStep: "dispensing" });
    expectValidEvents(h.events);
  });
});
