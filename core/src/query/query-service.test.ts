// QueryService over a real grpc-js server on 127.0.0.1:0 with the generated client, the mango →
// juice fixture (test-fixtures.ts) and a real AuthService with a token of each role. Expected
// answers are the fixture's story (hand-derived, as in chain.test.ts / recall.test.ts).
import {
  type CallOptions,
  credentials,
  Metadata,
  Server,
  ServerCredentials,
  type ServiceError,
  status,
} from "@grpc/grpc-js";
import {
  type EpcisEvent,
  eventToProto,
  leafHash,
  openCheckpoint,
  parseEventHashId,
  parseVerifierKey,
  verifyInclusion,
} from "@suyuan/proto";
import type { Holder } from "@suyuan/proto/gen/suyuan/v1/common.ts";
import { Action, EventType } from "@suyuan/proto/gen/suyuan/v1/epcis.ts";
import {
  ChainVia,
  type GetChainResponse,
  type QueryEventsRequest,
  QueryServiceClient,
  QueryServiceService,
} from "@suyuan/proto/gen/suyuan/v1/query.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthService } from "../auth/auth.ts";
import { suyuanCodeOf } from "../grpc/errors.ts";
import { QueryEngine } from "./engine.ts";
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, queryParamsFromProto, viaToProto } from "./proto-map.ts";
import { queryServiceHandlers } from "./query-service.ts";
import { appendNamed, type Built, buildLedger, C, events, ID, mainOrder, masterData } from "./test-fixtures.ts";

// A unit commissioned at the store with every kind of party-private field (issue 3 §5).
const B9 = "urn:epc:id:sgtin:0614141.207346.B9";
const EXT = "https://ns.example.com/retail";
const MDA = "urn:epcglobal:cbv:mda";
const privateEvent: EpcisEvent = {
  type: "ObjectEvent",
  eventTime: "2024-06-10T10:00:00.000+08:00",
  eventTimeZoneOffset: "+08:00",
  action: "ADD",
  epcList: [B9],
  bizStep: "commissioning",
  disposition: "active",
  readPoint: { id: ID.store, extensions: [{ ns: EXT, prefix: "rt", name: "aisle", value: "7" }] },
  bizLocation: { id: ID.store },
  bizTransactionList: [{ type: "po", bizTransaction: "urn:epcglobal:cbv:bt:0614141000053:PO-77" }],
  sourceList: [
    { type: "owning_party", id: ID.partyFactory },
    { type: "location", id: ID.factory },
  ],
  destinationList: [
    { type: "owning_party", id: ID.partyStore },
    { type: "location", id: ID.store },
  ],
  ilmd: [
    { ns: MDA, prefix: "cbvmda", name: "lotNumber", value: "X9" },
    { ns: MDA, prefix: "cbvmda", name: "itemExpirationDate", value: "2025-06-10" },
    { ns: EXT, prefix: "rt", name: "costPrice", value: "3.20" },
  ],
  sensorElementList: [
    {
      sensorMetadata: { time: "2024-06-10T09:59:00.000+08:00", deviceID: "urn:epc:id:giai:0614141.T1" },
      sensorReport: [{ type: "gs1:Temperature", value: 4.5, uom: "CEL", deviceID: "urn:epc:id:giai:0614141.T1" }],
    },
  ],
  extensions: [{ ns: EXT, prefix: "rt", name: "margin", value: "0.31" }],
};

function bearer(token: string | undefined): Metadata {
  const md = new Metadata();
  if (token !== undefined) md.set("authorization", `Bearer ${token}`);
  return md;
}

type Unary<Req, Res> = (
  req: Req,
  md: Metadata,
  opts: Partial<CallOptions>,
  cb: (e: ServiceError | null, r: Res) => void,
) => unknown;

let client: QueryServiceClient;
function call<Req, Res>(fn: Unary<Req, Res>, req: Req, token?: string): Promise<Res> {
  return new Promise((resolve, reject) => {
    fn.call(client, req, bearer(token), {}, (err, res) => (err ? reject(err) : resolve(res)));
  });
}
async function refused<Req, Res>(fn: Unary<Req, Res>, req: Req, token?: string): Promise<ServiceError> {
  try {
    await call(fn, req, token);
  } catch (e) {
    return e as ServiceError;
  }
  throw new Error("the call was not refused");
}

