// Capture through the whole core (startCore): with check workers, the events' index records
// are made and packed on the workers and filled in by the log; without, the log indexes
// each stored record itself. Both must leave exactly the same rows in every index, and the
// same log (same leaves, same root).
import type { EpcisEvent } from "@suyuan/proto";
import { SignedBatch } from "@suyuan/proto/gen/suyuan/v1/batch.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IX, SEP } from "../index/records.ts";
import type { Principal } from "../model.ts";
import { type RunningCore, startCore } from "../server.ts";
import { DOCK_A, observe, PARTY_A, SITE_A, TestGateway } from "./test-fixtures.ts";

const NOW = new Date("2024-03-01T09:00:00.000Z");
const MDA = "urn:epcglobal:cbv:mda";

/** A packing line's events: units commissioned with their lot, packed into a case, observed. */
function packing(caseNo: number): EpcisEvent[] {
  const units = [1, 2, 3].map((u) => `urn:epc:id:sgtin:0614141.107346.${caseNo * 10 + u}`);
  const sscc = `urn:epc:id:sscc:0614141.${String(1_000_000_000 + caseNo)}`;
  const t = (s: number) =>
    `2024-03-01T08:${String(caseNo % 60).padStart(2, "0")}:${String(s).padStart(2, "0")}.000+08:00`;
  const at = { readPoint: { id: DOCK_A }, bizLocation: { id: SITE_A } };
  return [
    {
      type: "ObjectEvent",
      eventTime: t(1),
      eventTimeZoneOffset: "+08:00",
      action: "ADD",
      epcList: units,
      bizStep: "commissioning",
      disposition: "active",
      ...at,
      ilmd: [{ ns: MDA, prefix: "cbvmda", name: "lotNumber", value: `LOT-${Math.floor(caseNo / 2)}` }],
    },
    {
      type: "AggregationEvent",
      eventTime: t(2),
      eventTimeZoneOffset: "+08:00",
      action: "ADD",
      parentID: sscc,
      childEPCs: units,
      bizStep: "packing",
      disposition: "in_progress",
      ...at,
    },
    // An eventID with a control character: not packed, indexed by the log itself.
    observe(caseNo, DOCK_A, { eventID: `urn:example:ev:${caseNo}\u0007`, epcList: [sscc], eventTime: t(3) }),
  ];
}

async function rows(core: RunningCore): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const name of Object.values(IX)) {
    const list: string[] = [];
    for await (const h of core.store.scan(name)) list.push(`${h.key} = ${String(h.value)}`);
    out[name] = list;
  }
  return out;
}

describe("index records made on check workers", () => {
  let withWorkers: RunningCore;
  let without: RunningCore;
  const gw = new TestGateway("gw-index", PARTY_A);
  const principal: Principal = { id: "t-gw", role: "gateway", party: PARTY_A, gatewayId: gw.id };

  beforeAll(async () => {
    withWorkers = await startCore({ captureWorkers: 1, now: () => NOW });
    without = await startCore({ captureWorkers: 0, now: () => NOW });
    for (const core of [withWorkers, without]) {
      await core.master.putParty({ id: PARTY_A, name: "Packer" });
      for (const id of [SITE_A, DOCK_A]) await core.master.putLocation({ id, name: id, party: PARTY_A });
      const { keyId, algorithm, publicKey } = gw.enrolment().keys[0]!;
      await core.master.enrollGateway({ gatewayId: gw.id, party: PARTY_A, keys: [{ keyId, algorithm, publicKey }] });
    }
  });
  afterAll(async () => {
    await withWorkers?.stop();
    await without?.stop();
  });

  it("leave the same rows in every index as the log's own indexing, and the same log", async () => {
    for (let b = 0; b < 4; b++) {
      const events = [0, 1, 2].flatMap((k) => packing(b * 3 + k));
      const bytes = SignedBatch.encode(gw.seal(events).batch).finish();
      const acks = await Promise.all([withWorkers, without].map((c) => c.capture.processBatch(bytes, principal)));
      for (const ack of acks) {
        expect(ack.status?.$case).toBe("accepted");
        expect(ack.events.every((o) => o.outcome?.$case === "accepted")).toBe(true);
      }
    }
    expect(withWorkers.ledger.size()).toBe(36);
    const a = await rows(withWorkers);
    const b = await rows(without);
    expect(a).toStrictEqual(b);
    // The comparison covered rows of every kind this chain makes.
    for (const name of [IX.id, IX.lotMembers, IX.child, IX.loc, IX.time, IX.rtime, IX.evid]) {
      expect(a[name]!.length, name).toBeGreaterThan(0);
    }
    // …including id entries that name the member's lot (their twelfth field).
    expect(a[IX.id]!.some((r) => r.split(" = ")[1]!.split(SEP).length === 12)).toBe(true);
    const [ca, cb] = await Promise.all([withWorkers, without].map((c) => c.ledger.signCheckpointNow()));
    expect(ca!.rootHash).toStrictEqual(cb!.rootHash);
  });
});
