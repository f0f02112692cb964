// Recalls as a workflow (issue 3 §6): issue → recorded in the log → holders computed →
// notices to the holders' gateways (backlog on reconnect) → acknowledgements → status.
//
// Stored in the ledger store's meta:
//   recall:list    JSON string[]         recall ids in issue order (seq = position + 1)
//   recall:r:<id>  JSON RecallRecord     scope, holders and their notified/acknowledged times
// The recall event and the first version of both are written in ONE ledger append, so a
// recall is either in the log with its state or not at all.
//
// Notice cursors are "<seq:10 digits>.<holder index:6 digits>": they sort in issue order, so
// "everything after cursor c" is a plain comparison.
import { type EpcisEvent, type ExtensionElement, eventHash, parseCode, SuyuanError } from "@suyuan/proto";
import { requireRole } from "../auth/roles.ts";
import { canonicalCode, canonicalLocationId, canonicalPartyId } from "../master/ids.ts";
import type { Ledger, MasterDataReader, Principal, StoredEvent } from "../model.ts";
import type { LedgerStore } from "../store/store.ts";
import type {
  ComputeRecall,
  HolderStatus,
  IssueRecallInput,
  RecallAnswer,
  RecallClass,
  RecallNotice,
  RecallRecord,
  RecallState,
  RecallStatus,
} from "./types.ts";

/** Namespace of the recall user extension on the recall event (EPCIS 2.0 §6.5, §9.3). */
export const RECALL_NS = "https://suyuan.dev/ns/recall#";

const LIST_KEY = "recall:list";
const recordKey = (id: string) => `recall:r:${id}`;
const CURSOR_RE = /^\d{10}\.\d{6}$/;

export interface RecallServiceOptions {
  ledger: Pick<Ledger, "append" | "indexOf">;
  store: Pick<LedgerStore, "getMeta" | "putMeta">;
  master: Pick<MasterDataReader, "partyOfLocation">;
  /** The query service's forward closure (QueryEngine.recall). */
  computeRecall: ComputeRecall;
  now?: () => Date;
  log?: (msg: string, fields?: object) => void;
}

/** What a holder is to do, by class. */
export function recallInstructions(c: RecallClass): string {
  // Deadlines follow China's 药品召回管理办法 (2022) §16 (notify within 1 / 3 / 7 days by
  // level); food recalls (食品召回管理办法 §13) use the same three levels.
  switch (c) {
    case "I":
      return "Class I (serious hazard): stop selling, distributing and dispensing the affected units at once, quarantine them, and acknowledge within 24 hours.";
    case "II":
      return "Class II: stop selling and distributing the affected units, quarantine them, and acknowledge within 3 days.";
    case "III":
      return "Class III: withdraw the affected units from sale, set them aside for return, and acknowledge within 7 days.";
  }
}

const isClass = (v: unknown): v is RecallClass => v === "I" || v === "II" || v === "III";

function cursorOf(seq: number, holder: number): string {
  return `${String(seq).padStart(10, "0")}.${String(holder).padStart(6, "0")}`;
}

function badRequest(field: string, message: string): SuyuanError {
  return new SuyuanError("RECALL_BAD_REQUEST", `${field}: ${message}`, { field });
}

function stateOf(r: RecallRecord): RecallState {
  if (r.closedAt !== undefined) return "closed";
  return r.holders.length > 0 && r.holders.every((h) => h.acknowledgedAt !== undefined) ? "acknowledged" : "open";
}

/** Who a watch or acknowledgement is for: one party, or every party (admins, officers). */
function partyScope(principal: Principal, what: string): string | "all" {
  if (principal.party !== undefined) return principal.party;
  if (principal.role === "admin" || principal.role === "recall_officer" || principal.role === "inspector") return "all";
  requireRole(principal, ["gateway", "partner", "admin", "recall_officer", "inspector"], what);
  throw new SuyuanError("AUTH_FORBIDDEN", `${what} needs a token that acts for a party`, { field: "authorization" });
}

interface Watcher {
  party: string | "all";
  locations: ReadonlySet<string> | undefined;
  push(n: RecallNotice): void;
  end(): void;
}

export interface WatchOptions {
  /** Resume after this cursor (from a previous notice). */
  cursor?: string;
  /** Only notices for these locations (any code form). */
  locations?: readonly string[];
  /** Ends the stream (e.g. the gRPC client cancelled). */
  signal?: AbortSignal;
}

