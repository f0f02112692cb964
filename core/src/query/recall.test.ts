import { afterEach, describe, expect, it } from "vitest";
import { RecallService } from "../recall/recall-service.ts";
import { QueryEngine } from "./engine.ts";
import { appendNamed, type Built, buildLedger, C, events, ID, mainOrder, masterData } from "./test-fixtures.ts";
import type { RecallAnswer } from "./types.ts";

let open: Built[] = [];
afterEach(async () => {
  for (const b of open) await b.log.close();
  open = [];
});

async function setup(order = mainOrder()): Promise<{ b: Built; q: QueryEngine }> {
  const b = await buildLedger(order);
  open.push(b);
  return { b, q: new QueryEngine({ store: b.store, ledger: b.log, master: masterData() }) };
}

const unitsOf = (r: RecallAnswer) =>
  Object.fromEntries(r.units.map((u) => [u.id, [u.status, u.location, u.party, u.inTransit ?? false]]));

describe("recall", () => {
  it("reaches every unit, container, derived lot and holder of mango lot M1 (hand-derived answer)", async () => {
    const { b, q } = await setup();
    const r = await q.recall({ lots: ["https://id.gs1.org/01/10614141073464/10/M1"] });
    expect(r.lots).toEqual([C(ID.M1)]);
    const [factory, dc, store] = [C(ID.factory), C(ID.dc), C(ID.store)];
    const [pFactory, pDc, pStore] = [C(ID.partyFactory), C(ID.partyDc), C(ID.partyStore)];
    expect(unitsOf(r)).toEqual({
      // CA1, CA2 went on the mixed pallet to the factory
      [C(ID.CA1)]: ["in_progress", factory, pFactory, false],
      [C(ID.CA2)]: ["in_progress", factory, pFactory, false],
      // CA3 stayed at the DC (its ADD to PM was declared erroneous; the pallet it came on went home empty)
      [C(ID.CA3)]: ["in_progress", dc, pDc, false],
      // the juice made from M1 (and M2)
      [C(ID.B1)]: ["retail_sold", store, pStore, false],
      [C(ID.B2)]: ["in_progress", store, pStore, false],
      [C(ID.B3)]: ["in_progress", store, pStore, false],
      [C(ID.B4)]: ["in_progress", store, pStore, false],
    });
    expect(r.units.find((u) => u.id === C(ID.B2))?.lot).toBe(C(ID.J1));
    expect(r.containers).toEqual([C(ID.PA), C(ID.PM), C(ID.SC)].sort());
    expect(r.lotsDerived).toEqual([C(ID.J1)]);
    expect(r.transformations).toEqual([
      {
        id: "tid:urn:uuid:7b2e0000-0000-4000-8000-0000000000a1",
        logIndexes: [b.indexOf.get("juice")],
        inputs: [C(ID.M1), C(ID.M2)],
        outputs: [C(ID.B1), C(ID.B2), C(ID.B3), C(ID.B4)],
      },
    ]);
    // the sold bottle is reported with its status, not counted for the store
    expect(r.holders).toEqual([
      { location: store, locationName: "Store 12", party: pStore, partyName: "Retail Co", units: 3 },
      { location: factory, locationName: "Juice factory", party: pFactory, partyName: "Juice Co", units: 2 },
      { location: dc, locationName: "Guangzhou DC", party: pDc, partyName: "South DC Ltd", units: 1 },
    ]);
    expect(r.statusTotals).toEqual({ in_progress: 6, retail_sold: 1 });
    // shipments and receipts of the containers while they held affected units (not PA's trip home)
    expect(r.shipments.map((s) => b.nameOf.get(s.eventId))).toEqual([
      "shipPA",
      "receiveDc",
      "shipPM",
      "receiveFactory",
      "shipSC",
      "receiveStore",
    ]);
  });

  it("reports a unit on a shipment not yet received as in transit to the destination's holder", async () => {
    const order = mainOrder().filter((n) => n !== "receiveStore" && n !== "unpackSC" && n !== "sellB1");
    const { q } = await setup(order);
    const r = await q.recall({ lots: [ID.J1] });
    expect(r.lotsDerived).toEqual([]);
    expect(unitsOf(r)[C(ID.B1)]).toEqual(["in_transit", C(ID.store), C(ID.partyStore), true]);
    expect(r.holders).toEqual([expect.objectContaining({ location: C(ID.store), party: C(ID.partyStore), units: 4 })]);
  });

  it("from M2 reaches its own cases and pallet but not M1's cases", async () => {
    const { q } = await setup();
    const r = await q.recall({ lots: [ID.M2] });
    expect(r.units.map((u) => u.id)).toEqual([ID.CB1, ID.CB2, ID.B1, ID.B2, ID.B3, ID.B4].map(C).sort());
    expect(r.containers).toEqual([C(ID.PB), C(ID.PM), C(ID.SC)].sort());
    const u = unitsOf(r);
    expect(u[C(ID.CB1)]).toEqual(["in_progress", C(ID.factory), C(ID.partyFactory), false]);
    expect(u[C(ID.CB2)]).toEqual(["in_progress", C(ID.dc), C(ID.partyDc), false]);
  });

  it("follows a late event: a bottle taken out of the case before shipping is held by the factory", async () => {
    const { b, q } = await setup();
    await appendNamed(b, "late");
    const r = await q.recall({ lots: [ID.J1] });
    const u = unitsOf(r);
    expect(u[C(ID.B2)]?.slice(1, 3)).toEqual([C(ID.factory), C(ID.partyFactory)]);
    expect(u[C(ID.B3)]?.slice(1, 3)).toEqual([C(ID.store), C(ID.partyStore)]);
  });

  it("recalls named identifiers: a pallet's contents, not their whole lot", async () => {
    const { q } = await setup();
    const r = await q.recall({ identifiers: [ID.PB] });
    expect(r.units.map((u) => u.id)).toEqual([C(ID.CB1), C(ID.CB2)].sort());
    expect(r.containers).toContain(C(ID.PB));
    expect(r.lots).toEqual([]);
    // Not reached through their lot, they still name it: farm B commissioned them in lot M2.
    expect(r.units.map((u) => u.lot)).toEqual([C(ID.M2), C(ID.M2)]);
  });

  it("recalls what was seen at a location in a time window", async () => {
    const { q } = await setup();
    // Farm B's packhouse on 1 June: harvest lot M2 and cases CB1, CB2 (and pallet PB).
    const r = await q.recall({
      location: { id: ID.farmB, from: "2024-06-01T00:00:00+08:00", to: "2024-06-01T23:59:59+08:00" },
    });
    expect(r.lots).toEqual([C(ID.M2)]);
    expect(r.units.map((u) => u.id)).toEqual(expect.arrayContaining([C(ID.CB1), C(ID.CB2), C(ID.B1)]));
    expect(r.units.map((u) => u.id)).not.toContain(C(ID.CA1));
  });

  it("refuses a request that names nothing, or a lot that is not a lot", async () => {
    const { q } = await setup(["harvestA"]);
    await expect(q.recall({})).rejects.toMatchObject({ code: "QUERY_BAD_RECALL", field: "request" });
    await expect(q.recall({ lots: [ID.CA1] })).rejects.toMatchObject({ code: "QUERY_BAD_RECALL", field: "lots[0]" });
    await expect(
      q.recall({ location: { id: ID.farmA, from: "yesterday", to: "2024-06-02T00:00:00Z" } }),
    ).rejects.toMatchObject({ code: "QUERY_BAD_RECALL", field: "location.from" });
  });

  it("reaches units through two transformation levels (class-level then instance-level inputs)", async () => {
    // lot R (raw) → T1 → 20 intermediate units of lot I → T2 (instance inputs) → 300 units of lot F
    const { b, q } = await setup(["harvestA"]);
    const all = events();
    const fac = { id: ID.factory };
    const base = { eventTimeZoneOffset: "+08:00", readPoint: fac, bizLocation: fac } as const;
    const mid = Array.from({ length: 20 }, (_, i) => `urn:epc:id:sgtin:0614141.307346.I${i}`);
    const fin = Array.from({ length: 300 }, (_, i) => `urn:epc:id:sgtin:0614141.407346.F${i}`);
    const lotIlmd = (v: string) => [{ ns: "urn:epcglobal:cbv:mda", name: "lotNumber", value: v }];
    const more = {
      ...all,
      t1: {
        ...base,
        type: "TransformationEvent" as const,
        eventTime: "2024-06-10T08:00:00+08:00",
        inputQuantityList: [{ epcClass: ID.M1, quantity: 10, uom: "KGM" }],
        outputEPCList: mid,
        ilmd: lotIlmd("I1"),
      },
      t2: {
        ...base,
        type: "TransformationEvent" as const,
        eventTime: "2024-06-11T08:00:00+08:00",
        inputEPCList: mid.slice(0, 2),
        outputEPCList: fin,
        ilmd: lotIlmd("F1"),
      },
    };
    await appendNamed(b, "t2", more); // out of order: the second level arrives first
    await appendNamed(b, "t1", more);
    const r = await q.recall({ lots: [ID.M1] });
    expect(r.units.length).toBe(320);
    expect(r.lotsDerived).toEqual(
      ["urn:epc:class:lgtin:0614141.307346.I1", "urn:epc:class:lgtin:0614141.407346.F1"].map(C).sort(),
    );
    expect(r.transformations).toHaveLength(2);
    // The two intermediate units T2 took as inputs are consumed (EPCIS 2.0 §7.4.4): not held.
    expect(r.statusTotals.consumed).toBe(2);
    expect(r.holders).toEqual([expect.objectContaining({ location: C(ID.factory), units: 318 })]);
  });

  it("units named as inputs of a transformation are consumed: listed where they were used up, held by nobody", async () => {
    // At the factory, cases CA1 and CA2 (lot M1, arrived on pallet PM) are consumed by EPC
    // into three tray units X1-X3; the pallet PM, never unpacked, then goes back to the DC.
    const { b, q } = await setup();
    const trays = ["X1", "X2", "X3"].map((s) => `urn:epc:id:sgtin:0614141.307346.${s}`);
    const fac = { id: ID.factory };
    const more = {
      ...events(),
      cutCases: {
        type: "TransformationEvent" as const,
        eventTime: "2024-06-05T10:00:00.000+08:00",
        eventTimeZoneOffset: "+08:00",
        inputEPCList: [ID.CA1, ID.CA2],
        outputEPCList: trays,
        bizStep: "commissioning",
        disposition: "active",
        readPoint: fac,
        bizLocation: fac,
      },
      pmBack: {
        type: "ObjectEvent" as const,
        eventTime: "2024-06-07T07:00:00.000+08:00",
        eventTimeZoneOffset: "+08:00",
        action: "OBSERVE" as const,
        epcList: [ID.PM],
        bizStep: "shipping",
        disposition: "in_transit",
        readPoint: fac,
        bizLocation: fac,
        destinationList: [{ type: "location", id: ID.dc }],
      },
    };
    await appendNamed(b, "pmBack", more);
    await appendNamed(b, "cutCases", more);
    const r = await q.recall({ lots: [ID.M1] });
    const u = unitsOf(r);
    const [factory, pFactory] = [C(ID.factory), C(ID.partyFactory)];
    expect(u[C(ID.CA1)]).toEqual(["consumed", factory, pFactory, false]);
    expect(u[C(ID.CA2)]).toEqual(["consumed", factory, pFactory, false]);
    for (const t of trays) expect(u[C(t)]).toEqual(["active", factory, pFactory, false]);
    expect(r.units.find((x) => x.id === C(ID.CA1))?.lastLogIndex).toBe(b.indexOf.get("cutCases"));
    expect(r.statusTotals).toEqual({ consumed: 2, active: 3, in_progress: 4, retail_sold: 1 });
    // The factory holds the three trays, not the two cases; the other holders are unchanged.
    expect(r.holders).toEqual([
      { location: factory, locationName: "Juice factory", party: pFactory, partyName: "Juice Co", units: 3 },
      { location: C(ID.store), locationName: "Store 12", party: C(ID.partyStore), partyName: "Retail Co", units: 3 },
      { location: C(ID.dc), locationName: "Guangzhou DC", party: C(ID.partyDc), partyName: "South DC Ltd", units: 1 },
    ]);
    // The pallet's trip back after the cases were used up is not a shipment of affected goods.
    expect(r.shipments.map((s) => b.nameOf.get(s.eventId))).not.toContain("pmBack");
    expect(r.transformations.map((x) => x.inputs)).toContainEqual([C(ID.CA1), C(ID.CA2)]);
  });

  it("quantities of a lot used by a transformation are not units: the lot's cases are not consumed", async () => {
    // The juice transformation took 200 kg of M1 (inputQuantityList): CA3, a case of M1, is
    // still in stock at the DC.
    const { q } = await setup();
    const r = await q.recall({ lots: [ID.M1] });
    expect(unitsOf(r)[C(ID.CA3)]?.[0]).toBe("in_progress");
    expect(r.statusTotals.consumed).toBeUndefined();
  });

  it("a recall issued on the log does not move the units it names: the scope computed again has the same holders", async () => {
    const { b, q } = await setup();
    const master = masterData();
    const recalls = new RecallService({
      ledger: b.log,
      store: b.store,
      master,
      computeRecall: (scope) => q.recall(scope),
      now: () => new Date("2024-06-20T00:00:00.000Z"),
    });
    await recalls.open();
    // The lot, and by identifier the pallet PM (CA1, CA2, CB1 inside), case CA3 and bottle B2.
    const scope = { lots: [ID.M1], identifiers: [ID.PM, ID.CA3, ID.B2] };
    const before = await q.recall(scope);
    expect(before.holders.map((h) => h.location)).not.toContain("unknown");
    const rec = await recalls.issueRecall({
      ...scope,
      reason: "Listeria found in lot M1",
      recallClass: "I",
      issuedBy: { id: "officer-1", role: "recall_officer" },
    });
    expect(rec.logIndex).toBe(b.log.size() - 1);
    const after = await q.recall(scope);
    expect(after.holders).toEqual(before.holders);
    expect(after.units).toEqual(before.units);
    expect(after.statusTotals).toEqual(before.statusTotals);

    // The chain still shows the notice, flagged, with no location.
    const chain = await q.getChain(ID.CA3);
    const notice = chain.steps.find((s) => s.proof.logIndex === rec.logIndex);
    expect(notice).toMatchObject({
      disposition: "recalled",
      recallNotice: { recallId: rec.id },
      proof: { kind: "core" },
    });
    expect(notice?.bizLocation).toBeUndefined();
    expect(chain.steps.filter((s) => s.recallNotice !== undefined)).toHaveLength(1);
    // Only the core's notice is flagged: other steps are observations.
    expect((await q.getChain(ID.CB2)).steps.some((s) => s.recallNotice !== undefined)).toBe(false);
  });
});
