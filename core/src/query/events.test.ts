import type { EpcisEvent } from "@suyuan/proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QueryEngine } from "./engine.ts";
import type { EventQueryParams } from "./events.ts";
import { appendNamed, type Built, buildLedger, events, ID, mainOrder, masterData } from "./test-fixtures.ts";

let b: Built;
let q: QueryEngine;
const N = 27; // 26 main events + pressCB2

beforeAll(async () => {
  b = await buildLedger(mainOrder(3));
  const pressCB2: EpcisEvent = {
    type: "TransformationEvent",
    eventTime: "2024-06-10T08:00:00.000+08:00",
    eventTimeZoneOffset: "+08:00",
    inputEPCList: [ID.CB2],
    outputQuantityList: [{ epcClass: "urn:epc:class:lgtin:0614141.207346.J2", quantity: 10, uom: "LTR" }],
    bizStep: "commissioning",
    readPoint: { id: ID.factory },
    bizLocation: { id: ID.factory },
  };
  await appendNamed(b, "pressCB2", { ...events(), pressCB2 });
  q = new QueryEngine({ store: b.store, ledger: b.log, master: masterData() });
});
afterAll(async () => {
  await b.log.close();
});

async function names(p: EventQueryParams): Promise<string[]> {
  const r = await q.queryEvents(p);
  return r.events.map((e) => b.nameAt.get(e.index)!);
}
const sorted = async (p: EventQueryParams) => (await names(p)).sort();
const recordTimeAt = (i: number) => new Date(Date.UTC(2024, 5, 20, 0, 0, i)).toISOString();