export class RecallService {
  private readonly ledger: RecallServiceOptions["ledger"];
  private readonly store: RecallServiceOptions["store"];
  private readonly master: RecallServiceOptions["master"];
  private readonly computeRecall: ComputeRecall;
  private readonly now: () => Date;
  private readonly log: (msg: string, fields?: object) => void;
  private order: string[] = [];
  private readonly recalls = new Map<string, RecallRecord>();
  private readonly watchers = new Set<Watcher>();
  private issuing: Promise<unknown> = Promise.resolve();
  private writes: Promise<unknown> = Promise.resolve();
  private opened = false;

  constructor(opts: RecallServiceOptions) {
    this.ledger = opts.ledger;
    this.store = opts.store;
    this.master = opts.master;
    this.computeRecall = opts.computeRecall;
    this.now = opts.now ?? (() => new Date());
    this.log = opts.log ?? (() => {});
  }

  async open(): Promise<void> {
    const read = async (key: string): Promise<unknown> => {
      const raw = await this.store.getMeta(key);
      if (raw === undefined) return undefined;
      try {
        return JSON.parse(typeof raw === "string" ? raw : new TextDecoder().decode(raw));
      } catch (e) {
        throw new SuyuanError("STORE_CORRUPT", `meta ${key}: not JSON`, { field: key, cause: e });
      }
    };
    const list = (await read(LIST_KEY)) ?? [];
    if (!Array.isArray(list))
      throw new SuyuanError("STORE_CORRUPT", `meta ${LIST_KEY}: not a list`, { field: LIST_KEY });
    this.order = [];
    this.recalls.clear();
    for (const id of list as string[]) {
      const r = (await read(recordKey(id))) as RecallRecord | undefined;
      if (r?.v !== 1) {
        throw new SuyuanError("STORE_CORRUPT", `meta ${recordKey(id)}: missing or not a version-1 recall`, {
          field: recordKey(id),
        });
      }
      if (r.logIndex < 0) r.logIndex = (await this.ledger.indexOf(r.eventHashId)) ?? -1;
      this.order.push(id);
      this.recalls.set(id, r);
    }
    this.opened = true;
  }

  private checkOpen(): void {
    if (!this.opened) throw new SuyuanError("RECALL_NOT_OPEN", "recall service: await open() first");
  }

  /**
   * Issues a recall: computes the affected holders, records the recall in the log (one
   * ObjectEvent, see `recallEvent`) together with its state, and notifies the watchers of
   * every affected party. Needs role recall_officer or admin.
   */
  async issueRecall(input: IssueRecallInput): Promise<RecallRecord> {
    this.checkOpen();
    requireRole(input.issuedBy, ["recall_officer", "admin"], "IssueRecall");
    const reason = typeof input.reason === "string" ? input.reason.trim() : "";
    if (reason === "" || reason.length > 2000) throw badRequest("reason", "must say why (1-2000 characters)");
    if (!isClass(input.recallClass)) throw badRequest("recallClass", "must be I, II or III");
    const lots = unique(
      (input.lots ?? []).map((l, i) => {
        const field = `lots[${i}]`;
        let r: ReturnType<typeof parseCode>;
        try {
          r = parseCode(l);
        } catch (e) {
          throw new SuyuanError("RECALL_BAD_LOT", `${field}: ${JSON.stringify(l)} is not a code`, { field, cause: e });
        }
        if (r.kind !== "lgtin") {
          throw new SuyuanError(
            "RECALL_BAD_LOT",
            `${field}: ${JSON.stringify(l)} is a ${r.kind}, not a lot (GTIN + lot)`,
            {
              field,
            },
          );
        }
        return r.canonical;
      }),
    );
    const identifiers = unique((input.identifiers ?? []).map((x, i) => canonicalCode(x, `identifiers[${i}]`)));
    if (lots.length === 0 && identifiers.length === 0) throw badRequest("lots", "name at least one lot or identifier");
    const issuedByParty =
      input.issuedByParty === undefined || input.issuedByParty === ""
        ? input.issuedBy.party
        : canonicalPartyId(input.issuedByParty, "issuedByParty");

    const answer = await this.computeRecall({ lots, identifiers });
    const holders = this.holdersOf(answer);

    const run = async (): Promise<RecallRecord> => {
      const seq = this.order.length + 1;
      const issued = this.now();
      const issuedAt = issued.toISOString();
      const id = `rc-${issuedAt.slice(0, 10).replaceAll("-", "")}-${String(seq).padStart(6, "0")}`;
      const event = recallEvent({ id, lots, identifiers, reason, recallClass: input.recallClass, issuedAt });
      const stored: StoredEvent = {
        v: 1,
        hashId: eventHash(event),
        event,
        provenance: { kind: "core", principal: input.issuedBy.id, reason: "recall" },
        recordTime: issuedAt,
      };
      const rec: RecallRecord = {
        v: 1,
        id,
        seq,
        lots,
        identifiers,
        reason,
        recallClass: input.recallClass,
        issuedAt,
        issuedBy: {
          id: input.issuedBy.id,
          role: input.issuedBy.role,
          ...(input.issuedBy.party === undefined ? {} : { party: input.issuedBy.party }),
        },
        ...(issuedByParty === undefined ? {} : { issuedByParty }),
        eventHashId: stored.hashId,
        logIndex: -1,
        scope: {
          lots: unique([...lots, ...(answer.lots ?? [])]),
          containers: [...(answer.containers ?? [])],
          lotsDerived: [...(answer.lotsDerived ?? [])],
          units:
            typeof answer.units === "number"
              ? answer.units
              : (answer.units?.length ?? holders.reduce((n, h) => n + h.units, 0)),
        },
        holders,
      };
      const [outcome] = await this.ledger.append(
        [stored],
        [
          { key: recordKey(id), value: JSON.stringify(rec) },
          { key: LIST_KEY, value: JSON.stringify([...this.order, id]) },
        ],
      );
      if (outcome === undefined)
        throw new SuyuanError("RECALL_LOG_FAILED", "the log returned no outcome for the recall event");
      rec.logIndex = outcome.index;
      this.order.push(id);
      this.recalls.set(id, rec);
      // The log index is known only after the append; record it (if this write is lost, open()
      // finds the index again by the event hash).
      await this.persist(rec);
      this.log("recall issued", {
        id,
        lots: lots.length,
        identifiers: identifiers.length,
        holders: holders.length,
        logIndex: rec.logIndex,
      });
      this.publish(rec);
      return structuredClone(rec);
    };
    const p = this.issuing.then(run);
    this.issuing = p.catch(() => undefined);
    return p;
  }

