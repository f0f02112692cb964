// EPCIS 2.0 §8.2.7.1 SimpleEventQuery over the log: one index picks the candidates (eventID,
// identifier, class, location, or event/record time), then every parameter filters the
// decoded events. Results are ordered, limited and paged (EPCIS 2.0 §12 REST binding:
// perPage + opaque nextPageToken).
import { createHash } from "node:crypto";
import { type EpcisEvent, SuyuanError, toCbvWordOrSelf } from "@suyuan/proto";
import { canon, gtinOfPattern } from "../index/canon.ts";
import { IX, padIndex, SEP, timeKey } from "../index/records.ts";
import type { LoggedEvent } from "../model.ts";
import type { QueryContext } from "./context.ts";

/**
 * Parameters by their EPCIS 2.0 names. List-valued parameters take an array or a string with
 * values separated by `|`. Also `EQ_bizTransaction_<type>`, `EQ_source_<type>`,
 * `EQ_destination_<type>` (type as a CBV word or URI).
 */
export interface EventQueryParams {
  eventType?: string | string[];
  GE_eventTime?: string;
  LT_eventTime?: string;
  GE_recordTime?: string;
  LT_recordTime?: string;
  EQ_action?: string | string[];
  EQ_bizStep?: string | string[];
  EQ_disposition?: string | string[];
  EQ_readPoint?: string | string[];
  WD_readPoint?: string | string[];
  EQ_bizLocation?: string | string[];
  WD_bizLocation?: string | string[];
  MATCH_epc?: string | string[];
  MATCH_parentID?: string | string[];
  MATCH_inputEPC?: string | string[];
  MATCH_outputEPC?: string | string[];
  MATCH_anyEPC?: string | string[];
  MATCH_epcClass?: string | string[];
  MATCH_inputEPCClass?: string | string[];
  MATCH_outputEPCClass?: string | string[];
  MATCH_anyEPCClass?: string | string[];
  EQ_eventID?: string | string[];
  EXISTS_errorDeclaration?: boolean | string;
  EQ_errorReason?: string | string[];
  EQ_correctiveEventID?: string | string[];
  orderBy?: "eventTime" | "recordTime" | string;
  orderDirection?: "ASC" | "DESC" | string;
  eventCountLimit?: number;
  maxEventCount?: number;
  perPage?: number;
  nextPageToken?: string;
  [param: string]: unknown;
}

export interface EventQueryResult {
  events: LoggedEvent[];
  nextPageToken?: string;
}

/** Hard cap on one answer: beyond it the caller must narrow the query or page. */
export const MAX_QUERY_EVENTS = 100_000;

function bad(field: string, rule: string, code = "QUERY_BAD_PARAMETER"): never {
  throw new SuyuanError(code, `${field}: ${rule}`, { field });
}

function list(v: unknown, field: string): string[] {
  const xs = Array.isArray(v)
    ? v
    : typeof v === "string"
      ? v.split("|")
      : bad(field, "must be a string or a list of strings");
  const out: string[] = [];
  for (const x of xs) {
    if (typeof x !== "string") bad(field, "must be a string or a list of strings");
    const t = x.trim();
    if (t !== "") out.push(t);
  }
  if (out.length === 0) bad(field, "must name at least one value");
  return out;
}

function time(v: unknown, field: string): number {
  if (typeof v !== "string" || Number.isNaN(Date.parse(v))) bad(field, "must be an RFC 3339 date-time with offset");
  return Date.parse(v);
}

function posInt(v: unknown, field: string): number {
  const n = typeof v === "string" && /^\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1) bad(field, "must be a positive integer");
  return n;
}

/** Matches canonical identifiers against query values: exact ids, or TDS pattern prefixes. */
class IdMatcher {
  readonly exact = new Set<string>();
  readonly prefixes: string[] = [];
  constructor(values: string[], classLevel: boolean) {
    for (const v of values) {
      // TDS 2.1 §8: urn:epc:idpat:sgtin:CP.IR.* — every serial (instance level) or every lot
      // and the GTIN itself (class level) of one GTIN.
      const g = gtinOfPattern(v);
      if (g !== undefined) {
        if (classLevel) {
          this.exact.add(g);
          this.prefixes.push(`${g}/10/`);
        } else this.prefixes.push(`${g}/21/`);
      } else this.exact.add(canon(v));
    }
  }
  test(raw: string | undefined): boolean {
    if (raw === undefined) return false;
    const c = canon(raw);
    if (this.exact.has(c)) return true;
    for (const p of this.prefixes) if (c.startsWith(p)) return true;
    return false;
  }
  any(raws: readonly (string | undefined)[]): boolean {
    for (const r of raws) if (this.test(r)) return true;
    return false;
  }
}

