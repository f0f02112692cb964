/**
 * Ground truth of a scenario, computed from its timeline alone (never from EPCIS events a
 * system recorded):
 *
 * - `events`: the EPCIS events a perfect system records for each physical action, as the
 *   gateway's scan-point rules define them (type, bizStep, disposition, action, read point,
 *   time window, identifiers) — the reference for event precision / recall.
 * - `units`: every unit's true path — ordered steps (site, location, time window, what
 *   happened) and how each joins the unit's story: `self`, `container:<id>` (while the
 *   container held it), `lot:<id>` (class-level events of its lot), `input:<id>` (the story
 *   of an input of a transformation that made it or its lot, up to the transformation) — the
 *   `via` vocabulary of the core's ChainStep (core/src/query/types.ts).
 * - `containers`: every container's contents over time (intervals).
 * - `recall(lots)`: a lot's true forward closure in the shape of the core's RecallAnswer —
 *   units with status, location and holder; containers; derived lots; transformations;
 *   holders with unit counts; units per status.
 *
 * Identifiers are canonical (proto `parseCode(...).canonical`). Times are play times
 * (ms from run start); `rebase` turns a window into ISO times for a run that started at a
 * known wall-clock time.
 *
 * Deliberate differences from what a system may answer, so that a comparison shows them:
 * a unit consumed by a transformation has status `consumed` and no holder (it no longer
 * exists as such), whatever disposition the TransformationEvent carries.
 */

import { canonicalOf } from "./ids.ts";
import type { Action, ActionType, QuantitySpec, Scenario, SiteSpec } from "./model.ts";
import { readPointOf, siteOf } from "./model.ts";

export interface TimeWindow {
  from: number;
  to: number;
}

export interface SensorExpectation {
  deviceId: string;
  type: string;
  uom: string;
  count: number;
  min: number;
  max: number;
}

export interface ExpectedEvent {
  /** Unique key: `<action seq>` or `<action seq>.<n>` when an action records several events. */
  key: string;
  actionSeq: number;
  actionType: ActionType;
  eventType: "ObjectEvent" | "AggregationEvent" | "TransformationEvent";
  action?: "ADD" | "OBSERVE" | "DELETE";
  /** CBV 2.0 §7.1 business step word. */
  bizStep: string;
  /** CBV 2.0 §7.2 disposition word. */
  disposition?: string;
  site: string;
  party: string;
  /** Canonical read point and business location (GLN Digital Links). */
  readPoint: string;
  bizLocation: string;
  /** When the event's eventTime must fall (play ms). */
  window: TimeWindow;
  epcs: string[];
  quantities: QuantitySpec[];
  parent?: string;
  children?: string[];
  inputs?: string[];
  inputQuantities?: QuantitySpec[];
  outputs?: string[];
  outputQuantities?: QuantitySpec[];
  /** ILMD lot (LGTIN) of the objects commissioned. */
  lot?: string;
  lotNumber?: string;
  /** Destination location (shipping). */
  destination?: string;
  /** Sensor summaries attached by a sensor rule (readings so far in the logger's window). */
  sensors?: SensorExpectation[];
}

export interface TruthStep {
  event: string;
  actionType: ActionType;
  eventType: ExpectedEvent["eventType"];
  bizStep: string;
  disposition?: string;
  action?: ExpectedEvent["action"];
  site: string;
  party: string;
  readPoint: string;
  bizLocation: string;
  window: TimeWindow;
  via: string;
}

export interface UnitTruth {
  id: string;
  product?: string;
  lot?: string;
  lotNumber?: string;
  path: TruthStep[];
  /** CBV disposition word of the last step with one, or `consumed`. */
  status: string;
  location?: string;
  party?: string;
  inTransit?: boolean;
}

export interface ContainmentInterval {
  child: string;
  /** Play time packed / unpacked (the pack action's and unpack action's start). */
  from: number;
  to?: number;
  packedBy: string;
  unpackedBy?: string;
}

