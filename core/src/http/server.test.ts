// The HTTP server itself: routing, HEAD, 404/405, body limit, auth, RFC 9457 problems, CORS,
// and hostile requests (malformed URLs, huge headers, slow clients) that must not crash it.
import { connect } from "node:net";
import { SuyuanError } from "@suyuan/proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningCore, startCore } from "../server.ts";
import { httpStatusOf, toProblem } from "./problem.ts";
import type { Route } from "./route.ts";
import { Router } from "./router.ts";
import { type RunningHttp, startHttp } from "./server.ts";

let core: RunningCore;
let http: RunningHttp;
let adminToken: string;

const extra: Route[] = [
  {
    method: "GET",
    path: "/hello/:name",
    handler(ctx) {
      ctx.res.setHeader("content-type", "text/plain");
      ctx.res.end(`hello ${ctx.params.name} (${ctx.principal.role})`);
    },
  },
  {
    method: "POST",
    path: "/echo",
    async handler(ctx) {
      ctx.res.end(await ctx.body());
    },
  },
  {
    method: "GET",
    path: "/boom",
    handler() {
      throw new Error("secret internals /etc/passwd");
    },
  },
  {
    method: "GET",
    path: "/busy",
    handler() {
      throw new SuyuanError("CORE_PUSHBACK", "too busy", { detail: { retryAfterMs: 1500 } });
    },
  },
  {
    method: "GET",
    path: "/assets/*rest",
    handler(ctx) {
      ctx.res.end(ctx.params.rest);
    },
  },
  // Shadowed by the JSON API's route of the same path: first match wins.
  {
    method: "GET",
    path: "/api/v1/checkpoint",
    handler(ctx) {
      ctx.res.end("shadowed");
    },
  },
];

/** Sends raw bytes and resolves with whatever the server answers before closing. */
function raw(data: string | Buffer, opts: { wait?: number } = {}): Promise<string> {
  const u = new URL(http.url);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const s = connect(Number(u.port), u.hostname, () => s.write(data));
    s.on("data", (c) => chunks.push(c));
    const done = () => resolve(Buffer.concat(chunks).toString("latin1"));
    s.on("close", done);
    s.on("error", done);
    if (opts.wait !== undefined) setTimeout(() => s.destroy(), opts.wait);
  });
}

beforeAll(async () => {
  core = await startCore();
  adminToken = (await core.auth.issueToken({ role: "admin", label: "t" })).token;
  http = await startHttp({
    core,
    routes: extra,
    maxBodyBytes: 1024,
    timeouts: { headers: 400, request: 2000 },
  });
});

afterAll(async () => {
  await http?.close();
  await core?.stop();
});

describe("routing", () => {
  it("serves extra routes after its own, with decoded parameters and the principal", async () => {
    const r = await fetch(`${http.url}/hello/${encodeURIComponent("a/b ü")}`);
    expect(await r.text()).toBe("hello a/b ü (public)");
    const r2 = await fetch(`${http.url}/hello/x`, { headers: { authorization: `Bearer ${adminToken}` } });
    expect(await r2.text()).toBe("hello x (admin)");
    const r3 = await fetch(`${http.url}/api/v1/checkpoint`);
    expect(r3.headers.get("content-type")).toMatch(/^application\/json/);
  });

  it("takes the rest of the path with *name", async () => {
    expect(await (await fetch(`${http.url}/assets/js/app.js`)).text()).toBe("js/app.js");
  });

  it("answers HEAD for GET routes without a body", async () => {
    const r = await fetch(`${http.url}/api/v1/checkpoint`, { method: "HEAD" });
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await r.text()).toBe("");
  });

  it("404 and 405 (with Allow) as problem documents", async () => {
    const r = await fetch(`${http.url}/nowhere`);
    expect(r.status).toBe(404);
    expect(r.headers.get("content-type")).toBe("application/problem+json");
    expect(await r.json()).toMatchObject({
      type: "https://suyuan.dev/problems/HTTP_NOT_FOUND",
      title: "Not Found",
      status: 404,
      code: "HTTP_NOT_FOUND",
    });
    const m = await fetch(`${http.url}/events`, { method: "DELETE" });
    expect(m.status).toBe(405);
    expect(m.headers.get("allow")).toContain("GET");
    expect(((await m.json()) as { code: string }).code).toBe("HTTP_METHOD_NOT_ALLOWED");
  });

  it("a handler's unexpected error is a 500 that tells no internals", async () => {
    const r = await fetch(`${http.url}/boom`);
    expect(r.status).toBe(500);
    const text = await r.text();
    expect(text).not.toContain("passwd");
    expect(JSON.parse(text)).toMatchObject({ code: "CORE_INTERNAL", status: 500 });
  });

  it("pushback is 503 with Retry-After in seconds", async () => {
    const r = await fetch(`${http.url}/busy`);
    expect(r.status).toBe(503);
    expect(r.headers.get("retry-after")).toBe("2");
    expect(((await r.json()) as { code: string }).code).toBe("CORE_PUSHBACK");
  });
});

