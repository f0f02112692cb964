// GetChain (issue 3 §4; DESIGN.md "Chains"): a unit's own events, the events of every
// container while it held the unit, the events of its lot, and — backwards through
// transformations — the chains of the inputs that made it, ordered by event time.
import { type EpcisEvent, toCbvWordOrSelf } from "@suyuan/proto";
import { canon, kindOf } from "../index/canon.ts";
import { type Entry, IX, SEP } from "../index/records.ts";
import type { LoggedEvent } from "../model.ts";
import { ALL_TIME, type Interval, intersect, inWindow, type QueryContext, Walk } from "./context.ts";
import { recallNoticeOf } from "./notices.ts";
import type { ChainAnswer, ChainStep, CheckpointInfo, SensorSummary } from "./types.ts";

/** How deep containment (case → pallet → container → …) and transformations are followed. */
const MAX_CONTAINER_DEPTH = 8;
const MAX_TRANSFORM_DEPTH = 16;

interface Collected {
  via: string;
}

/** Where a walk puts the events it finds (with how they join the chain). */
type Collect = (e: Entry, via: string) => void;

export class ChainBuilder {
  private readonly walk: Walk;
  private readonly steps = new Map<number, Collected>();
  private readonly xfSeen = new Set<string>();
  private readonly visited = new Set<string>();

  constructor(private readonly ctx: QueryContext) {
    this.walk = new Walk(ctx);
  }

  /** The first way an event joins the chain names its `via`. */
  private readonly add: Collect = (e, via) => {
    if (!this.steps.has(e.index)) this.steps.set(e.index, { via });
  };

  async build(code: string, canonicalId: string, checkpoint: CheckpointInfo): Promise<ChainAnswer> {
    const kind = kindOf(canonicalId);
    let lot: string | undefined;
    if (kind === "lot" || kind === "class") {
      await this.classChain(canonicalId, ALL_TIME, "self", 0, this.add);
    } else {
      lot = await this.unitChain(canonicalId, ALL_TIME, undefined, 0, this.add);
    }
    const steps = await this.render();
    const answer: ChainAnswer = { code, canonical: canonicalId, kind, steps, checkpoint };
    if (lot !== undefined) answer.lot = lot;
    return answer;
  }

  /**
   * Events of an instance within `window`. `via` is fixed for an input's chain
   * (`input:<id>`); for the subject itself it is self / container:<id> / lot:<id>.
   * Returns the unit's lot.
   */
  private async unitChain(
    id: string,
    window: Interval,
    via: string | undefined,
    xfDepth: number,
    add: Collect,
  ): Promise<string | undefined> {
    const own = await this.walk.ids(id);
    for (const e of own) if (inWindow(e.time, window)) add(e, via ?? "self");
    // The containers' events and the lot's (with the origins through transformations) are
    // read at once: each is a few store round trips one after another, and a chain's time is
    // mostly waiting on them. The lot's join after the containers', as if read in turn.
    const fromLot: Array<[Entry, string]> = [];
    const [, lot] = await Promise.all([
      this.containerEvents(id, window, via, 0, add),
      (async () => {
        const later: Collect = (e, v) => {
          fromLot.push([e, v]);
        };
        const lot = await this.walk.lotOf(id);
        if (lot !== undefined) await this.classChain(lot, window, via ?? `lot:${lot}`, xfDepth, later);
        await this.backThroughTransformations(own, window, xfDepth, later);
        return lot;
      })(),
    ]);
    for (const [e, v] of fromLot) add(e, v);
    return lot;
  }

  /** Events of the containers that held `id`, each only while it held it, recursively. */
  private async containerEvents(
    id: string,
    window: Interval,
    via: string | undefined,
    depth: number,
    add: Collect,
  ): Promise<void> {
    if (depth >= MAX_CONTAINER_DEPTH) return;
    const held = await this.walk.containers(id, window);
    for (const [parent, intervals] of held) {
      // A container's declared-erroneous events are left out (not shown flagged): the flag
      // is for the unit's own record; the container's corrections stitch in by themselves.
      const pEntries = await this.walk.usableIds(parent);
      for (const iv of intervals) {
        const key = `c${SEP}${parent}${SEP}${iv.from}${SEP}${iv.to}${SEP}${via ?? ""}`;
        if (this.visited.has(key)) continue;
        this.visited.add(key);
        for (const e of pEntries) if (inWindow(e.time, iv)) add(e, via ?? `container:${parent}`);
        await this.containerEvents(parent, iv, via, depth + 1, add);
      }
    }
  }

