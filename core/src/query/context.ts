// Shared reading machinery of the query service: decoded-event LRU, index scans, the error
// declaration register, and containment intervals. One `QueryContext` per engine; one
// `Walk` (memo of scans) per query, so a query sees each identifier's records once.
import { SuyuanError } from "@suyuan/proto";
import { canon } from "../index/canon.ts";
import { type Entry, IX, padIndex, parseEntry, SEP, TIME_MAX, TIME_MIN } from "../index/records.ts";
import type { LoggedEvent } from "../model.ts";
import type { LedgerStore } from "../store/store.ts";
import { maybeRecallNotice, recallNoticeOf } from "./notices.ts";
import type { QueryLedger, QueryMasterData } from "./types.ts";

/** A bounded least-recently-used map (Map keeps insertion order; a hit is re-inserted). */
export class Lru<K, V> {
  private readonly map = new Map<K, V>();
  constructor(private readonly max: number) {}
  get(k: K): V | undefined {
    const v = this.map.get(k);
    if (v !== undefined) {
      this.map.delete(k);
      this.map.set(k, v);
    }
    return v;
  }
  set(k: K, v: V): void {
    if (this.map.has(k)) this.map.delete(k);
    else if (this.map.size >= this.max) {
      const first = this.map.keys().next();
      if (!first.done) this.map.delete(first.value);
    }
    this.map.set(k, v);
  }
  get size(): number {
    return this.map.size;
  }
}

export interface Declaration {
  declIndex: number;
  target: string;
  reason?: string;
  declarationTime: string;
  correctiveEventIDs: string[];
}

/** An inclusive time window of sortable time keys. */
export interface Interval {
  from: string;
  to: string;
}

export const ALL_TIME: Interval = { from: TIME_MIN, to: TIME_MAX };

export function intersect(a: Interval, b: Interval): Interval | undefined {
  // Time keys are strings (ISO, sortable): compared as text, not with Math.min/max.
  let from = a.from;
  if (b.from > from) from = b.from;
  let to = a.to;
  if (b.to < to) to = b.to;
  return from <= to ? { from, to } : undefined;
}

export function inWindow(t: string, w: Interval): boolean {
  return t >= w.from && t <= w.to;
}

export function badCode(code: unknown, field: string): never {
  throw new SuyuanError("QUERY_BAD_CODE", `${field}: ${JSON.stringify(code)} is not a code (give a non-empty string)`, {
    field,
  });
}

/** Canonical id of a code a user gave; any code form parseCode knows, else the trimmed text. */
export function canonical(code: unknown, field: string): string {
  if (typeof code !== "string" || code.trim() === "") badCode(code, field);
  return canon(code.trim());
}

const CHUNK = 256;

export class QueryContext {
  private readonly events: Lru<number, LoggedEvent>;
  private readonly noticeCache = new Lru<number, boolean>(10_000);
  private readonly declByIdx = new Map<number, Declaration>();
  private readonly declByTarget = new Map<string, Declaration>();
  private unresolved: Declaration[] = [];
  private lastErrKey: string | undefined;
  private seenSize = -1;
  private refreshing: Promise<void> | undefined;

  constructor(
    readonly store: LedgerStore,
    readonly ledger: QueryLedger,
    readonly master: QueryMasterData,
    cacheSize: number,
  ) {
    this.events = new Lru(cacheSize);
  }

  /** Decoded events by log index (missing indexes are left out). Cached. */
  async getEvents(indexes: Iterable<number>): Promise<Map<number, LoggedEvent>> {
    const out = new Map<number, LoggedEvent>();
    const miss: number[] = [];
    for (const i of indexes) {
      if (out.has(i)) continue;
      const hit = this.events.get(i);
      if (hit !== undefined) out.set(i, hit);
      else miss.push(i);
    }
    for (let s = 0; s < miss.length; s += 4096) {
      const got = await this.ledger.getEvents(miss.slice(s, s + 4096));
      for (const e of got) {
        this.events.set(e.index, e);
        out.set(e.index, e);
      }
    }
    return out;
  }

  async scanAll(index: string, prefix: string): Promise<Array<{ key: string; value: string }>> {
    const out: Array<{ key: string; value: string }> = [];
    for await (const h of this.store.scan(index, { prefix })) {
      out.push({ key: h.key, value: typeof h.value === "string" ? h.value : Buffer.from(h.value).toString() });
    }
    return out;
  }

  /** `id` or `class` records of one identifier, in time order. */
  async entries(index: "id" | "class", id: string): Promise<Entry[]> {
    const hits = await this.scanAll(index, id + SEP);
    return hits.map((h) => parseEntry(h.key, h.value));
  }