describe("requests", () => {
  it("limits the body size (413)", async () => {
    const ok = await fetch(`${http.url}/echo`, { method: "POST", body: "x".repeat(1000) });
    expect(await ok.text()).toHaveLength(1000);
    const big = await fetch(`${http.url}/echo`, { method: "POST", body: "x".repeat(5000) });
    expect(big.status).toBe(413);
    expect(((await big.json()) as { code: string }).code).toBe("HTTP_TOO_LARGE");
    // Without a content-length (chunked), the limit holds while reading.
    const chunked = await raw(
      `POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n800\r\n${"y".repeat(2048)}\r\n0\r\n\r\n`,
    );
    expect(chunked).toMatch(/^HTTP\/1\.1 413 /);
  });

  it("a bad bearer token is 401 AUTH_BAD_TOKEN, even on public routes", async () => {
    for (const h of ["Bearer nonsense", "Basic dXNlcjpwYXNz", `Bearer sy_0123456789abcdef.${"A".repeat(43)}`]) {
      const r = await fetch(`${http.url}/api/v1/checkpoint`, { headers: { authorization: h } });
      expect(r.status, h).toBe(401);
      const p = (await r.json()) as { code: string; field: string };
      expect(p).toMatchObject({ code: "AUTH_BAD_TOKEN", field: "authorization" });
    }
  });

  it("CORS is off unless configured", async () => {
    const r = await fetch(`${http.url}/api/v1/checkpoint`, { headers: { origin: "https://evil.example" } });
    expect(r.headers.get("access-control-allow-origin")).toBeNull();
    const pre = await fetch(`${http.url}/api/v1/checkpoint`, {
      method: "OPTIONS",
      headers: { origin: "https://evil.example", "access-control-request-method": "GET" },
    });
    expect(pre.headers.get("access-control-allow-origin")).toBeNull();
    const c2 = await startHttp({ core, corsOrigins: ["https://app.example"] });
    try {
      const ok = await fetch(`${c2.url}/api/v1/checkpoint`, { headers: { origin: "https://app.example" } });
      expect(ok.headers.get("access-control-allow-origin")).toBe("https://app.example");
      const other = await fetch(`${c2.url}/api/v1/checkpoint`, { headers: { origin: "https://evil.example" } });
      expect(other.headers.get("access-control-allow-origin")).toBeNull();
    } finally {
      await c2.close();
    }
  });
});