type Pred = (le: LoggedEvent) => boolean;

const EPC_FIELDS: Record<string, (e: EpcisEvent) => (string | undefined)[]> = {
  // EPCIS 2.0 §8.2.7.1: MATCH_epc covers epcList and childEPCs.
  MATCH_epc: (e) => [...(e.epcList ?? []), ...(e.childEPCs ?? [])],
  MATCH_parentID: (e) => [e.parentID],
  MATCH_inputEPC: (e) => e.inputEPCList ?? [],
  MATCH_outputEPC: (e) => e.outputEPCList ?? [],
  MATCH_anyEPC: (e) => [
    ...(e.epcList ?? []),
    ...(e.childEPCs ?? []),
    ...(e.inputEPCList ?? []),
    ...(e.outputEPCList ?? []),
    e.parentID,
  ],
};

const CLASS_FIELDS: Record<string, (e: EpcisEvent) => string[]> = {
  MATCH_epcClass: (e) => [...(e.quantityList ?? []), ...(e.childQuantityList ?? [])].map((q) => q.epcClass),
  MATCH_inputEPCClass: (e) => (e.inputQuantityList ?? []).map((q) => q.epcClass),
  MATCH_outputEPCClass: (e) => (e.outputQuantityList ?? []).map((q) => q.epcClass),
  MATCH_anyEPCClass: (e) =>
    [
      ...(e.quantityList ?? []),
      ...(e.childQuantityList ?? []),
      ...(e.inputQuantityList ?? []),
      ...(e.outputQuantityList ?? []),
    ].map((q) => q.epcClass),
};

const SCALAR = new Set([
  "GE_eventTime",
  "LT_eventTime",
  "GE_recordTime",
  "LT_recordTime",
  "EXISTS_errorDeclaration",
  "orderBy",
  "orderDirection",
  "eventCountLimit",
  "maxEventCount",
  "perPage",
  "nextPageToken",
]);

type Source =
  | { kind: "ids"; load: () => Promise<number[]> }
  | { kind: "ordered"; index: "time" | "rtime"; gte?: string; lt?: string };

