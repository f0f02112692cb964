// Bearer tokens with roles (issue 3 §5, DESIGN.md "Security").
//
// A token is `sy_<id>.<secret>`: <id> 16 hex chars (public, names the token in lists and
// audit records), <secret> 32 random bytes in base64url (RFC 4648 §5). Only SHA-256 of the
// secret is stored, so a copy of the store does not yield usable tokens; the check compares
// hashes in constant time.
//
// Stored in the ledger store's meta:
//   md:tokens  { v: 1, items: TokenRecord[] }  sorted by id
import { createHash, randomBytes as nodeRandomBytes, timingSafeEqual } from "node:crypto";
import type { Metadata } from "@grpc/grpc-js";
import { SuyuanError } from "@suyuan/proto";
import { canonicalPartyId } from "../master/ids.ts";
import type { MasterDataReader, Principal, Role } from "../model.ts";
import type { LedgerStore } from "../store/store.ts";
import { type AccessEvent, type AccessRecord, AuditLog } from "./audit.ts";
import { isRole, PUBLIC_PRINCIPAL } from "./roles.ts";

export interface TokenRecord {
  id: string;
  role: Role;
  party?: string;
  gatewayId?: string;
  /** Who or what the token is for. */
  label: string;
  /** Hex SHA-256 of the secret part. */
  secretSha256: string;
  issuedAt: string;
  expiresAt?: string;
  revokedAt?: string;
}

/** A token as shown to admins: never the secret or its hash. */
export type TokenInfo = Omit<TokenRecord, "secretSha256">;

export interface IssueTokenInput {
  role: Role;
  party?: string;
  gatewayId?: string;
  label: string;
  expiresAt?: string;
}

export interface AuthOptions {
  store: Pick<LedgerStore, "getMeta" | "putMeta" | "append" | "scan">;
  /** For checking a gateway token's gateway and a token's party. */
  master?: Pick<MasterDataReader, "gateway" | "party">;
  now?: () => Date;
  log?: (msg: string, fields?: object) => void;
  /** Injected for tests; default node:crypto randomBytes. */
  randomBytes?: (n: number) => Uint8Array;
  /** Told every access as it is recorded (the core's request metrics). */
  onAccess?: (e: AccessEvent) => void;
}

const KEY = "md:tokens";
const TOKEN_RE = /^sy_([0-9a-f]{16})\.([A-Za-z0-9_-]{43})$/;

function sha256(s: string): Buffer {
  return createHash("sha256").update(s, "utf8").digest();
}

function badToken(message: string): SuyuanError {
  return new SuyuanError("AUTH_BAD_TOKEN", message, { field: "authorization" });
}

function info(t: TokenRecord): TokenInfo {
  const { secretSha256: _, ...rest } = t;
  return { ...rest };
}

export class AuthService {
  private readonly store: AuthOptions["store"];
  private readonly master: AuthOptions["master"];
  private readonly now: () => Date;
  private readonly log: (msg: string, fields?: object) => void;
  private readonly random: (n: number) => Uint8Array;
  private readonly audit: AuditLog;
  private readonly onAccess: ((e: AccessEvent) => void) | undefined;
  private tokens: Map<string, TokenRecord> | undefined;
  private writes: Promise<unknown> = Promise.resolve();

  constructor(opts: AuthOptions) {
    this.store = opts.store;
    this.master = opts.master;
    this.now = opts.now ?? (() => new Date());
    this.log = opts.log ?? (() => {});
    this.random = opts.randomBytes ?? nodeRandomBytes;
    this.audit = new AuditLog({ store: opts.store, now: this.now, log: this.log });
    this.onAccess = opts.onAccess;
  }

  async open(): Promise<void> {
    const raw = await this.store.getMeta(KEY);
    const m = new Map<string, TokenRecord>();
    if (raw !== undefined) {
      let doc: { v?: number; items?: TokenRecord[] };
      try {
        doc = JSON.parse(typeof raw === "string" ? raw : new TextDecoder().decode(raw));
      } catch (e) {
        throw new SuyuanError("STORE_CORRUPT", `meta ${KEY}: token table is not JSON`, { field: KEY, cause: e });
      }
      if (doc.v !== 1 || !Array.isArray(doc.items)) {
        throw new SuyuanError("STORE_CORRUPT", `meta ${KEY}: not a version-1 token table`, { field: KEY });
      }
      for (const t of doc.items) m.set(t.id, t);
    }
    this.tokens = m;
  }

