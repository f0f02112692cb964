import { collectEventErrors, eventHash, isSuyuanError } from "@suyuan/proto";
import { describe, expect, it } from "vitest";
import { ORIGIN, testKey } from "../log/test-fixtures.ts";
import { VerifiableLog } from "../log/verifiable-log.ts";
import { MasterData } from "../master/master-data.ts";
import { MemoryStore } from "../store/memory/memory-store.ts";
import { RECALL_NS, RecallService } from "./recall-service.ts";
import {
  DC,
  DISTRIB,
  DISTRIB_GW,
  FARM,
  FARM_PARTNER,
  LOT,
  OFFICER,
  quiet,
  RETAIL,
  RETAIL_GW,
  recallFixture,
  STORE,
  take,
} from "./test-fixture.ts";

async function codeOf(p: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    if (isSuyuanError(e)) return e.code;
    throw e;
  }
  return "none";
}

const issue = (
  f: Awaited<ReturnType<typeof recallFixture>>,
  reason = "Listeria monocytogenes found in retained sample",
) =>
  f.recalls.issueRecall({
    lots: ["urn:epc:class:lgtin:0614141.107346.LOT1"],
    reason,
    recallClass: "I",
    issuedBy: OFFICER,
    issuedByParty: "urn:epc:id:pgln:0614141.00000",
  });

describe("RecallService.issueRecall", () => {
  it("records the recall in the log as a valid EPCIS 2.0 ObjectEvent with disposition recalled", async () => {
    const f = await recallFixture();
    const r = await issue(f);
    // The closure was asked for the canonical lot.
    expect(f.queries).toEqual([{ lots: [LOT], identifiers: [] }]);
    expect(f.ledger.events).toHaveLength(1);
    const stored = f.ledger.events[0]!;
    expect(stored.provenance).toEqual({ kind: "core", principal: "officer1", reason: "recall" });
    expect(stored.hashId).toBe(eventHash(stored.event));
    expect(r.eventHashId).toBe(stored.hashId);
    expect(r.logIndex).toBe(0);
    const ev = stored.event;
    expect(collectEventErrors(ev, "recall")).toEqual([]);
    expect(ev).toMatchObject({
      type: "ObjectEvent",
      action: "OBSERVE",
      bizStep: "holding",
      disposition: "recalled",
      quantityList: [{ epcClass: LOT }],
      eventTime: "2024-05-01T08:00:00.000Z",
    });
    const ext = ev.extensions?.[0];
    expect(ext?.ns).toBe(RECALL_NS);
    expect(Object.fromEntries((ext?.children ?? []).map((c) => [c.name, c.value]))).toEqual({
      recallID: r.id,
      reason: "Listeria monocytogenes found in retained sample",
      recallClass: "I",
    });
    expect(r).toMatchObject({ issuedByParty: FARM, recallClass: "I", scope: { units: 30, lots: [LOT] } });
    // Holders: party from master data where the answer had none.
    expect(r.holders.map((h) => [h.location, h.party, h.units])).toEqual([
      [STORE, RETAIL, 10],
      [DC, DISTRIB, 2],
      [expect.any(String), FARM, 18],
    ]);
  });

  it("needs role recall_officer or admin, a lot that is a lot, and a reason", async () => {
    const f = await recallFixture();
    const base = { reason: "x", recallClass: "II" as const };
    expect(await codeOf(f.recalls.issueRecall({ ...base, lots: [LOT], issuedBy: FARM_PARTNER }))).toBe(
      "AUTH_FORBIDDEN",
    );
    expect(
      await codeOf(f.recalls.issueRecall({ ...base, lots: ["urn:epc:id:sgtin:0614141.107346.1"], issuedBy: OFFICER })),
    ).toBe("RECALL_BAD_LOT");
    expect(await codeOf(f.recalls.issueRecall({ ...base, issuedBy: OFFICER }))).toBe("RECALL_BAD_REQUEST");
    expect(await codeOf(f.recalls.issueRecall({ ...base, reason: " ", lots: [LOT], issuedBy: OFFICER }))).toBe(
      "RECALL_BAD_REQUEST",
    );
    expect(f.ledger.events).toHaveLength(0);
    const byId = await f.recalls.issueRecall({
      ...base,
      identifiers: ["urn:epc:id:sgtin:0614141.107346.1"],
      issuedBy: { id: "adm", role: "admin" },
    });
    expect(f.ledger.events[0]?.event.epcList).toEqual(["https://id.gs1.org/01/10614141073464/21/1"]);
    expect(byId.identifiers).toEqual(["https://id.gs1.org/01/10614141073464/21/1"]);
  });
});

