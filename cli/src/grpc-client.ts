// The CLI's side of the core's gRPC API: connect with a bearer token, call unary methods as
// promises, and turn a failed call into a SuyuanError carrying the core's domain code (the
// `suyuan-code` trailer set by core/src/grpc/errors.ts), so the dispatcher prints
// "<CODE>: <message>" and exits 1.
import { type ChannelCredentials, type Client, credentials, Metadata, type ServiceError, status } from "@grpc/grpc-js";
import { SuyuanError } from "@suyuan/proto";
import { AdminServiceClient } from "@suyuan/proto/gen/suyuan/v1/admin.ts";
import { CaptureServiceClient } from "@suyuan/proto/gen/suyuan/v1/capture.ts";
import { LedgerServiceClient } from "@suyuan/proto/gen/suyuan/v1/ledger.ts";
import { QueryServiceClient } from "@suyuan/proto/gen/suyuan/v1/query.ts";
import { type CommandIo, UsageError } from "./io.ts";

/** Per-call deadline: a core that accepts the connection but never answers must not hang the CLI. */
const CALL_TIMEOUT_MS = 60_000;

export interface CoreConnection {
  address: string;
  capture: CaptureServiceClient;
  query: QueryServiceClient;
  ledger: LedgerServiceClient;
  admin: AdminServiceClient;
  /** `authorization: Bearer <token>` when a token was given, else empty (public view). */
  metadata: Metadata;
  close(): void;
}

/** HOST:PORT with a numeric port (IPv6 hosts in brackets). */
export function checkAddress(address: string, flag = "--core"): string {
  const m = /^(\[[0-9A-Fa-f:.]+\]|[^\s:[\]]+):(\d{1,5})$/.exec(address);
  if (m === null || Number(m[2]) > 65535)
    throw new UsageError(`${flag} must be HOST:PORT, got ${JSON.stringify(address)}`);
  return address;
}

export function connectCore(address: string, token: string | undefined): CoreConnection {
  checkAddress(address);
  const creds: ChannelCredentials = credentials.createInsecure();
  const capture = new CaptureServiceClient(address, creds);
  // One channel for all services: the later clients reuse the first one's.
  const channel = { channelOverride: capture.getChannel() };
  const query = new QueryServiceClient(address, creds, channel);
  const ledger = new LedgerServiceClient(address, creds, channel);
  const admin = new AdminServiceClient(address, creds, channel);
  const metadata = new Metadata();
  if (token !== undefined) metadata.set("authorization", `Bearer ${token}`);
  return {
    address,
    capture,
    query,
    ledger,
    admin,
    metadata,
    close() {
      for (const c of [query, ledger, admin, capture]) c.close();
    },
  };
}

/** The domain error a failed call stands for: the core's code when it sent one. */
export function callError(e: unknown, address: string, method: string): SuyuanError {
  const se = e as Partial<ServiceError>;
  const code = se.metadata?.get("suyuan-code")[0];
  const field = se.metadata?.get("suyuan-field")[0];
  const details = se.details ?? (e instanceof Error ? e.message : String(e));
  if (typeof code === "string") {
    // The core sends SuyuanError.message, which already starts with "<CODE>: ".
    const reason = details.startsWith(`${code}: `) ? details.slice(code.length + 2) : details;
    return new SuyuanError(code, reason, typeof field === "string" ? { field } : {});
  }
  // No domain code: the transport failed (core down, wrong address) or the server broke.
  const name = se.code === undefined ? "UNKNOWN" : (status[se.code] ?? String(se.code));
  const cliCode =
    se.code === status.UNAVAILABLE || se.code === status.DEADLINE_EXCEEDED ? "CLI_CORE_UNREACHABLE" : "CLI_CALL_FAILED";
  return new SuyuanError(cliCode, `${method} on ${address}: ${name}: ${details}`);
}

type Unary<Req, Res> = (
  req: Req,
  md: Metadata,
  options: { deadline: Date },
  cb: (err: ServiceError | null, res: Res) => void,
) => unknown;

/** Calls `client.method(req)` with the connection's metadata; rejects with callError. */
export function unary<C extends Client, Req, Res>(
  conn: CoreConnection,
  client: C,
  method: Unary<Req, Res>,
  req: Req,
  name: string,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    method.call(client, req, conn.metadata, { deadline: new Date(Date.now() + CALL_TIMEOUT_MS) }, (err, res) =>
      err ? reject(callError(err, conn.address, name)) : resolve(res),
    );
  });
}

/** The bearer token from `--token T` or `--token-file F` (first line, trimmed). */
export async function tokenFrom(
  flags: Record<string, string | boolean>,
  io: CommandIo,
  required: boolean,
): Promise<string | undefined> {
  const t = flags.token;
  const f = flags["token-file"];
  if (typeof t === "string" && typeof f === "string") throw new UsageError("give --token or --token-file, not both");
  if (typeof t === "string") {
    if (t.trim() === "") throw new UsageError("--token is empty");
    return t.trim();
  }
  if (typeof f === "string") {
    const text = (await io.readFile(f)).trim();
    if (text === "") throw new UsageError(`--token-file ${f} is empty`);
    return text.split(/\r?\n/)[0]!.trim();
  }
  if (required) throw new UsageError("this command needs a token: --token T or --token-file F");
  return undefined;
}

/** `--core HOST:PORT`, required. */
export function coreAddress(flags: Record<string, string | boolean>): string {
  const a = flags.core;
  if (typeof a !== "string") throw new UsageError("--core HOST:PORT is required");
  return checkAddress(a);
}

/** Connects, runs `fn`, always closes. */
export async function withCore<T>(
  flags: Record<string, string | boolean>,
  io: CommandIo,
  tokenRequired: boolean,
  fn: (conn: CoreConnection) => Promise<T>,
): Promise<T> {
  const address = coreAddress(flags);
  const token = await tokenFrom(flags, io, tokenRequired);
  const conn = connectCore(address, token);
  try {
    return await fn(conn);
  } finally {
    conn.close();
  }
}

/** Options every remote command takes. */
export const REMOTE_FLAGS = { core: "string", token: "string", "token-file": "string" } as const;

/** Raw bytes as base64 (hashes in JSON outputs, like the checkpoint's root). */
export const b64 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64");