  /** Class-level (lot or GTIN) events within `window`, and the lot's own origins. */
  private async classChain(
    classId: string,
    window: Interval,
    via: string,
    xfDepth: number,
    add: Collect,
  ): Promise<void> {
    const key = `l${SEP}${classId}${SEP}${window.from}${SEP}${window.to}${SEP}${via}`;
    if (this.visited.has(key)) return;
    this.visited.add(key);
    const es = await this.walk.classes(classId);
    // A quantity of the lot consumed by a transformation (role i) is the lot's forward
    // story (a recall's), not this object's: only the lot's other events join.
    for (const e of es) if (e.role !== "i" && inWindow(e.time, window)) add(e, via);
    await this.backThroughTransformations(es, window, xfDepth, add);
  }

  /**
   * EPCIS 2.0 §7.4.4: the inputs of a transformation made its outputs. For every
   * transformation that output this object (instance or lot) within the window, each input's
   * chain up to the transformation's time joins as `input:<input id>`.
   */
  private async backThroughTransformations(
    es: readonly Entry[],
    window: Interval,
    xfDepth: number,
    add: Collect,
  ): Promise<void> {
    if (xfDepth >= MAX_TRANSFORM_DEPTH) return;
    const outs = new Map<string, string>(); // xfKey → latest output time
    for (const e of es) {
      if (e.role !== "o" || e.link === "" || !inWindow(e.time, window) || !this.walk.usable(e)) continue;
      const t = outs.get(e.link);
      if (t === undefined || e.time > t) outs.set(e.link, e.time);
    }
    for (const [xfKey, time] of outs) {
      if (this.xfSeen.has(xfKey)) continue;
      this.xfSeen.add(xfKey);
      const inputs = await this.ctx.xfRecords(IX.xfIn, xfKey);
      const seen = new Set<string>();
      for (const h of inputs) {
        const sep = h.value.indexOf(SEP);
        const level = h.value.slice(0, sep);
        const input = h.value.slice(sep + 1);
        if (seen.has(input)) continue;
        seen.add(input);
        const w = intersect(window, { from: ALL_TIME.from, to: time }) ?? { from: ALL_TIME.from, to: time };
        if (level === "c") await this.classChain(input, w, `input:${input}`, xfDepth + 1, add);
        else await this.unitChain(input, w, `input:${input}`, xfDepth + 1, add);
      }
    }
  }

  /** Decodes the collected events, applies error declarations, orders by event time. */
  private async render(): Promise<ChainStep[]> {
    const evs = await this.ctx.getEvents(this.steps.keys());
    // EPCIS 2.0 §7.4.1.2: events declared erroneous are shown as such; their corrective
    // events are used instead, so they join the chain with the erroneous event's `via`.
    const corrections = new Map<number, { via: string; corrects: string }>();
    for (const [idx, c] of this.steps) {
      const ev = evs.get(idx);
      if (ev === undefined) continue;
      const d = this.ctx.declarationFor(idx, ev);
      if (d === undefined || d.correctiveEventIDs.length === 0) continue;
      if (c.via.startsWith("container:")) continue;
      for (const ci of await this.ctx.resolveEventIds(d.correctiveEventIDs)) {
        if (!this.steps.has(ci) && !corrections.has(ci)) corrections.set(ci, { via: c.via, corrects: ev.hashId });
      }
    }
    const more = corrections.size > 0 ? await this.ctx.getEvents(corrections.keys()) : new Map<number, LoggedEvent>();
    const cp = this.ctx.ledger.checkpoint().size;
    const out: Array<{ ms: number; idx: number; step: ChainStep }> = [];
    const emit = (idx: number, ev: LoggedEvent, via: string, corrects?: string) => {
      if (ev.event.errorDeclaration !== undefined) return; // the declaration itself is shown as a flag
      const step = toStep(this.ctx, ev, via, cp);
      const d = this.ctx.declarationFor(idx, ev);
      if (d !== undefined) {
        step.declaredErroneous = { correctiveEventIDs: d.correctiveEventIDs, declarationTime: d.declarationTime };
        if (d.reason !== undefined) step.declaredErroneous.reason = d.reason;
      }
      if (corrects !== undefined) step.corrects = corrects;
      out.push({ ms: timeMs(ev.event.eventTime), idx, step });
    };
    for (const [idx, c] of this.steps) {
      const ev = evs.get(idx);
      if (ev !== undefined) emit(idx, ev, c.via);
    }
    for (const [idx, c] of corrections) {
      const ev = more.get(idx);
      if (ev !== undefined) emit(idx, ev, c.via, c.corrects);
    }
    out.sort((a, b) => a.ms - b.ms || a.idx - b.idx);
    return out.map((o) => o.step);
  }
}