const chainReq = (identifier: string, includeProofs = false) => ({ identifier, includeProofs });
const eventsReq = (over: Partial<QueryEventsRequest>): QueryEventsRequest => ({
  eventTypes: [],
  eqAction: [],
  eqBizStep: [],
  eqDisposition: [],
  eqReadPoint: [],
  wdReadPoint: [],
  eqBizLocation: [],
  wdBizLocation: [],
  eqBizTransaction: [],
  eqSource: [],
  eqDestination: [],
  eqTransformationId: [],
  matchEpc: [],
  matchParentId: [],
  matchInputEpc: [],
  matchOutputEpc: [],
  matchAnyEpc: [],
  matchEpcClass: [],
  matchInputEpcClass: [],
  matchOutputEpcClass: [],
  matchAnyEpcClass: [],
  eqEventId: [],
  eqErrorReason: [],
  eqCorrectiveEventId: [],
  eqPersistentDisposition: [],
  orderDirection: 0,
  pageSize: 0,
  pageToken: "",
  includeProofs: false,
  ...over,
});

describe("QueryService over gRPC", () => {
  const server = new Server();
  let b: Built;
  let engine: QueryEngine;
  let auth: AuthService;
  const tok: Record<string, string> = {};
  /** The fixture name of a step or queried event, by its log index. */
  const nameOf = (s: { proof?: { logIndex: bigint } | undefined }) => b.nameAt.get(Number(s.proof!.logIndex));

  beforeAll(async () => {
    b = await buildLedger(mainOrder());
    await appendNamed(b, "privateB9", { ...events(), privateB9: privateEvent });
    await b.log.signCheckpointNow();
    const master = masterData();
    engine = new QueryEngine({ store: b.store, ledger: b.log, master });
    auth = new AuthService({ store: b.store, master: { ...master, gateway: () => undefined } });
    await auth.open();
    for (const role of ["admin", "inspector", "recall_officer"] as const) {
      tok[role] = (await auth.issueToken({ role, label: role })).token;
    }
    tok.retail = (await auth.issueToken({ role: "partner", party: ID.partyStore, label: "retail ERP" })).token;
    tok.farmB = (await auth.issueToken({ role: "partner", party: ID.partyB, label: "farm B" })).token;
    server.addService(QueryServiceService, queryServiceHandlers(engine, auth, { ledger: b.log, master }));
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
    );
    client = new QueryServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
  });

  afterAll(async () => {
    client.close();
    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    await auth.flush();
    await b.log.close();
  });

  it("GetChain maps the bottle's chain field by field, with RFC 9162 proofs against the returned checkpoint", async () => {
    const res: GetChainResponse = await call(client.getChain, chainReq("(01)20614141073461(21)B1", true), tok.admin);
    expect(res.identifier).toBe("https://id.gs1.org/01/20614141073461/21/B1");
    const M1 = C(ID.M1);
    const M2 = C(ID.M2);
    const SC = C(ID.SC);
    // chain.test.ts's hand-derived order, as (name, via, via identifier)
    expect(res.steps.map((s) => [nameOf(s), s.via, s.viaIdentifier])).toEqual([
      ["harvestA", ChainVia.INPUT, M1],
      ["harvestB", ChainVia.INPUT, M2],
      ["sensorM1", ChainVia.INPUT, M1],
      ["juice", ChainVia.SELF, ""],
      ["inspectJ1", ChainVia.LOT, C(ID.J1)],
      ["packSC", ChainVia.SELF, ""],
      ["shipSC", ChainVia.CONTAINER, SC],
      ["receiveStore", ChainVia.CONTAINER, SC],
      ["unpackSC", ChainVia.CONTAINER, SC],
      ["sellB1", ChainVia.SELF, ""],
    ]);

    // the same steps as the engine's answer, in the same order
    const direct = await engine.getChain(ID.B1);
    expect(res.steps.map((s) => Number(s.proof!.logIndex))).toEqual(direct.steps.map((s) => s.proof.logIndex));

    const all = events();
    const cp = res.checkpoint!;
    const size = Number(cp.size);
    expect(size).toBe(b.log.size());
    // the checkpoint is the core's signed note, and its fields are what the note says
    const opened = openCheckpoint(cp.signedNote, [parseVerifierKey(b.verifierKey)]);
    expect(opened.size).toBe(size);
    expect(Buffer.from(opened.rootHash).equals(cp.rootHash)).toBe(true);

    for (const s of res.steps) {
      const name = nameOf(s)!;
      const index = b.indexOf.get(name)!;
      expect(s.eventHash).toEqual(Buffer.from(parseEventHashId(b.hashOf.get(name)!)));
      expect(s.eventHash).toHaveLength(32);
      expect(s.event).toEqual(eventToProto(all[name]!));
      const p = s.proof!;
      expect(p.logIndex).toBe(BigInt(index));
      expect(p.checkpointSize).toBe(BigInt(size));
      // the fixture signs even positions by gateway gw-farm-a (batch ab…ab, seq = position)
      if (index % 2 === 0) {
        expect(p.gatewayId).toBe("gw-farm-a");
        expect(p.batchHash).toEqual(Buffer.alloc(32, 0xab));
        expect(p.batchFirstSeq).toBe(BigInt(index));
      } else {
        expect(p.gatewayId).toBe("");
        expect(p.batchHash).toHaveLength(0);
      }
      const ip = p.inclusionProof!;
      expect([ip.logIndex, ip.treeSize]).toEqual([BigInt(index), BigInt(size)]);
      const record = (await b.store.getEntry(index))!.record;
      expect(verifyInclusion(leafHash(record), index, size, ip.path, cp.rootHash)).toBe(true);
      // and not for a neighbour's leaf
      const other = (await b.store.getEntry(index === 0 ? 1 : index - 1))!.record;
      expect(verifyInclusion(leafHash(other), index, size, ip.path, cp.rootHash)).toBe(false);
    }

    const [harvestA] = res.steps;
    expect(harvestA!.location).toEqual({
      id: C(ID.farmA),
      name: "Farm A packhouse",
      owner: { id: C(ID.partyA), name: "Farm A" },
    });
    expect(harvestA!.party).toEqual({ id: C(ID.partyA), name: "Farm A" });
    expect(res.steps[9]!.location?.name).toBe("Store 12");

    // without include_proofs: the same status, no audit path
    const plain = await call(client.getChain, chainReq(ID.B1), tok.admin);
    expect(plain.steps.every((s) => s.proof!.inclusionProof === undefined)).toBe(true);
    expect(plain.steps.map((s) => s.proof!.logIndex)).toEqual(res.steps.map((s) => s.proof!.logIndex));
  });

  it("gives a public caller the reduced view: no party-private fields, same steps and hashes", async () => {
    const full = await call(client.getChain, chainReq(B9), tok.inspector);
    const pub = await call(client.getChain, chainReq(B9));
    expect(full.steps).toHaveLength(1);
    expect(pub.steps.map((s) => s.eventHash)).toEqual(full.steps.map((s) => s.eventHash));
    expect(full.steps[0]!.event).toEqual(eventToProto(privateEvent));

    const reduced: EpcisEvent = {
      type: "ObjectEvent",
      eventTime: privateEvent.eventTime,
      eventTimeZoneOffset: "+08:00",
      action: "ADD",
      epcList: [B9],
      bizStep: "commissioning",
      disposition: "active",
      readPoint: { id: ID.store },
      bizLocation: { id: ID.store },
      sourceList: [{ type: "location", id: ID.factory }],
      destinationList: [{ type: "location", id: ID.store }],
      ilmd: [
        { ns: MDA, prefix: "cbvmda", name: "lotNumber", value: "X9" },
        { ns: MDA, prefix: "cbvmda", name: "itemExpirationDate", value: "2025-06-10" },
      ],
      sensorElementList: [
        {
          sensorMetadata: { time: "2024-06-10T09:59:00.000+08:00" },
          sensorReport: [{ type: "gs1:Temperature", value: 4.5, uom: "CEL" }],
        },
      ],
    };
    expect(pub.steps[0]!.event).toEqual(eventToProto(reduced));
    const e = pub.steps[0]!.event!;
    expect(JSON.stringify(e)).not.toMatch(/PO-77|costPrice|margin|aisle|giai|owning_party/);
    // where and who stay public
    expect(pub.steps[0]!.location?.name).toBe("Store 12");
    expect(pub.steps[0]!.party).toEqual({ id: C(ID.partyStore), name: "Retail Co" });

    // a partner sees its own party's events whole, others' reduced
    const mine = await call(client.getChain, chainReq(B9), tok.retail);
    expect(mine.steps[0]!.event).toEqual(full.steps[0]!.event);
    const theirs = await call(client.getChain, chainReq(B9), tok.farmB);
    expect(theirs.steps[0]!.event).toEqual(pub.steps[0]!.event);
    // the public bottle chain: the sale's business transaction is gone
    const sold = (await call(client.getChain, chainReq(ID.B1))).steps.at(-1)!;
    expect(nameOf(sold)).toBe("sellB1");
    expect(sold.event!.bizTransactionList).toBeUndefined();
  });

  it("refuses by role with the suyuan-code in metadata", async () => {
    const cases: Array<[Promise<ServiceError>, status, string]> = [
      [
        refused(client.traceBackward, { identifier: ID.B1, includeProofs: false }),
        status.UNAUTHENTICATED,
        "AUTH_MISSING_TOKEN",
      ],
      [
        refused(client.recall, { lots: [ID.M1], identifiers: [] }, tok.retail),
        status.PERMISSION_DENIED,
        "AUTH_FORBIDDEN",
      ],
      [
        refused(client.traceForward, { identifier: ID.M1, includeProofs: false }, tok.retail),
        status.PERMISSION_DENIED,
        "AUTH_FORBIDDEN",
      ],
      [refused(client.queryEvents, eventsReq({})), status.UNAUTHENTICATED, "AUTH_MISSING_TOKEN"],
      [
        refused(client.getChain, chainReq(ID.B1), "sy_0000000000000000.not-a-token"),
        status.UNAUTHENTICATED,
        "AUTH_BAD_TOKEN",
      ],
    ];
    for (const [p, code, domain] of cases) {
      const err = await p;
      expect([err.code, suyuanCodeOf(err)]).toEqual([code, domain]);
    }
    // issue 3 §5: every query is recorded, refused ones too
    await call(client.getChain, chainReq(ID.CB2));
    await auth.flush();
    const log = await auth.listAccess({ newestFirst: true, limit: 20 });
    expect(log).toContainEqual(
      expect.objectContaining({ role: "partner", action: "QueryService.Recall (refused)", target: ID.M1 }),
    );
    expect(log).toContainEqual(
      expect.objectContaining({ principal: "public", action: "QueryService.GetChain", target: ID.CB2 }),
    );
  });

  it("answers a bad code or parameter with INVALID_ARGUMENT and a QUERY_ code", async () => {
    const blank = await refused(client.getChain, chainReq("   "));
    expect([blank.code, suyuanCodeOf(blank)]).toEqual([status.INVALID_ARGUMENT, "QUERY_BAD_CODE"]);
    expect(blank.metadata.get("suyuan-field")).toEqual(["code"]);
    const time = await refused(client.queryEvents, eventsReq({ geEventTime: "yesterday" }), tok.inspector);
    expect([time.code, suyuanCodeOf(time)]).toEqual([status.INVALID_ARGUMENT, "QUERY_BAD_PARAMETER"]);
    expect(time.details).toContain("GE_eventTime");
    const token = await refused(client.queryEvents, eventsReq({ pageToken: "garbage" }), tok.inspector);
    expect([token.code, suyuanCodeOf(token)]).toEqual([status.INVALID_ARGUMENT, "QUERY_BAD_PAGE_TOKEN"]);
    const depth = await refused(
      client.traceBackward,
      { identifier: ID.B1, maxDepth: 999, includeProofs: false },
      tok.inspector,
    );
    expect([depth.code, suyuanCodeOf(depth)]).toEqual([status.INVALID_ARGUMENT, "QUERY_BAD_DEPTH"]);
    const empty = await refused(client.recall, { lots: [], identifiers: [] }, tok.recall_officer);
    expect([empty.code, suyuanCodeOf(empty)]).toEqual([status.INVALID_ARGUMENT, "QUERY_BAD_PARAMETER"]);
  });

  it("Recall: the scope of mango lot M1 with holders and unit counts (recall.test.ts's hand-derived answer)", async () => {
    const { scope } = await call(
      client.recall,
      { lots: ["(01)10614141073464(10)M1"], identifiers: [] },
      tok.recall_officer,
    );
    expect(scope!.lots).toEqual([C(ID.M1)]);
    expect(scope!.units).toEqual([ID.CA1, ID.CA2, ID.CA3, ID.B1, ID.B2, ID.B3, ID.B4].map(C).sort());
    expect(scope!.containers).toEqual([C(ID.PA), C(ID.PM), C(ID.SC)].sort());
    expect(scope!.lotsDerived).toEqual([C(ID.J1)]);
    const holder = (loc: string, lname: string, party: string, pname: string, units: string[]): Holder => ({
      location: { id: C(loc), name: lname, owner: { id: C(party), name: pname } },
      party: { id: C(party), name: pname },
      units: units.map(C).sort(),
      unitCount: BigInt(units.length),
    });
    // B1 was sold: reported among the units, held by no one
    expect(scope!.holders).toEqual([
      holder(ID.store, "Store 12", ID.partyStore, "Retail Co", [ID.B2, ID.B3, ID.B4]),
      holder(ID.factory, "Juice factory", ID.partyFactory, "Juice Co", [ID.CA1, ID.CA2]),
      holder(ID.dc, "Guangzhou DC", ID.partyDc, "South DC Ltd", [ID.CA3]),
    ]);
    // an inspector may ask too
    await expect(call(client.recall, { lots: [ID.M1], identifiers: [] }, tok.inspector)).resolves.toBeDefined();
  });

  it("TraceBackward finds the farms' lots as origins; TraceForward gives holders within its depth", async () => {
    const back = await call(
      client.traceBackward,
      { identifier: ID.B1, maxDepth: 2, includeProofs: true },
      tok.inspector,
    );
    expect(back.identifier).toBe(C(ID.B1));
    expect(back.origins).toEqual([C(ID.M1), C(ID.M2)].sort());
    const juice = back.steps.find((s) => nameOf(s) === "juice")!;
    expect([juice.via, juice.viaIdentifier]).toEqual([ChainVia.INPUT, "urn:uuid:7b2e0000-0000-4000-8000-0000000000a1"]);
    expect(juice.location?.name).toBe("Juice factory");
    const cp = back.checkpoint!;
    for (const s of back.steps) {
      const ip = s.proof!.inclusionProof!;
      const record = (await b.store.getEntry(Number(ip.logIndex)))!.record;
      expect(verifyInclusion(leafHash(record), Number(ip.logIndex), Number(cp.size), ip.path, cp.rootHash)).toBe(true);
    }
    // one level: the transformation, not yet its inputs
    const shallow = await call(
      client.traceBackward,
      { identifier: ID.B1, maxDepth: 1, includeProofs: false },
      tok.inspector,
    );
    expect(shallow.origins).toEqual([]);

    // M2 one level forward: its cases CB1 (on the mixed pallet, at the factory) and CB2 (at the DC)
    const fwd1 = await call(
      client.traceForward,
      { identifier: ID.M2, maxDepth: 1, includeProofs: false },
      tok.recall_officer,
    );
    // (holders by units, then location id: the DC's GLN sorts before the factory's)
    expect(fwd1.holders.map((h) => [h.location?.id, h.units, h.unitCount])).toEqual([
      [C(ID.dc), [C(ID.CB2)], 1n],
      [C(ID.factory), [C(ID.CB1)], 1n],
    ]);
    const fwdNames = fwd1.steps.map((s) => nameOf(s));
    expect(fwdNames).toEqual(expect.arrayContaining(["commissionB", "juice"]));
    // unlimited: the bottles at the store too
    const fwd = await call(client.traceForward, { identifier: ID.M2, includeProofs: false }, tok.recall_officer);
    expect(fwd.holders.map((h) => [h.location?.id, h.unitCount])).toEqual([
      [C(ID.store), 3n],
      [C(ID.dc), 1n],
      [C(ID.factory), 1n],
    ]);
  });

  it("QueryEvents pages across two pages in event-time order, with proofs", async () => {
    const req = eventsReq({ eqBizStep: ["shipping"], pageSize: 3, includeProofs: true });
    const p1 = await call(client.queryEvents, req, tok.inspector);
    expect(p1.events.map((e) => nameOf(e))).toEqual(["shipPA", "shipPB", "shipPM"]);
    expect(p1.nextPageToken).not.toBe("");
    const p2 = await call(client.queryEvents, { ...req, pageToken: p1.nextPageToken }, tok.inspector);
    expect(p2.events.map((e) => nameOf(e))).toEqual(["palletBack", "shipSC"]);
    expect(p2.nextPageToken).toBe("");
    const cp = p2.checkpoint!;
    for (const q of p2.events) {
      const ip = q.proof!.inclusionProof!;
      const record = (await b.store.getEntry(Number(ip.logIndex)))!.record;
      expect(verifyInclusion(leafHash(record), Number(ip.logIndex), Number(cp.size), ip.path, cp.rootHash)).toBe(true);
      expect(q.event).toEqual(eventToProto(events()[nameOf(q)!]!));
    }
    // enum and typed parameters: DELETE aggregations, newest first
    const del = await call(
      client.queryEvents,
      eventsReq({ eventTypes: [EventType.AGGREGATION_EVENT], eqAction: [Action.DELETE], orderDirection: 2 }),
      tok.admin,
    );
    expect(del.events.map((e) => nameOf(e))).toEqual(["unpackSC", "takeCB1", "breakPA"]);
    const po = await call(
      client.queryEvents,
      eventsReq({ eqBizTransaction: [{ type: "po", values: ["urn:epcglobal:cbv:bt:0614141000053:PO-77"] }] }),
      tok.admin,
    );
    expect(po.events.map((e) => nameOf(e))).toEqual(["privateB9"]);
  });

  it("QueryEvents gives a partner only its own party's events, paged", async () => {
    const seen: string[] = [];
    let pageToken = "";
    for (let i = 0; i < 20; i++) {
      const page = await call(client.queryEvents, eventsReq({ pageSize: 2, pageToken }), tok.retail);
      expect(page.events.length).toBeLessThanOrEqual(2);
      seen.push(...page.events.map((e) => nameOf(e)!));
      pageToken = page.nextPageToken;
      if (pageToken === "") break;
    }
    // events at Store 12 (Retail Co's location); no event was submitted for Retail Co
    expect(seen).toEqual(["receiveStore", "unpackSC", "sellB1", "privateB9"]);
    const farmB = await call(client.queryEvents, eventsReq({ pageSize: 100 }), tok.farmB);
    expect(farmB.events.map((e) => nameOf(e)).sort()).toEqual(["commissionB", "harvestB", "packPB", "shipPB"].sort());
  });
});

