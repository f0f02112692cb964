// Pure comparisons of the core's answers with a scenario's ground truth (firmware-sim
// groundTruth): chains against true unit paths, recalls against true forward closures, the
// ledger's events against the events a perfect system records. Nothing here asks the system
// anything; every function takes what it compares and returns the differences, so the tests
// can print them when they are not empty.

import type { ExpectedEvent, RecallTruth, TruthStep } from "@suyuan/firmware-sim";
import { type EpcisEvent, eventHash, parseCode } from "@suyuan/proto";
import type { ChainStep, RecallAnswer } from "../../../core/src/query/types.ts";

/** Canonical form of an identifier (GS1 Digital Link or suyuan URN); itself when not a code. */
export function canon(id: string | undefined): string {
  if (id === undefined || id === "") return "";
  try {
    return parseCode(id).canonical;
  } catch {
    return id;
  }
}

/**
 * The CBV word of a bizStep / disposition, whatever form the event carries it in: a bare word
 * (EPCIS 2.0 JSON-LD, CBV 2.0 §8.2), `urn:epcglobal:cbv:bizstep:shipping` (CBV 2.0 §8.1) or
 * `https://ref.gs1.org/cbv/BizStep-shipping` (CBV 2.0 §8.3).
 */
export function cbvWord(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  const m = /(?:bizstep:|disp:|BizStep-|Disp-)([A-Za-z_]+)$/.exec(v);
  return m ? m[1] : v;
}

/**
 * Maximum bipartite matching (augmenting paths, Kuhn): `ok(i, j)` says left i may pair with
 * right j. Returns for each left index its right index or -1. Sizes here are hundreds, so the
 * O(V·E) walk is cheap, and unlike a greedy first fit it never reports a miss only because an
 * earlier item took a candidate it did not need.
 */
export function maxMatching(nLeft: number, nRight: number, ok: (i: number, j: number) => boolean): number[] {
  const adj: number[][] = [];
  for (let i = 0; i < nLeft; i++) {
    const row: number[] = [];
    for (let j = 0; j < nRight; j++) if (ok(i, j)) row.push(j);
    adj.push(row);
  }
  const ownerOf = new Array<number>(nRight).fill(-1);
  const leftTo = new Array<number>(nLeft).fill(-1);
  const tryLeft = (i: number, seen: Uint8Array): boolean => {
    for (const j of adj[i] ?? []) {
      if (seen[j]) continue;
      seen[j] = 1;
      const o = ownerOf[j] ?? -1;
      if (o === -1 || tryLeft(o, seen)) {
        ownerOf[j] = i;
        leftTo[i] = j;
        return true;
      }
    }
    return false;
  };
  for (let i = 0; i < nLeft; i++) tryLeft(i, new Uint8Array(nRight));
  return leftTo;
}

/**
 * Among equally good matchings, the one that keeps order: when truth i < k (truth is sorted by
 * window start) got core steps in the other order and each could take the other's, swap them.
 * Identical-looking events (one per scan at one read point) otherwise pair up crosswise.
 */
export function uncross(m: number[], ok: (i: number, j: number) => boolean): number[] {
  const out = [...m];
  for (let changed = true; changed; ) {
    changed = false;
    for (let i = 0; i < out.length; i++)
      for (let k = i + 1; k < out.length; k++) {
        const ji = out[i]!;
        const jk = out[k]!;
        if (ji < 0 || jk < 0 || ji < jk) continue;
        if (ok(i, jk) && ok(k, ji)) {
          out[i] = jk;
          out[k] = ji;
          changed = true;
        }
      }
  }
  return out;
}

export interface CompareOptions {
  /** Wall-clock ms of play time 0 (RunningSystem.runStartMs). */
  runStartMs: number;
  /**
   * Extra ms allowed after a truth window. The truth's windows already hold the gateway's
   * smoothing slack (3 RFID cycles + 1 s); this covers the runner's scheduling jitter on a
   * loaded 2-core machine (a timer firing late shifts every read of an action). Before the
   * window only 100 ms are allowed: the emulators never read before an action starts, so an
   * event stamped earlier is something else (a cross-read from a neighbouring door).
   */
  slackMs?: number;
}

