// Packed index records (packed.ts): made before the log index is known, filled in later, they
// must give exactly the records records.ts gives at that index — the frozen golden records
// among them.
import type { EpcisEvent } from "@suyuan/proto";
import { describe, expect, it } from "vitest";
import type { StoredEvent } from "../model.ts";
import { FIXTURES, storedEvent } from "./golden.fixtures.ts";
import { fillPackedEvent, type PackedIndexBlock, PackedIndexWriter, packedEventRecords } from "./packed.ts";
import { indexRecords } from "./records.ts";

const stored = storedEvent;

/** One block of the given events (undefined: an event without a record). */
function block(events: (StoredEvent | undefined)[]): { block: PackedIndexBlock; added: boolean[] } {
  const w = new PackedIndexWriter(events.length);
  const added = events.map((s) => (s === undefined ? w.skip() : w.add(s, JSON.stringify(s))));
  return { block: w.finish(), added };
}

describe("packed index records", () => {
  for (const [name, f] of Object.entries(FIXTURES)) {
    it(`${name}: filled at any log index, the records of indexRecords at that index`, () => {
      // One fixture writes a U+001F into its bizStep: that one is indexed the ordinary way.
      const plain = JSON.stringify(f.event).match(/\\u00[01]/) === null;
      const s = stored(f.event as EpcisEvent, f.recordTime);
      // The fixture's own index, 0, one that changes digit count, and the largest 12-digit one.
      for (const at of [f.index, 0, 9, 10, 123_456_789, 999_999_999_999]) {
        const { block: b, added } = block([s]);
        expect(added).toEqual([plain]);
        expect(b.packed[0]).toBe(plain ? 1 : 0);
        if (plain) expect(packedEventRecords(b, 0, at)).toStrictEqual(indexRecords(s, at));
        else expect(() => fillPackedEvent(b, 0, at)).toThrow(/not packed/);
      }
    });
  }

  it("keeps the events of a block apart: rows, holes and skipped events", () => {
    const a = stored(FIXTURES.commissioningWithIlmdLot.event as EpcisEvent);
    const t = stored(FIXTURES.transformation.event as EpcisEvent);
    const { block: b } = block([a, undefined, t, a]);
    expect([...b.packed]).toEqual([1, 0, 1, 1]);
    expect(b.eventRows[1]).toBe(b.eventRows[2]); // the skipped event has no rows
    // Filled in any order, at unrelated indexes: each event's records are its own.
    expect(packedEventRecords(b, 3, 500)).toStrictEqual(indexRecords(a, 500));
    expect(packedEventRecords(b, 0, 7)).toStrictEqual(indexRecords(a, 7));
    expect(packedEventRecords(b, 2, 8)).toStrictEqual(indexRecords(t, 8));
    // Filling one event again (a new index) changes only that event.
    expect(packedEventRecords(b, 0, 6)).toStrictEqual(indexRecords(a, 6));
    expect(packedEventRecords(b, 3, 500)).toStrictEqual(indexRecords(a, 500));
  });

  it("packs characters of any width as UTF-8 (keys and values from a partner's strings)", () => {
    const base = FIXTURES.commissioningWithIlmdLot.event as EpcisEvent;
    const s = stored({
      ...base,
      eventID: "urn:example:\u00e9v\u00e9nement-\u6eaf\u6e90-\ud834\udd1e",
      ilmd: [{ ns: "urn:epcglobal:cbv:mda", name: "lotNumber", value: "LOT\u00c9" }],
    });
    const { block: b } = block([s]);
    expect(packedEventRecords(b, 0, 42)).toStrictEqual(indexRecords(s, 42));
  });

  it("does not pack an event whose strings hold a control character (the caller indexes it itself)", () => {
    const base = FIXTURES.commissioningWithIlmdLot.event as EpcisEvent;
    for (const bad of ["\u0000", "\u0001", "\u0002", "\u001f", "\u0007"]) {
      const withId = stored({ ...base, eventID: `urn:uuid:x${bad}y` });
      expect(block([withId]).added, JSON.stringify(bad)).toEqual([false]);
      const inEpc = stored({ ...base, epcList: [`urn:example:item:${bad}1`] });
      expect(block([inEpc]).added, JSON.stringify(bad)).toEqual([false]);
    }
    // Tab, newline and friends are escaped as \t \n …, hold no NUL, and pack faithfully.
    const tabbed = stored({ ...base, eventID: "urn:example:a\tb\nc" });
    const { block: b, added } = block([tabbed]);
    expect(added).toEqual([true]);
    expect(packedEventRecords(b, 0, 77)).toStrictEqual(indexRecords(tabbed, 77));
  });

  it("grows past its first guess of the space a batch needs", () => {
    const base = FIXTURES.commissioningWithIlmdLot.event as EpcisEvent;
    const epcs = Array.from({ length: 400 }, (_, i) => `urn:epc:id:sgtin:0614141.107346.${1000 + i}`);
    const s = stored({ ...base, epcList: epcs });
    const { block: b } = block([s, s]);
    expect(b.bytes.length).toBeGreaterThan(2 * 1536);
    expect(packedEventRecords(b, 1, 3)).toStrictEqual(indexRecords(s, 3));
  });

  it("refuses a log index wider than the keys' 12 digits", () => {
    const s = stored(FIXTURES.commissioningWithIlmdLot.event as EpcisEvent);
    expect(() => fillPackedEvent(block([s]).block, 0, 1e12)).toThrow(RangeError);
  });
});
