// Issue 3 §8: a small supply chain (harvest lots → packed cases → pallets → shipments → a
// transformation mixing lots → bottled units → retail sale) captured through the REAL capture
// path — one enrolled gateway per party, Ed25519-signed batches over the gRPC capture stream,
// events arriving shuffled across gateways — then chains and recalls asked over gRPC and
// checked against the known answer worked out by hand (the story in
// core/src/query/test-fixtures.ts).
import { credentials, Metadata } from "@grpc/grpc-js";
import { eventHash, leafHash, openCheckpoint, parseVerifierKey, verifyInclusion } from "@suyuan/proto";
import { type BatchAck, BatchAck as BatchAckMsg } from "@suyuan/proto/gen/suyuan/v1/batch.ts";
import { CaptureServiceClient } from "@suyuan/proto/gen/suyuan/v1/capture.ts";
import { ChainVia, QueryServiceClient } from "@suyuan/proto/gen/suyuan/v1/query.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestGateway } from "../../core/src/capture/test-fixtures.ts";
import { C, events, ID, mainOrder } from "../../core/src/query/test-fixtures.ts";
import { type RunningCore, startCore } from "../../core/src/server.ts";

const SITES: Array<{ party: string; name: string; locations: Array<[string, string]> }> = [
  {
    party: ID.partyA,
    name: "Farm A",
    locations: [
      [ID.farmA, "Farm A packhouse"],
      [ID.coldRoom, "Farm A cold room"],
    ],
  },
  { party: ID.partyB, name: "Farm B", locations: [[ID.farmB, "Farm B packhouse"]] },
  { party: ID.partyDc, name: "South DC Ltd", locations: [[ID.dc, "Guangzhou DC"]] },
  { party: ID.partyFactory, name: "Juice Co", locations: [[ID.factory, "Juice factory"]] },
  { party: ID.partyStore, name: "Retail Co", locations: [[ID.store, "Store 12"]] },
];

let core: RunningCore;
let inspectorToken: string;
const nameByHash = new Map<string, string>();
const acks: BatchAck[] = [];

function bearer(token: string): Metadata {
  const md = new Metadata();
  md.set("authorization", `Bearer ${token}`);
  return md;
}

/** Sends batches on one capture stream and collects the acks, in order. */
async function sendStream(address: string, token: string, batches: ReturnType<TestGateway["seal"]>["batch"][]) {
  const client = new CaptureServiceClient(address, credentials.createInsecure());
  try {
    const call = client.captureStream(bearer(token));
    const got: BatchAck[] = [];
    const done = new Promise<void>((resolve, reject) => {
      call.on("data", (a: BatchAck) => got.push(BatchAckMsg.fromPartial(a)));
      call.on("error", reject);
      call.on("end", () => resolve());
    });
    for (const b of batches) call.write(b);
    call.end();
    await done;
    return got;
  } finally {
    client.close();
  }
}

beforeAll(async () => {
  core = await startCore({ checkpointIntervalMs: 50 });
  await core.master.importMasterData(
    JSON.stringify({
      parties: SITES.map((s) => ({ id: s.party, name: s.name })),
      locations: SITES.flatMap((s) => s.locations.map(([id, name]) => ({ id, name, party: s.party }))),
    }),
    "json",
  );
  inspectorToken = (await core.auth.issueToken({ role: "inspector", label: "e2e inspector" })).token;

  // One gateway per party; each event goes to the gateway of the party owning its location.
  const gateways = new Map<string, { gw: TestGateway; token: string }>();
  for (const s of SITES) {
    const gw = new TestGateway(`gw-${s.name.replace(/\W+/g, "-").toLowerCase()}`, C(s.party));
    const e = gw.enrolment();
    await core.master.enrollGateway({
      gatewayId: e.gatewayId,
      party: e.party,
      allowedReadPoints: [],
      keys: e.keys.map((k) => ({ keyId: k.keyId, algorithm: k.algorithm, publicKey: k.publicKey })),
    });
    const { token } = await core.auth.issueToken({
      role: "gateway",
      party: C(s.party),
      gatewayId: gw.id,
      label: gw.id,
    });
    gateways.set(C(s.party), { gw, token });
  }
  const all = events();
  const order = mainOrder(11);
  const perGateway = new Map<string, string[]>();
  for (const name of order) {
    const ev = all[name]!;
    nameByHash.set(`${eventHash(ev)}${ev.errorDeclaration ? "#decl" : ""}`, name);
    const party = core.master.partyOfLocation(C(ev.bizLocation!.id))!;
    expect(party, `owner of ${name}'s location`).toBeDefined();
    perGateway.set(party, [...(perGateway.get(party) ?? []), name]);
  }
  // Batches of up to 3 events per gateway, all streams in flight at once.
  await Promise.all(
    [...perGateway].map(async ([party, names]) => {
      const { gw, token } = gateways.get(party)!;
      const batches = [];
      for (let i = 0; i < names.length; i += 3) batches.push(gw.seal(names.slice(i, i + 3).map((n) => all[n]!)).batch);
      acks.push(...(await sendStream(core.grpcAddress, token, batches)));
    }),
  );
  await core.ledger.signCheckpointNow();
});