function inWindow(iso: string | undefined, w: { from: number; to: number }, o: CompareOptions): boolean {
  if (iso === undefined) return false;
  const t = Date.parse(iso);
  const slack = o.slackMs ?? 1500;
  return t >= o.runStartMs + w.from - 100 && t <= o.runStartMs + w.to + slack;
}

// ---- chains --------------------------------------------------------------------------------

/** Does the core's step record the truth step's event? */
export function stepMatches(t: TruthStep, c: ChainStep, o: CompareOptions): boolean {
  if (c.eventType !== t.eventType) return false;
  if (cbvWord(c.bizStep) !== t.bizStep) return false;
  if (t.action !== undefined && c.action !== t.action) return false;
  if (t.disposition !== undefined && cbvWord(c.disposition) !== t.disposition) return false;
  if (canon(c.readPoint) !== t.readPoint || canon(c.bizLocation) !== t.bizLocation) return false;
  if (c.party?.id !== undefined && canon(c.party.id) !== t.party) return false;
  // An input's story can reach the unit through several inputs of the same transformation (a
  // harvest lot's event is the story of every case of the lot): which input the walk names
  // first is not fixed, so input steps compare by event, not by exact via (scenario notes).
  if (t.via.startsWith("input:")) {
    if (!c.via.startsWith("input:")) return false;
  } else if (c.via !== t.via) return false;
  return inWindow(c.eventTime, t.window, o);
}

export interface ChainDiff {
  /** Truth steps no core step records. */
  missing: TruthStep[];
  /** Core steps that record no truth step. */
  extra: ChainStep[];
  /**
   * With `fragments`: further core steps recording a truth step already matched — one
   * observation the gateway reported as several events (tags first seen in different event
   * cycles). Not counted as extra.
   */
  fragments: ChainStep[];
  /** Pairs of truth steps certainly in one order (disjoint windows) that the core answers in the other. */
  outOfOrder: Array<[string, string]>;
  /** The core's steps are not sorted by event time. */
  unsorted: boolean;
}

export function chainDiff(
  truth: readonly TruthStep[],
  steps: readonly ChainStep[],
  o: CompareOptions & { fragments?: boolean },
): ChainDiff {
  const ok = (i: number, j: number) => stepMatches(truth[i]!, steps[j]!, o);
  const m = uncross(maxMatching(truth.length, steps.length, ok), ok);
  const used = new Set(m.filter((j) => j >= 0));
  const rest = steps.filter((_, j) => !used.has(j));
  // A fragment records the same observation: same event but for the way it joins (the pallet's
  // tag in one fragment, the case's own tag in another).
  const isFragment = (c: ChainStep) =>
    o.fragments === true && truth.some((t) => stepMatches({ ...t, via: c.via }, c, o));
  const diff: ChainDiff = {
    missing: truth.filter((_, i) => m[i] === -1),
    extra: rest.filter((c) => !isFragment(c)),
    fragments: rest.filter(isFragment),
    outOfOrder: [],
    unsorted: false,
  };
  for (let j = 1; j < steps.length; j++)
    if (Date.parse(steps[j]!.eventTime) < Date.parse(steps[j - 1]!.eventTime)) diff.unsorted = true;
  // "In order": when two true events certainly happened one before the other (their windows
  // do not overlap), the chain lists them in that order.
  for (let a = 0; a < truth.length; a++)
    for (let b = 0; b < truth.length; b++) {
      const ja = m[a]!;
      const jb = m[b]!;
      if (ja < 0 || jb < 0) continue;
      if (truth[a]!.window.to < truth[b]!.window.from && ja > jb)
        diff.outOfOrder.push([truth[a]!.event, truth[b]!.event]);
    }
  return diff;
}

export function chainDiffIsEmpty(d: ChainDiff): boolean {
  return d.missing.length === 0 && d.extra.length === 0 && d.outOfOrder.length === 0 && !d.unsorted;
}

/** A short readable form of a chain difference for assertion messages. */
export function describeChainDiff(unit: string, d: ChainDiff): string {
  const t = (s: TruthStep) => `${s.event} ${s.eventType}/${s.bizStep}@${s.readPoint} via ${s.via}`;
  const c = (s: ChainStep) =>
    `${s.eventType}/${cbvWord(s.bizStep)}/${s.action ?? ""}@${s.readPoint} ${s.eventTime} via ${s.via}`;
  return [
    `chain of ${unit}:`,
    ...d.missing.map((s) => `  missing ${t(s)}`),
    ...d.extra.map((s) => `  extra   ${c(s)}`),
    ...d.outOfOrder.map(([a, b]) => `  order   ${a} after ${b}`),
    ...(d.unsorted ? ["  steps not sorted by eventTime"] : []),
  ].join("\n");
}

