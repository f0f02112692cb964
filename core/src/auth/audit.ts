// The access record: who did what, when (issue 3 §5 "every query is recorded").
//
// Stored as index records of the ledger store, outside the Merkle log (an access is not a
// supply-chain event):
//   index "audit": key = <RFC 3339 UTC time, ms> "/" <12-digit sequence>  (sorts by time)
//                  value = JSON AccessRecord
// Records are group-committed: callers that arrive while a write is in flight share the
// next one, so recording every query costs one store write per burst, not per query.
import type { Principal } from "../model.ts";
import type { LedgerStore } from "../store/store.ts";

export const AUDIT_INDEX = "audit";

export interface AccessRecord {
  at: string;
  principal: string;
  role: Principal["role"];
  party?: string;
  gatewayId?: string;
  /** What was done, e.g. "QueryService.GetChain". */
  action: string;
  /** What it was done to, e.g. the code asked for. */
  target?: string;
}

/** Appended to the action of an access whose role was refused ("QueryService.GetChain (refused)"). */
export const REFUSED_SUFFIX = " (refused)";

export interface AccessEvent {
  principal: Principal;
  action: string;
  target?: string;
  at?: Date;
}

export type AuditStore = Pick<LedgerStore, "append" | "scan">;

interface Pending {
  key: string;
  value: string;
  done: () => void;
}

export class AuditLog {
  private readonly store: AuditStore;
  private readonly now: () => Date;
  private readonly log: (msg: string, fields?: object) => void;
  private seq = 0;
  private pending: Pending[] = [];
  private flushing: Promise<void> | undefined;

  constructor(opts: { store: AuditStore; now?: () => Date; log?: (msg: string, fields?: object) => void }) {
    this.store = opts.store;
    this.now = opts.now ?? (() => new Date());
    this.log = opts.log ?? (() => {});
  }

  /**
   * Queues a record; resolves once it is written. Never rejects (a failed audit write is
   * logged, it does not fail the query that caused it), so callers may leave it unawaited.
   */
  record(e: AccessEvent): Promise<void> {
    const at = (e.at ?? this.now()).toISOString();
    const rec: AccessRecord = {
      at,
      principal: e.principal.id,
      role: e.principal.role,
      ...(e.principal.party === undefined ? {} : { party: e.principal.party }),
      ...(e.principal.gatewayId === undefined ? {} : { gatewayId: e.principal.gatewayId }),
      action: e.action,
      ...(e.target === undefined ? {} : { target: e.target }),
    };
    this.seq += 1;
    const key = `${at}/${String(this.seq).padStart(12, "0")}`;
    return new Promise<void>((done) => {
      this.pending.push({ key, value: JSON.stringify(rec), done });
      this.flushing ??= this.flushLoop();
    });
  }

  /** Resolves when everything recorded so far is written. */
  async flush(): Promise<void> {
    while (this.flushing !== undefined) await this.flushing;
  }

  private async flushLoop(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const batch = this.pending;
        this.pending = [];
        try {
          await this.store.append({
            entries: [],
            indexes: batch.map((p) => ({ index: AUDIT_INDEX, key: p.key, value: p.value })),
          });
        } catch (err) {
          this.log("audit write failed", { records: batch.length, error: String(err) });
        }
        for (const p of batch) p.done();
      }
    } finally {
      this.flushing = undefined;
    }
  }

  /** Records in time order within [from, to) (RFC 3339 or Date), at most `limit`. */
  async list(opts: { from?: Date | string; to?: Date | string; limit?: number; newestFirst?: boolean } = {}) {
    await this.flush();
    const iso = (d: Date | string) => (typeof d === "string" ? new Date(d) : d).toISOString();
    const out: AccessRecord[] = [];
    const range = {
      ...(opts.from === undefined ? {} : { gte: iso(opts.from) }),
      ...(opts.to === undefined ? {} : { lt: iso(opts.to) }),
      ...(opts.limit === undefined ? {} : { limit: opts.limit }),
      reverse: opts.newestFirst ?? false,
    };
    for await (const hit of this.store.scan(AUDIT_INDEX, range)) {
      const v = typeof hit.value === "string" ? hit.value : new TextDecoder().decode(hit.value);
      out.push(JSON.parse(v) as AccessRecord);
    }
    return out;
  }
}
