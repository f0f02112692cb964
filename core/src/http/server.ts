// The core's HTTP server (issue 6 §1): the EPCIS 2.0 REST binding, suyuan's JSON API and
// whatever routes the web and export sides add, on node:http without a framework.
//
// Every error becomes an RFC 9457 problem document (problem.ts); a hostile request — a
// malformed URL, huge headers, a body over the limit, a client that sends one byte a
// minute — gets a 4xx or a closed socket, never a crashed process.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { SuyuanError } from "@suyuan/proto";
import { PUBLIC_PRINCIPAL } from "../auth/roles.ts";
import type { Principal } from "../model.ts";
import type { RunningCore } from "../server.ts";
import { apiRoutes } from "./api.ts";
import { CaptureJobs } from "./capture-jobs.ts";
import { epcisRoutes } from "./epcis-rest.ts";
import { httpError, sendProblem } from "./problem.ts";
import type { Route, RouteContext } from "./route.ts";
import { BadPathError, Router } from "./router.ts";

export type LogFn = (msg: string, fields?: object) => void;

/** The services the HTTP side uses (RunningCore, or a test's stand-in). */
export type HttpCore = Pick<
  RunningCore,
  "store" | "ledger" | "master" | "auth" | "query" | "capture" | "recalls" | "verifierKey"
>;

export interface HttpOptions {
  /** "host:port"; port 0 picks a free port. Default 127.0.0.1:0. */
  address?: string;
  core: HttpCore;
  /** Extra routes (web pages, exports), matched after the REST binding and the JSON API. */
  routes?: readonly Route[];
  log?: LogFn;
  now?: () => Date;
  /** Largest request body accepted; default 10 MiB (EPCIS capture documents). */
  maxBodyBytes?: number;
  /**
   * Origins allowed to call cross-origin (CORS). Off by default: a browser page served by the
   * core is same-origin and needs none.
   */
  corsOrigins?: readonly string[];
  /** How long a capture may run before POST /capture answers 202 with a running job. Default 2 s. */
  captureWaitMs?: number;
  /** Socket and request timeouts (ms); defaults suit people and partner systems. */
  timeouts?: { headers?: number; request?: number; idle?: number; keepAlive?: number };
  /**
   * Told when a routed request's response is finished: `route` is its method and path
   * pattern (e.g. "GET /api/v1/chain/:code"), never the concrete path. For metrics.
   */
  onRequest?: (route: string, status: number, seconds: number) => void;
}

export interface RunningHttp {
  /** Base URL, e.g. http://127.0.0.1:43817 */
  url: string;
  /** The capture jobs of the EPCIS REST binding (for tests and the composition root). */
  captureJobs: CaptureJobs;
  close(): Promise<void>;
}

export const DEFAULT_MAX_BODY = 10 * 1024 * 1024;
const MAX_URL_LENGTH = 8 * 1024;

/** Reads a request body up to `limit` bytes (HTTP_TOO_LARGE beyond). */
function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = req.headers["content-length"];
  if (declared !== undefined && Number(declared) > limit) {
    return Promise.reject(
      httpError("HTTP_TOO_LARGE", `body: ${declared} bytes is over the limit of ${limit} bytes`, "body"),
    );
  }
  return new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (err?: SuyuanError) => {
      if (done) return;
      done = true;
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      if (err) {
        // Stop reading the rest; the response still goes out, then the socket closes.
        req.resume();
        reject(err);
      } else resolve(Buffer.concat(chunks).toString("utf8"));
    };
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > limit) finish(httpError("HTTP_TOO_LARGE", `body: over the limit of ${limit} bytes`, "body"));
      else chunks.push(c);
    };
    const onEnd = () => finish();
    const onError = () => finish(httpError("HTTP_BAD_REQUEST", "body: the request was aborted", "body"));
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
  });
}

function principalOf(req: IncomingMessage, auth: HttpCore["auth"]): Principal {
  const h = req.headers.authorization;
  if (h === undefined) return { ...PUBLIC_PRINCIPAL };
  // RFC 6750 §2.1: `Authorization: Bearer <token>`.
  const m = /^Bearer +(\S+) *$/i.exec(h);
  if (m === null)
    throw new SuyuanError("AUTH_BAD_TOKEN", "authorization: must be 'Bearer <token>'", { field: "authorization" });
  return auth.authenticate(m[1]!);
}

