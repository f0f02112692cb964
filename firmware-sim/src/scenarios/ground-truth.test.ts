import { describe, expect, it } from "vitest";
import { buildFood } from "./food.ts";
import { groundTruth } from "./ground-truth.ts";
import { lgtinOf, makeGln, makeGtin, makeSgtin } from "./ids.ts";
import type { PackAction, Scenario } from "./model.ts";

// A tiny supply chain checked by hand: 2 farms × 2 mango cases, 1 juice run of the 3 cases
// not sent to the store, 3 bottles in one shipper case, 1 store.
const CASE_GTIN = makeGtin("0614141", 10734);
const BOTTLE_GTIN = makeGtin("0614141", 20001);
const caseId = (n: number) => makeSgtin(CASE_GTIN, 100_000 + n, 7).canonical;
const bottleId = (n: number) => makeSgtin(BOTTLE_GTIN, 5000 + n, 7).canonical;
const F1 = lgtinOf(CASE_GTIN, "F1-240601");
const F2 = lgtinOf(CASE_GTIN, "F2-240601");
const J1 = lgtinOf(BOTTLE_GTIN, "J1-240603");
const STORE = `https://id.gs1.org/414/${makeGln("4012345", 42)}`;
const STORE_PARTY = "https://id.gs1.org/417/4012345000009";
const FACTORY = `https://id.gs1.org/414/${makeGln("0614141", 778)}`;

function tiny(sellShare: number): Scenario {
  return buildFood({ farms: 2, stores: 1, cases: 4, bottles: 3, juiceRuns: 1, retailShare: 0.25, sellShare, seed: 11 });
}

/** The containers of the scenario, read from its pack actions. */
function packs(s: Scenario, site: string): PackAction[] {
  return s.actions.filter((a): a is PackAction => a.type === "pack" && a.site === site);
}

