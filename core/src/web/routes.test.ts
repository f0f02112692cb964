// The page routes over a real node:http server (a minimal dispatcher standing in for the
// core's router): pages and assets with their types and security headers, 304s, no traversal.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { isSuyuanError } from "@suyuan/proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Route } from "../http/route.ts";
import { webRoutes } from "./routes.ts";

let server: Server;
let base: string;

/** Literal segments and a final `*rest`, as in core/src/http/route.ts. */
function match(route: Route, path: string): Record<string, string> | undefined {
  const want = route.path === "/" ? [] : route.path.slice(1).split("/");
  const got = path === "/" ? [] : path.slice(1).split("/");
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    if (w.startsWith("*")) {
      if (i >= got.length) return undefined;
      params[w.slice(1)] = got.slice(i).map(decodeURIComponent).join("/");
      return params;
    }
    if (got[i] !== w) return undefined;
  }
  return got.length === want.length ? params : undefined;
}

beforeAll(async () => {
  const routes = webRoutes();
  server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const method = req.method === "HEAD" ? "GET" : req.method;
    for (const r of routes) {
      const params = r.method === method ? match(r, url.pathname) : undefined;
      if (params === undefined) continue;
      Promise.resolve(
        r.handler({ req, res, url, params, principal: { id: "public", role: "public" }, body: async () => "" }),
      ).catch((e) => {
        res.statusCode = isSuyuanError(e) && e.code.endsWith("_NOT_FOUND") ? 404 : 500;
        res.end(String(e));
      });
      return;
    }
    res.statusCode = 404;
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

describe("webRoutes", () => {
  it("serves the inspector at / and the recall page at /recall as UTF-8 HTML with a strict CSP", async () => {
    for (const [path, script] of [
      ["/", "/assets/inspector.js"],
      ["/recall", "/assets/recall.js"],
    ] as const) {
      const res = await fetch(base + path);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
      const csp = res.headers.get("content-security-policy") ?? "";
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("connect-src 'self'");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      const html = await res.text();
      expect(html).toContain(`<script type="module" src="${script}">`);
      // No third-party origins anywhere in a page (no CDN, no tiles).
      expect(html).not.toMatch(/(src|href)="https?:/);
    }
  });

  it("serves the public view at GS1 Digital Link paths, with qualifiers and query", async () => {
    for (const path of [
      "/01/09506000134352/21/ABC123",
      "/01/09506000134352/10/LOT1",
      "/01/09506000134352/22/2A/10/LOT1/21/S1?17=261231",
    ]) {
      const res = await fetch(base + path);
      expect(res.status, path).toBe(200);
      expect(await res.text()).toContain('src="/assets/public.js"');
    }
  });

  it("serves assets with their types, ETags and 304 on revalidation", async () => {
    const js = await fetch(`${base}/assets/verify.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    const etag = js.headers.get("etag");
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    const again = await fetch(`${base}/assets/verify.js`, { headers: { "If-None-Match": etag! } });
    expect(again.status).toBe(304);
    const css = await fetch(`${base}/assets/site.css`);
    expect(css.headers.get("content-type")).toBe("text/css; charset=utf-8");
    const head = await fetch(`${base}/assets/site.css`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
  });

  it("refuses traversal, hidden and unknown files", async () => {
    for (const path of [
      "/assets/..%2Froutes.ts",
      "/assets/../routes.ts",
      "/assets/.hidden.js",
      "/assets/routes.ts",
      "/assets/nope.js",
      "/assets/sub/dir.js",
      "/assets/inspector.html",
    ]) {
      const res = await fetch(base + path);
      expect(res.status, path).toBe(404);
    }
  });
});
