import { leafHash, verifyInclusion } from "@suyuan/proto";
import { afterEach, describe, expect, it } from "vitest";
import { decodeRecord } from "../model.ts";
import { QueryEngine } from "./engine.ts";
import { appendNamed, type Built, buildLedger, C, events, ID, mainOrder, masterData } from "./test-fixtures.ts";
import type { ChainAnswer } from "./types.ts";

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

const steps = (b: Built, c: ChainAnswer) => c.steps.map((s) => [b.nameAt.get(s.proof.logIndex), s.via]);

describe("getChain", () => {
  it("an event that joins both through a container and through the lot joins through the container", async () => {
    // Observed on 7 June while case SC held B1: the case and a quantity of B1's lot J1.
    const all = events();
    all.checkSC = {
      type: "ObjectEvent",
      eventTime: "2024-06-07T09:00:00.000+08:00",
      eventTimeZoneOffset: "+08:00",
      action: "OBSERVE",
      epcList: [ID.SC],
      quantityList: [{ epcClass: ID.J1, quantity: 4, uom: "H87" }],
      bizStep: "inspecting",
    };
    const b = await buildLedger([...mainOrder(), "checkSC"], all);
    open.push(b);
    const q = new QueryEngine({ store: b.store, ledger: b.log, master: masterData() });
    const c = await q.getChain(ID.B1);
    // The container's events are taken first, the lot's after them (EPCIS 2.0 §7.4.3 then the
    // lot): the first way an event joins names it.
    expect(steps(b, c)).toContainEqual(["checkSC", `container:${C(ID.SC)}`]);
    expect(steps(b, c).filter(([n]) => n === "checkSC")).toHaveLength(1);
    expect(steps(b, c)).toContainEqual(["inspectJ1", `lot:${C(ID.J1)}`]);
  });

  it("stitches a bottle's chain in event-time order: inputs' origins at both farms, lot, self, container", async () => {
    const { b, q } = await setup();
    const c = await q.getChain(ID.B1);
    const M1 = `input:${C(ID.M1)}`;
    const M2 = `input:${C(ID.M2)}`;
    const SC = `container:${C(ID.SC)}`;
    expect(steps(b, c)).toEqual([
      ["harvestA", M1],
      ["harvestB", M2],
      ["sensorM1", M1],
      ["juice", "self"],
      ["inspectJ1", `lot:${C(ID.J1)}`],
      ["packSC", "self"],
      ["shipSC", SC],
      ["receiveStore", SC],
      ["unpackSC", SC],
      ["sellB1", "self"],
    ]);
    expect(c.canonical).toBe("https://id.gs1.org/01/20614141073461/21/B1");
    expect(c.lot).toBe("https://id.gs1.org/01/20614141073461/10/J1");
    expect(c.checkpoint.size).toBe(b.log.size());
    const harvestA = c.steps[0]!;
    expect(harvestA).toMatchObject({
      eventType: "ObjectEvent",
      bizStep: "commissioning",
      disposition: "active",
      action: "ADD",
      bizLocation: C(ID.farmA),
      location: "Farm A packhouse",
      party: { id: C(ID.partyA), name: "Farm A" },
    });
    expect(harvestA.proof).toMatchObject({
      logIndex: b.indexOf.get("harvestA"),
      checkpointSize: b.log.size(),
      included: true,
    });
    expect(c.steps[2]!.sensors).toEqual([{ type: "Temperature", count: 2, min: 8.5, max: 11, uom: "CEL" }]);
    const sold = c.steps[9]!;
    expect(sold).toMatchObject({ disposition: "retail_sold", location: "Store 12", party: { name: "Retail Co" } });
    expect(sold.bizTransactions).toEqual([
      { type: "inv", bizTransaction: "urn:epcglobal:cbv:bt:0614141000053:R-1001" },
    ]);
    expect(c.steps[6]!.destination).toEqual([{ type: "location", id: C(ID.store) }]);
    // provenance: the fixture alternates gateway (even positions) and partner
    for (const s of c.steps) {
      expect(s.proof.kind).toBe(s.proof.logIndex % 2 === 0 ? "gateway" : "partner");
      if (s.proof.kind === "gateway") expect(s.proof.gatewayId).toBe("gw-farm-a");
    }
  });

  it("answers the same chain whatever order the events arrived in", async () => {
    const a = await setup(mainOrder(1));
    const z = await setup(mainOrder(99).reverse());
    const names = (x: { b: Built }, c: ChainAnswer) => steps(x.b, c);
    expect(names(a, await a.q.getChain(ID.B1))).toEqual(names(z, await z.q.getChain(ID.B1)));
    expect(names(a, await a.q.getChain(ID.CA1))).toEqual(names(z, await z.q.getChain(ID.CA1)));
  });

  it("normalises any code form to the same chain", async () => {
    const { b, q } = await setup();
    const ref = steps(b, await q.getChain(ID.B1));
    for (const code of [
      "https://id.gs1.org/01/20614141073461/21/B1",
      "(01)20614141073461(21)B1",
      "https://example.com/01/20614141073461/21/B1?x=1",
      " urn:epc:id:sgtin:0614141.207346.B1\r\n",
    ]) {
      const c = await q.getChain(code);
      expect(c.code).toBe(code);
      expect(steps(b, c)).toEqual(ref);
    }
  });

  it("gives a container's events only while it held the unit (EPCIS 2.0 §7.4.3 ADD/DELETE intervals)", async () => {
    const { b, q } = await setup();
    const PA = `container:${C(ID.PA)}`;
    const PM = `container:${C(ID.PM)}`;
    const lot = `lot:${C(ID.M1)}`;
    expect(steps(b, await q.getChain(ID.CA1))).toEqual([
      ["harvestA", lot],
      ["commissionA", "self"],
      ["packPA", "self"],
      ["sensorM1", lot],
      ["shipPA", PA],
      ["receiveDc", PA],
      ["breakPA", PA],
      ["packPM", "self"],
      ["shipPM", PM],
      ["receiveFactory", PM],
    ]);
    // CB1 was taken off PB at the DC and put on PM: PB's events up to then, PM's after.
    const PB = `container:${C(ID.PB)}`;
    const lotB = `lot:${C(ID.M2)}`;
    expect(steps(b, await q.getChain(ID.CB1))).toEqual([
      ["harvestB", lotB],
      ["commissionB", "self"],
      ["packPB", "self"],
      ["shipPB", PB],
      ["receiveDc", PB],
      ["takeCB1", "self"],
      ["packPM", "self"],
      ["shipPM", PM],
      ["receiveFactory", PM],
    ]);
    // CB2 stayed on PB: taking CB1 off is an event of its pallet.
    expect(steps(b, await q.getChain(ID.CB2))).toEqual([
      ["harvestB", lotB],
      ["commissionB", "self"],
      ["packPB", "self"],
      ["shipPB", PB],
      ["receiveDc", PB],
      ["takeCB1", PB],
    ]);
  });

  it("flags an event named in an errorDeclaration and uses its corrective event instead (EPCIS 2.0 §7.4.1.2)", async () => {
    const { b, q } = await setup();
    const c = await q.getChain(ID.CA3);
    const PA = `container:${C(ID.PA)}`;
    const lot = `lot:${C(ID.M1)}`;
    // The wrong ADD to PM does not stitch PM's later events (shipPM, receiveFactory) into CA3;
    // PA's trip home after it was broken (palletBack) is not CA3's either.
    expect(steps(b, c)).toEqual([
      ["harvestA", lot],
      ["commissionA", "self"],
      ["packPA", "self"],
      ["sensorM1", lot],
      ["shipPA", PA],
      ["receiveDc", PA],
      ["breakPA", PA],
      ["wrongPack", "self"],
      ["fixStore", "self"],
    ]);
    const wrong = c.steps[7]!;
    expect(wrong.declaredErroneous).toEqual({
      reason: "incorrect_data",
      correctiveEventIDs: ["urn:uuid:6a1e2f3c-0000-4000-8000-000000000002"],
      declarationTime: "2024-06-03T11:00:00.000+08:00",
    });
    expect(c.steps[8]!.declaredErroneous).toBeUndefined();
  });

  it("brings in a corrective event that does not name the unit, joined like the erroneous one", async () => {
    const { b, q } = await setup();
    // An erroneous event naming CB2, corrected by an event that names only CA3 (fixStore).
    const ev = {
      type: "ObjectEvent" as const,
      eventTime: "2024-06-03T12:00:00.000+08:00",
      eventTimeZoneOffset: "+08:00",
      eventID: "urn:uuid:6a1e2f3c-0000-4000-8000-00000000000e",
      action: "OBSERVE" as const,
      epcList: [ID.CB2],
      bizStep: "storing",
      bizLocation: { id: ID.dc },
    };
    const all = {
      bad: ev,
      decl: {
        ...ev,
        errorDeclaration: {
          declarationTime: "2024-06-03T13:00:00.000+08:00",
          correctiveEventIDs: [b.hashOf.get("fixStore")!],
        },
      },
    };
    // the declaration arrives before the event it declares erroneous
    await appendNamed(b, "decl", all);
    await appendNamed(b, "bad", all);
    const c = await q.getChain(ID.CB2);
    const bad = c.steps.find((s) => b.nameAt.get(s.proof.logIndex) === "bad")!;
    expect(bad.declaredErroneous?.correctiveEventIDs).toEqual([b.hashOf.get("fixStore")]);
    const fix = c.steps.find((s) => b.nameAt.get(s.proof.logIndex) === "fixStore")!;
    expect(fix).toMatchObject({ via: "self", corrects: b.hashOf.get("bad") });
    expect(c.steps.some((s) => b.nameAt.get(s.proof.logIndex) === "decl")).toBe(false);
    // without a declaration an event has no `corrects`, and others' chains are untouched
    expect((await q.getChain(ID.CB1)).steps.some((s) => s.corrects !== undefined)).toBe(false);
  });

  it("changes the chain when a late event (earlier event time) arrives", async () => {
    const { b, q } = await setup();
    const before = steps(b, await q.getChain(ID.B2)).map(([n]) => n);
    expect(before).toEqual(expect.arrayContaining(["shipSC", "receiveStore", "unpackSC"]));
    // B2 was taken out of the shipping case at the factory before it left (arrives last).
    await appendNamed(b, "late");
    const after = steps(b, await q.getChain(ID.B2));
    expect(after.slice(3)).toEqual([
      ["juice", "self"],
      ["inspectJ1", `lot:${C(ID.J1)}`],
      ["packSC", "self"],
      ["late", "self"],
    ]);
    // the late event is logged after the checkpoint: shown, but not yet covered by it
    expect(after.length).toBe(7);
    const lateStep = (await q.getChain(ID.B2)).steps[6]!;
    expect(lateStep.proof.included).toBe(false);
    // B1 stayed in the case: unchanged
    expect(steps(b, await q.getChain(ID.B1)).map(([n]) => n)).toContain("shipSC");
  });

  it("answers a lot's chain: its class-level events and the origins of what made it", async () => {
    const { b, q } = await setup();
    const c = await q.getChain("https://id.gs1.org/01/20614141073461/10/J1");
    expect(c.kind).toBe("lot");
    expect(steps(b, c)).toEqual([["inspectJ1", "self"]]);
    const m1 = await q.getChain(ID.M1);
    expect(steps(b, m1)).toEqual([
      ["harvestA", "self"],
      ["sensorM1", "self"],
    ]);
  });

  it("refuses an empty code with a coded error", async () => {
    const { q } = await setup(["harvestA"]);
    await expect(q.getChain("  ")).rejects.toMatchObject({ code: "QUERY_BAD_CODE" });
  });
});

