// EPCIS 2.0 REST binding against a real core: capture via POST /capture, then the
// SimpleEventQuery parameters' semantics (EPCIS 2.0 §8.2.7.1), each with matching and
// non-matching events of a known ledger; paging, version headers, EPC formats, problems.
import { parseCode, parseEpcisDocument } from "@suyuan/proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HttpFixture, httpFixture, PARTY_A, waitForJob } from "./test-fixture.ts";

const S1 = "urn:epc:id:sgtin:4012345.012345.1001";
const S2 = "urn:epc:id:sgtin:4012345.012345.1002";
const S3 = "urn:epc:id:sgtin:4012345.011111.3001";
const S4 = "urn:epc:id:sgtin:4012345.022222.4001";
const P = "urn:epc:id:sscc:4012345.0000000001";
const L1 = "urn:epc:class:lgtin:4012345.012345.L1";
const LOC = {
  A: "urn:epc:id:sgln:4012345.00001.0",
  B: "urn:epc:id:sgln:4012345.00002.0",
  C: "urn:epc:id:sgln:4012345.00003.0",
  D: "urn:epc:id:sgln:4012345.00004.0",
};
const PARTY_B = "urn:epc:id:pgln:4012345.00002";
const PO = "urn:epcglobal:cbv:bt:4012345000009:PO-1";
const E2_ID = "urn:uuid:6c7a2d9e-0000-4000-8000-000000000002";

// Each event has its own eventTime: answers are read back as names through it.
const TIMES: Record<string, string> = {
  E1: "2024-01-01T10:00:00.000Z",
  E2: "2024-01-02T10:00:00.000Z",
  E3: "2024-01-03T10:00:00.000Z",
  E4: "2024-01-04T10:00:00.000Z",
  E5: "2024-01-05T10:00:00.000Z",
  E6: "2024-01-06T10:00:00.000Z",
};
const NAME_OF = new Map(Object.entries(TIMES).map(([k, v]) => [v, k]));

const base = { eventTimeZoneOffset: "+00:00" };
const loc = (id: string) => ({ readPoint: { id }, bizLocation: { id } });

const DOC1_EVENTS = [
  {
    type: "ObjectEvent",
    eventTime: TIMES.E1,
    ...base,
    epcList: [S1, S2],
    action: "ADD",
    bizStep: "commissioning",
    disposition: "active",
    ...loc(LOC.A),
  },
  {
    type: "AggregationEvent",
    eventID: E2_ID,
    eventTime: TIMES.E2,
    ...base,
    parentID: P,
    childEPCs: [S1, S2],
    action: "ADD",
    bizStep: "packing",
    ...loc(LOC.A),
  },
  {
    type: "ObjectEvent",
    eventTime: TIMES.E3,
    ...base,
    epcList: [P],
    action: "OBSERVE",
    bizStep: "shipping",
    disposition: "in_transit",
    readPoint: { id: LOC.A },
    bizTransactionList: [{ type: "po", bizTransaction: PO }],
    sourceList: [{ type: "owning_party", source: PARTY_A }],
    destinationList: [{ type: "owning_party", destination: PARTY_B }],
  },
];
const DOC2_EVENTS = [
  {
    type: "TransformationEvent",
    eventTime: TIMES.E4,
    ...base,
    inputEPCList: [S3],
    outputEPCList: [S4],
    ...loc(LOC.B),
  },
  {
    type: "ObjectEvent",
    eventTime: TIMES.E5,
    ...base,
    epcList: [],
    quantityList: [{ epcClass: L1, quantity: 10 }],
    action: "OBSERVE",
    bizStep: "receiving",
    disposition: "in_progress",
    ...loc(LOC.C),
  },
  {
    type: "ObjectEvent",
    eventTime: TIMES.E6,
    ...base,
    epcList: [S2],
    action: "OBSERVE",
    bizStep: "retail_selling",
    disposition: "retail_sold",
    ...loc(LOC.D),
    errorDeclaration: { declarationTime: "2024-01-07T00:00:00.000Z", reason: "incorrect_data" },
  },
];

function jsonLdDoc(events: unknown[]): string {
  return JSON.stringify({
    "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
    type: "EPCISDocument",
    schemaVersion: "2.0",
    creationDate: "2025-01-01T00:00:00.000Z",
    epcisBody: { eventList: events },
  });
}

