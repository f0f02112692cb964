// The one place where domain errors become gRPC statuses (nice-grpc's
// createErrorStatusObject, for us). Handlers throw SuyuanError; transports call toGrpcError.
import { Metadata, type ServiceError, status } from "@grpc/grpc-js";
import { isSuyuanError } from "@suyuan/proto";

/** Error codes that mean "back off and retry": RESOURCE_EXHAUSTED with a retry hint. */
export const PUSHBACK = "CORE_PUSHBACK";

const BY_CODE: Record<string, status> = {
  [PUSHBACK]: status.RESOURCE_EXHAUSTED,
  AUTH_MISSING_TOKEN: status.UNAUTHENTICATED,
  AUTH_BAD_TOKEN: status.UNAUTHENTICATED,
  AUTH_FORBIDDEN: status.PERMISSION_DENIED,
  POLICY_FORBIDDEN: status.PERMISSION_DENIED,
  CORE_NOT_READY: status.UNAVAILABLE,
  CORE_LOG_INCONSISTENT: status.FAILED_PRECONDITION,
  STORE_CLOSED: status.UNAVAILABLE,
  STORE_NOT_OPEN: status.UNAVAILABLE,
  STORE_CORRUPT: status.DATA_LOSS,
  BACKUP_BUSY: status.ABORTED,
  BACKUP_FAILED: status.INTERNAL,
  BACKUP_UNSUPPORTED: status.FAILED_PRECONDITION,
};

/** By suffix, for codes of any area (e.g. QUERY_NOT_FOUND, MASTER_NOT_FOUND). */
function bySuffix(code: string): status | undefined {
  if (code.endsWith("_NOT_FOUND")) return status.NOT_FOUND;
  if (code.endsWith("_EXISTS") || code.endsWith("_CONFLICT")) return status.ALREADY_EXISTS;
  return undefined;
}

/** Map any thrown value to a ServiceError; the domain code travels in metadata `suyuan-code`. */
export function toGrpcError(e: unknown): Partial<ServiceError> & { code: status; details: string } {
  const metadata = new Metadata();
  if (isSuyuanError(e)) {
    metadata.set("suyuan-code", e.code);
    if (e.field !== undefined) metadata.set("suyuan-field", e.field);
    const retry = e.detail?.retryAfterMs;
    if (typeof retry === "number") metadata.set("retry-after-ms", String(retry));
    const code = BY_CODE[e.code] ?? bySuffix(e.code) ?? status.INVALID_ARGUMENT;
    return { code, details: e.message, metadata };
  }
  metadata.set("suyuan-code", "CORE_INTERNAL");
  return { code: status.INTERNAL, details: "internal error", metadata };
}

/** The domain code of a gRPC error received by a client (from metadata), if any. */
export function suyuanCodeOf(e: unknown): string | undefined {
  const md = (e as { metadata?: Metadata }).metadata;
  const v = md?.get("suyuan-code")[0];
  return typeof v === "string" ? v : undefined;
}
