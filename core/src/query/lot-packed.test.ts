// Lot membership is indexed once per event and lot (records.ts `lot-m`), not once per member:
// a recall of a lot of 20 000 bottles commissioned 24 per event reads ~830 records.
import { afterEach, describe, expect, it } from "vitest";
import { IX, indexRecords, padIndex, SEP } from "../index/records.ts";
import { QueryContext, Walk } from "./context.ts";
import { type Built, buildLedger, C, events, ID, mainOrder, masterData, storedOf } from "./test-fixtures.ts";

let open: Built[] = [];

/** The members `eachLotMember` visits, sorted (a member once per event that named it). */
async function visits(ctx: QueryContext, lot: string): Promise<string[]> {
  const out: string[] = [];
  await ctx.eachLotMember(lot, (m) => out.push(m));
  return out.sort();
}
afterEach(async () => {
  for (const b of open) await b.log.close();
  open = [];
});

describe("packed lot membership", () => {
  it("indexes one record per event and lot, and each member's lot in its own id entry", () => {
    const ev = events().commissionA!;
    const rs = indexRecords(storedOf(ev, 4), 4);
    expect(rs.filter((r) => r.index === IX.lotMembers)).toEqual([
      {
        index: IX.lotMembers,
        key: `${C(ID.M1)}${SEP}${padIndex(4)}`,
        value: JSON.stringify([C(ID.CA1), C(ID.CA2), C(ID.CA3)]),
      },
    ]);
    expect(
      rs.filter((r) => r.index === IX.id).map((r) => [r.key.split(SEP)[0], String(r.value).split(SEP).at(-1)]),
    ).toEqual([C(ID.CA1), C(ID.CA2), C(ID.CA3)].map((m) => [m, C(ID.M1)]));
    // No per-member membership records (the old `lot` and `lot-of` indexes).
    expect(rs.filter((r) => r.index === "lot" || r.index === IX.lotOf)).toEqual([]);
  });

  it("reads the members of exactly that lot, with the events that named them (each once per event)", async () => {
    const n = await buildLedger(mainOrder(), events());
    open.push(n);
    const lot = C(ID.M1);
    await n.store.append({
      entries: [],
      indexes: [
        // A longer lot id that starts with `lot ␟` is another lot.
        { index: IX.lotMembers, key: `${lot}${SEP}x${SEP}${padIndex(98)}`, value: JSON.stringify(["x:other"]) },
        // The same member again (commissioned twice) is listed once.
        { index: IX.lotMembers, key: `${lot}${SEP}${padIndex(97)}`, value: JSON.stringify([C(ID.CA2)]) },
      ],
    });
    const ctx = new QueryContext(n.store, n.log, masterData(), 100);
    await ctx.refresh();
    expect(await visits(ctx, lot)).toEqual([C(ID.CA1), C(ID.CA2), C(ID.CA2), C(ID.CA3)].sort());
    const recs = await ctx.lotMemberRecords(lot);
    expect(recs.map((r) => r.member).sort()).toEqual([C(ID.CA1), C(ID.CA2), C(ID.CA2), C(ID.CA3)].sort());
    expect(recs.filter((r) => r.member === C(ID.CA2)).map((r) => r.index)).toContain(97);
  });

  it("also reads the per-member `lot` records of a ledger indexed before `lot-m`", async () => {
    const n = await buildLedger(mainOrder(), events());
    open.push(n);
    const lot = C(ID.M1);
    await n.store.append({
      entries: [],
      indexes: [
        // The old layout: lot ␟ member -> log index.
        { index: "lot", key: `${lot}${SEP}x:legacy-unit`, value: padIndex(3) },
        { index: "lot", key: `${lot}${SEP}${C(ID.CA1)}`, value: padIndex(4) },
        // Another lot whose id starts with `lot ␟`.
        { index: "lot", key: `${lot}${SEP}x${SEP}x:other`, value: padIndex(5) },
      ],
    });
    const ctx = new QueryContext(n.store, n.log, masterData(), 100);
    await ctx.refresh();
    expect(await visits(ctx, lot)).toEqual([C(ID.CA1), C(ID.CA1), C(ID.CA2), C(ID.CA3), "x:legacy-unit"].sort());
    expect((await ctx.lotMemberRecords(lot)).filter((r) => r.member === "x:legacy-unit")).toEqual([
      { member: "x:legacy-unit", index: 3 },
    ]);
  });

  it("takes a unit's lot from its id entries, and from `lot-of` only in a ledger that has them", async () => {
    const n = await buildLedger(mainOrder(), events());
    open.push(n);
    const ctx = new QueryContext(n.store, n.log, masterData(), 100);
    await ctx.refresh();
    // Commissioned with ILMD lot M1; the pallet PA is no lot member.
    expect(await new Walk(ctx).lotOf(C(ID.CA1))).toBe(C(ID.M1));
    expect(await new Walk(ctx).lotOf(C(ID.PA))).toBeUndefined();
    expect(await ctx.hasLegacyLotOf()).toBe(false);

    // A ledger indexed before the lot moved into id entries: member -> lot records. Its own
    // id entries (11 fields) name no lot.
    const old = await buildLedger(mainOrder(), events());
    open.push(old);
    await old.store.append({
      entries: [],
      indexes: [
        { index: IX.lotOf, key: "x:legacy-unit", value: C(ID.M2) },
        { index: IX.lotOf, key: "x:legacy-unit", value: C(ID.M1) },
      ],
    });
    const octx = new QueryContext(old.store, old.log, masterData(), 100);
    await octx.refresh();
    expect(await octx.hasLegacyLotOf()).toBe(true);
    // The first record written wins, as it did when lot-of was the only source.
    expect(await new Walk(octx).lotOf("x:legacy-unit")).toBe(C(ID.M2));
    // Entries that carry a lot still answer first.
    expect(await new Walk(octx).lotOf(C(ID.CA1))).toBe(C(ID.M1));
  });
});
