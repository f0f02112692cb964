// The web pages the core serves (issue 6 §2): the inspector at `/`, the recall officer at
// `/recall`, the public consumer view at GS1 Digital Link paths (`/01/{gtin}/21/{serial}`,
// `/01/{gtin}/10/{lot}`, longer qualifier paths and query strings), and their static assets
// under `/assets/*`. Plain HTML/CSS/ES modules, no build step and nothing fetched from the
// internet at run time: the pages call only the core's own `/api/v1/...`.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { extname } from "node:path";
import { fileURLToPath } from "node:url";
import { SuyuanError } from "@suyuan/proto";
import type { Route, RouteContext } from "../http/route.ts";

export type LogFn = (msg: string, fields?: object) => void;

export interface WebRoutesOptions {
  /** Folder of the page files; default `assets/` next to this module. */
  assetsDir?: string;
  log?: LogFn;
}

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
};

// Same-origin only: the pages load nothing from elsewhere and talk only to this core. The
// camera (inspector scan) is allowed for this origin alone.
const SECURITY_HEADERS: Record<string, string> = {
  "Content-Security-Policy":
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; " +
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "Permissions-Policy": "camera=(self)",
};

/** Asset names: one path segment of plain characters (no traversal, no hidden files). */
const ASSET_NAME = /^[a-z0-9][a-z0-9_-]*\.[a-z0-9]+$/;

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

/**
 * Routes for the pages and their assets. `core` is accepted for symmetry with the other route
 * sets; the pages need nothing from it server-side (all data comes through the JSON API).
 */
export function webRoutes(_core?: unknown, opts: WebRoutesOptions = {}): Route[] {
  const dir = opts.assetsDir ?? fileURLToPath(new URL("./assets/", import.meta.url));
  const log = opts.log ?? (() => {});
  const cache = new Map<string, Promise<Asset | undefined>>();

  const load = (name: string): Promise<Asset | undefined> => {
    let p = cache.get(name);
    if (p === undefined) {
      const type = CONTENT_TYPES[extname(name)];
      p =
        type === undefined
          ? Promise.resolve(undefined)
          : readFile(`${dir.endsWith("/") ? dir : `${dir}/`}${name}`).then(
              (body) => ({
                body,
                type,
                etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`,
              }),
              (e: NodeJS.ErrnoException) => {
                if (e.code !== "ENOENT") log("web asset unreadable", { name, code: e.code });
                cache.delete(name);
                return undefined;
              },
            );
      cache.set(name, p);
    }
    return p;
  };

  const send = async (ctx: RouteContext, name: string, cacheControl: string): Promise<void> => {
    const asset = await load(name);
    if (asset === undefined) {
      throw new SuyuanError("HTTP_NOT_FOUND", `path: no page or asset "${name}"`, { field: "path" });
    }
    const { res, req } = ctx;
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    res.setHeader("Cache-Control", cacheControl);
    res.setHeader("ETag", asset.etag);
    if (req.headers["if-none-match"] === asset.etag) {
      res.writeHead(304).end();
      return;
    }
    res.setHeader("Content-Type", asset.type);
    res.setHeader("Content-Length", asset.body.length);
    res.writeHead(200);
    res.end(req.method === "HEAD" ? undefined : asset.body);
  };

  // Revalidate each time (cheap 304s): a core upgrade must never mix old and new modules.
  const REVALIDATE = "no-cache";
  const page =
    (file: string) =>
    (ctx: RouteContext): Promise<void> =>
      send(ctx, file, REVALIDATE);
  const asset = async (ctx: RouteContext): Promise<void> => {
    const name = ctx.params.path ?? "";
    if (!ASSET_NAME.test(name) || name.endsWith(".html")) {
      throw new SuyuanError("HTTP_NOT_FOUND", `path: no asset "${name}"`, { field: "path" });
    }
    return send(ctx, name, REVALIDATE);
  };

  // GET only: the server answers HEAD with the GET route (and `send` writes no body then).
  return [
    { method: "GET", path: "/", handler: page("inspector.html") },
    { method: "GET", path: "/recall", handler: page("recall.html") },
    // GS1 Digital Link 1.2 §4 URI syntax: the primary key /01/{gtin} then key qualifiers
    // (/22/, /10/, /21/) and data attributes in the query: one page reads them all.
    { method: "GET", path: "/01/*dl", handler: page("public.html") },
    { method: "GET", path: "/assets/*path", handler: asset },
  ];
}