describe("trace", () => {
  it("walks backward from a bottle to its lot, transformation and input lots, with a depth limit", async () => {
    const { q } = await setup();
    const t = await q.traceBackward(ID.B1, 2);
    const xf = "tid:urn:uuid:7b2e0000-0000-4000-8000-0000000000a1";
    expect(new Map(t.nodes.map((n) => [n.id, [n.kind, n.depth]]))).toEqual(
      new Map<string, [string, number]>([
        [C(ID.B1), ["unit", 0]],
        [xf, ["transformation", 1]],
        [C(ID.J1), ["lot", 1]],
        [C(ID.SC), ["container", 1]],
        [C(ID.M1), ["lot", 2]],
        [C(ID.M2), ["lot", 2]],
      ]),
    );
    expect(t.edges.map((e) => [e.from, e.to, e.kind]).sort()).toEqual(
      [
        [xf, C(ID.B1), "output"],
        [C(ID.J1), C(ID.B1), "member"],
        [C(ID.SC), C(ID.B1), "contains"],
        [C(ID.M1), xf, "input"],
        [C(ID.M2), xf, "input"],
      ].sort(),
    );
    const shallow = await q.traceBackward(ID.B1, 1);
    expect(shallow.nodes.map((n) => n.id)).not.toContain(C(ID.M1));
    await expect(q.traceBackward(ID.B1, -1)).rejects.toMatchObject({ code: "QUERY_BAD_DEPTH" });
  });

  it("walks forward from a mango lot to its cases, their pallets, the juice and its bottles", async () => {
    const { q } = await setup();
    const t = await q.traceForward(ID.M2, 2);
    const depth = new Map(t.nodes.map((n) => [n.id, n.depth]));
    const xf = "tid:urn:uuid:7b2e0000-0000-4000-8000-0000000000a1";
    expect(depth.get(C(ID.CB1))).toBe(1);
    expect(depth.get(C(ID.CB2))).toBe(1);
    expect(depth.get(xf)).toBe(1);
    expect(depth.get(C(ID.PB))).toBe(2);
    expect(depth.get(C(ID.PM))).toBe(2);
    expect(depth.get(C(ID.B1))).toBe(2);
    expect(depth.get(C(ID.B4))).toBe(2);
    // PM's other cases (lot M1) are two steps further on: beyond the depth limit
    expect(depth.has(C(ID.CA1))).toBe(false);
    expect(t.edges).toContainEqual(expect.objectContaining({ from: C(ID.M2), to: C(ID.CB1), kind: "member" }));
    expect(t.edges).toContainEqual(expect.objectContaining({ from: C(ID.M2), to: xf, kind: "input" }));
    const deeper = await q.traceForward(ID.M2, 3);
    expect(deeper.nodes.find((n) => n.id === C(ID.CA1))?.depth).toBe(3);
  });
});