// ---- recalls -------------------------------------------------------------------------------

/** The comparable content of a recall (truth or answer): sorted strings, so equality is `toEqual`. */
export interface RecallView {
  lots: string[];
  units: string[];
  containers: string[];
  lotsDerived: string[];
  /** Each transformation as "inputs → outputs" (ids differ: the gateway names its own runs). */
  transformations: string[];
  holders: string[];
  statusTotals: Record<string, number>;
}

function unitLine(u: { id: string; status: string; location?: string; party?: string; inTransit?: boolean }): string {
  return `${canon(u.id)} ${u.status} at ${canon(u.location) || "-"} of ${canon(u.party) || "-"}${u.inTransit ? " in transit" : ""}`;
}

export function recallViewOfTruth(t: RecallTruth): RecallView {
  return {
    lots: [...t.lots].sort(),
    units: t.units.map(unitLine).sort(),
    containers: [...t.containers].sort(),
    lotsDerived: [...t.lotsDerived].sort(),
    transformations: t.transformations
      .map((x) => `${[...x.inputs].sort().join(",")} → ${[...x.outputs].sort().join(",")}`)
      .sort(),
    holders: t.holders.map((h) => `${h.location} ${h.party} ${h.units}`).sort(),
    statusTotals: { ...t.statusTotals },
  };
}

export function recallViewOfAnswer(a: RecallAnswer): RecallView {
  return {
    lots: a.lots.map(canon).sort(),
    units: a.units.map(unitLine).sort(),
    containers: a.containers.map(canon).sort(),
    lotsDerived: a.lotsDerived.map(canon).sort(),
    transformations: a.transformations
      .map((x) => `${x.inputs.map(canon).sort().join(",")} → ${x.outputs.map(canon).sort().join(",")}`)
      .sort(),
    holders: a.holders.map((h) => `${canon(h.location)} ${canon(h.party)} ${h.units}`).sort(),
    statusTotals: { ...a.statusTotals },
  };
}

// ---- events --------------------------------------------------------------------------------

/** Every identifier an event names (instances and quantity classes), canonical and sorted. */
export function identifiersOfEvent(ev: EpcisEvent): string[] {
  const ids = new Set<string>();
  for (const x of [
    ...(ev.epcList ?? []),
    ...(ev.childEPCs ?? []),
    ...(ev.inputEPCList ?? []),
    ...(ev.outputEPCList ?? []),
    ...(ev.parentID === undefined ? [] : [ev.parentID]),
  ])
    ids.add(canon(x));
  for (const q of [
    ...(ev.quantityList ?? []),
    ...(ev.childQuantityList ?? []),
    ...(ev.inputQuantityList ?? []),
    ...(ev.outputQuantityList ?? []),
  ])
    ids.add(canon(q.epcClass));
  return [...ids].sort();
}

export function identifiersOfExpected(e: ExpectedEvent): string[] {
  const ids = new Set<string>([
    ...e.epcs,
    ...(e.children ?? []),
    ...(e.inputs ?? []),
    ...(e.outputs ?? []),
    ...(e.parent === undefined ? [] : [e.parent]),
    ...e.quantities.map((q) => q.class),
    ...(e.inputQuantities ?? []).map((q) => q.class),
    ...(e.outputQuantities ?? []).map((q) => q.class),
  ]);
  return [...ids].sort();
}

/**
 * A core event records the expected event: same type, bizStep, action, read point and time
 * window, and the same identifiers (`exact`) or at least them (`superset`: a cross-read
 * phantom added to a true observation does not hide it).
 */
export function eventMatches(
  e: ExpectedEvent,
  ev: EpcisEvent,
  ids: readonly string[],
  o: CompareOptions,
  mode: "exact" | "superset" = "exact",
): boolean {
  if (ev.type !== e.eventType) return false;
  if (cbvWord(ev.bizStep) !== e.bizStep) return false;
  if (e.action !== undefined && ev.action !== e.action) return false;
  if (canon(ev.readPoint?.id) !== e.readPoint) return false;
  if (!inWindow(ev.eventTime, e.window, o)) return false;
  const want = identifiersOfExpected(e);
  if (mode === "exact") return want.length === ids.length && want.every((x, i) => x === ids[i]);
  const have = new Set(ids);
  return want.every((x) => have.has(x));
}