  private holdersOf(answer: RecallAnswer): HolderStatus[] {
    return answer.holders.map((h) => {
      const party = h.party ?? (h.location === undefined ? undefined : this.master.partyOfLocation(h.location));
      const unitIds = typeof h.units === "number" ? undefined : [...h.units];
      return {
        ...(h.location === undefined ? {} : { location: h.location }),
        ...(party === undefined ? {} : { party }),
        units: typeof h.units === "number" ? h.units : h.units.length,
        ...(unitIds === undefined ? {} : { unitIds }),
      };
    });
  }

  private notice(r: RecallRecord, i: number, backlog: boolean): RecallNotice {
    const h = r.holders[i]!;
    return {
      recallId: r.id,
      recallClass: r.recallClass,
      reason: r.reason,
      lots: [...r.lots],
      identifiers: [...r.identifiers],
      instructions: recallInstructions(r.recallClass),
      issuedAt: r.issuedAt,
      holder: {
        ...(h.location === undefined ? {} : { location: h.location }),
        ...(h.party === undefined ? {} : { party: h.party }),
        units: h.units,
        ...(h.unitIds === undefined ? {} : { unitIds: [...h.unitIds] }),
      },
      cursor: cursorOf(r.seq, i),
      backlog,
    };
  }

  private matches(w: Pick<Watcher, "party" | "locations">, h: HolderStatus): boolean {
    if (w.party !== "all" && h.party !== w.party) return false;
    return w.locations === undefined || (h.location !== undefined && w.locations.has(h.location));
  }

  private publish(r: RecallRecord): void {
    for (const w of this.watchers) {
      r.holders.forEach((h, i) => {
        if (this.matches(w, h)) w.push(this.notice(r, i, false));
      });
    }
  }