function timeMs(t: string): number {
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? 0 : ms;
}

/** One chain step: what, when, where, who, how it joins, and its proof status. */
export function toStep(ctx: QueryContext, le: LoggedEvent, via: string, checkpointSize: number): ChainStep {
  const ev = le.event;
  const step: ChainStep = {
    eventId: le.hashId,
    eventType: ev.type,
    eventTime: ev.eventTime,
    recordTime: le.recordTime,
    via,
    proof: {
      kind: le.provenance.kind,
      logIndex: le.index,
      checkpointSize,
      included: le.index < checkpointSize,
    },
  };
  if (le.provenance.kind === "gateway") {
    step.proof.gatewayId = le.provenance.gatewayId;
    step.proof.party = le.provenance.party;
  } else if (le.provenance.kind === "partner") step.proof.party = le.provenance.party;
  if (ev.bizStep) step.bizStep = toCbvWordOrSelf("bizStep", ev.bizStep);
  if (ev.disposition) step.disposition = toCbvWordOrSelf("disposition", ev.disposition);
  if (ev.action) step.action = ev.action;
  if (ev.readPoint?.id) step.readPoint = canon(ev.readPoint.id);
  if (ev.bizLocation?.id) step.bizLocation = canon(ev.bizLocation.id);
  const where = step.bizLocation ?? step.readPoint;
  if (where !== undefined) {
    const loc = ctx.master.location(where);
    if (loc?.name) step.location = loc.name;
    const partyId = ctx.master.partyOfLocation(where) ?? loc?.party;
    if (partyId !== undefined) {
      const p = ctx.master.party(partyId);
      step.party = p?.name ? { id: partyId, name: p.name } : { id: partyId };
    }
  }
  if (ev.sourceList?.length)
    step.source = ev.sourceList.map((s) => ({ type: toCbvWordOrSelf("sourceDestType", s.type), id: canon(s.id) }));
  if (ev.destinationList?.length) {
    step.destination = ev.destinationList.map((s) => ({
      type: toCbvWordOrSelf("sourceDestType", s.type),
      id: canon(s.id),
    }));
  }
  if (ev.bizTransactionList?.length) {
    step.bizTransactions = ev.bizTransactionList.map((b) =>
      b.type === undefined
        ? { bizTransaction: b.bizTransaction }
        : { type: toCbvWordOrSelf("bizTransactionType", b.type), bizTransaction: b.bizTransaction },
    );
  }
  const sensors = summariseSensors(ev);
  if (sensors.length > 0) step.sensors = sensors;
  const notice = recallNoticeOf(le);
  if (notice !== undefined) step.recallNotice = notice;
  return step;
}

/** EPCIS 2.0 §7.3.7: per measurement type, the count and range of the reported values. */
export function summariseSensors(ev: EpcisEvent): SensorSummary[] {
  const byType = new Map<string, SensorSummary>();
  for (const el of ev.sensorElementList ?? []) {
    for (const r of el.sensorReport) {
      const type = r.type ? toCbvWordOrSelf("measurementType", r.type) : "unknown";
      let s = byType.get(type);
      if (s === undefined) {
        s = { type, count: 0 };
        byType.set(type, s);
      }
      s.count++;
      for (const v of [r.value, r.minValue, r.maxValue, r.meanValue]) {
        if (typeof v !== "number" || !Number.isFinite(v)) continue;
        s.min = s.min === undefined ? v : Math.min(s.min, v);
        s.max = s.max === undefined ? v : Math.max(s.max, v);
      }
      if (r.uom && s.uom === undefined) s.uom = r.uom;
      if (r.exception) {
        s.exceptions ??= [];
        if (!s.exceptions.includes(r.exception)) s.exceptions.push(r.exception);
      }
    }
  }
  return [...byType.values()];
}
