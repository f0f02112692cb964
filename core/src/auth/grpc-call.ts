// Adapters from grpc-js handler signatures to async functions of (request, principal): the
// one place a call is authenticated, its role checked, its access recorded and its errors
// mapped (core/src/grpc/errors.ts).
import type { handleServerStreamingCall, handleUnaryCall, ServerWritableStream } from "@grpc/grpc-js";
import { toGrpcError } from "../grpc/errors.ts";
import type { Principal, Role } from "../model.ts";
import { REFUSED_SUFFIX } from "./audit.ts";
import type { AuthService } from "./auth.ts";
import { requireRole } from "./roles.ts";

export interface CallSpec<Req> {
  /** "Service.Method", for messages and the access record. */
  method: string;
  /** Roles allowed; "any" lets every caller through (the handler decides). */
  roles: readonly Role[] | "any";
  /** What the call is about, for the access record. */
  target?: (req: Req) => string | undefined;
}

export type CallLog = (msg: string, fields?: object) => void;

function admit<Req>(
  auth: AuthService,
  spec: CallSpec<Req>,
  metadata: Parameters<AuthService["principalFromMetadata"]>[0],
  req: Req,
): Principal {
  const principal = auth.principalFromMetadata(metadata);
  const target = spec.target?.(req);
  const what = target === undefined || target === "" ? {} : { target };
  try {
    if (spec.roles !== "any") requireRole(principal, spec.roles, spec.method);
  } catch (e) {
    // Refused attempts are part of "who did what" too.
    void auth.recordAccess({ principal, action: `${spec.method}${REFUSED_SUFFIX}`, ...what });
    throw e;
  }
  void auth.recordAccess({ principal, action: spec.method, ...what });
  return principal;
}

function logFailure(log: CallLog, method: string, e: unknown): void {
  const code = (e as { code?: unknown }).code;
  if (typeof code !== "string") log("call failed", { method, error: String(e) });
}

export function unaryCall<Req, Res>(
  auth: AuthService,
  spec: CallSpec<Req>,
  fn: (req: Req, principal: Principal) => Promise<Res> | Res,
  log: CallLog = () => {},
): handleUnaryCall<Req, Res> {
  return (call, callback) => {
    (async () => {
      const principal = admit(auth, spec, call.metadata, call.request);
      return fn(call.request, principal);
    })().then(
      (res) => callback(null, res),
      (e) => {
        logFailure(log, spec.method, e);
        callback(toGrpcError(e));
      },
    );
  };
}

/**
 * A server-streaming call over an AsyncIterable: each item is written (waiting for 'drain'
 * when grpc-js buffers), the call ends when the iterable does, and a client cancel stops the
 * iterable (its `return()` runs) without an error.
 */
export function serverStreamingCall<Req, Res>(
  auth: AuthService,
  spec: CallSpec<Req>,
  fn: (req: Req, principal: Principal, signal: AbortSignal) => AsyncIterable<Res>,
  log: CallLog = () => {},
): handleServerStreamingCall<Req, Res> {
  return (call: ServerWritableStream<Req, Res>) => {
    const abort = new AbortController();
    const onCancel = () => abort.abort();
    call.on("cancelled", onCancel);
    (async () => {
      const principal = admit(auth, spec, call.metadata, call.request);
      for await (const item of fn(call.request, principal, abort.signal)) {
        if (abort.signal.aborted) break;
        if (!call.write(item)) {
          await new Promise<void>((resolve) => {
            const done = () => {
              call.off("drain", done);
              abort.signal.removeEventListener("abort", done);
              resolve();
            };
            call.on("drain", done);
            abort.signal.addEventListener("abort", done);
          });
        }
      }
    })().then(
      () => {
        call.off("cancelled", onCancel);
        if (!abort.signal.aborted) call.end();
      },
      (e) => {
        call.off("cancelled", onCancel);
        if (abort.signal.aborted) return;
        logFailure(log, spec.method, e);
        // grpc-js: an 'error' emitted on a server stream ends the call with that status.
        call.emit("error", toGrpcError(e));
      },
    );
  };
}