  /** Values of exactly `key`, as strings. */
  async lookup(index: string, key: string): Promise<string[]> {
    const vs = await this.store.lookup(index, key);
    return vs.map((v) => (typeof v === "string" ? v : Buffer.from(v).toString()));
  }

  /** Runs `fn` over items with bounded parallelism (one await per chunk, not per item). */
  async chunked<T>(items: readonly T[], fn: (x: T) => Promise<void>): Promise<void> {
    for (let s = 0; s < items.length; s += CHUNK) await Promise.all(items.slice(s, s + CHUNK).map(fn));
  }

  /**
   * Log indexes among `es` of the core's recall notices (see notices.ts): candidates by their
   * index entry, confirmed by the decoded event's provenance. The answer never changes for
   * a log index, so it is cached.
   */
  async recallNotices(es: readonly Entry[]): Promise<Set<number>> {
    const out = new Set<number>();
    const todo: number[] = [];
    for (const e of es) {
      if (!maybeRecallNotice(e)) continue;
      const known = this.noticeCache.get(e.index);
      if (known === undefined) todo.push(e.index);
      else if (known) out.add(e.index);
    }
    if (todo.length > 0) {
      const evs = await this.getEvents(todo);
      for (const i of todo) {
        const le = evs.get(i);
        const notice = le !== undefined && recallNoticeOf(le) !== undefined;
        this.noticeCache.set(i, notice);
        if (notice) out.add(i);
      }
    }
    return out;
  }

  // ---- error declarations (EPCIS 2.0 §7.4.1.2) ----

  /**
   * Loads error declarations appended since the last call (the `err` index is keyed by the
   * declaration's log index) and resolves their targets to log indexes. Cheap when nothing
   * changed: one size read.
   */
  async refresh(): Promise<void> {
    if (this.refreshing !== undefined) return this.refreshing;
    this.refreshing = this.doRefresh().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async doRefresh(): Promise<void> {
    const size = await this.store.size();
    if (size === this.seenSize) return;
    this.seenSize = size;
    const fresh: Array<{ idx: number; target: string }> = [];
    const opts = this.lastErrKey === undefined ? {} : { gt: this.lastErrKey };
    for await (const h of this.store.scan(IX.err, opts)) {
      this.lastErrKey = h.key;
      fresh.push({ idx: Number(h.key), target: String(h.value) });
    }
    if (fresh.length > 0) {
      const evs = await this.getEvents(fresh.map((f) => f.idx));
      for (const f of fresh) {
        const ed = evs.get(f.idx)?.event.errorDeclaration;
        if (ed === undefined) continue;
        const d: Declaration = {
          declIndex: f.idx,
          target: f.target,
          declarationTime: ed.declarationTime,
          correctiveEventIDs: [...(ed.correctiveEventIDs ?? [])],
        };
        if (ed.reason !== undefined) d.reason = ed.reason;
        this.declByTarget.set(f.target, d);
        this.unresolved.push(d);
      }
    }
    // A declaration may arrive before the event it names (late arrival): retry until found.
    if (this.unresolved.length > 0) {
      const still: Declaration[] = [];
      for (const d of this.unresolved) {
        const idxs = await this.resolveEventIds([d.target]);
        const own = idxs.filter((i) => i !== d.declIndex);
        if (own.length === 0) still.push(d);
        for (const i of own) this.declByIdx.set(i, d);
      }
      this.unresolved = still;
    }
  }

  /** The declaration naming the event at `idx` (or naming its hash / eventID). */
  declarationFor(idx: number, ev?: LoggedEvent): Declaration | undefined {
    const d = this.declByIdx.get(idx);
    if (d !== undefined || ev === undefined || this.declByTarget.size === 0) return d;
    return this.declByTarget.get(ev.hashId) ?? (ev.event.eventID ? this.declByTarget.get(ev.event.eventID) : undefined);
  }

  get hasDeclarations(): boolean {
    return this.declByTarget.size > 0;
  }

  /**
   * Log indexes of events named by eventID or CBV 2.0 hash ID. Error declarations (which
   * repeat the declared event's eventID) only when asked: stitching never wants them.
   */
  async resolveEventIds(ids: readonly string[], withDeclarations = false): Promise<number[]> {
    const out = new Set<number>();
    for (const id of ids) {
      for (const v of await this.lookup(IX.evid, id)) {
        const decl = v.endsWith(`${SEP}E`);
        if (!decl || withDeclarations) out.add(Number(decl ? v.slice(0, -2) : v));
      }
      if (id.startsWith("ni:")) {
        const at = await this.ledger.indexOf(id);
        if (at !== undefined) out.add(at);
      }
    }
    return [...out];
  }
}

/** Per-query memo of scans. */
export class Walk {
  private readonly idMemo = new Map<string, Promise<Entry[]>>();
  private readonly classMemo = new Map<string, Promise<Entry[]>>();
  private readonly lotMemo = new Map<string, Promise<string | undefined>>();
  private readonly placingMemo = new Map<string, Promise<Entry[]>>();