afterAll(async () => {
  await core?.stop();
});

describe("capture through signed gateway batches", () => {
  it("accepts every event exactly once, the error declaration as its own entry", () => {
    const outcomes = acks.flatMap((a) => a.events);
    const total = Object.keys(events()).length; // every fixture event (incl. the declaration) but `late`
    expect(outcomes).toHaveLength(total - 1);
    expect(outcomes.every((o) => o.outcome?.$case === "accepted")).toBe(true);
    expect(core.ledger.size()).toBe(total - 1);
  });
});

describe("chains over gRPC", () => {
  it("stitches the sold bottle's chain in event-time order with both farms' origins", async () => {
    const client = new QueryServiceClient(core.grpcAddress, credentials.createInsecure());
    try {
      const res = await new Promise<import("@suyuan/proto/gen/suyuan/v1/query.ts").GetChainResponse>(
        (resolve, reject) =>
          client.getChain(
            // The bottle as a consumer's QR code would give it: a Digital Link on another domain.
            { identifier: "https://juice.example.com/01/20614141073461/21/B1", includeProofs: true },
            bearer(inspectorToken),
            (err, r) => (err ? reject(err) : resolve(r)),
          ),
      );
      expect(res.identifier).toBe(C(ID.B1));
      const via = (s: (typeof res.steps)[number]) =>
        s.via === ChainVia.SELF
          ? "self"
          : `${{ [ChainVia.CONTAINER]: "container", [ChainVia.LOT]: "lot", [ChainVia.INPUT]: "input" }[s.via as 2 | 3 | 4]}:${s.viaIdentifier}`;
      const got = res.steps.map((s) => [
        nameByHash.get(`ni:///sha-256;${Buffer.from(s.eventHash).toString("hex")}?ver=CBV2.0`),
        via(s),
      ]);
      const M1 = `input:${C(ID.M1)}`;
      const M2 = `input:${C(ID.M2)}`;
      const SC = `container:${C(ID.SC)}`;
      expect(got).toEqual([
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
      // Every step is signed by the gateway of its site and proven in the signed checkpoint.
      const cp = openCheckpoint(res.checkpoint!.signedNote, [parseVerifierKey(core.verifierKey)]);
      for (const s of res.steps) {
        expect(s.proof?.gatewayId).toMatch(/^gw-/);
        const entry = await core.store.getEntry(Number(s.proof!.logIndex));
        const proof = s.proof!.inclusionProof!.path.map((h) => new Uint8Array(h));
        expect(verifyInclusion(leafHash(entry!.record), Number(s.proof!.logIndex), cp.size, proof, cp.rootHash)).toBe(
          true,
        );
      }
    } finally {
      client.close();
    }
  });
});

describe("recall over gRPC", () => {
  it("reaches exactly the units, containers, derived lot and holders of mango lot M1", async () => {
    const client = new QueryServiceClient(core.grpcAddress, credentials.createInsecure());
    const officer = (await core.auth.issueToken({ role: "recall_officer", label: "e2e officer" })).token;
    try {
      const res = await new Promise<import("@suyuan/proto/gen/suyuan/v1/query.ts").RecallResponse>((resolve, reject) =>
        // The lot as printed on a case label: a GS1 element string with GTIN and lot.
        client.recall({ lots: ["(01)10614141073464(10)M1"], identifiers: [] }, bearer(officer), (err, r) =>
          err ? reject(err) : resolve(r),
        ),
      );
      const r = res.scope!;
      expect(r.lots).toEqual([C(ID.M1)]);
      expect([...r.units].sort()).toEqual([ID.CA1, ID.CA2, ID.CA3, ID.B1, ID.B2, ID.B3, ID.B4].map(C).sort());
      expect([...r.containers].sort()).toEqual([C(ID.PA), C(ID.PM), C(ID.SC)].sort());
      expect(r.lotsDerived).toEqual([C(ID.J1)]);
      // B1 was sold at the store: reported among the units, not counted for the holder.
      expect(r.holders.map((h) => [h.location?.id, h.party?.id, Number(h.unitCount)])).toEqual([
        [C(ID.store), C(ID.partyStore), 3],
        [C(ID.factory), C(ID.partyFactory), 2],
        [C(ID.dc), C(ID.partyDc), 1],
      ]);
    } finally {
      client.close();
    }
  });
});
