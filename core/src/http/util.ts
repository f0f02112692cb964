// Small helpers shared by the REST binding and the JSON API.
import type { ServerResponse } from "node:http";
import { SuyuanError } from "@suyuan/proto";
import { REFUSED_SUFFIX } from "../auth/audit.ts";
import { requireRole } from "../auth/roles.ts";
import type { Principal, Role } from "../model.ts";
import type { RouteContext } from "./route.ts";
import type { HttpCore } from "./server.ts";

export function sendJson(res: ServerResponse, status: number, body: unknown, contentType = "application/json"): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader("content-type", `${contentType}; charset=utf-8`);
  res.setHeader("content-length", Buffer.byteLength(text));
  res.end(text);
}

export function sendText(res: ServerResponse, status: number, body: string, contentType: string): void {
  res.statusCode = status;
  res.setHeader("content-type", contentType);
  res.setHeader("content-length", Buffer.byteLength(body));
  res.end(body);
}

export function badParam(field: string, rule: string): SuyuanError {
  return new SuyuanError("HTTP_BAD_REQUEST", `${field}: ${rule}`, { field });
}

/** A required single query parameter. */
export function requiredParam(url: URL, name: string): string {
  const v = url.searchParams.get(name);
  if (v === null || v.trim() === "") throw badParam(name, "is required");
  return v.trim();
}

/** A non-negative integer query parameter, or the default. */
export function intParam(url: URL, name: string, dflt: number, max = Number.MAX_SAFE_INTEGER): number {
  const v = url.searchParams.get(name);
  if (v === null || v === "") return dflt;
  if (!/^\d{1,15}$/.test(v) || Number(v) > max) throw badParam(name, `must be an integer from 0 to ${max}`);
  return Number(v);
}

/** Reads and parses a JSON request body (an object). */
export async function jsonBody(ctx: RouteContext): Promise<Record<string, unknown>> {
  const ct = ctx.req.headers["content-type"];
  if (ct !== undefined && !/^application\/(?:[\w.+-]+\+)?json\b/i.test(ct)) {
    throw new SuyuanError("HTTP_UNSUPPORTED_MEDIA_TYPE", `content-type: ${ct} is not JSON`, { field: "content-type" });
  }
  const text = await ctx.body();
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new SuyuanError("HTTP_BAD_JSON", "body: is not JSON", { field: "body" });
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw new SuyuanError("HTTP_BAD_JSON", "body: must be a JSON object", { field: "body" });
  }
  return v as Record<string, unknown>;
}

/**
 * The role check and the access record of one call (issue 3 §5: every query is recorded),
 * the HTTP twin of auth/grpc-call.ts `admit`.
 */
export function admit(
  core: Pick<HttpCore, "auth">,
  principal: Principal,
  action: string,
  roles: readonly Role[] | "any",
  target?: string,
): void {
  const what = target === undefined || target === "" ? {} : { target: target.slice(0, 500) };
  try {
    if (roles !== "any") requireRole(principal, roles, action);
  } catch (e) {
    void core.auth.recordAccess({ principal, action: `${action}${REFUSED_SUFFIX}`, ...what });
    throw e;
  }
  void core.auth.recordAccess({ principal, action, ...what });
}

/** Media types in an Accept header, best first (RFC 9110 §12.5.1). */
export function acceptList(header: string | undefined): string[] {
  if (header === undefined || header.trim() === "") return ["*/*"];
  return header
    .split(",")
    .map((part, i) => {
      const [type, ...ps] = part.trim().split(";");
      let q = 1;
      for (const p of ps) {
        const m = /^\s*q=([\d.]+)\s*$/.exec(p);
        if (m) q = Number(m[1]);
      }
      return { type: (type ?? "").trim().toLowerCase(), q: Number.isFinite(q) ? q : 0, i };
    })
    .filter((x) => x.type !== "" && x.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i)
    .map((x) => x.type);
}
