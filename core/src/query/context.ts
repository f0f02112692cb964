// Shared reading machinery of the query service: decoded-event LRU, index scans, the error
// declaration register, and containment intervals. One `QueryContext` per engine; one
// `Walk` (memo of scans) per query, so a query sees each identifier's records once.
import { setImmediate as nextTurn } from "node:timers/promises";
import { SuyuanError } from "@suyuan/proto";
import { canon } from "../index/canon.ts";
import { type Entry, IX, padIndex, parseEntry, parseEntryParts, SEP, TIME_MAX, TIME_MIN } from "../index/records.ts";
import type { LoggedEvent } from "../model.ts";
import { compareKeys, type LedgerStore } from "../store/store.ts";
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
  return clip(a.from, a.to, b);
}

/** intersect({ from, to }, w), without making the first interval. */
function clip(from: string, to: string, w: Interval): Interval | undefined {
  // Time keys are strings (ISO, sortable): compared as text, not with Math.min/max.
  const f = w.from > from ? w.from : from;
  const t = w.to < to ? w.to : to;
  return f <= t ? { from: f, to: t } : undefined;
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
/** The per-member lot index of ledgers indexed before `lot-m` (records.ts). */
const LEGACY_LOT = "lot";
/** Code units that sort an id differently from its prefix `id ␟` or UTF-16 from code points. */
const NOT_PLAIN = /[\u0000-\u001e\ud800-\uffff]/;
const SEP_CODE = SEP.charCodeAt(0);

/** Whether `key` starts with the prefix `id ␟`. */
function isUnder(key: string, id: string): boolean {
  return key.charCodeAt(id.length) === SEP_CODE && key.startsWith(id);
}

/**
 * Whether the prefix `id ␟` sorts before `key` (code point order) that is not under it.
 * `plain`: the id has no code unit ≥ U+D800, so at the first difference at most one side has
 * one, where UTF-16 order is code point order and the native comparison will do.
 */
function prefixBefore(id: string, key: string, plain: boolean): boolean {
  // A key that extends the id compares with ␟ at that place; any other, as the id does.
  if (key.startsWith(id)) return key.length > id.length && key.charCodeAt(id.length) > SEP_CODE;
  return plain ? id < key : compareKeys(id, key) < 0;
}
/**
 * Runs `run(from, to)` over [0, total) in slices of `size`, letting the event loop turn
 * between slices, so a long loop of a big query (a recall's 140k units) leaves other callers
 * (captures' acks, chain queries) a turn now and then instead of holding the loop for it all.
 * `run` is a plain function: with an await inside the loop itself, a recall's answer was
 * 3–10 % slower in four paired runs out of four (the loop no longer optimised as one).
 */
export async function inSlices(total: number, size: number, run: (from: number, to: number) => void): Promise<void> {
  for (let from = 0; from < total; from += size) {
    if (from > 0) await nextTurn();
    run(from, Math.min(total, from + size));
  }
}

const SHARED_CACHE = 4096;
/** `lot-m` records (a few thousand members) visited between two turns of the event loop. */
const VISIT_YIELD_EVERY = 128;
/**
 * A merged read steps over at most this many records of identifiers nobody asked for in a
 * row before it seeks to the next wanted identifier: a seek (a store round trip) costs about
 * as much as stepping over this many records.
 */
export const MERGE_GAP = 16;
/** First and largest number of records read at once after a seek. */
const MERGE_FIRST = 32;
const MERGE_MAX = 1024;
/** Slices of one merged read that run at once. */
const MERGE_PARALLEL = 8;

/**
 * The children of a `child` record: a JSON array, or — in a ledger indexed before records
 * were packed per event — the one child id itself (ids never start with "[" in that layout's
 * ledgers, which canonical ids don't).
 */
export function childList(rest: string): string[] {
  if (rest.startsWith("[")) {
    try {
      const list: unknown = JSON.parse(rest);
      if (Array.isArray(list) && list.every((c) => typeof c === "string")) return list;
    } catch {
      // not JSON: an id as written
    }
  }
  return [rest];
}

/** The decimal number the rest of `s` from `from` spells (the 12-digit log index of a key). */
function digitsAt(s: string, from: number): number {
  let n = 0;
  for (let i = from; i < s.length; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return Number(s.slice(from)); // not plain digits: as Number() reads it
    n = n * 10 + d;
  }
  return from < s.length ? n : Number(s.slice(from));
}

/**
 * Entries one merged read made, shared: the records of one event that say the same about
 * several identifiers (the units of one commissioning, the cases on one pallet) become one
 * object, and records with the same value (every sale at one store) share its parsed fields.
 * A recall holds ~400k records of ~140k units this way in far fewer objects.
 *
 * Recent entries are found by log index in a small two-way cache on arrays, not a Map: the
 * records of one event under neighbouring identifiers are read close together, and a Map
 * over every event read costs more to grow and probe than the objects it saves. A miss only
 * costs sharing, never correctness (a hit is checked: same log index, value and time).
 */
class SharedEntries {
  private readonly byValue = new Map<string, Entry>();
  /** Log index + 1 of each slot's entry (0: empty). */
  private readonly slotIndex: Float64Array;
  private readonly slotValue: string[];
  private readonly slotEntry: Entry[];
  private readonly mask: number;

  constructor(ids: number) {
    let size = 64;
    while (size < ids * 2 && size < 1 << 16) size *= 2;
    this.slotIndex = new Float64Array(size);
    this.slotValue = new Array<string>(size).fill("");
    this.slotEntry = new Array<Entry>(size);
    this.mask = size - 2;
  }

  /** The entry of the `id ␟ time ␟ index` key whose ␟s are at `a` and `b`, with `value`. */
  entry(key: string, a: number, b: number, value: string): Entry {
    const index = digitsAt(key, b + 1);
    // Two ways: slots s and s + 1.
    const s = (index * 2) & this.mask;
    for (let w = s; w < s + 2; w++) {
      if (this.slotIndex[w] === index + 1 && this.slotValue[w] === value) {
        const e = this.slotEntry[w]!;
        // Same value and same time: the very same record.
        if (e.time.length === b - a - 1 && key.startsWith(e.time, a + 1)) return e;
      }
    }
    let v = this.byValue.get(value);
    if (v === undefined) {
      v = parseEntryParts("", 0, value);
      this.byValue.set(value, v);
    }
    // Same fields, in the same order, as parseEntryParts.
    const e: Entry = {
      time: key.slice(a + 1, b),
      index,
      role: v.role,
      type: v.type,
      action: v.action,
      bizStep: v.bizStep,
      disposition: v.disposition,
      bizLocation: v.bizLocation,
      readPoint: v.readPoint,
      destLocation: v.destLocation,
      destParty: v.destParty,
      link: v.link,
      declaration: v.declaration,
      lot: v.lot,
    };
    // The older way moves to the second slot; the new entry takes the first.
    this.slotIndex[s + 1] = this.slotIndex[s]!;
    this.slotValue[s + 1] = this.slotValue[s]!;
    if (this.slotEntry[s] !== undefined) this.slotEntry[s + 1] = this.slotEntry[s]!;
    this.slotIndex[s] = index + 1;
    this.slotValue[s] = value;
    this.slotEntry[s] = e;
    return e;
  }
}

export class QueryContext {
  private readonly events: Lru<number, LoggedEvent>;
  private readonly noticeCache = new Lru<number, boolean>(10_000);
  private readonly declByIdx = new Map<number, Declaration>();
  private readonly declByTarget = new Map<string, Declaration>();
  private unresolved: Declaration[] = [];
  private lastErrKey: string | undefined;
  private seenSize = -1;
  /**
   * Lot / class records and transformation scans, shared by the queries of one log size:
   * thousands of chains of one juice lot walk the same lot → concentrate → raw-fruit
   * records. An append can add records to any of them, so the cache holds only while the
   * size `refresh` saw is unchanged (each entry is tagged with that size).
   */
  private readonly shared = new Lru<string, { size: number; value: Promise<unknown> }>(SHARED_CACHE);
  private refreshing: Promise<void> | undefined;
  private legacyLotOf: Promise<boolean> | undefined;

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
    for await (const hits of this.store.scanChunks(index, { prefix })) {
      for (const h of hits) {
        out.push({ key: h.key, value: typeof h.value === "string" ? h.value : Buffer.from(h.value).toString() });
      }
    }
    return out;
  }

  /**
   * `fn()` memoised across queries while the log size seen by `refresh` stays the same.
   * Before the first refresh nothing is cached.
   */
  sharedMemo<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const size = this.seenSize;
    if (size < 0) return fn();
    const hit = this.shared.get(key);
    if (hit !== undefined && hit.size === size) return hit.value as Promise<T>;
    const value = fn();
    this.shared.set(key, { size, value });
    // A failed read is not remembered.
    value.catch(() => {
      if (this.shared.get(key)?.value === value) this.shared.set(key, { size: -2, value });
    });
    return value;
  }

  /** Class-level records (lots, GTINs) of one class, shared across queries (sharedMemo). */
  classEntries(id: string): Promise<Entry[]> {
    return this.sharedMemo(`class${SEP}${id}`, () => this.entries("class", id));
  }

  /** A transformation's `xf-in` or `xf-out` records, shared across queries (sharedMemo). */
  xfRecords(index: "xf-in" | "xf-out", xfKey: string): Promise<Array<{ key: string; value: string }>> {
    return this.sharedMemo(`${index}${SEP}${xfKey}`, () => this.scanAll(index, xfKey + SEP));
  }

  /** `id` or `class` records of one identifier, in time order. */
  async entries(index: "id" | "class", id: string): Promise<Entry[]> {
    const hits = await this.scanAll(index, id + SEP);
    return hits.map((h) => parseEntry(h.key, h.value));
  }

  /**
   * `id` or `class` records of many identifiers at once, each list exactly what `entries`
   * gives for it. Instead of one prefix scan per identifier (a recall of 140k units would
   * open 140k store ranges, and opening a range costs far more than stepping over a record),
   * the wanted prefixes `id ␟` are sorted in key order and read by merged reads: one store
   * cursor runs from the first wanted prefix to the last and is filtered in memory; when it
   * meets more than MERGE_GAP records of other identifiers in a row it seeks to the next
   * wanted prefix. Dense sets (the units of a lot, the cases of a pallet, which sit together
   * in key order) cost a few seeks; sparse ones about one seek per identifier, still without
   * opening a range (and a snapshot) each.
   */
  async entriesMany(index: "id" | "class", ids: Iterable<string>): Promise<Map<string, Entry[]>> {
    const out = new Map<string, Entry[]>();
    for (const id of ids) if (!out.has(id)) out.set(id, []);
    await this.scanMany(index, [...out.keys()], (id, es) => out.set(id, es));
    return out;
  }

  /**
   * The reads of entriesMany for distinct ids: calls `sink(id, records)` for each id that has
   * records, once they are all read (in key order for the merged reads).
   */
  async scanMany(
    index: "id" | "class",
    ids: readonly string[],
    sink: (id: string, es: Entry[]) => void,
  ): Promise<void> {
    const wanted: string[] = [];
    const lone: string[] = [];
    let plain = true;
    for (const id of ids) {
      // An identifier containing ␟ could nest inside another's prefix range: merging
      // assumes disjoint ranges, so such (odd) identifiers are scanned on their own.
      if (id.includes(SEP)) lone.push(id);
      else {
        wanted.push(id);
        if (plain && NOT_PLAIN.test(id)) plain = false;
      }
    }
    if (wanted.length === 1) lone.push(wanted.pop()!);
    await Promise.all(
      lone.map(async (id) => {
        const es = await this.entries(index, id);
        if (es.length > 0) sink(id, es);
      }),
    );
    if (wanted.length === 0) return;
    // The reads go in key order, which is code point order (compareKeys) of the prefixes
    // `id ␟`; with ␟ in none of them their ranges are disjoint and in this order. Without
    // code units below ␟ (U+001F) the prefixes sort as the ids do, and without code units
    // ≥ U+D800 UTF-16 order is code point order: then the native sort of the ids will do.
    if (plain) wanted.sort();
    else wanted.sort((a, b) => compareKeys(a + SEP, b + SEP));
    // A few slices of the key range are read at once, so the store fetches one while the
    // records of another are parsed.
    const parts = Math.max(1, Math.min(MERGE_PARALLEL, Math.floor(wanted.length / 256)));
    const size = Math.ceil(wanted.length / parts);
    const slices: string[][] = [];
    for (let s = 0; s < wanted.length; s += size) slices.push(wanted.slice(s, s + size));
    const shared = new SharedEntries(wanted.length);
    await Promise.all(slices.map((w) => this.mergedScan(index, w, sink, shared, plain)));
  }

  /**
   * Merged reads over sorted, disjoint prefixes `id ␟` (see entriesMany); hands each id's
   * records to `sink` once read. One store cursor runs from the first wanted prefix to the
   * last; when it meets more than MERGE_GAP records of other identifiers in a row it seeks to
   * the next wanted prefix. It reads a few records after each seek and doubles the count while they
   * keep being wanted, so a seek never makes the store fetch many rows nobody reads.
   */
  private async mergedScan(
    index: string,
    wanted: readonly string[],
    sink: (id: string, es: Entry[]) => void,
    shared: SharedEntries,
    plain: boolean,
  ): Promise<void> {
    const end = `${wanted[wanted.length - 1]!}\u0020`; // past every key of the last prefix
    const cursor = this.store.cursor(index, { gte: wanted[0]! + SEP, lt: end });
    try {
      let p = 0;
      // The records of wanted[p] read so far, in a working list handed on as an array of
      // just their number (a recall keeps 140k of them; a growing [] keeps room for 17).
      const list: Entry[] = [];
      let count = 0;
      let step = MERGE_FIRST;
      let foreign = 0;
      read: while (p < wanted.length) {
        const { keys, values } = await cursor.next(step);
        if (keys.length === 0) break; // the range ran out: no wanted prefix left has records
        step = Math.min(step * 2, MERGE_MAX);
        for (let r = 0; r < keys.length; r++) {
          const key = keys[r]!;
          let own = isUnder(key, wanted[p]!);
          if (!own && prefixBefore(wanted[p]!, key, plain)) {
            // wanted[p] is done: the keys have passed its prefix.
            if (count > 0) sink(wanted[p]!, list.slice(0, count));
            count = 0;
            do {
              if (++p >= wanted.length) return;
              own = isUnder(key, wanted[p]!);
            } while (!own && prefixBefore(wanted[p]!, key, plain));
          }
          const id = wanted[p]!;
          if (own) {
            foreign = 0;
            const v = values[r]!;
            const value = typeof v === "string" ? v : Buffer.from(v).toString();
            // Same as parseEntry: time and log index are the last two ␟ parts (and the id all
            // before them: the wanted id, unless the time part itself holds a ␟).
            const b = key.lastIndexOf(SEP);
            const a = key.lastIndexOf(SEP, b - 1);
            list[count++] = a === id.length ? shared.entry(key, a, b, value) : parseEntry(key, value);
          } else if (++foreign > MERGE_GAP) {
            // The prefix of `id` lies ahead of this key (the loop above stopped there): jump to
            // it and drop the rest of these hits, which all lie before it or are read again.
            cursor.seek(id + SEP);
            step = MERGE_FIRST;
            foreign = 0;
            continue read;
          }
        }
      }
      if (count > 0 && p < wanted.length) sink(wanted[p]!, list.slice(0, count));
    } finally {
      await cursor.close();
    }
  }

  /**
   * Every (member, log index) of a lot's `lot-m` records, in key order (the event's log
   * index), a member once per event that put it in the lot.
   */
  async lotMemberRecords(lot: string): Promise<Array<{ member: string; index: number }>> {
    const out: Array<{ member: string; index: number }> = [];
    const seen = new Set<string>();
    await this.eachLotMember(lot, (member, index) => {
      const k = `${member}${SEP}${index}`;
      if (seen.has(k)) return;
      seen.add(k);
      out.push({ member, index });
    });
    return out;
  }

  /** Calls `visit` for each (member, log index) a lot's records name, repeats included. */
  async eachLotMember(lot: string, visit: (member: string, index: number) => void): Promise<void> {
    const prefix = lot + SEP;
    const [packed, perMember] = await Promise.all([
      this.scanAll(IX.lotMembers, prefix),
      // Ledgers indexed before `lot-m` (one record per member: lot ␟ member -> I); none in new ones.
      this.scanAll(LEGACY_LOT, prefix),
    ]);
    // A lot of many units takes tens of ms to visit (and a recall visits several at once).
    await inSlices(packed.length, VISIT_YIELD_EVERY, (from, to) => {
      for (let r = from; r < to; r++) {
        const h = packed[r]!;
        // `lot ␟ I` only: a longer lot id that starts with `lot ␟` is another lot.
        if (h.key.length !== prefix.length + 12 || h.key.indexOf(SEP, prefix.length) >= 0) continue;
        const index = Number(h.key.slice(prefix.length));
        for (const member of JSON.parse(h.value) as string[]) visit(member, index);
      }
    });
    for (const h of perMember) {
      const member = h.key.slice(prefix.length);
      if (member.includes(SEP)) continue; // another lot whose id starts with `lot ␟`
      visit(member, Number(h.value));
    }
  }

  /**
   * A container's `child` records (records.ts): per aggregation / association event, its
   * action, log index and children ("*" for a DELETE of every child), in key order.
   */
  async childRecords(parent: string): Promise<Array<{ action: string; index: number; children: string[] }>> {
    const out: Array<{ action: string; index: number; children: string[] }> = [];
    for (const h of await this.scanAll(IX.child, parent + SEP)) {
      const cut = h.value.indexOf(SEP);
      if (cut < 0) continue;
      out.push({
        action: h.value.slice(0, cut),
        index: Number(h.key.slice(h.key.lastIndexOf(SEP) + 1)),
        children: childList(h.value.slice(cut + 1)),
      });
    }
    return out;
  }

  /**
   * Whether the store holds `lot-of` records: ledgers written before a member's lot moved
   * into its `id` entries (records.ts) have them; a ledger never gains them later.
   */
  hasLegacyLotOf(): Promise<boolean> {
    this.legacyLotOf ??= (async () => {
      for await (const _ of this.store.scan(IX.lotOf, { limit: 1 })) return true;
      return false;
    })();
    return this.legacyLotOf;
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

  /** Whether any logged event is known to be declared erroneous (by log index). */
  get hasDeclaredIndexes(): boolean {
    return this.declByIdx.size > 0;
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

function withoutDeclarations(es: Entry[]): Entry[] {
  return es.some((e) => e.declaration) ? es.filter((e) => !e.declaration) : es;
}

/** Per-query memo of scans. */
export class Walk {
  private readonly idMemo = new Map<string, Promise<Entry[]>>();
  private readonly classMemo = new Map<string, Promise<Entry[]>>();
  private readonly lotMemo = new Map<string, Promise<string | undefined>>();
  private readonly placingMemo = new Map<string, Promise<Entry[]>>();
  /** The settled values of `idMemo` (what `ids` resolves to), for the synchronous readers. */
  private readonly idDone = new Map<string, Entry[]>();

  constructor(readonly ctx: QueryContext) {}

  /** Instance-level records minus error declarations (declared-erroneous events stay: shown flagged). */
  ids(id: string): Promise<Entry[]> {
    let p = this.idMemo.get(id);
    if (p === undefined) {
      // Read by a prefetch: its promise is made only when someone awaits it.
      const done = this.idDone.get(id);
      if (done !== undefined) {
        p = Promise.resolve(done);
        this.idMemo.set(id, p);
        return p;
      }
      p = this.ctx.entries("id", id).then((es) => {
        const own = withoutDeclarations(es);
        if (!this.idDone.has(id)) this.idDone.set(id, own);
        return own;
      });
      this.idMemo.set(id, p);
    }
    return p;
  }

  /**
   * Reads the `id` records of many identifiers in merged scans (QueryContext.entriesMany)
   * and memoises them, so a walk that visits a whole frontier (a lot's units, their cases)
   * pays a few store ranges instead of one per identifier.
   */
  async prefetchIds(ids: Iterable<string>): Promise<void> {
    const todo: string[] = [];
    for (const id of ids) if (!this.idMemo.has(id) && !this.idDone.has(id)) todo.push(id);
    if (todo.length < 2) return;
    const all = await this.ctx.entriesMany("id", todo);
    for (const [id, es] of all) {
      // A concurrent ids(id) may have memoised its own (equal) answer meanwhile.
      if (!this.idMemo.has(id) && !this.idDone.has(id)) this.idDone.set(id, withoutDeclarations(es));
    }
  }

  classes(id: string): Promise<Entry[]> {
    let p = this.classMemo.get(id);
    if (p === undefined) {
      p = this.ctx.classEntries(id).then(withoutDeclarations);
      this.classMemo.set(id, p);
    }
    return p;
  }

  /**
   * What usableIds gives for an identifier whose records (as `QueryContext.entries` reads
   * them) are `es`.
   */
  usableOf(es: Entry[]): Entry[] {
    return this.usableAmong(withoutDeclarations(es));
  }

  /**
   * `es` without events declared erroneous. Most ledgers declare few events erroneous: without
   * any, every record is usable, and the list is handed out as is (callers never mutate it).
   */
  private usableAmong(es: Entry[]): Entry[] {
    return this.ctx.hasDeclaredIndexes ? es.filter((e) => this.usable(e)) : es;
  }

  /** Records that stitch: also without events declared erroneous (their corrections are used instead). */
  async usableIds(id: string): Promise<Entry[]> {
    return this.usableAmong(await this.ids(id));
  }

  /**
   * `usableIds(id)` when its records are already read (memoised and settled), else undefined:
   * lets a caller visiting many read identifiers (a recall's 140k units) skip the promises.
   */
  usableIdsSync(id: string): Entry[] | undefined {
    const es = this.idDone.get(id);
    if (es === undefined) return undefined;
    return this.usableAmong(es);
  }

  /**
   * `placing(id)` when it needs no read: the records are settled and none of them may be a
   * recall notice (telling those apart decodes events). Else undefined.
   */
  placingSync(id: string): Entry[] | undefined {
    const es = this.usableIdsSync(id);
    if (es === undefined || es.some(maybeRecallNotice)) return undefined;
    return es;
  }

  /**
   * Records that say where a unit is and in what state: the usable ones minus the core's
   * recall notices (a notice names the goods but observes nothing about them).
   */
  placing(id: string): Promise<Entry[]> {
    let p = this.placingMemo.get(id);
    if (p === undefined) {
      p = this.usableIds(id).then(async (es) => {
        if (!es.some(maybeRecallNotice)) return es;
        const notices = await this.ctx.recallNotices(es);
        return notices.size === 0 ? es : es.filter((e) => !notices.has(e.index));
      });
      this.placingMemo.set(id, p);
    }
    return p;
  }

  async usableClasses(id: string): Promise<Entry[]> {
    return this.usableAmong(await this.classes(id));
  }

  /**
   * The lot `id` is a member of: the one its earliest event (in log order) that made it a
   * member names. Ledgers from before that lived in `id` entries answer from `lot-of`.
   */
  lotOf(id: string): Promise<string | undefined> {
    let p = this.lotMemo.get(id);
    if (p === undefined) {
      p = this.ids(id).then(async (es) => {
        const lot = lotIn(es);
        if (lot !== undefined) return lot;
        if (!(await this.ctx.hasLegacyLotOf())) return undefined;
        return (await this.ctx.lookup(IX.lotOf, id))[0];
      });
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
    const own = containment(await this.usableIds(id));
    if (own.length === 0) return new Map();
    const parents = [...new Set(own.map((e) => e.link))];
    const parentEntries = await Promise.all(parents.map((p) => this.usableIds(p)));
    return containmentIntervals(own, own.length, parents, parentEntries, parents.length, window);
  }

  /**
   * `containers(id, window)` when every record it needs is already read, else undefined.
   * `usable`: what `usableIdsSync(id)` gives, when the caller has it at hand.
   */
  containersSync(
    id: string,
    window: Interval = ALL_TIME,
    usable?: readonly Entry[],
  ): Map<string, Interval[]> | undefined {
    const es = usable ?? this.usableIdsSync(id);
    if (es === undefined) return undefined;
    // Working lists reused across calls (a recall asks for 140k units; nothing here yields or
    // comes back in), filled up to counts (see containmentIntervals).
    const { own, parents, parentEntries } = holdScratch;
    let nOwn = 0;
    for (const e of es) if (isContainment(e)) own[nOwn++] = e;
    if (nOwn === 0) return new Map();
    let nParents = 0;
    for (let i = 0; i < nOwn; i++) {
      const link = own[i]!.link;
      let seen = false;
      for (let j = 0; j < nParents && !seen; j++) seen = parents[j] === link;
      if (seen) continue;
      const pe = this.usableIdsSync(link);
      if (pe === undefined) return undefined;
      parents[nParents] = link;
      parentEntries[nParents++] = pe;
    }
    return containmentIntervals(own, nOwn, parents, parentEntries, nParents, window);
  }
}

/** Whether `e` is a containment record of its object (EPCIS 2.0 §7.4.3: role c of an AggregationEvent). */
function isContainment(e: Entry): boolean {
  return e.role === "c" && e.link !== "" && e.type !== "S";
}

/** The lot that the earliest (in log order) of an identifier's records naming one names. */
export function lotIn(es: readonly Entry[]): string | undefined {
  let first: Entry | undefined;
  for (const e of es) if (e.lot !== "" && (first === undefined || e.index < first.index)) first = e;
  return first?.lot;
}

/** An object's own containment records. */
function containment(es: readonly Entry[]): Entry[] {
  // A loop, not filter: a recall asks this for every unit and container.
  const out: Entry[] = [];
  for (const e of es) if (isContainment(e)) out.push(e);
  return out;
}

const holdScratch = { own: [] as Entry[], parents: [] as string[], parentEntries: [] as (readonly Entry[])[] };

/**
 * Working lists of containmentIntervals, reused across calls: the records in play, the parent
 * each one is about, their order, and the open intervals.
 */
const spanScratch = {
  ev: [] as Entry[],
  evParent: [] as string[],
  order: [] as number[],
  openParent: [] as string[],
  openFrom: [] as string[],
};

/** Time order, then log order, of two records in spanScratch.ev (by position). */
function byEvTime(x: number, y: number): number {
  const a = spanScratch.ev[x]!;
  const b = spanScratch.ev[y]!;
  return a.time < b.time ? -1 : a.time > b.time ? 1 : a.index - b.index;
}

function pushInterval(out: Map<string, Interval[]>, window: Interval, p: string, from: string, to: string): void {
  const c = clip(from, to, window);
  if (c === undefined) return;
  const list = out.get(p);
  if (list) list.push(c);
  else out.set(p, [c]);
}

/** A parent's AggregationEvent DELETE without children: every child leaves it (EPCIS 2.0 §7.4.3). */
function deletesAll(e: Entry): boolean {
  return e.role === "p" && e.link === "*" && e.type === "A";
}

/**
 * The intervals of `Walk.containers` from the object's containment records (the first `nOwn`
 * of `own`) and its parents' records (the first `nParents`).
 */
function containmentIntervals(
  own: readonly Entry[],
  nOwn: number,
  parents: readonly string[],
  parentEntries: readonly (readonly Entry[])[],
  nParents: number,
  window: Interval,
): Map<string, Interval[]> {
  const out = new Map<string, Interval[]>();
  // This runs to its end without yielding or coming back in, so its working lists are shared
  // (a recall calls it for 140k units). They are filled up to counts, never shortened: V8
  // gives up an array's storage when its length drops to 0.
  const { ev, evParent, order, openParent, openFrom } = spanScratch;
  let n = 0;
  // The object's own records (about their link), and every DELETE of all of a parent's
  // children (about that parent).
  for (let i = 0; i < nOwn; i++) {
    const e = own[i]!;
    ev[n] = e;
    evParent[n++] = e.link;
  }
  for (let i = 0; i < nParents; i++) {
    for (const e of parentEntries[i] ?? []) {
      if (deletesAll(e)) {
        ev[n] = e;
        evParent[n++] = parents[i]!;
      }
    }
  }
  for (let k = 0; k < n; k++) order[k] = k;
  sortPrefix(order, n, byEvTime);
  // The parents the object is in and since when, in the order it entered them. Few: an ADD
  // empties the list, only OBSERVEs of other parents lengthen it.
  let m = 0;
  for (let o = 0; o < n; o++) {
    const k = order[o]!;
    const e = ev[k]!;
    const parent = evParent[k]!;
    let at = m - 1;
    while (at >= 0 && openParent[at] !== parent) at--;
    if (e.role === "p" || e.action === "DELETE") {
      if (at >= 0) {
        pushInterval(out, window, parent, openFrom[at]!, e.time);
        for (let j = at + 1; j < m; j++) {
          openParent[j - 1] = openParent[j]!;
          openFrom[j - 1] = openFrom[j]!;
        }
        m--;
      }
      continue;
    }
    if (at >= 0) continue;
    if (e.action !== "OBSERVE") {
      // An ADD (or an action EPCIS does not name, taken as one) moves it out of every other.
      for (let j = 0; j < m; j++) pushInterval(out, window, openParent[j]!, openFrom[j]!, e.time);
      m = 0;
    }
    openParent[m] = parent;
    openFrom[m++] = e.time;
  }
  for (let j = 0; j < m; j++) pushInterval(out, window, openParent[j]!, openFrom[j]!, TIME_MAX);
  return out;
}

/**
 * Sorts the first `n` elements of `a` in place, stably, as Array.prototype.sort would; short
 * runs without its working copy.
 */
function sortPrefix(a: number[], n: number, cmp: (x: number, y: number) => number): void {
  if (n > 16) {
    const sorted = a.slice(0, n).sort(cmp);
    for (let i = 0; i < n; i++) a[i] = sorted[i]!;
    return;
  }
  for (let i = 1; i < n; i++) {
    const x = a[i]!;
    let j = i - 1;
    while (j >= 0 && cmp(a[j]!, x) > 0) {
      a[j + 1] = a[j]!;
      j--;
    }
    a[j + 1] = x;
  }
}

export { canon, padIndex, TIME_MAX, TIME_MIN };