let f: HttpFixture;
const T1 = Date.parse("2025-03-01T00:00:00.000Z");
const T2 = Date.parse("2025-03-02T12:00:00.000Z");

async function capture(body: string, headers: Record<string, string> = {}, as: "admin" | "partner" = "admin") {
  return f.call("/capture", {
    method: "POST",
    body,
    as,
    headers: { "content-type": "application/ld+json", ...headers },
  });
}

interface QueryAnswer {
  epcisBody: { queryResults: { resultsBody: { eventList: Array<Record<string, unknown>> } } };
}

async function names(query: string, init: Parameters<HttpFixture["call"]>[1] = {}): Promise<string[]> {
  const r = await f.call(`/events${query}`, { as: "inspector", ...init });
  expect(r.status, await r.clone().text()).toBe(200);
  const doc = (await r.json()) as QueryAnswer;
  return doc.epcisBody.queryResults.resultsBody.eventList.map((e) => NAME_OF.get(e.eventTime as string) ?? "?");
}

beforeAll(async () => {
  f = await httpFixture();
  f.clock.ms = T1;
  const r1 = await capture(jsonLdDoc(DOC1_EVENTS));
  expect(r1.status, await r1.clone().text()).toBe(202);
  expect((await waitForJob(f, r1.headers.get("location")!)).success).toBe(true);
  f.clock.ms = T2;
  const r2 = await capture(jsonLdDoc(DOC2_EVENTS));
  expect(r2.status, await r2.clone().text()).toBe(202);
  expect((await waitForJob(f, r2.headers.get("location")!)).success).toBe(true);
});

afterAll(async () => {
  await f?.close();
});