  constructor(readonly ctx: QueryContext) {}

  /** Instance-level records minus error declarations (declared-erroneous events stay: shown flagged). */
  ids(id: string): Promise<Entry[]> {
    let p = this.idMemo.get(id);
    if (p === undefined) {
      p = this.ctx.entries("id", id).then((es) => es.filter((e) => !e.declaration));
      this.idMemo.set(id, p);
    }
    return p;
  }

  classes(id: string): Promise<Entry[]> {
    let p = this.classMemo.get(id);
    if (p === undefined) {
      p = this.ctx.entries("class", id).then((es) => es.filter((e) => !e.declaration));
      this.classMemo.set(id, p);
    }
    return p;
  }

  /** Records that stitch: also without events declared erroneous (their corrections are used instead). */
  async usableIds(id: string): Promise<Entry[]> {
    return (await this.ids(id)).filter((e) => this.usable(e));
  }

  /**
   * Records that say where a unit is and in what state: the usable ones minus the core's
   * recall notices (a notice names the goods but observes nothing about them).
   */
  placing(id: string): Promise<Entry[]> {
    let p = this.placingMemo.get(id);
    if (p === undefined) {
      p = this.usableIds(id).then(async (es) => {
        const notices = await this.ctx.recallNotices(es);
        return notices.size === 0 ? es : es.filter((e) => !notices.has(e.index));
      });
      this.placingMemo.set(id, p);
    }
    return p;
  }

  async usableClasses(id: string): Promise<Entry[]> {
    return (await this.classes(id)).filter((e) => this.usable(e));
  }

  lotOf(id: string): Promise<string | undefined> {
    let p = this.lotMemo.get(id);
    if (p === undefined) {
      p = this.ctx.lookup(IX.lotOf, id).then((vs) => vs[0]);
      this.lotMemo.set(id, p);
    }
    return p;
  }

  // EPCIS 2.0 §7.4.1.2: declared-erroneous events do not stitch (containment, transformations,
  // holders); their corrective events are used instead. The chain still shows them, flagged.
  usable(e: Entry): boolean {
    return this.ctx.declarationFor(e.index) === undefined;
  }

  /**
   * When `id` sat in which container (EPCIS 2.0 §7.4.3): ADD starts an interval, DELETE of the
   * child (or a DELETE of the parent without children) ends it, OBSERVE confirms the child was
   * in the parent at that time. An object is in one container at a time, so an ADD to another
   * parent ends the current interval. Ordered by event time, not arrival: a late event changes
   * the intervals. Returns parent → intervals (inclusive time keys), clipped to `window`.
   */
  async containers(id: string, window: Interval = ALL_TIME): Promise<Map<string, Interval[]>> {
    const own = (await this.usableIds(id)).filter((e) => e.role === "c" && e.link !== "" && e.type !== "S");
    const out = new Map<string, Interval[]>();
    if (own.length === 0) return out;
    type Ev = { time: string; index: number; parent: string; op: "ADD" | "DELETE" | "OBSERVE" };
    const evs: Ev[] = own.map((e) => ({
      time: e.time,
      index: e.index,
      parent: e.link,
      op: e.action === "DELETE" ? "DELETE" : e.action === "OBSERVE" ? "OBSERVE" : "ADD",
    }));
    const parents = [...new Set(evs.map((e) => e.parent))];
    const parentEntries = await Promise.all(parents.map((p) => this.usableIds(p)));
    parents.forEach((p, i) => {
      for (const e of parentEntries[i] ?? []) {
        if (e.role === "p" && e.link === "*" && e.type === "A")
          evs.push({ time: e.time, index: e.index, parent: p, op: "DELETE" });
      }
    });
    evs.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : a.index - b.index));
    const open = new Map<string, string>();
    const push = (p: string, iv: Interval) => {
      const c = intersect(iv, window);
      if (c === undefined) return;
      const list = out.get(p);
      if (list) list.push(c);
      else out.set(p, [c]);
    };
    for (const e of evs) {
      if (e.op === "DELETE") {
        const from = open.get(e.parent);
        if (from !== undefined) {
          push(e.parent, { from, to: e.time });
          open.delete(e.parent);
        }
        continue;
      }
      if (open.has(e.parent)) continue;
      if (e.op === "ADD") {
        for (const [p, from] of open) {
          push(p, { from, to: e.time });
          open.delete(p);
        }
      }
      open.set(e.parent, e.time);
    }
    for (const [p, from] of open) push(p, { from, to: TIME_MAX });
    return out;
  }
}

export { canon, padIndex, TIME_MAX, TIME_MIN };