export interface ContainerTruth {
  id: string;
  contents: ContainmentInterval[];
}

export interface RecallTruth {
  lots: string[];
  units: Array<{ id: string; status: string; location?: string; party?: string; inTransit?: boolean; lot?: string }>;
  containers: string[];
  lotsDerived: string[];
  transformations: Array<{ id: string; inputs: string[]; outputs: string[] }>;
  holders: Array<{ location: string; party: string; units: number }>;
  statusTotals: Record<string, number>;
}

export interface GroundTruth {
  events: ExpectedEvent[];
  units: Map<string, UnitTruth>;
  containers: Map<string, ContainerTruth>;
  /** Forward closure of each lot of the scenario. */
  lots: Map<string, RecallTruth>;
  recall(lots: readonly string[]): RecallTruth;
}

// CBV 2.0 §7.2 dispositions after which nobody holds the unit (as the core's recall counts them).
const GONE = new Set(["retail_sold", "dispensed", "destroyed", "disposed", "stolen", "consumed"]);
const EVENT_SLACK_MS = 1000;

type Role = "e" | "p" | "c" | "i" | "o";
interface Mention {
  ev: ExpectedEvent;
  pos: number;
  role: Role;
}

/** The EPCIS events a perfect system records for the scenario's actions. */
export function expectedEvents(s: Scenario): ExpectedEvent[] {
  const out: ExpectedEvent[] = [];
  const slack = 3 * s.timing.cycleMs + EVENT_SLACK_MS;
  for (const a of s.actions) {
    if (a.type === "sense") continue;
    const site = siteOf(s, a.site);
    const rp = readPointOf(s, a.site, a.readPoint);
    const base = (key: string, w: TimeWindow) => ({
      key,
      actionSeq: a.seq,
      actionType: a.type,
      site: a.site,
      party: site.party.canonical,
      readPoint: canonicalOf(rp.readPoint),
      bizLocation: canonicalOf(rp.bizLocation),
      window: w,
      epcs: [] as string[],
      quantities: [] as QuantitySpec[],
    });
    const whole: TimeWindow = { from: a.at, to: a.end + slack };
    const rfid = a.observations.some((o) => o.kind === "rfid");
    // Barcode-observed ObjectEvents: one event per scan (the observe and commissioning rules).
    const scanTimes = scanTimesOf(a);
    const perScan = (
      ids: string[],
      qs: QuantitySpec[],
    ): Array<{ key: string; w: TimeWindow; ids: string[]; qs: QuantitySpec[] }> => {
      const items: Array<{ ids: string[]; qs: QuantitySpec[] }> = [
        ...ids.map((id) => ({ ids: [id], qs: [] })),
        ...qs.map((q) => ({ ids: [], qs: [q] })),
      ];
      return items.map((it, n) => {
        const at = scanTimes[n] ?? a.at;
        return {
          key: items.length === 1 ? `${a.seq}` : `${a.seq}.${n}`,
          w: { from: at, to: at + EVENT_SLACK_MS },
          ...it,
        };
      });
    };
    const objectEvents = (
      ids: string[],
      qs: QuantitySpec[],
      e: { action: "ADD" | "OBSERVE"; bizStep: string; disposition: string },
      extra: Partial<ExpectedEvent> = {},
    ) => {
      const groups = rfid ? [{ key: `${a.seq}`, w: whole, ids, qs }] : perScan(ids, qs);
      for (const g of groups)
        out.push({
          ...base(g.key, g.w),
          eventType: "ObjectEvent",
          ...e,
          ...extra,
          epcs: g.ids,
          quantities: g.qs,
        });
    };
    switch (a.type) {
      case "commission":
        objectEvents(
          a.units,
          a.quantities,
          { action: "ADD", bizStep: "commissioning", disposition: "active" },
          {
            ...(a.lot === undefined || a.units.length === 0 ? {} : { lot: a.lot }),
            ...(a.lotNumber === undefined ? {} : { lotNumber: a.lotNumber }),
          },
        );
        break;
      case "ship":
        objectEvents(
          a.observed,
          a.quantities,
          { action: "OBSERVE", bizStep: "shipping", disposition: "in_transit" },
          {
            destination: a.destination,
          },
        );
        break;
      case "receive":
        objectEvents(a.observed, a.quantities, { action: "OBSERVE", bizStep: "receiving", disposition: "in_progress" });
        break;
      case "sell":
        objectEvents([a.unit], [], { action: "OBSERVE", bizStep: "retail_selling", disposition: "retail_sold" });
        break;
      case "dispense":
        objectEvents([a.unit], [], { action: "OBSERVE", bizStep: "dispensing", disposition: "dispensed" });
        break;
      case "pack":
      case "unpack":
        out.push({
          ...base(`${a.seq}`, whole),
          eventType: "AggregationEvent",
          action: a.type === "pack" ? "ADD" : "DELETE",
          bizStep: a.type === "pack" ? "packing" : "unpacking",
          disposition: "in_progress",
          parent: a.container,
          // A barcode unpacking closed without item scans takes the whole content out (EPCIS 2.0 §7.4.3).
          children: a.type === "unpack" && !rfid ? [] : a.children,
        });
        break;
      case "transform":
        out.push({
          ...base(`${a.seq}`, whole),
          eventType: "TransformationEvent",
          bizStep: "commissioning",
          disposition: "active",
          inputs: a.inputs,
          inputQuantities: a.inputQuantities,
          outputs: a.outputs,
          outputQuantities: a.outputQuantities,
        });
        break;
    }
  }
  // Sensor rule attachTo: every event of the attached read point carries the readings so far.
  for (const a of s.actions) {
    if (a.type !== "sense") continue;
    const target = s.actions.find((x) => x.seq === a.attachedTo);
    if (!target) continue;
    for (const ev of out) {
      if (ev.site !== target.site || readPointIdOf(s, ev) !== target.readPoint) continue;
      const seen = a.readings.filter((r) => r.at <= ev.window.from);
      if (seen.length === 0) continue;
      const values = seen.map((r) => r.value);
      ev.sensors = [
        {
          deviceId: a.logger,
          type: seen[0]!.type,
          uom: seen[0]!.uom,
          count: seen.length,
          min: Math.min(...values),
          max: Math.max(...values),
        },
      ];
    }
  }
  return out.sort((x, y) => x.window.from - y.window.from || x.actionSeq - y.actionSeq);
}