describe("RecallService.watch", () => {
  it("delivers a live notice to the gateway of an affected holder, and none to others", async () => {
    const f = await recallFixture();
    const retail = f.recalls.watch(RETAIL_GW)[Symbol.asyncIterator]();
    const stranger = f.recalls
      .watch({ id: "x", role: "partner", party: "https://id.gs1.org/417/0614141333332" })
      [Symbol.asyncIterator]();
    const r = await issue(f);
    const [n] = await take(retail, 1);
    expect(n).toMatchObject({
      recallId: r.id,
      recallClass: "I",
      reason: "Listeria monocytogenes found in retained sample",
      lots: [LOT],
      holder: { location: STORE, party: RETAIL, units: 10 },
      backlog: false,
    });
    expect(n?.instructions).toMatch(/quarantine/);
    expect(await quiet(stranger)).not.toBe(false);
    // Delivery marks the holder notified.
    expect(f.recalls.status(r.id)).toMatchObject({ holdersNotified: 1, holdersAcknowledged: 0, affectedUnits: 30 });
    await retail.return?.();
    await stranger.return?.();
    expect(f.recalls.watcherCount()).toBe(0);
  });

  it("gives a reconnecting gateway the backlog after its cursor exactly once, then live notices", async () => {
    const f = await recallFixture();
    const first = await issue(f, "first");
    // Connected without cursor: every open recall affecting the party.
    const c1 = f.recalls.watch(DISTRIB_GW)[Symbol.asyncIterator]();
    const [b1] = await take(c1, 1);
    expect(b1).toMatchObject({
      recallId: first.id,
      backlog: true,
      holder: { party: DISTRIB, unitIds: expect.any(Array) },
    });
    await c1.return?.();

    // While disconnected, two more recalls are issued.
    f.advance(60_000);
    const second = await issue(f, "second");
    const third = await issue(f, "third");
    const c2 = f.recalls.watch(DISTRIB_GW, { cursor: b1!.cursor })[Symbol.asyncIterator]();
    const backlog = await take(c2, 2);
    expect(backlog.map((n) => [n.recallId, n.backlog])).toEqual([
      [second.id, true],
      [third.id, true],
    ]);
    expect(backlog[0]!.cursor > b1!.cursor).toBe(true);
    const waiting = await quiet(c2);
    expect(waiting).not.toBe(false);
    const fourth = await issue(f, "fourth");
    const next = await (waiting as { pending: Promise<IteratorResult<{ recallId: string; cursor: string }>> }).pending;
    expect(next.value).toMatchObject({ recallId: fourth.id, backlog: false });
    await c2.return?.();

    // A reconnect with the last cursor gets nothing old again.
    const c3 = f.recalls.watch(DISTRIB_GW, { cursor: next.value!.cursor })[Symbol.asyncIterator]();
    expect(await quiet(c3)).not.toBe(false);
    await c3.return?.();
  });

  it("ends on abort and refuses callers without a party or with a bad cursor", async () => {
    const f = await recallFixture();
    const ac = new AbortController();
    const it = f.recalls.watch(RETAIL_GW, { signal: ac.signal })[Symbol.asyncIterator]();
    const pending = it.next();
    ac.abort();
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(f.recalls.watcherCount()).toBe(0);
    expect(await codeOf(() => f.recalls.watch({ id: "public", role: "public" }))).toBe("AUTH_MISSING_TOKEN");
    expect(await codeOf(() => f.recalls.watch(RETAIL_GW, { cursor: "yesterday" }))).toBe("RECALL_BAD_REQUEST");
  });
});