describe("hostile requests", () => {
  it("malformed percent-encoding in a parameter is a 400 problem", async () => {
    const r = await fetch(`${http.url}/hello/%E0%A4%A`);
    expect(r.status).toBe(400);
    expect(((await r.json()) as { code: string }).code).toBe("HTTP_BAD_URL");
  });

  it("a malformed request line or absolute-form junk gets 400 and the server lives on", async () => {
    expect(await raw("GARBAGE\r\n\r\n")).toMatch(/^HTTP\/1\.1 400 /);
    expect(await raw("GET http://[::1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")).toMatch(/^HTTP\/1\.1 400 /);
    expect(await raw(`GET /${"a".repeat(9000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)).toMatch(
      /^HTTP\/1\.1 (400|431) /,
    );
    expect((await fetch(`${http.url}/api/v1/checkpoint`)).status).toBe(200);
  });

  it("huge headers get 431", async () => {
    const res = await raw(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${"b".repeat(40_000)}\r\n\r\n`);
    expect(res).toMatch(/^HTTP\/1\.1 431 /);
    expect((await fetch(`${http.url}/api/v1/checkpoint`)).status).toBe(200);
  });

  it("a slowloris client is cut off after the headers timeout", async () => {
    const t0 = Date.now();
    // Headers never finish: the server must close the socket on its own (timeout 400 ms).
    const res = await raw("GET /api/v1/checkpoint HTTP/1.1\r\nHost: x\r\nX-Slow: 1", { wait: 10_000 });
    // The server, not the client's 10 s wait, ended it (a bound, not a speed measurement).
    expect(Date.now() - t0).toBeLessThan(9_000);
    expect(res === "" || /^HTTP\/1\.1 408 /.test(res)).toBe(true);
  });
});

describe("problem mapping (one table, mirrors core/src/grpc/errors.ts)", () => {
  it("maps codes to statuses", () => {
    const cases: Array<[string, number]> = [
      ["QUERY_NOT_FOUND", 404],
      ["RECALL_NOT_FOUND", 404],
      ["AUTH_MISSING_TOKEN", 401],
      ["AUTH_BAD_TOKEN", 401],
      ["AUTH_FORBIDDEN", 403],
      ["POLICY_FORBIDDEN", 403],
      ["CORE_PUSHBACK", 503],
      ["EPCIS_BAD_TIME", 400],
      ["QUERY_BAD_PARAMETER", 400],
      ["MASTER_GATEWAY_EXISTS", 409],
      ["STORE_CORRUPT", 500],
    ];
    for (const [code, status] of cases) expect(httpStatusOf(code), code).toBe(status);
  });

  it("never leaks internals", () => {
    expect(toProblem(new Error("db password")).problem).toEqual({
      type: "https://suyuan.dev/problems/CORE_INTERNAL",
      title: "Internal Server Error",
      status: 500,
      detail: "internal error",
      code: "CORE_INTERNAL",
    });
    expect(
      toProblem(new SuyuanError("STORE_CORRUPT", "entry 7 at /var/lib/x", { field: "record" })).problem.detail,
    ).toBe("internal error");
  });
});

describe("Router", () => {
  const h = () => {};
  const router = new Router([
    { method: "GET", path: "/a/:x", handler: h },
    { method: "POST", path: "/a/:x", handler: h },
    { method: "GET", path: "/a/:x/b", handler: h },
    { method: "GET", path: "/", handler: h },
    { method: "GET", path: "/s/*rest", handler: h },
  ]);
  it("matches literals, parameters and rest", () => {
    expect(router.match("GET", "/a/1")).toMatchObject({ kind: "found", params: { x: "1" } });
    expect(router.match("POST", "/a/%2F")).toMatchObject({ kind: "found", params: { x: "/" } });
    expect(router.match("GET", "/a/1/b")).toMatchObject({ kind: "found", params: { x: "1" } });
    expect(router.match("GET", "/")).toMatchObject({ kind: "found", params: {} });
    expect(router.match("GET", "/s/x/y%20z")).toMatchObject({ kind: "found", params: { rest: "x/y z" } });
    expect(router.match("GET", "/s")).toEqual({ kind: "none" });
    expect(router.match("GET", "/a/")).toEqual({ kind: "none" });
    expect(router.match("GET", "/a/1/c")).toEqual({ kind: "none" });
    expect(router.match("HEAD", "/a/1")).toMatchObject({ kind: "found" });
    expect(router.match("PUT", "/a/1")).toEqual({ kind: "method", allow: ["GET", "HEAD", "POST"] });
  });
  it("refuses a pattern with * before the end", () => {
    expect(() => new Router([{ method: "GET", path: "/x/*r/y", handler: h }])).toThrow(TypeError);
  });
});