export interface LoggedLike {
  index: number;
  hashId: string;
  event: EpcisEvent;
  recordTime: string;
}

export interface EventScore {
  expected: number;
  logged: number;
  /** Expected events some logged event records (its identifiers a superset of the true ones). */
  matched: number;
  /** Of those, logged events with exactly the true identifiers. */
  exact: number;
  /** exact / logged: share of the core's events that record exactly something that happened. */
  precision: number;
  /** matched / expected: share of what happened that the core recorded. */
  recall: number;
  /** Identifier mentions in logged events that are true / all mentions (phantom tags lower it). */
  idPrecision: number;
  missing: ExpectedEvent[];
  /** Logged events matching no expected event (phantom events, duplicates, split events). */
  unmatched: LoggedLike[];
  /** Logged events that record a true event plus identifiers that were not there (phantoms). */
  impure: LoggedLike[];
  /** Expected events that two or more logged events record (a duplicate the matching dropped). */
  duplicated: string[];
  /** Identifiers named where they were not (the extra ones of impure events, all of unmatched ones). */
  phantomIds: string[];
}

/** Scores logged events (pass only gateway-captured ones) against the truth's expected events. */
export function scoreEvents(
  expected: readonly ExpectedEvent[],
  logged: readonly LoggedLike[],
  o: CompareOptions,
): EventScore {
  const ids = logged.map((l) => identifiersOfEvent(l.event));
  const ok = (i: number, j: number) => eventMatches(expected[i]!, logged[j]!.event, ids[j]!, o, "superset");
  // Prefer exact pairs: match exactly first, then let superset matching extend that matching.
  const exactM = maxMatching(expected.length, logged.length, (i, j) =>
    eventMatches(expected[i]!, logged[j]!.event, ids[j]!, o, "exact"),
  );
  const m = extendMatching(exactM, logged.length, ok);
  const used = new Set(m.filter((j) => j >= 0));
  const unmatched = logged.filter((_, j) => !used.has(j));
  const impure: LoggedLike[] = [];
  let exact = 0;
  let mentions = 0;
  let trueMentions = 0;
  const phantomIds = new Set<string>();
  const jTo = new Map<number, number>();
  m.forEach((j, i) => {
    if (j >= 0) jTo.set(j, i);
  });
  logged.forEach((l, j) => {
    mentions += ids[j]!.length;
    const i = jTo.get(j);
    if (i === undefined) {
      for (const x of ids[j]!) phantomIds.add(x);
      return;
    }
    const want = new Set(identifiersOfExpected(expected[i]!));
    for (const x of ids[j]!) if (!want.has(x)) phantomIds.add(x);
    const good = ids[j]!.filter((x) => want.has(x)).length;
    trueMentions += good;
    if (good === ids[j]!.length && good === want.size) exact++;
    else impure.push(l);
  });
  const duplicated: string[] = [];
  expected.forEach((e, i) => {
    if (m[i] === -1) return;
    if (unmatched.some((l) => eventMatches(e, l.event, identifiersOfEvent(l.event), o, "superset")))
      duplicated.push(e.key);
  });
  return {
    expected: expected.length,
    logged: logged.length,
    matched: used.size,
    exact,
    precision: logged.length === 0 ? 1 : exact / logged.length,
    recall: expected.length === 0 ? 1 : used.size / expected.length,
    idPrecision: mentions === 0 ? 1 : trueMentions / mentions,
    missing: expected.filter((_, i) => m[i] === -1),
    unmatched,
    impure,
    duplicated,
    phantomIds: [...phantomIds].sort(),
  };
}

/** Grows a matching with augmenting paths under a wider `ok` (pairs already made stay matched). */
function extendMatching(start: number[], nRight: number, ok: (i: number, j: number) => boolean): number[] {
  const leftTo = [...start];
  const ownerOf = new Array<number>(nRight).fill(-1);
  leftTo.forEach((j, i) => {
    if (j >= 0) ownerOf[j] = i;
  });
  const tryLeft = (i: number, seen: Uint8Array): boolean => {
    for (let j = 0; j < nRight; j++) {
      if (seen[j] || !ok(i, j)) continue;
      seen[j] = 1;
      const w = ownerOf[j] ?? -1;
      if (w === -1 || tryLeft(w, seen)) {
        ownerOf[j] = i;
        leftTo[i] = j;
        return true;
      }
    }
    return false;
  };
  for (let i = 0; i < leftTo.length; i++) if (leftTo[i] === -1) tryLeft(i, new Uint8Array(nRight));
  return leftTo;
}