export async function queryEvents(ctx: QueryContext, params: EventQueryParams): Promise<EventQueryResult> {
  if (typeof params !== "object" || params === null) bad("params", "must be an object");
  const preds: Pred[] = [];
  let source: Source | undefined;
  const setSource = (s: Source) => {
    if (source === undefined) source = s;
  };

  // EQ_eventID picks first: it is the most selective.
  if (params.EQ_eventID !== undefined) {
    const ids = new Set(list(params.EQ_eventID, "EQ_eventID"));
    preds.push((le) => ids.has(le.hashId) || (le.event.eventID !== undefined && ids.has(le.event.eventID)));
    setSource({ kind: "ids", load: () => ctx.resolveEventIds([...ids], true) });
  }

  for (const [name, get] of Object.entries(EPC_FIELDS)) {
    if (params[name] === undefined) continue;
    const m = new IdMatcher(list(params[name], name), false);
    preds.push((le) => m.any(get(le.event)));
    setSource({ kind: "ids", load: () => scanIds(ctx, IX.id, m) });
  }
  for (const [name, get] of Object.entries(CLASS_FIELDS)) {
    if (params[name] === undefined) continue;
    const m = new IdMatcher(list(params[name], name), true);
    preds.push((le) => m.any(get(le.event)));
    setSource({ kind: "ids", load: () => scanIds(ctx, IX.class, m) });
  }

  for (const [eq, wd, get] of [
    ["EQ_bizLocation", "WD_bizLocation", (e: EpcisEvent) => e.bizLocation?.id],
    ["EQ_readPoint", "WD_readPoint", (e: EpcisEvent) => e.readPoint?.id],
  ] as const) {
    const locs = new Set<string>();
    if (params[eq] !== undefined) for (const v of list(params[eq], eq)) locs.add(canon(v));
    if (params[wd] !== undefined) {
      // EPCIS 2.0 §8.2.7.1 WD_: the location or any descendant in the master-data hierarchy.
      const stack = list(params[wd], wd).map(canon);
      while (stack.length > 0) {
        const l = stack.pop()!;
        if (locs.has(l)) continue;
        locs.add(l);
        for (const c of ctx.master.childLocations?.(l) ?? []) stack.push(canon(c));
      }
    }
    if (locs.size === 0) continue;
    preds.push((le) => {
      const v = get(le.event);
      return v !== undefined && locs.has(canon(v));
    });
    setSource({ kind: "ids", load: () => scanLocations(ctx, locs) });
  }

  if (params.eventType !== undefined) {
    const types = new Set(list(params.eventType, "eventType"));
    preds.push((le) => types.has(le.event.type));
  }
  const geE = params.GE_eventTime !== undefined ? time(params.GE_eventTime, "GE_eventTime") : undefined;
  const ltE = params.LT_eventTime !== undefined ? time(params.LT_eventTime, "LT_eventTime") : undefined;
  const geR = params.GE_recordTime !== undefined ? time(params.GE_recordTime, "GE_recordTime") : undefined;
  const ltR = params.LT_recordTime !== undefined ? time(params.LT_recordTime, "LT_recordTime") : undefined;
  if (geE !== undefined) preds.push((le) => Date.parse(le.event.eventTime) >= geE);
  if (ltE !== undefined) preds.push((le) => Date.parse(le.event.eventTime) < ltE);
  if (geR !== undefined) preds.push((le) => Date.parse(le.recordTime) >= geR);
  if (ltR !== undefined) preds.push((le) => Date.parse(le.recordTime) < ltR);

  if (params.EQ_action !== undefined) {
    const acts = list(params.EQ_action, "EQ_action");
    for (const a of acts)
      if (a !== "ADD" && a !== "OBSERVE" && a !== "DELETE") bad("EQ_action", "values must be ADD, OBSERVE or DELETE");
    const s = new Set(acts);
    preds.push((le) => le.event.action !== undefined && s.has(le.event.action));
  }
  for (const [name, vocab, get] of [
    ["EQ_bizStep", "bizStep", (e: EpcisEvent) => e.bizStep],
    ["EQ_disposition", "disposition", (e: EpcisEvent) => e.disposition],
  ] as const) {
    if (params[name] === undefined) continue;
    // CBV 2.0: a term compares equal in any spelling (bare word, Web URI, URN).
    const s = new Set(list(params[name], name).map((v) => toCbvWordOrSelf(vocab, v)));
    preds.push((le) => {
      const v = get(le.event);
      return v !== undefined && s.has(toCbvWordOrSelf(vocab, v));
    });
  }
  if (
    params.EXISTS_errorDeclaration !== undefined &&
    params.EXISTS_errorDeclaration !== false &&
    params.EXISTS_errorDeclaration !== "false"
  ) {
    preds.push((le) => le.event.errorDeclaration !== undefined);
  }
  if (params.EQ_errorReason !== undefined) {
    const s = new Set(list(params.EQ_errorReason, "EQ_errorReason").map((v) => toCbvWordOrSelf("errorReason", v)));
    preds.push((le) => {
      const r = le.event.errorDeclaration?.reason;
      return r !== undefined && s.has(toCbvWordOrSelf("errorReason", r));
    });
  }
  if (params.EQ_correctiveEventID !== undefined) {
    const s = new Set(list(params.EQ_correctiveEventID, "EQ_correctiveEventID"));
    preds.push((le) => (le.event.errorDeclaration?.correctiveEventIDs ?? []).some((c) => s.has(c)));
  }

  // EQ_bizTransaction_<type>, EQ_source_<type>, EQ_destination_<type>; anything else unknown
  // is refused (EPCIS 2.0 §8.2.7.1: QueryParameterException).
  for (const name of Object.keys(params)) {
    if (params[name] === undefined) continue;
    const bt = /^EQ_bizTransaction_(.+)$/.exec(name);
    const sd = /^EQ_(source|destination)_(.+)$/.exec(name);
    if (bt) {
      const type = toCbvWordOrSelf("bizTransactionType", bt[1]!);
      const s = new Set(list(params[name], name));
      preds.push((le) =>
        (le.event.bizTransactionList ?? []).some(
          (b) =>
            b.type !== undefined && toCbvWordOrSelf("bizTransactionType", b.type) === type && s.has(b.bizTransaction),
        ),
      );
    } else if (sd) {
      const type = toCbvWordOrSelf("sourceDestType", sd[2]!);
      const s = new Set(list(params[name], name).map(canon));
      const which = sd[1] === "source" ? "sourceList" : "destinationList";
      preds.push((le) =>
        (le.event[which] ?? []).some((d) => toCbvWordOrSelf("sourceDestType", d.type) === type && s.has(canon(d.id))),
      );
    } else if (
      !SCALAR.has(name) &&
      !(name in EPC_FIELDS) &&
      !(name in CLASS_FIELDS) &&
      ![
        "EQ_eventID",
        "eventType",
        "EQ_action",
        "EQ_bizStep",
        "EQ_disposition",
        "EQ_readPoint",
        "WD_readPoint",
        "EQ_bizLocation",
        "WD_bizLocation",
        "EQ_errorReason",
        "EQ_correctiveEventID",
      ].includes(name)
    ) {
      bad(name, "is not a SimpleEventQuery parameter this service supports (EPCIS 2.0 §8.2.7.1)");
    }
  }

  const orderBy = params.orderBy ?? "eventTime";
  if (orderBy !== "eventTime" && orderBy !== "recordTime") bad("orderBy", "must be eventTime or recordTime");
  // EPCIS 2.0 §8.2.7.1: orderDirection defaults to DESC when orderBy is given.
  const dir = params.orderDirection ?? (params.orderBy !== undefined ? "DESC" : "ASC");
  if (dir !== "ASC" && dir !== "DESC") bad("orderDirection", "must be ASC or DESC");
  const countLimit =
    params.eventCountLimit !== undefined ? posInt(params.eventCountLimit, "eventCountLimit") : undefined;
  const maxCount = params.maxEventCount !== undefined ? posInt(params.maxEventCount, "maxEventCount") : undefined;
  if (countLimit !== undefined && maxCount !== undefined)
    bad("eventCountLimit", "must not be combined with maxEventCount");
  const perPage = params.perPage !== undefined ? posInt(params.perPage, "perPage") : undefined;

  const fingerprint = fingerprintOf(params);
  let after: string | undefined;
  if (params.nextPageToken !== undefined) {
    const tok = decodeToken(params.nextPageToken);
    if (tok.q !== fingerprint) bad("nextPageToken", "belongs to a different query", "QUERY_BAD_PAGE_TOKEN");
    after = tok.k;
  }

  if (source === undefined) {
    const idx = orderBy === "eventTime" ? "time" : "rtime";
    const [ge, lt] = orderBy === "eventTime" ? [geE, ltE] : [geR, ltR];
    const s: Source = { kind: "ordered", index: idx };
    if (ge !== undefined) s.gte = new Date(ge).toISOString();
    if (lt !== undefined) s.lt = new Date(lt).toISOString();
    source = s;
  }

  const sortKey = (le: LoggedEvent) =>
    `${timeKey(orderBy === "eventTime" ? le.event.eventTime : le.recordTime)}${SEP}${padIndex(le.index)}`;
  const isAfter = (k: string) => after === undefined || (dir === "ASC" ? k > after : k < after);

  // How many matches we need: the page (+1 to know there is a next one), the count limit,
  // or one beyond maxEventCount (to refuse a too-large answer).
  let want = MAX_QUERY_EVENTS + 1;
  if (countLimit !== undefined) want = Math.min(want, countLimit);
  if (maxCount !== undefined) want = Math.min(want, maxCount + 1);

  const matched: Array<{ k: string; le: LoggedEvent }> = [];
  const accept = (le: LoggedEvent) => {
    for (const p of preds) if (!p(le)) return;
    const k = sortKey(le);
    if (isAfter(k)) matched.push({ k, le });
  };

  if (source.kind === "ordered") {
    // The time index is already in answer order: stream, stop as soon as enough matched.
    const s = source;
    const opts: { gte?: string; lt?: string; gt?: string; reverse: boolean } = { reverse: dir === "DESC" };
    if (s.gte !== undefined) opts.gte = s.gte;
    if (s.lt !== undefined) opts.lt = s.lt;
    if (after !== undefined) {
      if (dir === "ASC") {
        opts.gt = after;
        delete opts.gte;
      } else opts.lt = after;
    }
    const pageNeed = perPage !== undefined ? perPage + 1 : Number.POSITIVE_INFINITY;
    const need = Math.min(want, pageNeed);
    let batch: number[] = [];
    const flush = async () => {
      const evs = await ctx.getEvents(batch);
      for (const i of batch) {
        const le = evs.get(i);
        if (le !== undefined) accept(le);
      }
      batch = [];
    };
    for await (const h of ctx.store.scan(s.index, opts)) {
      batch.push(Number(h.key.slice(h.key.lastIndexOf(SEP) + 1)));
      if (batch.length >= 512) {
        await flush();
        if (matched.length >= need) break;
      }
    }
    if (batch.length > 0 && matched.length < need) await flush();
  } else {
    const idxs = await source.load();
    const evs = await ctx.getEvents(idxs);
    for (const i of idxs) {
      const le = evs.get(i);
      if (le !== undefined) accept(le);
    }
    matched.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
    if (dir === "DESC") matched.reverse();
  }

  if (maxCount !== undefined && matched.length > maxCount) {
    bad(
      "maxEventCount",
      `the query matches more than ${maxCount} events (EPCIS 2.0 §8.2.7.1 QueryTooLargeException)`,
      "QUERY_TOO_LARGE",
    );
  }
  if (matched.length > MAX_QUERY_EVENTS && perPage === undefined) {
    bad(
      "perPage",
      `the query matches more than ${MAX_QUERY_EVENTS} events: page it (perPage) or narrow it`,
      "QUERY_TOO_LARGE",
    );
  }
  let rows = countLimit !== undefined ? matched.slice(0, countLimit) : matched;
  let next: string | undefined;
  if (perPage !== undefined && rows.length > perPage) {
    rows = rows.slice(0, perPage);
    next = encodeToken({ q: fingerprint, k: rows[rows.length - 1]!.k });
  }
  const result: EventQueryResult = { events: rows.map((r) => r.le) };
  if (next !== undefined) result.nextPageToken = next;
  return result;
}