describe("GET /events: SimpleEventQuery parameters (EPCIS 2.0 §8.2.7.1)", () => {
  const ALL = ["E1", "E2", "E3", "E4", "E5", "E6"];
  const enc = encodeURIComponent;
  const cases: Array<[string, string, string[]]> = [
    ["no parameters: every event, eventTime ascending", "", ALL],
    ["eventType", "eventType=AggregationEvent", ["E2"]],
    ["eventType list", "eventType=TransformationEvent|AggregationEvent", ["E2", "E4"]],
    ["GE_eventTime (inclusive)", `GE_eventTime=${enc(TIMES.E4!)}`, ["E4", "E5", "E6"]],
    ["LT_eventTime (exclusive)", `LT_eventTime=${enc(TIMES.E2!)}`, ["E1"]],
    ["GE_eventTime with an offset", `GE_eventTime=${enc("2024-01-05T12:00:00+02:00")}`, ["E5", "E6"]],
    ["GE_recordTime", `GE_recordTime=${enc("2025-03-02T00:00:00Z")}`, ["E4", "E5", "E6"]],
    ["LT_recordTime", `LT_recordTime=${enc("2025-03-02T00:00:00Z")}`, ["E1", "E2", "E3"]],
    ["EQ_action", "EQ_action=ADD", ["E1", "E2"]],
    ["EQ_bizStep (bare word)", "EQ_bizStep=shipping", ["E3"]],
    ["EQ_bizStep (URN form)", `EQ_bizStep=${enc("urn:epcglobal:cbv:bizstep:packing")}`, ["E2"]],
    ["EQ_disposition (Web URI form)", `EQ_disposition=${enc("https://ref.gs1.org/cbv/Disp-retail_sold")}`, ["E6"]],
    ["EQ_readPoint", `EQ_readPoint=${enc(LOC.A)}`, ["E1", "E2", "E3"]],
    ["EQ_bizLocation", `EQ_bizLocation=${enc(LOC.B)}`, ["E4"]],
    ["WD_bizLocation (the location itself)", `WD_bizLocation=${enc(LOC.C)}`, ["E5"]],
    ["MATCH_epc (epcList and childEPCs)", `MATCH_epc=${enc(S1)}`, ["E1", "E2"]],
    ["MATCH_epc in another code form", `MATCH_epc=${enc(parseCode(S2).canonical)}`, ["E1", "E2", "E6"]],
    ["MATCH_epc pattern (TDS idpat)", `MATCH_epc=${enc("urn:epc:idpat:sgtin:4012345.022222.*")}`, []],
    ["MATCH_parentID", `MATCH_parentID=${enc(P)}`, ["E2"]],
    ["MATCH_inputEPC", `MATCH_inputEPC=${enc(S3)}`, ["E4"]],
    ["MATCH_outputEPC", `MATCH_outputEPC=${enc(S4)}`, ["E4"]],
    ["MATCH_anyEPC", `MATCH_anyEPC=${enc(P)}`, ["E2", "E3"]],
    ["MATCH_anyEPC (transformation input)", `MATCH_anyEPC=${enc(S3)}`, ["E4"]],
    ["MATCH_epcClass", `MATCH_epcClass=${enc(L1)}`, ["E5"]],
    ["EQ_bizTransaction_po", `EQ_bizTransaction_po=${enc(PO)}`, ["E3"]],
    ["EQ_bizTransaction_po, other number", `EQ_bizTransaction_po=${enc(`${PO}9`)}`, []],
    ["EQ_bizTransaction of another type", `EQ_bizTransaction_inv=${enc(PO)}`, []],
    ["EQ_source_owning_party", `EQ_source_owning_party=${enc(PARTY_A)}`, ["E3"]],
    ["EQ_source of the destination party", `EQ_source_owning_party=${enc(PARTY_B)}`, []],
    ["EQ_destination_owning_party", `EQ_destination_owning_party=${enc(PARTY_B)}`, ["E3"]],
    ["EQ_eventID", `EQ_eventID=${enc(E2_ID)}`, ["E2"]],
    ["EXISTS_errorDeclaration", "EXISTS_errorDeclaration=true", ["E6"]],
    ["orderBy eventTime DESC", "orderBy=eventTime&orderDirection=DESC", [...ALL].reverse()],
    ["orderBy given: DESC by default", "orderBy=eventTime", [...ALL].reverse()],
    [
      "orderBy recordTime ASC",
      "orderBy=recordTime&orderDirection=ASC&GE_recordTime=2025-03-02T00:00:00Z",
      ["E4", "E5", "E6"],
    ],
    ["eventCountLimit", "eventCountLimit=2", ["E1", "E2"]],
    ["combined: ObjectEvent at A", `eventType=ObjectEvent&EQ_readPoint=${enc(LOC.A)}`, ["E1", "E3"]],
  ];
  for (const [what, query, want] of cases) {
    it(what, async () => {
      expect(await names(query === "" ? "" : `?${query}`)).toEqual(want);
    });
  }

  it("WD_bizLocation / WD_readPoint include the descendants master data lists; EQ_ does not", async () => {
    // Master data: C is a location inside B (its parent).
    await f.core.master.putLocation({ id: LOC.B, name: "Site B" });
    await f.core.master.putLocation({ id: LOC.C, name: "Room C in B", parent: LOC.B });
    expect(await names(`?WD_bizLocation=${enc(LOC.B)}`)).toEqual(["E4", "E5"]);
    expect(await names(`?WD_readPoint=${enc(LOC.B)}`)).toEqual(["E4", "E5"]);
    expect(await names(`?EQ_bizLocation=${enc(LOC.B)}`)).toEqual(["E4"]);
    // Descendants, not ancestors.
    expect(await names(`?WD_bizLocation=${enc(LOC.C)}`)).toEqual(["E5"]);
  });

  it("pages with perPage and nextPageToken (Link rel=next and GS1-Next-Page-Token)", async () => {
    const seen: string[] = [];
    let path: string | undefined = "/events?perPage=2";
    let pages = 0;
    while (path !== undefined) {
      const r = await f.call(path, { as: "inspector" });
      expect(r.status).toBe(200);
      const doc = (await r.json()) as QueryAnswer;
      seen.push(...doc.epcisBody.queryResults.resultsBody.eventList.map((e) => NAME_OF.get(e.eventTime as string)!));
      pages++;
      const link = r.headers.get("link");
      const token = r.headers.get("gs1-next-page-token");
      if (link === null) {
        expect(token).toBeNull();
        path = undefined;
      } else {
        const m = /^<([^>]+)>; rel="next"$/.exec(link);
        expect(m).not.toBeNull();
        expect(new URL(m![1]!, f.url).searchParams.get("nextPageToken")).toBe(token);
        path = m![1];
      }
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(["E1", "E2", "E3", "E4", "E5", "E6"]);
  });

  it("refuses a page token replayed with other parameters", async () => {
    const r = await f.call("/events?perPage=2", { as: "inspector" });
    const token = r.headers.get("gs1-next-page-token")!;
    const r2 = await f.call(`/events?perPage=2&eventType=ObjectEvent&nextPageToken=${token}`, { as: "inspector" });
    expect(r2.status).toBe(400);
    expect(((await r2.json()) as { code: string }).code).toBe("QUERY_BAD_PAGE_TOKEN");
  });

  it("answers problem documents for bad parameters", async () => {
    for (const [query, code, field] of [
      ["GE_eventTime=yesterday", "QUERY_BAD_PARAMETER", "GE_eventTime"],
      ["EQ_action=MAYBE", "QUERY_BAD_PARAMETER", "EQ_action"],
      ["perPage=0", "QUERY_BAD_PARAMETER", "perPage"],
      ["perPage=99999", "QUERY_BAD_PARAMETER", "perPage"],
      ["orderBy=bizStep", "QUERY_BAD_PARAMETER", "orderBy"],
      ["madeUp=1", "QUERY_BAD_PARAMETER", "madeUp"],
      ["nextPageToken=garbage", "QUERY_BAD_PAGE_TOKEN", "nextPageToken"],
    ] as const) {
      const r = await f.call(`/events?${query}`, { as: "inspector" });
      expect(r.status, query).toBe(400);
      expect(r.headers.get("content-type")).toBe("application/problem+json");
      const p = (await r.json()) as Record<string, unknown>;
      expect(p, query).toMatchObject({
        type: `https://suyuan.dev/problems/${code}`,
        status: 400,
        code,
        field,
      });
      expect(typeof p.title).toBe("string");
      expect(typeof p.detail).toBe("string");
    }
  });

  it("needs a token with a query role", async () => {
    const anon = await f.call("/events");
    expect(anon.status).toBe(401);
    expect(((await anon.json()) as { code: string }).code).toBe("AUTH_MISSING_TOKEN");
    const bad = await f.call("/events", { headers: { authorization: "Bearer sy_0000000000000000.x" } });
    expect(bad.status).toBe(401);
    expect(((await bad.json()) as { code: string }).code).toBe("AUTH_BAD_TOKEN");
  });
});

describe("GS1-EPC-Format and answer syntax", () => {
  it("writes GS1 Digital Links by default, EPC URNs or as captured on request", async () => {
    const q = `/events?EQ_eventID=${encodeURIComponent(E2_ID)}`;
    const get = async (format?: string) => {
      const r = await f.call(q, { as: "inspector", ...(format ? { headers: { "GS1-EPC-Format": format } } : {}) });
      expect(r.status).toBe(200);
      const ev = ((await r.json()) as QueryAnswer).epcisBody.queryResults.resultsBody.eventList[0]!;
      return { parent: ev.parentID, children: ev.childEPCs, loc: (ev.readPoint as { id: string }).id };
    };
    const dl = await get();
    expect(dl.parent).toBe(parseCode(P).canonical);
    expect(dl.children).toEqual([parseCode(S1).canonical, parseCode(S2).canonical]);
    expect(dl.loc).toBe(parseCode(LOC.A).canonical);
    expect(dl.parent).toMatch(/^https:\/\/id\.gs1\.org\/00\//);
    expect(await get("Always_EPC_URN")).toEqual({ parent: P, children: [S1, S2], loc: LOC.A });
    expect(await get("Never_Translates")).toEqual({ parent: P, children: [S1, S2], loc: LOC.A });
    const bad = await f.call(q, { as: "inspector", headers: { "GS1-EPC-Format": "Sometimes" } });
    expect(bad.status).toBe(400);
  });

  it("answers XML when Accept asks for it, and 406 for a syntax it does not write", async () => {
    const r = await f.call("/events?eventType=AggregationEvent", {
      as: "inspector",
      headers: { accept: "application/xml" },
    });
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/^application\/xml/);
    const doc = parseEpcisDocument(await r.text());
    expect(doc.kind).toBe("EPCISQueryDocument");
    expect(doc.events.map((e) => e.type)).toEqual(["AggregationEvent"]);
    const html = await f.call("/events", { as: "inspector", headers: { accept: "text/html" } });
    expect(html.status).toBe(406);
  });

  it("adds recordTime and an eventID to every answered event", async () => {
    const r = await f.call("/events?eventType=TransformationEvent", { as: "inspector" });
    const ev = ((await r.json()) as QueryAnswer).epcisBody.queryResults.resultsBody.eventList[0]!;
    expect(ev.recordTime).toBe(new Date(T2).toISOString());
    expect(ev.eventID).toMatch(/^ni:\/\/\/sha-256;[0-9a-f]{64}\?ver=CBV2\.0$/);
  });
});

describe("GET /events/{eventID} and /epcs/{epc}/events", () => {
  it("finds one event by eventID and by its event hash", async () => {
    const r = await f.call(`/events/${encodeURIComponent(E2_ID)}`, { as: "inspector" });
    expect(r.status).toBe(200);
    const list = ((await r.json()) as QueryAnswer).epcisBody.queryResults.resultsBody.eventList;
    expect(list.map((e) => NAME_OF.get(e.eventTime as string))).toEqual(["E2"]);
    const hashed = await f.call("/events?eventType=TransformationEvent", { as: "inspector" });
    const id = ((await hashed.json()) as QueryAnswer).epcisBody.queryResults.resultsBody.eventList[0]!
      .eventID as string;
    const r2 = await f.call(`/events/${encodeURIComponent(id)}`, { as: "inspector" });
    expect(r2.status).toBe(200);
    const missing = await f.call(`/events/${encodeURIComponent("urn:uuid:00000000-0000-4000-8000-000000000000")}`, {
      as: "inspector",
    });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { code: string }).code).toBe("EVENT_NOT_FOUND");
  });

  it("lists an EPC's events in any code form", async () => {
    for (const form of [P, parseCode(P).canonical]) {
      const r = await f.call(`/epcs/${encodeURIComponent(form)}/events`, { as: "inspector" });
      expect(r.status).toBe(200);
      const list = ((await r.json()) as QueryAnswer).epcisBody.queryResults.resultsBody.eventList;
      expect(list.map((e) => NAME_OF.get(e.eventTime as string))).toEqual(["E2", "E3"]);
    }
    const r = await f.call(`/epcs/${encodeURIComponent(S1)}/events?eventType=ObjectEvent`, { as: "inspector" });
    const list = ((await r.json()) as QueryAnswer).epcisBody.queryResults.resultsBody.eventList;
    expect(list.map((e) => NAME_OF.get(e.eventTime as string))).toEqual(["E1"]);
  });
});