function readPointIdOf(s: Scenario, ev: ExpectedEvent): string {
  return s.actions.find((a) => a.seq === ev.actionSeq)?.readPoint ?? "";
}

function scanTimesOf(a: Action): number[] {
  const times: number[] = [];
  for (const o of a.observations) {
    if (o.kind === "scan") {
      o.scans.forEach((d, i) => {
        // Control codes and keyless labels (lot, ship-to) set context; they are no event.
        if (!isContextScan(d)) times.push(o.at + i * o.intervalMs);
      });
    } else if (o.kind === "mqtt-read") for (let i = 0; i < o.reads.length; i++) times.push(o.at + i * o.intervalMs);
  }
  return times;
}

function isContextScan(data: string): boolean {
  if (data.startsWith("]C0")) return true;
  // GS1-128 labels without a key: AI 10/11 lot labels, AI 410 ship-to.
  return /^\]C1(10|11|410)/.test(data);
}

/** ISO 8601 times of a window for a run that started at `runStartMs` (wall clock). */
export function rebase(w: TimeWindow, runStartMs: number): { from: string; to: string } {
  return { from: new Date(runStartMs + w.from).toISOString(), to: new Date(runStartMs + w.to).toISOString() };
}

const ALL: [number, number] = [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY];

export function groundTruth(s: Scenario): GroundTruth {
  const events = expectedEvents(s);
  const posOf = new Map<number, number>(); // action seq → position in the timeline
  s.actions.forEach((a, i) => {
    posOf.set(a.seq, i);
  });
  // Map ( canonical id -> mentions as an instance ) and Map ( class id -> mentions as a quantity )
  const byId = new Map<string, Mention[]>();
  const byClass = new Map<string, Mention[]>();
  const note = (m: Map<string, Mention[]>, id: string, ev: ExpectedEvent, role: Role) => {
    const list = m.get(id);
    const mention = { ev, pos: posOf.get(ev.actionSeq)!, role };
    if (list) list.push(mention);
    else m.set(id, [mention]);
  };
  for (const ev of events) {
    for (const e of ev.epcs) note(byId, e, ev, "e");
    if (ev.parent) note(byId, ev.parent, ev, "p");
    for (const c of ev.children ?? []) note(byId, c, ev, "c");
    for (const i of ev.inputs ?? []) note(byId, i, ev, "i");
    for (const o of ev.outputs ?? []) note(byId, o, ev, "o");
    for (const q of ev.quantities) note(byClass, q.class, ev, "e");
    for (const q of ev.inputQuantities ?? []) note(byClass, q.class, ev, "i");
    for (const q of ev.outputQuantities ?? []) note(byClass, q.class, ev, "o");
  }

  // Containment from the pack/unpack actions, in timeline order.
  const containers = new Map<string, ContainerTruth>();
  // Map ( child -> intervals in its parents, as timeline positions [from, to] inclusive )
  const parents = new Map<string, Array<{ parent: string; from: number; to: number }>>();
  const open = new Map<string, { parent: string; from: number; interval: ContainmentInterval }>();
  s.actions.forEach((a, pos) => {
    if (a.type === "pack") {
      let c = containers.get(a.container);
      if (!c) {
        c = { id: a.container, contents: [] };
        containers.set(a.container, c);
      }
      for (const child of a.children) {
        const interval: ContainmentInterval = { child, from: a.at, packedBy: `${a.seq}` };
        c.contents.push(interval);
        open.set(child, { parent: a.container, from: pos, interval });
      }
    } else if (a.type === "unpack") {
      for (const child of a.children) {
        const o = open.get(child);
        if (!o || o.parent !== a.container) continue;
        open.delete(child);
        o.interval.to = a.at;
        o.interval.unpackedBy = `${a.seq}`;
        pushParent(child, { parent: a.container, from: o.from, to: pos });
      }
    }
  });
  for (const [child, o] of open) pushParent(child, { parent: o.parent, from: o.from, to: Number.POSITIVE_INFINITY });
  function pushParent(child: string, iv: { parent: string; from: number; to: number }) {
    const l = parents.get(child);
    if (l) l.push(iv);
    else parents.set(child, [iv]);
  }

  const transforms = s.actions.filter((a) => a.type === "transform");
  const consumed = new Set(transforms.flatMap((x) => x.inputs));
  const stepOf = (m: Mention, via: string): TruthStep => {
    const ev = m.ev;
    const st: TruthStep = {
      event: ev.key,
      actionType: ev.actionType,
      eventType: ev.eventType,
      bizStep: ev.bizStep,
      site: ev.site,
      party: ev.party,
      readPoint: ev.readPoint,
      bizLocation: ev.bizLocation,
      window: ev.window,
      via,
    };
    if (ev.disposition !== undefined) st.disposition = ev.disposition;
    if (ev.action !== undefined) st.action = ev.action;
    return st;
  };

  /** The core's chain walk, over the timeline: own events, containers while held, lot, inputs. */
  function pathOf(id: string): TruthStep[] {
    const steps = new Map<string, { m: Mention; via: string }>();
    const visited = new Set<string>();
    const xfSeen = new Set<string>();
    const add = (m: Mention, via: string) => {
      if (!steps.has(m.ev.key)) steps.set(m.ev.key, { m, via });
    };
    const inWin = (pos: number, w: [number, number]) => pos >= w[0] && pos <= w[1];
    const unitChain = (u: string, w: [number, number], via: string | undefined) => {
      const own = byId.get(u) ?? [];
      for (const m of own) if (inWin(m.pos, w)) add(m, via ?? "self");
      containerEvents(u, w, via, 0);
      const lot = s.objects.get(u)?.lot;
      if (lot !== undefined) classChain(lot, w, via ?? `lot:${lot}`);
      back(own, w);
    };
    const containerEvents = (u: string, w: [number, number], via: string | undefined, depth: number) => {
      if (depth >= 8) return;
      for (const iv of parents.get(u) ?? []) {
        const from = Math.max(w[0], iv.from);
        const to = Math.min(w[1], iv.to);
        if (from > to) continue;
        const key = `${iv.parent}|${from}|${to}|${via ?? ""}`;
        if (visited.has(key)) continue;
        visited.add(key);
        for (const m of byId.get(iv.parent) ?? [])
          if (inWin(m.pos, [from, to])) add(m, via ?? `container:${iv.parent}`);
        containerEvents(iv.parent, [from, to], via, depth + 1);
      }
    };
    const classChain = (cls: string, w: [number, number], via: string) => {
      const key = `l|${cls}|${w[0]}|${w[1]}|${via}`;
      if (visited.has(key)) return;
      visited.add(key);
      const ms = byClass.get(cls) ?? [];
      for (const m of ms) if (m.role !== "i" && inWin(m.pos, w)) add(m, via);
      back(ms, w);
    };
    const back = (ms: Mention[], w: [number, number]) => {
      for (const m of ms) {
        if (m.role !== "o" || !inWin(m.pos, w) || xfSeen.has(m.ev.key)) continue;
        xfSeen.add(m.ev.key);
        const iw: [number, number] = [w[0], Math.min(w[1], m.pos)];
        for (const i of m.ev.inputs ?? []) unitChain(i, iw, `input:${i}`);
        for (const q of m.ev.inputQuantities ?? []) classChain(q.class, iw, `input:${q.class}`);
      }
    };
    unitChain(id, ALL, undefined);
    return [...steps.values()]
      .sort((a, b) => a.m.ev.window.from - b.m.ev.window.from || a.m.pos - b.m.pos)
      .map((x) => stepOf(x.m, x.via));
  }

  const eventByKey = new Map(events.map((e) => [e.key, e] as const));
  const destSite = new Map<string, SiteSpec>();
  for (const site of s.sites) destSite.set(site.location.canonical, site);
  const units = new Map<string, UnitTruth>();
  for (const o of s.objects.values()) {
    if (o.kind !== "unit") continue;
    const path = pathOf(o.id);
    const u: UnitTruth = { id: o.id, path, status: "unknown" };
    if (o.product !== undefined) u.product = o.product;
    if (o.lot !== undefined) u.lot = o.lot;
    if (o.lotNumber !== undefined) u.lotNumber = o.lotNumber;
    // Holder: the unit's own and its containers' steps (not its lot's or its inputs').
    const custody = path.filter((p) => p.via === "self" || p.via.startsWith("container:"));
    const last = custody[custody.length - 1];
    const lastDisp = [...custody].reverse().find((p) => p.disposition !== undefined);
    if (lastDisp?.disposition !== undefined) u.status = lastDisp.disposition;
    if (last) {
      const ev = eventByKey.get(last.event);
      if (last.bizStep === "shipping" && ev?.destination !== undefined) {
        u.inTransit = true;
        u.location = ev.destination;
        const d = destSite.get(ev.destination);
        if (d) u.party = d.party.canonical;
      } else {
        u.location = last.bizLocation;
        u.party = last.party;
      }
    }
    if (consumed.has(o.id)) u.status = "consumed";
    units.set(o.id, u);
  }

  const lotMembers = new Map<string, string[]>();
  for (const o of s.objects.values()) {
    if (o.kind !== "unit" || o.lot === undefined) continue;
    const l = lotMembers.get(o.lot);
    if (l) l.push(o.id);
    else lotMembers.set(o.lot, [o.id]);
  }

  function recall(seeds: readonly string[]): RecallTruth {
    const lots = new Set<string>();
    const derived = new Set<string>();
    const unitSet = new Set<string>();
    const containerSet = new Set<string>();
    const xfs = new Map<string, { id: string; inputs: string[]; outputs: string[] }>();
    const lotQ: string[] = [];
    const unitQ: string[] = [];
    const addLot = (l: string, isDerived: boolean) => {
      if (isDerived && !seeds.includes(l)) derived.add(l);
      if (lots.has(l)) return;
      lots.add(l);
      lotQ.push(l);
    };
    const addUnit = (u: string) => {
      if (unitSet.has(u)) return;
      unitSet.add(u);
      unitQ.push(u);
    };
    const addContainer = (c: string) => {
      if (containerSet.has(c)) return;
      containerSet.add(c);
      for (const p of parents.get(c) ?? []) addContainer(p.parent);
    };
    const addXf = (x: (typeof transforms)[number]) => {
      if (xfs.has(x.transformation)) return;
      xfs.set(x.transformation, {
        id: x.transformation,
        inputs: [...x.inputs, ...x.inputQuantities.map((q) => q.class)].sort(),
        outputs: [...x.outputs, ...x.outputQuantities.map((q) => q.class)].sort(),
      });
      for (const o of x.outputs) {
        addUnit(o);
        const l = s.objects.get(o)?.lot;
        if (l !== undefined) addLot(l, true);
      }
      for (const q of x.outputQuantities) addLot(q.class, true);
    };
    for (const l of seeds) addLot(l, false);
    while (lotQ.length + unitQ.length > 0) {
      for (const l of lotQ.splice(0)) {
        for (const u of lotMembers.get(l) ?? []) addUnit(u);
        for (const x of transforms) if (x.inputQuantities.some((q) => q.class === l)) addXf(x);
      }
      for (const u of unitQ.splice(0)) {
        for (const x of transforms) if (x.inputs.includes(u)) addXf(x);
        for (const p of parents.get(u) ?? []) addContainer(p.parent);
      }
    }
    const list = [...unitSet].sort().map((id) => {
      const t = units.get(id);
      const r: RecallTruth["units"][number] = { id, status: t?.status ?? "unknown" };
      if (t?.location !== undefined) r.location = t.location;
      if (t?.party !== undefined) r.party = t.party;
      if (t?.inTransit) r.inTransit = true;
      if (t?.lot !== undefined) r.lot = t.lot;
      return r;
    });
    const holders = new Map<string, { location: string; party: string; units: number }>();
    const statusTotals: Record<string, number> = {};
    for (const u of list) {
      statusTotals[u.status] = (statusTotals[u.status] ?? 0) + 1;
      if (GONE.has(u.status)) continue;
      const key = `${u.location ?? ""}|${u.party ?? ""}`;
      const h = holders.get(key) ?? { location: u.location ?? "unknown", party: u.party ?? "unknown", units: 0 };
      h.units++;
      holders.set(key, h);
    }
    return {
      lots: [...seeds].sort(),
      units: list,
      containers: [...containerSet].sort(),
      lotsDerived: [...derived].sort(),
      transformations: [...xfs.values()].sort((a, b) => (a.id < b.id ? -1 : 1)),
      holders: [...holders.values()].sort((a, b) => b.units - a.units || (a.location < b.location ? -1 : 1)),
      statusTotals,
    };
  }

  const lotTruths = new Map<string, RecallTruth>();
  for (const l of s.lots) lotTruths.set(l.id, recall([l.id]));
  return { events, units, containers, lots: lotTruths, recall };
}