async function scanIds(ctx: QueryContext, index: string, m: IdMatcher): Promise<number[]> {
  const out = new Set<number>();
  const take = async (prefix: string) => {
    for await (const h of ctx.store.scan(index, { prefix })) out.add(Number(h.key.slice(h.key.lastIndexOf(SEP) + 1)));
  };
  for (const id of m.exact) await take(id + SEP);
  for (const p of m.prefixes) await take(p);
  return [...out];
}

async function scanLocations(ctx: QueryContext, locs: ReadonlySet<string>): Promise<number[]> {
  const out = new Set<number>();
  for (const l of locs) {
    for await (const h of ctx.store.scan(IX.loc, { prefix: l + SEP }))
      out.add(Number(h.key.slice(h.key.lastIndexOf(SEP) + 1)));
  }
  return [...out];
}

// The token names the query it pages (a hash of every parameter but the token itself), so a
// token replayed with other parameters is refused rather than silently skipping events.
function fingerprintOf(params: EventQueryParams): string {
  const keys = Object.keys(params)
    .filter((k) => k !== "nextPageToken" && params[k] !== undefined)
    .sort();
  const canonical = JSON.stringify(keys.map((k) => [k, params[k]]));
  return createHash("sha256").update(canonical).digest("base64url").slice(0, 16);
}

function encodeToken(t: { q: string; k: string }): string {
  return Buffer.from(JSON.stringify({ v: 1, ...t })).toString("base64url");
}

function decodeToken(s: unknown): { q: string; k: string } {
  if (typeof s !== "string" || s === "")
    bad("nextPageToken", "must be a token from a previous answer", "QUERY_BAD_PAGE_TOKEN");
  try {
    const t = JSON.parse(Buffer.from(s, "base64url").toString("utf8")) as { v?: unknown; q?: unknown; k?: unknown };
    if (t.v === 1 && typeof t.q === "string" && typeof t.k === "string") return { q: t.q, k: t.k };
  } catch {
    // fall through
  }
  bad("nextPageToken", "is not a token this service issued", "QUERY_BAD_PAGE_TOKEN");
}