describe("ground truth of a tiny food scenario", () => {
  const s = tiny(1);
  const g = groundTruth(s);
  const [p1, p2] = packs(s, "packhouse");
  const dcPacks = packs(s, "dc");
  const retailCase = dcPacks.find((p) => p.children.length === 1)!.children[0]!;
  const juicePallet = dcPacks.find((p) => p.children.length === 3)!;
  const shipper = packs(s, "juice-factory")[0]!;

  it("lays the chain out as described", () => {
    expect(p1!.children).toEqual([caseId(1), caseId(2)]);
    expect(p2!.children).toEqual([caseId(3), caseId(4)]);
    expect(dcPacks).toHaveLength(2);
    expect(shipper.children).toEqual([bottleId(1), bottleId(2), bottleId(3)]);
    expect(g.units.size).toBe(7);
  });

  it("gives a bottle's path: its own steps, its case's, its lot's and the farm origins of every input", () => {
    const path = g.units.get(bottleId(2))!.path;
    const by = (via: string) => path.filter((p) => p.via === via).map((p) => `${p.actionType}@${p.site}`);
    expect(by("self")).toEqual(["commission@juice-factory", "pack@juice-factory", "sell@store-1"]);
    expect(by(`container:${shipper.container}`)).toEqual(["ship@juice-factory", "receive@store-1", "unpack@store-1"]);
    expect(by(`lot:${J1}`)).toEqual(["transform@juice-factory"]);
    const inputs = path.filter((p) => p.via.startsWith("input:"));
    // Per lot: harvest, farm shipment, packhouse receipt, tagging, pallet, dispatch, DC receipt,
    // DC breakdown (2 lots × 8); the mixed juice pallet: build, ship, factory receipt, breakdown (4).
    expect(inputs).toHaveLength(20);
    const sites = inputs.map((p) => p.site).sort();
    expect(sites.filter((x) => x === "farm-1")).toHaveLength(2);
    expect(sites.filter((x) => x === "farm-2")).toHaveLength(2);
    expect(sites.filter((x) => x === "packhouse")).toHaveLength(8);
    expect(sites.filter((x) => x === "dc")).toHaveLength(6);
    expect(sites.filter((x) => x === "juice-factory")).toHaveLength(2);
    // A step shared by several inputs (same lot, same pallet) joins through the first input that reaches it.
    const inputVias = new Set(juicePallet.children.map((c) => `input:${c}`));
    for (const p of inputs) expect(inputVias.has(p.via)).toBe(true);
    expect(path).toHaveLength(27);
    // In time order: the farm harvest first, the sale last.
    expect(path[0]!.actionType).toBe("commission");
    expect(path[0]!.site.startsWith("farm-")).toBe(true);
    expect(path[path.length - 1]!.actionType).toBe("sell");
    for (let i = 1; i < path.length; i++) expect(path[i]!.window.from).toBeGreaterThanOrEqual(path[i - 1]!.window.from);
    const sale = path[path.length - 1]!;
    expect(sale).toMatchObject({ bizStep: "retail_selling", disposition: "retail_sold", bizLocation: STORE });
    expect(g.units.get(bottleId(2))!.status).toBe("retail_sold");
  });

  it("gives the store case's path through both of its pallets", () => {
    const u = g.units.get(retailCase)!;
    const storePallet = dcPacks.find((p) => p.children.length === 1)!.container;
    const farmPallet = [p1!, p2!].find((p) => p.children.includes(retailCase))!.container;
    const lot = u.lot!;
    expect([F1, F2]).toContain(lot);
    expect(u.path.map((p) => `${p.actionType}@${p.site}:${p.via.split(":")[0]}`)).toEqual([
      `commission@farm-${lot === F1 ? 1 : 2}:lot`,
      `ship@farm-${lot === F1 ? 1 : 2}:lot`,
      "receive@packhouse:lot",
      "commission@packhouse:self",
      "pack@packhouse:self",
      "ship@packhouse:self",
      "receive@dc:self",
      "unpack@dc:container",
      "pack@dc:self",
      "ship@dc:self",
      "receive@store-1:container",
      "unpack@store-1:container",
      "sell@store-1:self",
    ]);
    expect(u.path.find((p) => p.actionType === "unpack" && p.site === "dc")?.via).toBe(`container:${farmPallet}`);
    expect(u.path.find((p) => p.actionType === "receive" && p.site === "store-1")?.via).toBe(
      `container:${storePallet}`,
    );
  });

  it("records every container's contents over time", () => {
    const c = g.containers.get(p1!.container)!;
    expect(c.contents.map((x) => x.child)).toEqual([caseId(1), caseId(2)]);
    const unpackDc = s.actions.find((a) => a.type === "unpack" && a.container === p1!.container)!;
    for (const x of c.contents) {
      expect(x.from).toBe(p1!.at);
      expect(x.to).toBe(unpackDc.at);
    }
    const sh = g.containers.get(shipper.container)!;
    const unpackStore = s.actions.find((a) => a.type === "unpack" && a.container === shipper.container)!;
    expect(sh.contents.every((x) => x.to === unpackStore.at && x.unpackedBy === `${unpackStore.seq}`)).toBe(true);
  });

  it("lists the events a perfect system records", () => {
    const xf = g.events.filter((e) => e.eventType === "TransformationEvent");
    expect(xf).toHaveLength(1);
    expect([...xf[0]!.inputs!].sort()).toEqual([...juicePallet.children].sort());
    expect(xf[0]!.outputQuantities).toEqual([{ class: J1, quantity: 3, uom: "LTR" }]);
    expect(xf[0]!.bizLocation).toBe(FACTORY);
    const bottling = g.events.filter((e) => e.actionType === "commission" && e.site === "juice-factory");
    expect(bottling.map((e) => e.epcs)).toEqual([[bottleId(1)], [bottleId(2)], [bottleId(3)]]);
    expect(bottling.every((e) => e.lot === J1 && e.action === "ADD" && e.bizStep === "commissioning")).toBe(true);
    const tagging = g.events.filter((e) => e.actionType === "commission" && e.site === "packhouse");
    expect(tagging.map((e) => [e.lot, e.epcs])).toEqual([
      [F1, [caseId(1), caseId(2)]],
      [F2, [caseId(3), caseId(4)]],
    ]);
    const harvest = g.events.filter((e) => e.site.startsWith("farm-") && e.bizStep === "commissioning");
    expect(harvest.map((e) => e.quantities)).toEqual([[{ class: F1, quantity: 1 }], [{ class: F2, quantity: 1 }]]);
    const dcIn = g.events.filter((e) => e.site === "dc" && e.bizStep === "receiving");
    expect(dcIn).toHaveLength(2);
    expect(dcIn.every((e) => e.sensors?.[0]?.deviceId === "truck-logger-1" && e.sensors[0].count > 0)).toBe(true);
    const shipToStore = g.events.filter((e) => e.bizStep === "shipping" && e.destination === STORE);
    expect(shipToStore).toHaveLength(2); // the mixed pallet from the DC, the shipper case from the factory
    // 2 harvests + 2 farm shipments + 2 receipts + 2 taggings + 2 pallets + 2 dispatches + 2 DC receipts
    // + 2 breakdowns + 2 builds + 2 DC shipments + 1 factory receipt + 1 breakdown + 1 transformation
    // + 3 bottlings + 1 case + 1 shipment + 2 store receipts + 2 store unpackings + 4 sales.
    expect(g.events).toHaveLength(36);
  });

  it("gives each lot's forward closure with holders", () => {
    const held = groundTruth(tiny(0));
    const r = held.recall([F1]);
    const inRun = juicePallet.children;
    const f1Cases = [caseId(1), caseId(2)];
    const retailIsF1 = f1Cases.includes(retailCase);
    expect(r.units.map((u) => u.id)).toEqual([...f1Cases, bottleId(1), bottleId(2), bottleId(3)].sort());
    expect(r.lotsDerived).toEqual([J1]);
    expect(r.transformations).toEqual([{ id: "juice-run-1", inputs: [...inRun].sort(), outputs: [J1] }]);
    const storePallet = dcPacks.find((p) => p.children.length === 1)!.container;
    expect(r.containers).toEqual(
      [p1!.container, juicePallet.container, shipper.container, ...(retailIsF1 ? [storePallet] : [])].sort(),
    );
    // Nothing sold: the bottles (and a store case of lot F1) are on the store's shelf; cases pressed are gone.
    expect(r.holders).toEqual([{ location: STORE, party: STORE_PARTY, units: 3 + (retailIsF1 ? 1 : 0) }]);
    expect(r.statusTotals).toEqual({ consumed: retailIsF1 ? 1 : 2, in_progress: retailIsF1 ? 4 : 3 });
    expect(r.units.find((u) => u.id === bottleId(1))).toMatchObject({
      lot: J1,
      status: "in_progress",
      location: STORE,
    });
    // The juice lot's closure: its bottles and the shipper case only.
    const j = held.lots.get(J1)!;
    expect(j.units.map((u) => u.id)).toEqual([bottleId(1), bottleId(2), bottleId(3)]);
    expect(j.containers).toEqual([shipper.container]);
    expect(j.lotsDerived).toEqual([]);
  });

  it("reports goods on a shipment not yet received as in transit to the destination", () => {
    const s2 = tiny(0);
    // Cut the timeline right after the factory ships the shipper case.
    const shipIdx = s2.actions.findIndex((a) => a.type === "ship" && a.site === "juice-factory");
    const cut: Scenario = { ...s2, actions: s2.actions.slice(0, shipIdx + 1) };
    const u = groundTruth(cut).units.get(bottleId(1))!;
    expect(u).toMatchObject({ status: "in_transit", inTransit: true, location: STORE, party: STORE_PARTY });
  });
});