  private get t(): Map<string, TokenRecord> {
    if (this.tokens === undefined) throw new SuyuanError("AUTH_NOT_OPEN", "auth: await open() first");
    return this.tokens;
  }

  private write<R>(change: (draft: Map<string, TokenRecord>) => R): Promise<R> {
    const run = async () => {
      const draft = new Map(this.t);
      const r = change(draft);
      const items = [...draft.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
      await this.store.putMeta(KEY, JSON.stringify({ v: 1, items }));
      this.tokens = draft;
      return r;
    };
    const p = this.writes.then(run);
    this.writes = p.catch(() => undefined);
    return p;
  }

  /**
   * Issues a token. Gateway tokens name an enrolled gateway (their party is the gateway's);
   * partner tokens name a party. The token string is returned once and never stored.
   */
  issueToken(input: IssueTokenInput): Promise<{ id: string; token: string; info: TokenInfo }> {
    let rec: TokenRecord;
    let token: string;
    try {
      ({ rec, token } = this.newToken(input));
    } catch (e) {
      return Promise.reject(e);
    }
    return this.write((d) => {
      d.set(rec.id, rec);
      this.log("token issued", { id: rec.id, role: rec.role, party: rec.party, gatewayId: rec.gatewayId });
      return { id: rec.id, token, info: info(rec) };
    });
  }

  private newToken(input: IssueTokenInput): { rec: TokenRecord; token: string } {
    if (!isRole(input.role)) {
      throw new SuyuanError("AUTH_BAD_REQUEST", `role: ${JSON.stringify(input.role)} is not a role`, { field: "role" });
    }
    if (input.role === "public") {
      throw new SuyuanError("AUTH_BAD_REQUEST", "role: public needs no token", { field: "role" });
    }
    const label = typeof input.label === "string" ? input.label.trim() : "";
    if (label === "" || label.length > 200) {
      throw new SuyuanError("AUTH_BAD_REQUEST", "label: must say who or what the token is for (1-200 chars)", {
        field: "label",
      });
    }
    let party = input.party === undefined || input.party === "" ? undefined : canonicalPartyId(input.party, "party");
    let gatewayId: string | undefined;
    if (input.role === "gateway") {
      gatewayId = input.gatewayId;
      if (gatewayId === undefined || gatewayId === "") {
        throw new SuyuanError("AUTH_BAD_REQUEST", "gatewayId: a gateway token must name its gateway", {
          field: "gatewayId",
        });
      }
      if (this.master !== undefined) {
        const g = this.master.gateway(gatewayId);
        if (g === undefined) {
          throw new SuyuanError("AUTH_BAD_REQUEST", `gatewayId: gateway ${gatewayId} is not enrolled`, {
            field: "gatewayId",
          });
        }
        if (party !== undefined && party !== g.party) {
          throw new SuyuanError("AUTH_BAD_REQUEST", `party: gateway ${gatewayId} belongs to party ${g.party}`, {
            field: "party",
          });
        }
        party = g.party;
      }
    } else if (input.gatewayId !== undefined && input.gatewayId !== "") {
      throw new SuyuanError("AUTH_BAD_REQUEST", "gatewayId: only gateway tokens name a gateway", {
        field: "gatewayId",
      });
    }
    if ((input.role === "partner" || input.role === "gateway") && party === undefined) {
      throw new SuyuanError("AUTH_BAD_REQUEST", `party: a ${input.role} token must name its party`, { field: "party" });
    }
    if (party !== undefined && this.master !== undefined && this.master.party(party) === undefined) {
      throw new SuyuanError("AUTH_BAD_REQUEST", `party: unknown party ${party}`, { field: "party" });
    }
    let expiresAt: string | undefined;
    if (input.expiresAt !== undefined && input.expiresAt !== "") {
      const t = Date.parse(input.expiresAt);
      if (Number.isNaN(t)) {
        throw new SuyuanError("AUTH_BAD_REQUEST", "expiresAt: must be an RFC 3339 time", { field: "expiresAt" });
      }
      expiresAt = new Date(t).toISOString();
    }
    let id: string;
    do id = Buffer.from(this.random(8)).toString("hex");
    while (this.t.has(id));
    const secret = Buffer.from(this.random(32)).toString("base64url");
    const rec: TokenRecord = {
      id,
      role: input.role,
      label,
      secretSha256: sha256(secret).toString("hex"),
      issuedAt: this.now().toISOString(),
      ...(party === undefined ? {} : { party }),
      ...(gatewayId === undefined ? {} : { gatewayId }),
      ...(expiresAt === undefined ? {} : { expiresAt }),
    };
    return { rec, token: `sy_${id}.${secret}` };
  }

  /** Revokes a token: it authenticates nothing from now on. Idempotent. */
  revokeToken(id: string): Promise<TokenInfo> {
    return this.write((d) => {
      const t = d.get(id);
      if (t === undefined) {
        throw new SuyuanError("AUTH_TOKEN_NOT_FOUND", `tokenId: no token ${JSON.stringify(id)}`, { field: "tokenId" });
      }
      if (t.revokedAt !== undefined) return info(t);
      const revoked = { ...t, revokedAt: this.now().toISOString() };
      d.set(id, revoked);
      this.log("token revoked", { id });
      return info(revoked);
    });
  }

  listTokens(): TokenInfo[] {
    return [...this.t.values()].sort((a, b) => (a.id < b.id ? -1 : 1)).map(info);
  }

  getToken(id: string): TokenInfo | undefined {
    const t = this.t.get(id);
    return t === undefined ? undefined : info(t);
  }

  /** The principal of a token string; AUTH_BAD_TOKEN if malformed, unknown, revoked or expired. */
  authenticate(token: string): Principal {
    const m = typeof token === "string" ? TOKEN_RE.exec(token) : null;
    if (m === null) throw badToken("token: not a suyuan token (sy_<id>.<secret>)");
    const t = this.t.get(m[1]!);
    // Unknown id and wrong secret give the same answer, so ids cannot be probed.
    const expected = t === undefined ? sha256("") : Buffer.from(t.secretSha256, "hex");
    const ok = timingSafeEqual(sha256(m[2]!), expected) && t !== undefined;
    if (!ok || t === undefined) throw badToken("token: unknown token or wrong secret");
    if (t.revokedAt !== undefined) throw badToken(`token ${t.id}: revoked at ${t.revokedAt}`);
    if (t.expiresAt !== undefined && Date.parse(t.expiresAt) <= this.now().getTime()) {
      throw badToken(`token ${t.id}: expired at ${t.expiresAt}`);
    }
    return {
      id: t.id,
      role: t.role,
      ...(t.party === undefined ? {} : { party: t.party }),
      ...(t.gatewayId === undefined ? {} : { gatewayId: t.gatewayId }),
    };
  }

  /**
   * The caller of a gRPC call: `authorization: Bearer <token>` (RFC 6750 §2.1), or the public
   * principal when the call carries no authorization header.
   */
  principalFromMetadata(metadata: Metadata): Principal {
    const values = metadata.get("authorization");
    if (values.length === 0) return { ...PUBLIC_PRINCIPAL };
    if (values.length > 1) throw badToken("authorization: give one header, not several");
    const v = values[0];
    const m = typeof v === "string" ? /^Bearer +(\S+) *$/i.exec(v) : null;
    if (m === null) throw badToken("authorization: must be 'Bearer <token>'");
    return this.authenticate(m[1]!);
  }

  /**
   * Creates the first admin token when no usable admin token exists, and returns it (once: only
   * its hash is kept), so `core start` can print it or write it to the data directory.
   */
  async ensureAdminToken(): Promise<{ id: string; token: string } | undefined> {
    const now = this.now().getTime();
    const usable = [...this.t.values()].some(
      (t) =>
        t.role === "admin" && t.revokedAt === undefined && (t.expiresAt === undefined || Date.parse(t.expiresAt) > now),
    );
    if (usable) return undefined;
    const { id, token } = await this.issueToken({ role: "admin", label: "bootstrap admin" });
    this.log("bootstrap admin token created", { id });
    return { id, token };
  }

  /** Records an access (who, what, when). Never rejects; may be left unawaited. */
  recordAccess(e: AccessEvent): Promise<void> {
    this.onAccess?.(e);
    return this.audit.record(e);
  }

  listAccess(
    opts: { from?: Date | string; to?: Date | string; limit?: number; newestFirst?: boolean } = {},
  ): Promise<AccessRecord[]> {
    return this.audit.list(opts);
  }

  /** Waits for queued audit writes (call before closing the store). */
  flush(): Promise<void> {
    return this.audit.flush();
  }
}