describe("proto mapping", () => {
  it("names QueryEventsRequest fields as EPCIS 2.0 §8.2.7.1 parameters", () => {
    const p = queryParamsFromProto(
      eventsReq({
        eventTypes: [EventType.OBJECT_EVENT, EventType.TRANSFORMATION_EVENT],
        eqAction: [Action.ADD],
        matchAnyEpc: [ID.B1],
        eqSource: [
          { type: "owning_party", values: ["a"] },
          { type: "owning_party", values: ["b"] },
        ],
        eqBizTransaction: [{ type: "po", values: ["x"] }],
        existsErrorDeclaration: true,
        orderBy: "recordTime",
        orderDirection: 1,
        eventCountLimit: 7,
        pageSize: 5000,
        pageToken: "t",
      }),
    );
    expect(p).toEqual({
      eventType: ["ObjectEvent", "TransformationEvent"],
      EQ_action: ["ADD"],
      MATCH_anyEPC: [ID.B1],
      EQ_source_owning_party: ["a", "b"],
      EQ_bizTransaction_po: ["x"],
      EXISTS_errorDeclaration: true,
      orderBy: "recordTime",
      orderDirection: "ASC",
      eventCountLimit: 7,
      perPage: MAX_PAGE_SIZE,
      nextPageToken: "t",
    });
    expect(queryParamsFromProto(eventsReq({})).perPage).toBe(DEFAULT_PAGE_SIZE);
    expect(() => queryParamsFromProto(eventsReq({ eqSource: [{ type: " ", values: ["a"] }] }))).toThrow(
      expect.objectContaining({ code: "QUERY_BAD_PARAMETER", field: "eq_source" }),
    );
    expect(() => queryParamsFromProto(eventsReq({ eqPersistentDisposition: ["completeness_verified"] }))).toThrow(
      expect.objectContaining({ code: "QUERY_BAD_PARAMETER", field: "eq_persistent_disposition" }),
    );
  });

  it("maps the engine's via strings to ChainVia", () => {
    expect(viaToProto("self")).toEqual({ via: ChainVia.SELF, viaIdentifier: "" });
    expect(viaToProto("container:https://id.gs1.org/00/1")).toEqual({
      via: ChainVia.CONTAINER,
      viaIdentifier: "https://id.gs1.org/00/1",
    });
    expect(viaToProto("lot:L")).toEqual({ via: ChainVia.LOT, viaIdentifier: "L" });
    expect(viaToProto("input:urn:x:1")).toEqual({ via: ChainVia.INPUT, viaIdentifier: "urn:x:1" });
  });
});