describe("POST /capture", () => {
  const t = (d: number) => `2024-02-0${d}T08:00:00.000Z`;
  const valid = (time: string) => ({
    type: "ObjectEvent",
    eventTime: time,
    ...base,
    epcList: ["urn:epc:id:sgtin:4012345.012345.7001"],
    action: "OBSERVE",
    bizStep: "inspecting",
    ...loc(LOC.A),
  });
  const invalid = (time: string) => ({ ...valid(time), bizStep: "https://ref.gs1.org/cbv/BizStep-made_up" });
  const count = async (time: string) =>
    (
      await names(
        `?GE_eventTime=${encodeURIComponent(time)}&LT_eventTime=${encodeURIComponent(new Date(Date.parse(time) + 1).toISOString())}`,
      )
    ).length;

  it("rollback (the default): a document with one bad event is refused whole with a 400 problem", async () => {
    const r = await capture(jsonLdDoc([valid(t(1)), invalid(t(2))]));
    expect(r.status).toBe(400);
    const p = (await r.json()) as { code: string; field: string };
    expect(p.code).toBe("EPCIS_NOT_CBV");
    expect(p.field).toMatch(/eventList\[1\]\.bizStep$/);
    expect(await count(t(1))).toBe(0);
  });

  it("proceed: the good events are stored and the job lists the bad one", async () => {
    const r = await capture(jsonLdDoc([valid(t(3)), invalid(t(4))]), { "GS1-Capture-Error-Behaviour": "proceed" });
    expect(r.status).toBe(202);
    expect(r.headers.get("gs1-capture-error-behaviour")).toBe("proceed");
    const job = (await waitForJob(f, r.headers.get("location")!)) as Awaited<ReturnType<typeof waitForJob>> & {
      captureErrorBehaviour: string;
      accepted: number;
      finishedAt: string;
      errors: Array<{ code: string; field?: string; eventIndex?: number; status: number; type: string }>;
    };
    expect(job).toMatchObject({ success: false, captureErrorBehaviour: "proceed", accepted: 1 });
    expect(job.errors).toHaveLength(1);
    expect(job.errors[0]).toMatchObject({ code: "EPCIS_NOT_CBV", eventIndex: 1, status: 400 });
    expect(job.errors[0]!.type).toBe("https://suyuan.dev/problems/EPCIS_NOT_CBV");
    expect(typeof job.finishedAt).toBe("string");
    expect(await count(t(3))).toBe(1);
    expect(await count(t(4))).toBe(0);
  });

  it("rollback of a document the policy refuses in part: nothing stored, the job says why", async () => {
    // A partner may write only at its own party's locations (issue 3 §1): D is nobody's.
    const own = { ...valid(t(5)), ...loc(LOC.D) };
    await f.core.master.putLocation({ id: LOC.A, name: "Site A", party: PARTY_A });
    const r = await capture(jsonLdDoc([valid(t(6)), own]), {}, "partner");
    expect(r.status).toBe(202);
    const job = await waitForJob(f, r.headers.get("location")!, "partner");
    expect(job.success).toBe(false);
    expect(job.errors.map((e) => e.code)).toContain("CAPTURE_ROLLED_BACK");
    expect(job.errors.some((e) => e.code !== "CAPTURE_ROLLED_BACK")).toBe(true);
    expect(await count(t(6))).toBe(0);
  });

  it("capture jobs: Location, persisted in meta, visible to their submitter only", async () => {
    const r = await capture(jsonLdDoc([valid(t(7))]), {}, "partner");
    expect(r.status).toBe(202);
    const location = r.headers.get("location")!;
    expect(location).toMatch(/^\/capture\/[0-9a-f-]{36}$/);
    const job = await waitForJob(f, location, "partner");
    expect(job.success).toBe(true);
    const id = location.slice("/capture/".length);
    expect(await f.core.store.getMeta(`http:capture:${id}`)).toBeDefined();
    const other = await f.call(location, { as: "inspector" });
    expect(other.status).toBe(403);
    const admin = await f.call(location, { as: "admin" });
    expect(admin.status).toBe(200);
    const unknown = await f.call("/capture/00000000-0000-4000-8000-000000000000", { as: "admin" });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { code: string }).code).toBe("CAPTURE_JOB_NOT_FOUND");
    const list = await f.call("/capture", { as: "partner" });
    const jobs = (await list.json()) as Array<{ captureID: string }>;
    expect(jobs.map((j) => j.captureID)).toContain(id);
  });

  it("a job still running when the answer goes out finishes later", async () => {
    const slow = await httpFixture({ captureWaitMs: 0 });
    try {
      const r = await slow.call("/capture", {
        method: "POST",
        as: "admin",
        body: jsonLdDoc([valid(t(8))]),
        headers: { "content-type": "application/json" },
      });
      expect(r.status).toBe(202);
      const job = await waitForJob(slow, r.headers.get("location")!);
      expect(job.success).toBe(true);
    } finally {
      await slow.close();
    }
  });

  it("takes XML", async () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" schemaVersion="2.0" creationDate="2025-01-01T00:00:00Z">
  <EPCISBody><EventList><ObjectEvent>
    <eventTime>${t(9)}</eventTime><eventTimeZoneOffset>+00:00</eventTimeZoneOffset>
    <epcList><epc>urn:epc:id:sgtin:4012345.012345.9001</epc></epcList>
    <action>OBSERVE</action><bizStep>urn:epcglobal:cbv:bizstep:inspecting</bizStep>
  </ObjectEvent></EventList></EPCISBody>
</epcis:EPCISDocument>`;
    const r = await capture(xml, { "content-type": "application/xml" });
    expect(r.status, await r.clone().text()).toBe(202);
    expect((await waitForJob(f, r.headers.get("location")!)).success).toBe(true);
    expect(await count(t(9))).toBe(1);
  });

  it("refuses whole documents with problem documents", async () => {
    const cases: Array<[string, Record<string, string>, "admin" | "partner" | undefined, number, string]> = [
      ["{not json", {}, "admin", 400, "EPCIS_"],
      ["", {}, "admin", 400, "EPCIS_EMPTY_DOCUMENT"],
      [jsonLdDoc([valid(t(1))]), { "content-type": "text/plain" }, "admin", 415, "HTTP_UNSUPPORTED_MEDIA_TYPE"],
      [jsonLdDoc([valid(t(1))]), { "GS1-Capture-Error-Behaviour": "sometimes" }, "admin", 400, "HTTP_BAD_REQUEST"],
      [jsonLdDoc([valid(t(1))]), {}, undefined, 401, "AUTH_MISSING_TOKEN"],
      [JSON.stringify({ ...JSON.parse(jsonLdDoc([])), type: "EPCISQueryDocument" }), {}, "admin", 400, "EPCIS_"],
    ];
    for (const [body, headers, as, status, code] of cases) {
      const r = await f.call("/capture", {
        method: "POST",
        body,
        ...(as === undefined ? {} : { as }),
        headers: { "content-type": "application/ld+json", ...headers },
      });
      expect(r.status, `${code} ${body.slice(0, 30)}`).toBe(status);
      expect(r.headers.get("content-type")).toBe("application/problem+json");
      expect(((await r.json()) as { code: string }).code.startsWith(code), code).toBe(true);
    }
    const insp = await f.call("/capture", { method: "POST", body: jsonLdDoc([]), as: "inspector" });
    expect(insp.status).toBe(403);
  });
});

describe("GS1-EPCIS-Version / GS1-CBV-Version", () => {
  it("sets the versions on answers and accepts 2.0 requests", async () => {
    const r = await f.call("/events?eventType=AggregationEvent", {
      as: "inspector",
      headers: { "GS1-EPCIS-Version": "2.0.0", "GS1-CBV-Version": "2.0" },
    });
    expect(r.status).toBe(200);
    expect(r.headers.get("gs1-epcis-version")).toBe("2.0.0");
    expect(r.headers.get("gs1-cbv-version")).toBe("2.0.0");
  });

  it("refuses versions it does not speak with 406", async () => {
    const versions: Array<Record<string, string>> = [
      { "GS1-EPCIS-Version": "1.2.0" },
      { "GS1-CBV-Version": "1.0" },
      { "GS1-EPCIS-Version": "3.0.0" },
    ];
    for (const h of versions) {
      const r = await f.call("/events", { as: "inspector", headers: h });
      expect(r.status).toBe(406);
      const p = (await r.json()) as { code: string; field: string };
      expect(p.code).toBe("HTTP_UNSUPPORTED_VERSION");
      expect(p.field).toBe(Object.keys(h)[0]);
      const c = await capture(jsonLdDoc([]), h);
      expect(c.status).toBe(406);
    }
  });
});

describe("GET /openapi.json", () => {
  it("describes every route this helper serves", async () => {
    const r = await f.call("/openapi.json");
    expect(r.status).toBe(200);
    const doc = (await r.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toBe("3.1.0");
    for (const [path, method] of [
      ["/capture", "post"],
      ["/capture/{captureID}", "get"],
      ["/events", "get"],
      ["/events/{eventID}", "get"],
      ["/epcs/{epc}/events", "get"],
      ["/api/v1/chain", "get"],
      ["/api/v1/public/chain", "get"],
      ["/api/v1/trace/backward", "get"],
      ["/api/v1/trace/forward", "get"],
      ["/api/v1/recall-scope", "get"],
      ["/api/v1/recall-scope.csv", "get"],
      ["/api/v1/recalls", "post"],
      ["/api/v1/recalls/{id}", "get"],
      ["/api/v1/recalls/{id}/ack", "post"],
      ["/api/v1/checkpoint", "get"],
      ["/api/v1/checkpoint/key", "get"],
      ["/api/v1/proofs/inclusion", "get"],
      ["/api/v1/proofs/consistency", "get"],
      ["/api/v1/master/products", "put"],
    ] as const) {
      expect(doc.paths[path]?.[method], `${method} ${path}`).toBeDefined();
    }
    const params = (doc.paths["/events"]!.get as { parameters: Array<{ name: string }> }).parameters.map((p) => p.name);
    for (const p of [
      "eventType",
      "GE_eventTime",
      "MATCH_anyEPC",
      "EXISTS_errorDeclaration",
      "perPage",
      "nextPageToken",
    ]) {
      expect(params).toContain(p);
    }
  });
});