export interface NoisyEventScore {
  expected: number;
  logged: number;
  /** Expected events whose identifiers the logged events of the same observation cover. */
  recorded: number;
  /** recorded / expected. */
  recall: number;
  /** Logged events that are (part of) a true observation with no identifier that was not there. */
  trueEvents: number;
  /** trueEvents / logged. */
  precision: number;
  /** Logged events beyond the first for one observation (split over event cycles). */
  fragments: number;
  /** Logged events that belong to no true observation (cross-read phantoms, mostly). */
  phantomEvents: LoggedLike[];
  /** Logged events of a true observation that also name identifiers that were not there. */
  impure: LoggedLike[];
  /** Identifiers of an observation that two of its logged events both name (a duplicate). */
  duplicatedIds: number;
  /** Which: expected event key, identifier, log indexes of the events naming it. */
  duplicates: Array<{ key: string; id: string; indexes: number[] }>;
  /** Identifier mentions that are true / all mentions. */
  idPrecision: number;
  missing: Array<{ event: ExpectedEvent; lacking: string[] }>;
  /** Identifiers named where they were not. */
  phantomIds: string[];
}

/**
 * Scores a noisy run. An RFID observation may reach the log as several events (each event cycle
 * reports the tags first seen in it, EPCIS 2.0 §7.4.2 ObjectEvent per cycle, ALE-style), so an
 * expected event counts as recorded when the logged events of the same observation (same type,
 * bizStep, action, read point, parent, time window) together name all its identifiers.
 */
export function scoreNoisyEvents(
  expected: readonly ExpectedEvent[],
  logged: readonly LoggedLike[],
  o: CompareOptions & {
    /**
     * Play ms the observation's last read was made (its action's `end`). An event's time is
     * when its tags were first seen, so a fragment stamped later than that (+ 500 ms for the
     * serial line and a late timer) cannot be part of it: the tag had left that reader's field,
     * and what was read is a cross-read from a neighbouring door.
     */
    observedUntil?: (e: ExpectedEvent) => number | undefined;
  },
): NoisyEventScore {
  const wants = expected.map((e) => new Set(identifiersOfExpected(e)));
  const byExpected = new Map<number, number[]>();
  const phantomEvents: LoggedLike[] = [];
  const impure: LoggedLike[] = [];
  const phantomIds = new Set<string>();
  let mentions = 0;
  let trueMentions = 0;
  let trueEvents = 0;
  logged.forEach((l, j) => {
    const ids = identifiersOfEvent(l.event);
    mentions += ids.length;
    let best = -1;
    let bestOverlap = 0;
    expected.forEach((e, i) => {
      const ev = l.event;
      if (ev.type !== e.eventType || cbvWord(ev.bizStep) !== e.bizStep) return;
      if (e.action !== undefined && ev.action !== e.action) return;
      if (canon(ev.readPoint?.id) !== e.readPoint || !inWindow(ev.eventTime, e.window, o)) return;
      if (e.parent !== undefined && canon(ev.parentID) !== e.parent) return;
      const until = o.observedUntil?.(e);
      if (until !== undefined && Date.parse(ev.eventTime) > o.runStartMs + until + 500) return;
      const overlap = ids.filter((x) => wants[i]!.has(x)).length;
      if (overlap > bestOverlap) {
        best = i;
        bestOverlap = overlap;
      }
    });
    if (best === -1) {
      phantomEvents.push(l);
      for (const x of ids) phantomIds.add(x);
      return;
    }
    byExpected.set(best, [...(byExpected.get(best) ?? []), j]);
    trueMentions += bestOverlap;
    if (bestOverlap === ids.length) trueEvents++;
    else {
      impure.push(l);
      for (const x of ids) if (!wants[best]!.has(x)) phantomIds.add(x);
    }
  });
  let fragments = 0;
  let duplicatedIds = 0;
  const duplicates: NoisyEventScore["duplicates"] = [];
  const missing: NoisyEventScore["missing"] = [];
  expected.forEach((e, i) => {
    const js = byExpected.get(i) ?? [];
    fragments += Math.max(0, js.length - 1);
    const seen = new Map<string, number[]>();
    for (const j of js)
      for (const x of identifiersOfEvent(logged[j]!.event)) seen.set(x, [...(seen.get(x) ?? []), logged[j]!.index]);
    // A parent repeats in every fragment of an aggregation by design; children must not.
    for (const [x, idx] of seen)
      if (idx.length > 1 && x !== e.parent) {
        duplicatedIds += idx.length - 1;
        duplicates.push({ key: e.key, id: x, indexes: idx });
      }
    const lacking = [...wants[i]!].filter((x) => !seen.has(x));
    if (lacking.length > 0) missing.push({ event: e, lacking });
  });
  const recorded = expected.length - missing.length;
  return {
    expected: expected.length,
    logged: logged.length,
    recorded,
    recall: expected.length === 0 ? 1 : recorded / expected.length,
    trueEvents,
    precision: logged.length === 0 ? 1 : trueEvents / logged.length,
    fragments,
    phantomEvents,
    impure,
    duplicatedIds,
    duplicates,
    idPrecision: mentions === 0 ? 1 : trueMentions / mentions,
    missing,
    phantomIds: [...phantomIds].sort(),
  };
}

