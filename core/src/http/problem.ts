// The one place where domain errors become HTTP statuses and RFC 9457 (formerly RFC 7807)
// problem documents — the HTTP twin of core/src/grpc/errors.ts, with the same code table.
import type { ServerResponse } from "node:http";
import { isSuyuanError, SuyuanError } from "@suyuan/proto";
import { PUSHBACK } from "../grpc/errors.ts";

/** `type` URIs of our problem documents: `https://suyuan.dev/problems/<code>`. */
export const PROBLEM_BASE = "https://suyuan.dev/problems/";

export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  field?: string;
  instance?: string;
}

const BY_CODE: Record<string, number> = {
  [PUSHBACK]: 503,
  AUTH_MISSING_TOKEN: 401,
  AUTH_BAD_TOKEN: 401,
  AUTH_FORBIDDEN: 403,
  POLICY_FORBIDDEN: 403,
  CORE_NOT_READY: 503,
  CORE_LOG_INCONSISTENT: 409,
  STORE_CLOSED: 503,
  STORE_NOT_OPEN: 503,
  STORE_CORRUPT: 500,
  QUERY_TOO_LARGE: 413,
  QUERY_NOT_IN_CHECKPOINT: 409,
  // Transport-level codes of this binding.
  HTTP_NOT_FOUND: 404,
  HTTP_METHOD_NOT_ALLOWED: 405,
  HTTP_NOT_ACCEPTABLE: 406,
  HTTP_UNSUPPORTED_VERSION: 406,
  HTTP_TOO_LARGE: 413,
  HTTP_UNSUPPORTED_MEDIA_TYPE: 415,
  HTTP_BAD_REQUEST: 400,
  HTTP_BAD_URL: 400,
  HTTP_BAD_JSON: 400,
  HTTP_TIMEOUT: 408,
  CORE_INTERNAL: 500,
};

const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  406: "Not Acceptable",
  408: "Request Timeout",
  409: "Conflict",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

/** HTTP status of a domain error code (mirrors toGrpcError's table and suffix rules). */
export function httpStatusOf(code: string): number {
  const s = BY_CODE[code];
  if (s !== undefined) return s;
  if (code.endsWith("_NOT_FOUND")) return 404;
  if (code.endsWith("_EXISTS") || code.endsWith("_CONFLICT")) return 409;
  // Every other coded error is the caller's input breaking a named rule (gRPC
  // INVALID_ARGUMENT): EPCIS_…, QUERY_BAD_…, CAPTURE_…, MASTER_BAD_…, RECALL_BAD_….
  return 400;
}

/** A problem document (and extra headers) for any thrown value; internals never leak. */
export function toProblem(
  e: unknown,
  instance?: string,
): { problem: ProblemDocument; headers: Record<string, string> } {
  const headers: Record<string, string> = {};
  if (!isSuyuanError(e)) {
    return {
      problem: {
        type: `${PROBLEM_BASE}CORE_INTERNAL`,
        title: TITLES[500]!,
        status: 500,
        detail: "internal error",
        code: "CORE_INTERNAL",
        ...(instance === undefined ? {} : { instance }),
      },
      headers,
    };
  }
  const status = httpStatusOf(e.code);
  const retry = e.detail?.retryAfterMs;
  if (status === 503) {
    // RFC 9110 §10.2.3 Retry-After is in whole seconds.
    headers["retry-after"] = String(typeof retry === "number" && retry > 0 ? Math.max(1, Math.ceil(retry / 1000)) : 1);
  }
  const problem: ProblemDocument = {
    type: `${PROBLEM_BASE}${e.code}`,
    title: TITLES[status] ?? "Error",
    status,
    // A 500 from a coded error (e.g. STORE_CORRUPT) says what broke, not how.
    detail: status === 500 ? "internal error" : e.reason,
    code: e.code,
    ...(e.field === undefined || status === 500 ? {} : { field: e.field }),
    ...(instance === undefined ? {} : { instance }),
  };
  return { problem, headers };
}

/** Writes a problem document unless the response has already started. */
export function sendProblem(res: ServerResponse, e: unknown, instance?: string, method?: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const { problem, headers } = toProblem(e, instance);
  const body = JSON.stringify(problem);
  res.statusCode = problem.status;
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.setHeader("content-type", "application/problem+json");
  res.setHeader("content-length", Buffer.byteLength(body));
  res.end(method === "HEAD" ? undefined : body);
}

/** Shorthand for throwing a transport-level problem. */
export function httpError(code: string, message: string, field?: string): SuyuanError {
  return new SuyuanError(code, message, field === undefined ? undefined : { field });
}