export async function startHttp(opts: HttpOptions): Promise<RunningHttp> {
  const log: LogFn = opts.log ?? (() => {});
  const now = opts.now ?? (() => new Date());
  const limit = opts.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const cors = new Set(opts.corsOrigins ?? []);
  const captureJobs = new CaptureJobs({ store: opts.core.store, now, log });
  await captureJobs.open();
  const router = new Router([
    ...epcisRoutes(opts.core, { jobs: captureJobs, log, now, waitMs: opts.captureWaitMs ?? 2000 }),
    ...apiRoutes(opts.core, { log, now }),
    ...(opts.routes ?? []),
  ]);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = req.method ?? "GET";
    const rawUrl = req.url ?? "/";
    let url: URL;
    try {
      if (rawUrl.length > MAX_URL_LENGTH)
        throw httpError("HTTP_BAD_URL", `url: longer than ${MAX_URL_LENGTH} characters`, "url");
      if (!rawUrl.startsWith("/")) throw httpError("HTTP_BAD_URL", "url: must be an absolute path", "url");
      url = new URL(rawUrl, "http://core.invalid");
    } catch (e) {
      sendProblem(res, e instanceof SuyuanError ? e : httpError("HTTP_BAD_URL", "url: cannot be parsed", "url"));
      return;
    }
    const origin = req.headers.origin;
    if (origin !== undefined && cors.has(origin)) {
      res.setHeader("access-control-allow-origin", origin);
      res.setHeader("vary", "Origin");
      res.setHeader(
        "access-control-expose-headers",
        "Location, Link, GS1-Next-Page-Token, GS1-EPCIS-Version, GS1-CBV-Version, Retry-After",
      );
      if (method === "OPTIONS") {
        res.setHeader("access-control-allow-methods", "GET, HEAD, POST, PUT, DELETE");
        res.setHeader(
          "access-control-allow-headers",
          "Authorization, Content-Type, GS1-EPCIS-Version, GS1-CBV-Version, GS1-EPC-Format, GS1-Capture-Error-Behaviour",
        );
        res.statusCode = 204;
        res.end();
        return;
      }
    }
    try {
      let m: ReturnType<Router["match"]>;
      try {
        m = router.match(method, url.pathname);
      } catch (e) {
        if (e instanceof BadPathError) throw httpError("HTTP_BAD_URL", e.message, "url");
        throw e;
      }
      if (m.kind === "none") throw httpError("HTTP_NOT_FOUND", `${url.pathname}: no such resource`, "url");
      if (m.kind === "method") {
        res.setHeader("allow", m.allow.join(", "));
        throw httpError("HTTP_METHOD_NOT_ALLOWED", `${method} ${url.pathname}: use ${m.allow.join(" or ")}`, "method");
      }
      const onRequest = opts.onRequest;
      if (onRequest !== undefined) {
        const t0 = performance.now();
        const route = `${m.route.method} ${m.route.path}`;
        res.once("finish", () => onRequest(route, res.statusCode, (performance.now() - t0) / 1000));
      }
      const principal = principalOf(req, opts.core.auth);
      let bodyRead: Promise<string> | undefined;
      const ctx: RouteContext = {
        req,
        res,
        url,
        params: m.params,
        principal,
        body: () => {
          bodyRead ??= readBody(req, limit);
          return bodyRead;
        },
      };
      await m.route.handler(ctx);
      if (!res.writableEnded && !res.headersSent) {
        // A handler that wrote nothing: an empty 204 rather than a hanging request.
        res.statusCode = 204;
        res.end();
      }
    } catch (e) {
      if (!(e instanceof SuyuanError)) log("http handler failed", { method, path: url.pathname, error: String(e) });
      sendProblem(res, e, undefined, method);
    }
  };

  const headersTimeout = opts.timeouts?.headers ?? 10_000;
  const server: Server = createServer(
    {
      // Slowloris and oversized requests: bounded header bytes and time to send them (the
      // timeouts are enforced when connections are checked, so check often enough).
      maxHeaderSize: 16 * 1024,
      headersTimeout,
      requestTimeout: opts.timeouts?.request ?? 120_000,
      keepAliveTimeout: opts.timeouts?.keepAlive ?? 5_000,
      connectionsCheckingInterval: Math.max(50, Math.min(5_000, Math.floor(headersTimeout / 4))),
    },
    (req, res) => {
      handle(req, res).catch((e) => {
        log("http request failed", { error: String(e) });
        if (!res.headersSent) sendProblem(res, e);
        else res.destroy();
      });
    },
  );
  server.timeout = opts.timeouts?.idle ?? 30_000;
  server.on("clientError", (err: NodeJS.ErrnoException, socket) => {
    // Malformed request lines, header overflow, timeouts: answer if the socket still can.
    if (!socket.writable || (socket as { _httpMessage?: unknown })._httpMessage) {
      socket.destroy();
      return;
    }
    const status = err.code === "HPE_HEADER_OVERFLOW" ? 431 : err.code === "ERR_HTTP_REQUEST_TIMEOUT" ? 408 : 400;
    const code = status === 431 ? "HTTP_HEADERS_TOO_LARGE" : status === 408 ? "HTTP_TIMEOUT" : "HTTP_BAD_REQUEST";
    const body = JSON.stringify({
      type: `https://suyuan.dev/problems/${code}`,
      title: status === 431 ? "Request Header Fields Too Large" : status === 408 ? "Request Timeout" : "Bad Request",
      status,
      detail: "the request could not be read",
      code,
    });
    socket.end(
      `HTTP/1.1 ${status} ${status === 431 ? "Request Header Fields Too Large" : status === 408 ? "Request Timeout" : "Bad Request"}\r\n` +
        `content-type: application/problem+json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  });

  const wanted = opts.address ?? "127.0.0.1:0";
  const colon = wanted.lastIndexOf(":");
  const host = colon < 0 ? wanted : wanted.slice(0, colon);
  const port = colon < 0 ? 0 : Number(wanted.slice(colon + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new TypeError(`startHttp: bad address ${wanted}`);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host.replace(/^\[|\]$/g, ""), () => {
      server.off("error", reject);
      resolve();
    });
  });
  const a = server.address() as AddressInfo;
  const url = `http://${a.family === "IPv6" ? `[${a.address}]` : a.address}:${a.port}`;
  log("http serving", { url });

  let closed = false;
  return {
    url,
    captureJobs,
    async close() {
      if (closed) return;
      closed = true;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        // Requests still running get a moment, then their sockets go.
        setTimeout(() => server.closeAllConnections(), 2000).unref();
      });
      await captureJobs.close();
    },
  };
}