describe("queryEvents (EPCIS 2.0 §8.2.7.1 SimpleEventQuery)", () => {
  // Each parameter: the events that match, by hand from the fixture; every other event does not.
  const cases: Array<[string, EventQueryParams, string[]]> = [
    ["eventType", { eventType: "TransformationEvent" }, ["juice", "pressCB2"]],
    [
      "eventType list",
      { eventType: ["TransformationEvent", "AggregationEvent"] },
      [
        "juice",
        "pressCB2",
        "packPA",
        "packPB",
        "breakPA",
        "takeCB1",
        "packPM",
        "wrongPack",
        "declareWrongPack",
        "packSC",
        "unpackSC",
      ],
    ],
    ["GE_eventTime", { GE_eventTime: "2024-06-09T00:00:00+08:00" }, ["sellB1", "pressCB2"]],
    ["LT_eventTime", { LT_eventTime: "2024-06-01T06:30:00+08:00" }, ["harvestA"]],
    ["EQ_action", { EQ_action: "DELETE" }, ["breakPA", "takeCB1", "unpackSC"]],
    [
      "EQ_bizStep (URN spelling)",
      { EQ_bizStep: "urn:epcglobal:cbv:bizstep:receiving" },
      ["receiveDc", "receiveFactory", "receiveStore"],
    ],
    ["EQ_bizStep (bare word)", { EQ_bizStep: "inspecting" }, ["inspectJ1"]],
    ["EQ_disposition", { EQ_disposition: "https://ref.gs1.org/cbv/Disp-retail_sold" }, ["sellB1"]],
    [
      "EQ_disposition in_transit",
      { EQ_disposition: "in_transit" },
      ["shipPA", "shipPB", "palletBack", "shipPM", "shipSC"],
    ],
    ["EQ_readPoint", { EQ_readPoint: ID.coldRoom }, ["sensorM1"]],
    [
      "EQ_readPoint (Digital Link form)",
      { EQ_readPoint: "https://id.gs1.org/414/0614141000012" },
      ["harvestA", "commissionA", "packPA", "shipPA"],
    ],
    [
      "WD_readPoint (with the cold room below farm A)",
      { WD_readPoint: ID.farmA },
      ["harvestA", "commissionA", "packPA", "shipPA", "sensorM1"],
    ],
    ["EQ_bizLocation", { EQ_bizLocation: ID.farmB }, ["harvestB", "commissionB", "packPB", "shipPB"]],
    [
      "WD_bizLocation (no children: as EQ)",
      { WD_bizLocation: ID.farmB },
      ["harvestB", "commissionB", "packPB", "shipPB"],
    ],
    [
      "MATCH_epc (element string)",
      { MATCH_epc: "(01)10614141073464(21)CA3" },
      ["commissionA", "packPA", "wrongPack", "declareWrongPack", "fixStore"],
    ],
    ["MATCH_epc (pattern)", { MATCH_epc: "urn:epc:idpat:sgtin:0614141.207346.*" }, ["packSC", "sellB1"]],
    ["MATCH_parentID", { MATCH_parentID: ID.PB }, ["packPB", "takeCB1"]],
    ["MATCH_inputEPC", { MATCH_inputEPC: ID.CB2 }, ["pressCB2"]],
    ["MATCH_outputEPC", { MATCH_outputEPC: ID.B3 }, ["juice"]],
    ["MATCH_anyEPC", { MATCH_anyEPC: ID.SC }, ["packSC", "shipSC", "receiveStore", "unpackSC"]],
    ["MATCH_epcClass", { MATCH_epcClass: ID.M1 }, ["harvestA", "sensorM1"]],
    [
      "MATCH_epcClass (GTIN pattern: every lot)",
      { MATCH_epcClass: "urn:epc:idpat:sgtin:0614141.107346.*" },
      ["harvestA", "harvestB", "sensorM1"],
    ],
    ["MATCH_inputEPCClass", { MATCH_inputEPCClass: ID.M2 }, ["juice"]],
    ["MATCH_outputEPCClass", { MATCH_outputEPCClass: "urn:epc:class:lgtin:0614141.207346.J2" }, ["pressCB2"]],
    ["MATCH_anyEPCClass", { MATCH_anyEPCClass: ID.M1 }, ["harvestA", "sensorM1", "juice"]],
    ["EQ_bizTransaction_inv", { EQ_bizTransaction_inv: "urn:epcglobal:cbv:bt:0614141000053:R-1001" }, ["sellB1"]],
    ["EQ_bizTransaction_po (other type)", { EQ_bizTransaction_po: "urn:epcglobal:cbv:bt:0614141000053:R-1001" }, []],
    ["EQ_source_location", { EQ_source_location: ID.dc }, ["palletBack", "shipPM"]],
    ["EQ_destination_<URN type>", { "EQ_destination_urn:epcglobal:cbv:sdt:location": ID.factory }, ["shipPM"]],
    ["EQ_eventID (eventID)", { EQ_eventID: "urn:uuid:6a1e2f3c-0000-4000-8000-000000000002" }, ["fixStore"]],
    [
      "EQ_eventID (shared by a declaration)",
      { EQ_eventID: "urn:uuid:6a1e2f3c-0000-4000-8000-000000000001" },
      ["wrongPack", "declareWrongPack"],
    ],
    ["EXISTS_errorDeclaration", { EXISTS_errorDeclaration: true }, ["declareWrongPack"]],
    ["EQ_errorReason", { EQ_errorReason: "incorrect_data" }, ["declareWrongPack"]],
    [
      "EQ_correctiveEventID",
      { EQ_correctiveEventID: "urn:uuid:6a1e2f3c-0000-4000-8000-000000000002" },
      ["declareWrongPack"],
    ],
    ["two parameters (AND)", { EQ_bizLocation: ID.dc, EQ_action: "ADD" }, ["packPM", "wrongPack", "declareWrongPack"]],
    ["values as a |-list", { EQ_bizStep: "retail_selling|inspecting" }, ["inspectJ1", "sellB1"]],
  ];
  for (const [label, params, expected] of cases) {
    it(label, async () => {
      expect(await sorted(params)).toEqual([...expected].sort());
    });
  }

  it("EQ_eventID by CBV 2.0 hash ID", async () => {
    expect(await names({ EQ_eventID: b.hashOf.get("sellB1")! })).toEqual(["sellB1"]);
  });

  it("GE_recordTime / LT_recordTime select by arrival", async () => {
    const last = b.indexOf.get("pressCB2")!;
    expect(await names({ GE_recordTime: recordTimeAt(last) })).toEqual(["pressCB2"]);
    const first = [...b.indexOf].find(([, i]) => i === 0)![0];
    expect(await names({ LT_recordTime: recordTimeAt(1) })).toEqual([first]);
  });

  it("orders by eventTime or recordTime; orderDirection defaults to DESC once orderBy is given; eventCountLimit", async () => {
    expect(await names({ orderBy: "eventTime", orderDirection: "ASC", eventCountLimit: 2 })).toEqual([
      "harvestA",
      "harvestB",
    ]);
    expect(await names({ orderBy: "eventTime", eventCountLimit: 2 })).toEqual(["pressCB2", "sellB1"]);
    expect(await names({ orderBy: "recordTime", eventCountLimit: 1 })).toEqual(["pressCB2"]);
    // without orderBy: event time ascending
    const all = await names({});
    expect(all).toHaveLength(N);
    expect(all.slice(0, 3)).toEqual(["harvestA", "harvestB", "commissionA"]);
    // an index-picked query orders the same way
    expect(await names({ MATCH_anyEPC: ID.SC, orderBy: "eventTime", orderDirection: "ASC" })).toEqual([
      "packSC",
      "shipSC",
      "receiveStore",
      "unpackSC",
    ]);
  });

  it("pages with perPage and an opaque nextPageToken, without gaps or repeats", async () => {
    for (const base of [
      {},
      { orderBy: "eventTime" },
      { EQ_bizLocation: ID.dc, orderBy: "recordTime" },
    ] as EventQueryParams[]) {
      const whole = await names(base);
      const paged: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const r = await q.queryEvents({ ...base, perPage: 4, ...(token ? { nextPageToken: token } : {}) });
        expect(r.events.length).toBeLessThanOrEqual(4);
        paged.push(...r.events.map((e) => b.nameAt.get(e.index)!));
        token = r.nextPageToken;
        pages++;
      } while (token !== undefined && pages < 20);
      expect(paged).toEqual(whole);
      expect(pages).toBe(Math.max(1, Math.ceil(whole.length / 4)));
    }
  });

  it("refuses a page token from another query, or forged", async () => {
    const r = await q.queryEvents({ perPage: 2 });
    await expect(q.queryEvents({ perPage: 2, EQ_action: "ADD", nextPageToken: r.nextPageToken })).rejects.toMatchObject(
      {
        code: "QUERY_BAD_PAGE_TOKEN",
      },
    );
    await expect(q.queryEvents({ perPage: 2, nextPageToken: "not-a-token" })).rejects.toMatchObject({
      code: "QUERY_BAD_PAGE_TOKEN",
    });
  });

  it("refuses unknown parameters and bad values with the parameter named", async () => {
    await expect(q.queryEvents({ EQ_colour: "red" })).rejects.toMatchObject({
      code: "QUERY_BAD_PARAMETER",
      field: "EQ_colour",
    });
    await expect(q.queryEvents({ GE_eventTime: "last week" })).rejects.toMatchObject({ field: "GE_eventTime" });
    await expect(q.queryEvents({ EQ_action: "MOVE" })).rejects.toMatchObject({ field: "EQ_action" });
    await expect(q.queryEvents({ orderBy: "bizStep" })).rejects.toMatchObject({ field: "orderBy" });
    await expect(q.queryEvents({ perPage: 0 })).rejects.toMatchObject({ field: "perPage" });
  });

  it("refuses an answer beyond maxEventCount (QueryTooLargeException)", async () => {
    await expect(q.queryEvents({ EQ_action: "DELETE", maxEventCount: 2 })).rejects.toMatchObject({
      code: "QUERY_TOO_LARGE",
    });
    expect((await q.queryEvents({ EQ_action: "DELETE", maxEventCount: 3 })).events).toHaveLength(3);
  });

  it("sees events appended after the engine was made", async () => {
    const late = events().late!;
    await appendNamed(b, "late", { late });
    expect(await names({ MATCH_epc: ID.B2, EQ_action: "DELETE" })).toEqual(["late"]);
  });
});

// keep the fixture order honest: the main ledger holds every fixture event but `late`
it("fixture sanity", () => {
  expect(mainOrder()).toHaveLength(26);
});