  /**
   * Notices for the principal's party: first the backlog (after `cursor`; without one, every
   * open recall affecting the party), then live notices as recalls are issued. Admins,
   * recall officers and inspectors without a party see every holder's notices. The stream
   * ends when `signal` aborts or the consumer stops iterating.
   */
  watch(principal: Principal, opts: WatchOptions = {}): AsyncIterable<RecallNotice> {
    this.checkOpen();
    const party = partyScope(principal, "WatchRecalls");
    if (opts.cursor !== undefined && opts.cursor !== "" && !CURSOR_RE.test(opts.cursor)) {
      throw badRequest("cursor", "is not a cursor from a previous notice");
    }
    const after = opts.cursor === "" ? undefined : opts.cursor;
    const locations =
      opts.locations === undefined || opts.locations.length === 0
        ? undefined
        : new Set(opts.locations.map((l, i) => canonicalLocationId(l, `locations[${i}]`)));
    const filter = { party, locations };

    // Backlog snapshot and subscription in the same synchronous step: a recall issued after
    // this point reaches the queue exactly once, one issued before is in the backlog.
    const queue: RecallNotice[] = [];
    for (const id of this.order) {
      const r = this.recalls.get(id)!;
      if (after === undefined && r.closedAt !== undefined) continue;
      r.holders.forEach((h, i) => {
        if (this.matches(filter, h) && (after === undefined || cursorOf(r.seq, i) > after)) {
          queue.push(this.notice(r, i, true));
        }
      });
    }
    let wake: (() => void) | undefined;
    let done = false;
    const watcher: Watcher = {
      party,
      locations,
      push: (n) => {
        queue.push(n);
        wake?.();
      },
      end: () => stop(),
    };
    this.watchers.add(watcher);
    const stop = () => {
      done = true;
      this.watchers.delete(watcher);
      wake?.();
    };
    if (opts.signal?.aborted) stop();
    opts.signal?.addEventListener("abort", stop, { once: true });
    const delivered = (n: RecallNotice) => {
      if (principal.party !== undefined && n.holder.party === principal.party) this.markNotified(n);
    };

    const pull = async (): Promise<IteratorResult<RecallNotice>> => {
      while (!done && queue.length === 0) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
      if (done) return { done: true, value: undefined };
      const n = queue.shift()!;
      delivered(n);
      return { done: false, value: n };
    };
    // Calls to next() made before the previous one settled are served in order, as an async
    // generator would (each waits for its predecessor).
    let last: Promise<unknown> = Promise.resolve();
    const iterator: AsyncIterator<RecallNotice> = {
      next: () => {
        const p = last.then(pull);
        last = p.catch(() => undefined);
        return p;
      },
      return: async () => {
        stop();
        opts.signal?.removeEventListener("abort", stop);
        return { done: true, value: undefined };
      },
    };
    return { [Symbol.asyncIterator]: () => iterator };
  }

  /** Number of live watch streams (for tests and metrics). */
  watcherCount(): number {
    return this.watchers.size;
  }

  private markNotified(n: RecallNotice): void {
    const r = this.recalls.get(n.recallId);
    const h = r?.holders[Number(n.cursor.slice(11))];
    if (r === undefined || h === undefined || h.notifiedAt !== undefined) return;
    h.notifiedAt = this.now().toISOString();
    void this.persist(r).catch((e) => this.log("recall state write failed", { id: r.id, error: String(e) }));
  }

  /**
   * A holder acknowledges a recall. The principal must act for an affected party, or be an
   * admin naming the party or location acknowledged for. Returns the acknowledgement time.
   */
  async acknowledge(
    recallId: string,
    principal: Principal,
    opts: { location?: string; party?: string; note?: string; unitsQuarantined?: readonly string[] } = {},
  ): Promise<string> {
    this.checkOpen();
    const r = this.recalls.get(recallId);
    if (r === undefined)
      throw new SuyuanError("RECALL_NOT_FOUND", `recallId: no recall ${JSON.stringify(recallId)}`, {
        field: "recallId",
      });
    let party: string | undefined;
    if (principal.role === "admin") {
      party = opts.party === undefined || opts.party === "" ? undefined : canonicalPartyId(opts.party, "party");
      if (party === undefined && (opts.location === undefined || opts.location === "")) {
        throw badRequest("party", "an admin acknowledging for a holder must name its party or location");
      }
    } else {
      requireRole(principal, ["gateway", "partner", "recall_officer", "inspector"], "AcknowledgeRecall");
      if (principal.party === undefined) {
        throw new SuyuanError("AUTH_FORBIDDEN", "AcknowledgeRecall needs a token that acts for a holder party", {
          field: "authorization",
        });
      }
      party = principal.party;
    }
    const location =
      opts.location === undefined || opts.location === "" ? undefined : canonicalLocationId(opts.location, "location");
    const hit = r.holders.filter(
      (h) => (party === undefined || h.party === party) && (location === undefined || h.location === location),
    );
    if (hit.length === 0) {
      throw new SuyuanError(
        "AUTH_FORBIDDEN",
        `recall ${r.id} affects no holder ${party ?? ""}${location === undefined ? "" : ` at ${location}`}`.replace(
          "  ",
          " ",
        ),
        { field: "recallId" },
      );
    }
    const at = this.now().toISOString();
    const note = opts.note?.slice(0, 2000);
    const units =
      opts.unitsQuarantined === undefined
        ? undefined
        : unique(opts.unitsQuarantined.map((u, i) => canonicalCode(u, `unitsQuarantined[${i}]`)));
    for (const h of hit) {
      h.acknowledgedAt ??= at;
      h.acknowledgedBy = principal.id;
      h.notifiedAt ??= at;
      if (note !== undefined && note !== "") h.note = note;
      if (units !== undefined && units.length > 0)
        h.unitsQuarantined = unique([...(h.unitsQuarantined ?? []), ...units]);
    }
    await this.persist(r);
    this.log("recall acknowledged", { id: r.id, party, location, by: principal.id });
    return hit[0]!.acknowledgedAt!;
  }