describe("proofBundle", () => {
  it("returns records with RFC 9162 inclusion proofs that verify against the checkpoint root", async () => {
    const { b, q } = await setup();
    const chain = await q.getChain(ID.B1);
    const bundle = await q.proofBundle(QueryEngine.chainIndexes(chain));
    expect(bundle.entries).toHaveLength(chain.steps.length);
    const root = Buffer.from(bundle.checkpoint.rootHash, "base64");
    expect(bundle.checkpoint.note).toContain("suyuan.test/query");
    for (const e of bundle.entries) {
      const record = Buffer.from(e.record, "base64");
      const proof = e.inclusionProof.map((p) => Buffer.from(p, "base64"));
      expect(verifyInclusion(leafHash(record), e.index, bundle.checkpoint.size, proof, root)).toBe(true);
      expect(decodeRecord(record).hashId).toBe(e.eventId);
      // a proof for one leaf fails for a neighbour's record
      const other = bundle.entries.find((x) => x.index !== e.index)!;
      expect(
        verifyInclusion(leafHash(Buffer.from(other.record, "base64")), e.index, bundle.checkpoint.size, proof, root),
      ).toBe(false);
    }
    await appendNamed(b, "late");
    await expect(q.proofBundle([b.log.size() - 1])).rejects.toMatchObject({ code: "QUERY_NOT_IN_CHECKPOINT" });
  });
});
