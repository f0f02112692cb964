import { parseEpcisDocument } from "@suyuan/proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningHttp, startHttp } from "../http/server.ts";
import { exportRoutes } from "./routes.ts";
import { ID, type Seeded, seedCore } from "./test-fixture.ts";
import { verifyBundle } from "./verify-bundle.ts";
import { readZip } from "./zip.ts";

let s: Seeded;
let http: RunningHttp;
let inspector: string;
let partner: string;

beforeAll(async () => {
  s = await seedCore();
  http = await startHttp({ core: s.core, routes: exportRoutes(s.core) });
  inspector = (await s.core.auth.issueToken({ role: "inspector", label: "test inspector" })).token;
  partner = (
    await s.core.auth.issueToken({ role: "partner", party: "https://id.gs1.org/417/0012345000034", label: "p" })
  ).token;
});
afterAll(async () => {
  await http.close();
  await s.core.stop();
});

const get = (path: string, token?: string) =>
  fetch(`${http.url}${path}`, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });

describe("export routes", () => {
  it("GET /api/v1/bundles/chain: a bundle that verifies with GET /api/v1/checkpoint/key's key", async () => {
    const r = await get(`/api/v1/bundles/chain?code=${encodeURIComponent(ID.C1)}`, inspector);
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/^application\/json/);
    expect(r.headers.get("content-disposition")).toMatch(
      /^attachment; filename="chain-01_10614141073464_21_C1\.bundle\.json"$/,
    );
    const v = verifyBundle(await r.text(), s.core.verifierKey);
    expect(v).toMatchObject({ ok: true, entries: 6 });
  });

  it("GET /api/v1/bundles/recall?lot=…", async () => {
    const r = await get(`/api/v1/bundles/recall?lot=${encodeURIComponent(ID.L1)}`, inspector);
    expect(r.status).toBe(200);
    const b = (await r.json()) as { subject: unknown };
    expect(b.subject).toEqual({ kind: "recall", lots: ["https://id.gs1.org/01/10614141073464/10/L1"] });
    expect(verifyBundle(b, s.core.verifierKey)).toMatchObject({ ok: true });
    const none = await get("/api/v1/bundles/recall", inspector);
    expect(none.status).toBe(400);
    expect(none.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  });

  it("GET /api/v1/chain.jsonld: application/ld+json that parses as EPCIS 2.0", async () => {
    const r = await get(`/api/v1/chain.jsonld?code=${encodeURIComponent(ID.C1)}`, inspector);
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("application/ld+json; charset=utf-8");
    expect(parseEpcisDocument(await r.text()).events).toHaveLength(6);
  });

  it("GET /api/v1/exports/fsma204: CSV and XLSX with their media types and file names", async () => {
    const csv = await get(`/api/v1/exports/fsma204?tlc=${encodeURIComponent(ID.L1)}&format=csv`, inspector);
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toBe("text/csv; charset=utf-8; header=present");
    expect(csv.headers.get("content-disposition")).toBe(
      'attachment; filename="fsma204-urn_epc_class_lgtin_0614141.107346.L1.csv"',
    );
    const text = await csv.text();
    expect(text.split("\r\n").filter((l) => l !== "")).toHaveLength(7);
    const x = await get(`/api/v1/exports/fsma204?from=2024-05-01&to=2024-07-01&format=xlsx`, inspector);
    expect(x.status).toBe(200);
    expect(x.headers.get("content-type")).toBe("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    expect(x.headers.get("content-disposition")).toMatch(/\.xlsx"$/);
    const parts = readZip(new Uint8Array(await x.arrayBuffer()));
    const sheet = new TextDecoder().decode(parts.find((p) => p.name === "xl/worksheets/sheet1.xml")!.data);
    expect(sheet.match(/<row /g)).toHaveLength(8); // header + 7 CTE rows (6 of L1, 1 of S1)
    const badFormat = await get(`/api/v1/exports/fsma204?tlc=${encodeURIComponent(ID.L1)}&format=pdf`, inspector);
    expect(badFormat.status).toBe(400);
    expect(((await badFormat.json()) as { field: string }).field).toBe("format");
  });

  it("refuses callers without a token (401) and other roles (403), with problem documents", async () => {
    const anon = await get(`/api/v1/bundles/chain?code=${encodeURIComponent(ID.C1)}`);
    expect(anon.status).toBe(401);
    expect(((await anon.json()) as { code: string }).code).toBe("AUTH_MISSING_TOKEN");
    const p = await get(`/api/v1/exports/fsma204?tlc=${encodeURIComponent(ID.L1)}`, partner);
    expect(p.status).toBe(403);
    expect(((await p.json()) as { code: string }).code).toBe("AUTH_FORBIDDEN");
  });
});
