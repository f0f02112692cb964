// The core's /metrics (metrics.ts) on a running core: who may read it, and that what it says
// follows what the core did — captured events, the log, recorded requests, HTTP timings.
import { credentials, Metadata } from "@grpc/grpc-js";
import { readExposition, sampleValue } from "@suyuan/proto";
import { QueryServiceClient } from "@suyuan/proto/gen/suyuan/v1/query.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readConformanceText } from "../../tests/shared.ts";
import type { Principal } from "./model.ts";
import { type RunningCore, startCore } from "./server.ts";

let core: RunningCore;
let admin: string;
let inspector: string;

beforeAll(async () => {
  core = await startCore({ httpAddress: "127.0.0.1:0" });
  admin = (await core.auth.issueToken({ role: "admin", label: "metrics test" })).token;
  inspector = (await core.auth.issueToken({ role: "inspector", label: "metrics test" })).token;
});

afterAll(async () => {
  await core?.stop();
});

const get = (path: string, token?: string) =>
  fetch(`${core.httpUrl}${path}`, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });

async function scrape() {
  const r = await get("/metrics", admin);
  expect(r.status).toBe(200);
  expect(r.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
  return readExposition(await r.text());
}

describe("core /metrics", () => {
  it("is for an admin token only, with a coded problem otherwise", async () => {
    const anonymous = await get("/metrics");
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { code: string }).code).toMatch(/^AUTH_/);
    const asInspector = await get("/metrics", inspector);
    expect(asInspector.status).toBe(403);
    expect(((await asInspector.json()) as { code: string }).code).toBe("AUTH_FORBIDDEN");
    const x = await scrape();
    expect(x.types.get("suyuan_core_capture_events_total")).toBe("counter");
    expect(x.types.get("suyuan_core_capture_ack_seconds")).toBe("histogram");
    for (const q of ["0.5", "0.99", "1"]) {
      expect(sampleValue(x, "suyuan_core_event_loop_delay_seconds", { quantile: q })).toBeGreaterThanOrEqual(0);
    }
    expect(sampleValue(x, "suyuan_core_resident_memory_bytes")).toBeGreaterThan(0);
  });

  it("counts captured events by outcome and follows the log", async () => {
    const before = await scrape();
    const accepted0 = sampleValue(before, "suyuan_core_capture_events_total", { outcome: "accepted" });
    const duplicate0 = sampleValue(before, "suyuan_core_capture_events_total", { outcome: "duplicate" });
    // EPCIS 2.0 Example 9.6.1 (two ObjectEvents), as an admin's document, twice.
    const doc = readConformanceText("epcis-examples", "gs1-epcis", "JSON", "Example_9.6.1-ObjectEvent.jsonld");
    const by: Principal = { id: "metrics-admin", role: "admin" };
    const first = await core.capture.processDocument(doc, "jsonld", by);
    const again = await core.capture.processDocument(doc, "jsonld", by);
    expect([first.accepted, again.duplicates]).toEqual([2, 2]);
    const after = await scrape();
    expect(sampleValue(after, "suyuan_core_capture_events_total", { outcome: "accepted" }) - accepted0).toBe(2);
    expect(sampleValue(after, "suyuan_core_capture_events_total", { outcome: "duplicate" }) - duplicate0).toBe(2);
    expect(sampleValue(after, "suyuan_core_log_entries")).toBe(core.ledger.size());
    expect(core.ledger.size()).toBeGreaterThanOrEqual(2);
  });

  it("counts recorded requests by action and outcome, and times HTTP requests by route", async () => {
    const before = await scrape();
    const chains = (o: typeof before) =>
      sampleValue(o, "suyuan_core_requests_total", { action: "Api.GetChain", outcome: "allowed" }, 0);
    const code = "https://id.gs1.org/01/00614141123452/21/2017";
    expect((await get(`/api/v1/chain?code=${encodeURIComponent(code)}`, inspector)).status).toBe(200);
    // An inspector may not write master data: recorded, refused.
    const refused = await fetch(`${core.httpUrl}/api/v1/master/parties`, {
      method: "PUT",
      headers: { authorization: `Bearer ${inspector}`, "content-type": "application/json" },
      body: JSON.stringify({ id: "urn:epc:id:pgln:0614141.00000", name: "x" }),
    });
    expect(refused.status).toBe(403);
    const after = await scrape();
    expect(chains(after) - chains(before)).toBe(1);
    expect(
      sampleValue(after, "suyuan_core_requests_total", { action: "Master.Put.parties", outcome: "refused" }),
    ).toBeGreaterThanOrEqual(1);
    // The route pattern, never the concrete path; the status class.
    expect(
      sampleValue(after, "suyuan_core_http_request_seconds_count", { route: "GET /api/v1/chain", status: "2xx" }),
    ).toBe(1);
    expect(
      sampleValue(after, "suyuan_core_http_request_seconds_count", {
        route: "PUT /api/v1/master/parties",
        status: "4xx",
      }),
    ).toBe(1);
    expect(after.samples.some((s) => s.labels.route?.includes("0614141123452"))).toBe(false);
  });

  it("times gRPC calls by method and status code", async () => {
    const client = new QueryServiceClient(core.grpcAddress, credentials.createInsecure());
    const getChain = (token?: string) =>
      new Promise<number>((resolve) => {
        const md = new Metadata();
        if (token !== undefined) md.set("authorization", `Bearer ${token}`);
        client.getChain({ identifier: "https://id.gs1.org/01/00614141123452/21/2017", includeProofs: false }, md, (e) =>
          resolve(e === null ? 0 : (e.code ?? -1)),
        );
      });
    const method = "/suyuan.v1.QueryService/GetChain";
    const count = (o: Awaited<ReturnType<typeof scrape>>, code: string) =>
      sampleValue(o, "suyuan_core_grpc_request_seconds_count", { method, code }, 0);
    try {
      const before = await scrape();
      expect(await getChain(inspector)).toBe(0);
      expect(await getChain("sy_0000000000000000.notavalidtokennotavalidtokennotavalidtoke")).not.toBe(0);
      const after = await scrape();
      expect(count(after, "OK") - count(before, "OK")).toBe(1);
      expect(count(after, "UNAUTHENTICATED") - count(before, "UNAUTHENTICATED")).toBe(1);
    } finally {
      client.close();
    }
  });
});
