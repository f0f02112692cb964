// The packed lot-membership index (records.ts `lot-m`) is a faster copy of `lot`: recalls
// must give the same answers from it, and from `lot` alone on ledgers indexed before it
// existed (entry 0 without the `lot-m-since` marker).
import { afterEach, describe, expect, it } from "vitest";
import { IX, IX_LOT_PACKED, IX_LOT_PACKED_SINCE, indexRecords, padIndex, SEP } from "../index/records.ts";
import type { IndexRecordsFn } from "../model.ts";
import { QueryContext } from "./context.ts";
import { QueryEngine } from "./engine.ts";
import { type Built, buildLedger, C, events, ID, mainOrder, masterData, storedOf } from "./test-fixtures.ts";
import type { RecallAnswer, RecallRequest } from "./types.ts";

let open: Built[] = [];
afterEach(async () => {
  for (const b of open) await b.log.close();
  open = [];
});

/** The layout before `lot-m`: the same records without the packed ones. */
const legacy: IndexRecordsFn = (s, i) =>
  indexRecords(s, i).filter((r) => r.index !== IX_LOT_PACKED && r.index !== IX_LOT_PACKED_SINCE);

async function recallOn(
  order: string[],
  index: IndexRecordsFn,
  req: RecallRequest,
): Promise<Omit<RecallAnswer, "checkpoint">> {
  const b = await buildLedger(order, events(), index);
  open.push(b);
  const { checkpoint: _, ...rest } = await new QueryEngine({
    store: b.store,
    ledger: b.log,
    master: masterData(),
  }).recall(req);
  return rest;
}

describe("packed lot membership", () => {
  it("indexes the same (lot, member) pairs as `lot`, one record per event and lot, and marks entry 0", () => {
    const ev = events().commissionA!;
    const rs = indexRecords(storedOf(ev, 0), 0);
    const pairs = rs.filter((r) => r.index === IX.lot).map((r) => String(r.key).split(SEP));
    const packed = rs.filter((r) => r.index === IX_LOT_PACKED);
    expect(packed).toEqual([
      {
        index: IX_LOT_PACKED,
        key: `${C(ID.M1)}${SEP}${padIndex(0)}`,
        value: JSON.stringify([C(ID.CA1), C(ID.CA2), C(ID.CA3)]),
      },
    ]);
    expect(pairs).toEqual([C(ID.CA1), C(ID.CA2), C(ID.CA3)].map((m) => [C(ID.M1), m]));
    expect(rs.filter((r) => r.index === IX_LOT_PACKED_SINCE)).toEqual([
      { index: IX_LOT_PACKED_SINCE, key: "0", value: "" },
    ]);
    expect(indexRecords(storedOf(ev, 1), 1).filter((r) => r.index === IX_LOT_PACKED_SINCE)).toEqual([]);
  });

  it("gives the recall answers of the `lot` index, on new, legacy and mixed ledgers", async () => {
    // Mixed: entry 0 indexed by the old layout, later entries by the new one (an upgrade).
    const mixed: IndexRecordsFn = (s, i) => (i < 5 ? legacy(s, i) : indexRecords(s, i));
    for (const seed of [7, 11]) {
      const order = mainOrder(seed);
      for (const req of [{ lots: [ID.M1] }, { lots: [ID.M2, ID.J1] }, { identifiers: [ID.CA1] }]) {
        const fresh = await recallOn(order, indexRecords, req);
        expect(fresh.units.length).toBeGreaterThan(0);
        expect(await recallOn(order, legacy, req)).toEqual(fresh);
        expect(await recallOn(order, mixed, req)).toEqual(fresh);
      }
    }
  });

  it("reads members from `lot-m` only when entry 0 carries the marker, and only of that exact lot", async () => {
    const b = await buildLedger(mainOrder(), events(), legacy);
    open.push(b);
    const lot = C(ID.M1);
    // Packed records that disagree with `lot`: ignored while the marker is absent.
    await b.store.append({
      entries: [],
      indexes: [{ index: IX_LOT_PACKED, key: `${lot}${SEP}${padIndex(99)}`, value: JSON.stringify(["x:decoy"]) }],
    });
    const ctx = new QueryContext(b.store, b.log, masterData(), 100);
    await ctx.refresh();
    expect(await ctx.lotMembers(lot)).toEqual([C(ID.CA1), C(ID.CA2), C(ID.CA3)]);

    const n = await buildLedger(mainOrder(), events());
    open.push(n);
    await n.store.append({
      entries: [],
      indexes: [
        // A longer lot id that starts with `lot ␟` is another lot.
        { index: IX_LOT_PACKED, key: `${lot}${SEP}x${SEP}${padIndex(98)}`, value: JSON.stringify(["x:other"]) },
        // The same member again (commissioned twice) is listed once.
        { index: IX_LOT_PACKED, key: `${lot}${SEP}${padIndex(97)}`, value: JSON.stringify([C(ID.CA2)]) },
      ],
    });
    const ctx2 = new QueryContext(n.store, n.log, masterData(), 100);
    await ctx2.refresh();
    expect(await ctx2.lotMembers(lot)).toEqual([C(ID.CA1), C(ID.CA2), C(ID.CA3)]);
  });
});