export function describeNoisyScore(s: NoisyEventScore): string {
  const l = (x: LoggedLike) =>
    `#${x.index} ${x.event.type}/${cbvWord(x.event.bizStep)}/${x.event.action ?? ""}@${canon(x.event.readPoint?.id)} ${x.event.eventTime} ${identifiersOfEvent(x.event).join(" ")}`;
  return [
    `events: expected ${s.expected}, recorded ${s.recorded}, logged ${s.logged} (${s.trueEvents} true, ${s.fragments} fragments, ${s.impure.length} impure, ${s.phantomEvents.length} phantom)`,
    ...s.missing
      .slice(0, 20)
      .map(
        (m) =>
          `  missing ${m.event.key} ${m.event.eventType}/${m.event.bizStep}@${m.event.readPoint}: ${m.lacking.join(" ")}`,
      ),
    ...s.phantomEvents.slice(0, 20).map((x) => `  phantom ${l(x)}`),
    ...s.impure.slice(0, 20).map((x) => `  impure ${l(x)}`),
    ...s.duplicates.slice(0, 20).map((d) => `  duplicate ${d.key}: ${d.id} in #${d.indexes.join(", #")}`),
  ].join("\n");
}

/**
 * Hash bookkeeping of a log: every record's hashId must be the CBV 2.0 event hash of its
 * event (so equal events have equal ids) and appear once.
 */
export function hashCensus(logged: readonly LoggedLike[]): { repeated: string[]; wrong: number[] } {
  const count = new Map<string, number>();
  const wrong: number[] = [];
  for (const l of logged) {
    count.set(l.hashId, (count.get(l.hashId) ?? 0) + 1);
    if (eventHash(l.event) !== l.hashId) wrong.push(l.index);
  }
  return { repeated: [...count].filter(([, n]) => n > 1).map(([h]) => h), wrong };
}

export function describeScore(s: EventScore): string {
  const e = (x: ExpectedEvent) =>
    `${x.key} ${x.eventType}/${x.bizStep}@${x.readPoint} ${identifiersOfExpected(x).length} ids`;
  const l = (x: LoggedLike) =>
    `#${x.index} ${x.event.type}/${cbvWord(x.event.bizStep)}/${x.event.action ?? ""}@${canon(x.event.readPoint?.id)} ${x.event.eventTime} ${identifiersOfEvent(x.event).join(" ")}`;
  return [
    `events: expected ${s.expected}, logged ${s.logged}, matched ${s.matched} (exact ${s.exact})`,
    ...s.missing.slice(0, 20).map((x) => `  missing ${e(x)}`),
    ...s.unmatched.slice(0, 20).map((x) => `  unmatched ${l(x)}`),
    ...s.impure.slice(0, 20).map((x) => `  impure ${l(x)}`),
    ...(s.duplicated.length ? [`  duplicated ${s.duplicated.join(", ")}`] : []),
  ].join("\n");
}