describe("RecallService acknowledgements and status", () => {
  it("records acknowledgements per holder party; the recall is acknowledged when all are", async () => {
    const f = await recallFixture();
    const r = await issue(f);
    f.advance(3_600_000);
    const at = await f.recalls.acknowledge(r.id, RETAIL_GW, { note: "10 units quarantined" });
    expect(at).toBe("2024-05-01T09:00:00.000Z");
    let s = f.recalls.status(r.id);
    expect(s).toMatchObject({ state: "open", holdersAcknowledged: 1, holdersNotified: 1 });
    expect(s.pending.map((h) => h.party)).toEqual([DISTRIB, FARM]);

    // A party the recall does not affect cannot acknowledge it.
    const stranger = { id: "s", role: "partner" as const, party: "https://id.gs1.org/417/0614141333332" };
    expect(await codeOf(f.recalls.acknowledge(r.id, stranger))).toBe("AUTH_FORBIDDEN");
    expect(await codeOf(f.recalls.acknowledge("rc-nope", RETAIL_GW))).toBe("RECALL_NOT_FOUND");
    // An admin acknowledges on behalf of a named party.
    expect(await codeOf(f.recalls.acknowledge(r.id, { id: "adm", role: "admin" }))).toBe("RECALL_BAD_REQUEST");
    await f.recalls.acknowledge(r.id, { id: "adm", role: "admin" }, { party: "urn:epc:id:pgln:0614141.22222" });
    await f.recalls.acknowledge(r.id, FARM_PARTNER, { unitsQuarantined: ["urn:epc:id:sgtin:0614141.107346.7"] });
    s = f.recalls.status(r.id);
    expect(s).toMatchObject({ state: "acknowledged", holdersAcknowledged: 3, holdersNotified: 3, pending: [] });
    expect(s.recall.holders[2]?.unitsQuarantined).toEqual(["https://id.gs1.org/01/10614141073464/21/7"]);
  });

  it("keeps recalls, holder status and notice cursors across a restart", async () => {
    const f = await recallFixture();
    const r = await issue(f);
    await f.recalls.acknowledge(r.id, RETAIL_GW);
    await f.recalls.flush();
    const again = await f.reopen();
    expect(again.status(r.id)).toMatchObject({ holdersAcknowledged: 1, affectedUnits: 30, recall: { logIndex: 0 } });
    const it = again.watch(DISTRIB_GW)[Symbol.asyncIterator]();
    const [n] = await take(it, 1);
    expect(n?.recallId).toBe(r.id);
    await it.return?.();
    // The next recall continues the sequence.
    const r2 = await again.issueRecall({ lots: [LOT], reason: "more", recallClass: "III", issuedBy: OFFICER });
    expect(r2.seq).toBe(2);
    await again.close(r.id, OFFICER);
    const it2 = again.watch(DISTRIB_GW)[Symbol.asyncIterator]();
    const [only] = await take(it2, 1);
    expect(only?.recallId).toBe(r2.id);
    await it2.return?.();
  });
});

describe("RecallService over the real VerifiableLog", () => {
  it("appends the recall event and its state in one write; a restarted service finds both", async () => {
    const store = new MemoryStore();
    await store.open();
    const master = new MasterData({ store });
    await master.open();
    await master.putParty({ id: RETAIL, name: "Retail" });
    await master.putLocation({ id: STORE, name: "Store 1", party: RETAIL });
    const key = testKey();
    const log = await VerifiableLog.open({ store, signer: key.signer, verifierKey: key.verifierKey, origin: ORIGIN });
    try {
      const computeRecall = async () => ({ holders: [{ location: STORE, units: 4 }] });
      const svc = new RecallService({ ledger: log, store, master, computeRecall });
      await svc.open();
      const r = await svc.issueRecall({ lots: [LOT], reason: "glass fragments", recallClass: "I", issuedBy: OFFICER });
      expect(log.size()).toBe(1);
      const logged = await log.getEvent(r.logIndex);
      expect(logged).toMatchObject({ hashId: r.eventHashId, provenance: { kind: "core", reason: "recall" } });
      expect(logged?.event.disposition).toBe("recalled");
      expect(await log.indexOf(r.eventHashId)).toBe(0);
      const again = new RecallService({ ledger: log, store, master, computeRecall });
      await again.open();
      expect(again.status(r.id)).toMatchObject({ affectedUnits: 4, recall: { holders: [{ party: RETAIL }] } });
    } finally {
      await log.close();
    }
  });
});