  /** Closes a recall (no more notices without a cursor). Recall officer or admin. */
  async close(recallId: string, principal: Principal): Promise<RecallRecord> {
    this.checkOpen();
    requireRole(principal, ["recall_officer", "admin"], "CloseRecall");
    const r = this.recalls.get(recallId);
    if (r === undefined)
      throw new SuyuanError("RECALL_NOT_FOUND", `recallId: no recall ${JSON.stringify(recallId)}`, {
        field: "recallId",
      });
    r.closedAt ??= this.now().toISOString();
    await this.persist(r);
    return structuredClone(r);
  }

  status(recallId: string): RecallStatus {
    this.checkOpen();
    const r = this.recalls.get(recallId);
    if (r === undefined)
      throw new SuyuanError("RECALL_NOT_FOUND", `recallId: no recall ${JSON.stringify(recallId)}`, {
        field: "recallId",
      });
    return {
      recall: structuredClone(r),
      state: stateOf(r),
      affectedUnits: r.scope.units,
      holdersNotified: r.holders.filter((h) => h.notifiedAt !== undefined).length,
      holdersAcknowledged: r.holders.filter((h) => h.acknowledgedAt !== undefined).length,
      pending: r.holders.filter((h) => h.acknowledgedAt === undefined).map((h) => structuredClone(h)),
    };
  }

  list(): RecallRecord[] {
    this.checkOpen();
    return this.order.map((id) => structuredClone(this.recalls.get(id)!));
  }

  /** Writes a recall's current state (serialised, so the last write carries the latest state). */
  private persist(r: RecallRecord): Promise<void> {
    const p = this.writes.then(() => this.store.putMeta(recordKey(r.id), JSON.stringify(r)));
    this.writes = p.catch(() => undefined);
    return p;
  }

  /** Waits for queued state writes. */
  async flush(): Promise<void> {
    await this.writes;
  }

  /** Ends every watch stream (on shutdown). */
  closeWatchers(): void {
    for (const w of [...this.watchers]) w.end();
  }
}

function unique<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}

/**
 * The recall as an EPCIS 2.0 event: an ObjectEvent (§7.4.2) with action OBSERVE, CBV 2.0
 * bizStep `holding` (§7.1: objects segregated pending review) and disposition `recalled`
 * (§7.2), the lots as class-level quantity elements (EPCIS 2.0 §7.3.3.3, quantity omitted:
 * the whole lot), the named items in epcList, and the recall id, reason and class in a user
 * extension (EPCIS 2.0 §6.5). No readPoint or bizLocation: the core is not a place.
 */
export function recallEvent(r: {
  id: string;
  lots: readonly string[];
  identifiers: readonly string[];
  reason: string;
  recallClass: RecallClass;
  issuedAt: string;
}): EpcisEvent {
  const el = (name: string, value: string): ExtensionElement => ({ ns: RECALL_NS, prefix: "recall", name, value });
  return {
    type: "ObjectEvent",
    eventTime: r.issuedAt,
    eventTimeZoneOffset: "+00:00",
    action: "OBSERVE",
    ...(r.identifiers.length === 0 ? {} : { epcList: [...r.identifiers] }),
    ...(r.lots.length === 0 ? {} : { quantityList: r.lots.map((epcClass) => ({ epcClass })) }),
    bizStep: "holding",
    disposition: "recalled",
    extensions: [
      {
        ns: RECALL_NS,
        prefix: "recall",
        name: "recall",
        children: [el("recallID", r.id), el("reason", r.reason), el("recallClass", r.recallClass)],
      },
    ],
  };
}
