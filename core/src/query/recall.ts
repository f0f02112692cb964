// Recall (issue 3 §4; DESIGN.md "Chains"): the forward closure of lots, identifiers or a
// location and time window — every unit of those lots, every container that held them and
// its shipments and receipts, every transformation that consumed them and every lot and unit
// it produced, recursively — and every affected unit's last known location and holder.
//
// Work is breadth-first over batches (lots, units, transformations, containers) with bounded
// parallel scans, and the holder of a unit is found from index entries alone (they carry
// bizStep, disposition, bizLocation and destination), so no event is decoded per unit.
import { SuyuanError } from "@suyuan/proto";
import { canon, kindOf } from "../index/canon.ts";
import { type Entry, IX, SEP, timeKey } from "../index/records.ts";
import { type Interval, inSlices, lotIn, type QueryContext, Walk } from "./context.ts";
import { maybeRecallNotice } from "./notices.ts";
import type {
  CheckpointInfo,
  RecallAnswer,
  RecallHolder,
  RecallRequest,
  RecallShipment,
  RecallTransformation,
  RecallUnit,
} from "./types.ts";

const MAX_CONTAINER_DEPTH = 8;
/** Units answered between two turns of the event loop (a few ms of work on a slow core). */
const YIELD_EVERY = 4096;
// CBV 2.0 §7.1 business steps that move goods between parties.
const SHIPMENT_STEPS = new Set(["shipping", "departing", "receiving", "arriving", "accepting"]);
const IN_TRANSIT_STEPS = new Set(["shipping", "departing"]);
export const CONSUMED = "consumed";
// CBV 2.0 §7.2 dispositions after which nobody in the supply chain holds the unit: reported
// with their status, not counted for a holder.
// "consumed" is not a CBV disposition: it is the status of a unit named as an input of a
// TransformationEvent (EPCIS 2.0 §7.4.4: inputs are consumed to make the outputs).
export const GONE: ReadonlySet<string> = new Set([
  "retail_sold",
  "destroyed",
  "dispensed",
  "disposed",
  "stolen",
  CONSUMED,
]);

function later(a: Entry | undefined, b: Entry | undefined): Entry | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  if (a.time !== b.time) return a.time > b.time ? a : b;
  return a.index >= b.index ? a : b;
}

interface UnitState {
  /** The lot the unit was reached through ("": not through a lot). */
  lot: string;
  /** Its usable records (Walk.usableIds), once read. */
  usable: readonly Entry[] | undefined;
}

interface Last {
  any?: Entry;
  withDisposition?: Entry;
}

function merge(x: Last, y: Last): Last {
  const out: Last = {};
  const any = later(x.any, y.any);
  const wd = later(x.withDisposition, y.withDisposition);
  if (any !== undefined) out.any = any;
  if (wd !== undefined) out.withDisposition = wd;
  return out;
}

/**
 * The transformation that consumed a unit, from the unit's own records: its latest entry as
 * an input (EPCIS 2.0 §7.4.4 inputEPCList), unless the same event also output it, or a later
 * record of the unit itself shows it again (then it still exists somewhere, and a recall must
 * look for it). Later events of a container it was in do not count: the container went on
 * without it.
 */
function consumption(own: readonly Entry[]): Entry | undefined {
  let input: Entry | undefined;
  for (const e of own) if (e.role === "i" && e.link !== "") input = later(input, e);
  if (input === undefined) return undefined;
  const c = input;
  for (const e of own) {
    if (e.index === c.index ? e.role === "o" : later(c, e) === e) return undefined;
  }
  return c;
}

function lastOf(es: readonly Entry[], iv?: Interval): Last {
  // The merge of every entry in `iv`, without an object per entry.
  let any: Entry | undefined;
  let withDisposition: Entry | undefined;
  for (const e of es) {
    if (iv !== undefined && (e.time < iv.from || e.time > iv.to)) continue;
    any = later(any, e);
    if (e.disposition !== "") withDisposition = later(withDisposition, e);
  }
  const out: Last = {};
  if (any !== undefined) out.any = any;
  if (withDisposition !== undefined) out.withDisposition = withDisposition;
  return out;
}

function badRecall(field: string, rule: string): never {
  throw new SuyuanError("QUERY_BAD_RECALL", `${field}: ${rule}`, { field });
}

export class RecallWalker {
  private readonly walk: Walk;
  private readonly seedLots = new Set<string>();
  private readonly lots = new Set<string>();
  private readonly lotsDerived = new Set<string>();
  /** Affected units → what the walk knows of each (one map: a recall reaches 140k units). */
  private readonly units = new Map<string, UnitState>();
  private readonly containers = new Set<string>();
  private readonly xfs = new Map<string, RecallTransformation>();
  private lotQ: string[] = [];
  private unitQ: string[] = [];
  private xfQ: string[] = [];
  private containerQ: string[] = [];
  private readonly lastMemo = new Map<string, Promise<Last>>();
  /** lastInSync of containers: id → from → to → answer (no key string made per unit). */
  private readonly lastSyncMemo = new Map<string, Map<string, Map<string, Last>>>();
  /** Container → intervals in which it held an affected unit (filled while finding holders). */
  private readonly heldIntervals = new Map<string, Interval[]>();

  constructor(private readonly ctx: QueryContext) {
    this.walk = new Walk(ctx);
  }

  async run(req: RecallRequest, checkpoint: CheckpointInfo): Promise<RecallAnswer> {
    if (typeof req !== "object" || req === null) badRecall("request", "give lots, identifiers or a location");
    const lots = req.lots ?? [];
    const ids = req.identifiers ?? [];
    if (!Array.isArray(lots)) badRecall("lots", "must be a list of lot codes");
    if (!Array.isArray(ids)) badRecall("identifiers", "must be a list of codes");
    if (lots.length === 0 && ids.length === 0 && req.location === undefined) {
      badRecall("request", "give at least one lot, identifier, or a location with a time window");
    }
    lots.forEach((l, i) => {
      if (typeof l !== "string" || l.trim() === "") badRecall(`lots[${i}]`, "must be a non-empty code");
      const c = canon(l);
      if (kindOf(c) !== "lot")
        badRecall(`lots[${i}]`, `${JSON.stringify(l)} is not a lot (give an LGTIN: GTIN + lot, AI 01 + AI 10)`);
      this.seedLots.add(c);
      this.addLot(c, false);
    });
    const seedIds: string[] = [];
    ids.forEach((x, i) => {
      if (typeof x !== "string" || x.trim() === "") badRecall(`identifiers[${i}]`, "must be a non-empty code");
      seedIds.push(canon(x));
    });
    if (req.location !== undefined) seedIds.push(...(await this.locationSeeds(req.location)));
    for (const id of seedIds) {
      const k = kindOf(id);
      if (k === "lot") {
        this.seedLots.add(id);
        this.addLot(id, false);
      } else await this.addObject(id, 0);
    }

    while (this.lotQ.length + this.unitQ.length + this.xfQ.length + this.containerQ.length > 0) {
      const lotQ = this.lotQ.splice(0);
      await this.ctx.chunked(lotQ, (l) => this.expandLot(l));
      // A frontier of units or containers is read in merged scans, not one scan each.
      // Their records go into their state, not the walk's memo (nobody else asks for them).
      const unitQ = this.unitQ.splice(0);
      await this.ctx.scanMany("id", unitQ, (id, es) => {
        this.units.get(id)!.usable = this.walk.usableOf(es);
      });
      for (const u of unitQ) {
        const st = this.units.get(u)!;
        st.usable ??= [];
        this.expandUnitEntries(st.usable);
      }
      const xfQ = this.xfQ.splice(0);
      await this.ctx.chunked(xfQ, (x) => this.expandXf(x));
      const cQ = this.containerQ.splice(0);
      await this.walk.prefetchIds(cQ);
      await this.ctx.chunked(cQ, (c) => this.expandContainer(c));
    }
    return this.answer(checkpoint);
  }

  private addLot(lot: string, derived: boolean): void {
    if (derived && !this.seedLots.has(lot)) this.lotsDerived.add(lot);
    if (this.lots.has(lot)) return;
    this.lots.add(lot);
    this.lotQ.push(lot);
  }

  private addUnit(id: string, lot?: string): void {
    const known = this.units.get(id);
    if (known === undefined) {
      this.units.set(id, { lot: lot ?? "", usable: undefined });
      this.unitQ.push(id);
    } else if (known.lot === "" && lot !== undefined) known.lot = lot;
  }

  private addContainer(id: string): void {
    if (this.containers.has(id)) return;
    this.containers.add(id);
    this.containerQ.push(id);
  }

  private addXf(key: string): void {
    if (this.xfs.has(key)) return;
    this.xfs.set(key, { id: key, logIndexes: [], inputs: [], outputs: [] });
    this.xfQ.push(key);
  }

  /** A named object: a container's contents (recursively, EPCIS 2.0 §7.4.3), else a unit. */
  private async addObject(id: string, depth: number): Promise<void> {
    const children = new Set<string>();
    for (const r of await this.ctx.childRecords(id)) {
      if (r.action === "DELETE") continue;
      for (const child of r.children) if (child !== "*") children.add(child);
    }
    if (children.size === 0 || depth >= MAX_CONTAINER_DEPTH) {
      this.addUnit(id);
      return;
    }
    this.addContainer(id);
    for (const c of children) await this.addObject(c, depth + 1);
  }

  private async locationSeeds(loc: { id: string; from: string; to: string }): Promise<string[]> {
    if (typeof loc !== "object" || loc === null || typeof loc.id !== "string" || loc.id.trim() === "") {
      badRecall("location.id", "must be a location code (SGLN / GLN)");
    }
    for (const f of ["from", "to"] as const) {
      if (typeof loc[f] !== "string" || Number.isNaN(Date.parse(loc[f]))) {
        badRecall(`location.${f}`, "must be an RFC 3339 date-time");
      }
    }
    const id = canon(loc.id);
    const from = timeKey(loc.from);
    const to = timeKey(loc.to);
    if (from > to) badRecall("location.to", "must not be before location.from");
    const idxs: number[] = [];
    for await (const h of this.ctx.store.scan(IX.loc, {
      gte: `${id}${SEP}${from}`,
      lt: `${id}${SEP}${to}${SEP}\uffff`,
    })) {
      idxs.push(Number(h.key.slice(h.key.lastIndexOf(SEP) + 1)));
    }
    const evs = await this.ctx.getEvents(idxs);
    const out = new Set<string>();
    for (const i of idxs) {
      const le = evs.get(i);
      if (le === undefined || le.event.errorDeclaration !== undefined || this.ctx.declarationFor(i, le) !== undefined)
        continue;
      const ev = le.event;
      for (const e of [...(ev.epcList ?? []), ...(ev.childEPCs ?? []), ...(ev.outputEPCList ?? [])]) out.add(canon(e));
      if (ev.parentID) out.add(canon(ev.parentID));
      for (const q of [...(ev.quantityList ?? []), ...(ev.childQuantityList ?? []), ...(ev.outputQuantityList ?? [])]) {
        const c = canon(q.epcClass);
        if (kindOf(c) === "lot") out.add(c);
      }
    }
    return [...out];
  }

  private async expandLot(lot: string): Promise<void> {
    // In any order: the walk reads a frontier sorted, and the answer sorts the units.
    await this.ctx.eachLotMember(lot, (m) => this.addUnit(m, lot));
    for (const e of await this.walk.usableClasses(lot)) {
      if (e.role === "i" && e.link !== "") this.addXf(e.link);
      // A quantity of the lot packed into a container (childQuantityList).
      if (e.role === "q" && e.link !== "" && e.type === "A") this.addContainer(e.link);
    }
  }

  private expandUnitEntries(es: readonly Entry[]): void {
    for (const e of es) {
      if (e.role === "i" && e.link !== "") this.addXf(e.link);
      else if (e.role === "c" && e.link !== "" && e.type === "A") this.addContainer(e.link);
    }
  }

  private async expandContainer(id: string): Promise<void> {
    for (const e of await this.walk.usableIds(id)) {
      if (e.role === "c" && e.link !== "" && e.type === "A") this.addContainer(e.link);
    }
  }

  private async expandXf(key: string): Promise<void> {
    const x = this.xfs.get(key)!;
    const [ins, outs] = await Promise.all([this.ctx.xfRecords(IX.xfIn, key), this.ctx.xfRecords(IX.xfOut, key)]);
    const idxs = new Set<number>();
    const inputs = new Set<string>();
    const outputs = new Set<string>();
    for (const h of ins) {
      idxs.add(Number(h.key.slice(key.length + 1)));
      inputs.add(h.value.slice(h.value.indexOf(SEP) + 1));
    }
    for (const h of outs) {
      idxs.add(Number(h.key.slice(key.length + 1)));
      const sep = h.value.indexOf(SEP);
      const level = h.value.slice(0, sep);
      const id = h.value.slice(sep + 1);
      if (level === "l") this.addLot(id, true);
      else if (level === "c") {
        outputs.add(id);
        if (kindOf(id) === "lot") this.addLot(id, true);
      } else {
        outputs.add(id);
        this.addUnit(id);
      }
    }
    // Reached only through usable (not declared-erroneous) input entries; every event of the
    // transformation is listed for the officer to see.
    x.logIndexes = [...idxs].sort((a, b) => a - b);
    x.inputs = [...inputs].sort();
    x.outputs = [...outputs].sort();
  }

  /** Latest entry of `id` and of its containers while they held it, within `iv`. */
  private lastIn(id: string, iv: Interval, depth: number): Promise<Last> {
    // Units are asked once each (depth 0); containers once per unit they held, so only
    // they are memoised.
    const key = depth === 0 ? "" : `${id}${SEP}${iv.from}${SEP}${iv.to}`;
    let p = depth === 0 ? undefined : this.lastMemo.get(key);
    if (p === undefined) {
      p = (async () => {
        // Recall notices written by the core are not where the goods are (notices.ts).
        let last = lastOf(await this.walk.placing(id), iv);
        if (depth >= MAX_CONTAINER_DEPTH) return last;
        const held = await this.walk.containers(id, iv);
        for (const [parent, ivs] of held) {
          for (const piv of ivs) {
            const list = this.heldIntervals.get(parent);
            if (list) list.push(piv);
            else this.heldIntervals.set(parent, [piv]);
            last = merge(last, await this.lastIn(parent, piv, depth + 1));
          }
        }
        return last;
      })();
      if (depth > 0) this.lastMemo.set(key, p);
    }
    return p;
  }

  /**
   * `lastIn` when every record it needs is already read (the walk read the units and their
   * containers), else undefined. Same answer; the intervals it notes may repeat ones an
   * abandoned attempt noted (they are only tested for overlap).
   */
  private lastInSync(id: string, iv: Interval, depth: number, usable?: readonly Entry[]): Last | undefined {
    let memo: Map<string, Last> | undefined;
    if (depth > 0) {
      let byFrom = this.lastSyncMemo.get(id);
      if (byFrom === undefined) {
        byFrom = new Map();
        this.lastSyncMemo.set(id, byFrom);
      }
      memo = byFrom.get(iv.from);
      if (memo === undefined) {
        memo = new Map();
        byFrom.set(iv.from, memo);
      }
      const hit = memo.get(iv.to);
      if (hit !== undefined) return hit;
    }
    // A unit's caller passes its usable records when none is a recall notice (then they are
    // also its placing records).
    const placing = usable ?? this.walk.placingSync(id);
    if (placing === undefined) return undefined;
    let last = lastOf(placing, iv);
    if (depth < MAX_CONTAINER_DEPTH) {
      const held = this.walk.containersSync(id, iv, usable);
      if (held === undefined) return undefined;
      for (const [parent, ivs] of held) {
        for (const piv of ivs) {
          const list = this.heldIntervals.get(parent);
          if (list) list.push(piv);
          else this.heldIntervals.set(parent, [piv]);
          const up = this.lastInSync(parent, piv, depth + 1);
          if (up === undefined) return undefined;
          last = merge(last, up);
        }
      }
    }
    memo?.set(iv.to, last);
    return last;
  }

  private async answer(checkpoint: CheckpointInfo): Promise<RecallAnswer> {
    const master = this.ctx.master;
    const unitIds = [...this.units.keys()].sort();
    const units: RecallUnit[] = new Array(unitIds.length);
    const holders = new Map<string, RecallHolder>();
    const statusTotals: Record<string, number> = {};
    const shipments = new Map<number, { e: Entry; objects: Set<string> }>();
    const noteShipments = (obj: string, es: readonly Entry[]) => {
      for (const e of es) {
        if (!SHIPMENT_STEPS.has(e.bizStep)) continue;
        const s = shipments.get(e.index);
        if (s) s.objects.add(obj);
        else shipments.set(e.index, { e, objects: new Set([obj]) });
      }
    };
    const all = { from: "", to: "\uffff" };
    // The unit's answer from its records, the state its containers leave (lastIn) and its lot.
    const unitAnswer = (id: string, consumedBy: Entry | undefined, held: Last, lot: string | undefined): RecallUnit => {
      // A consumed unit was last where the transformation used it up; nobody holds it since.
      const last: Last = consumedBy === undefined ? held : { any: consumedBy };
      const u: RecallUnit = {
        id,
        status: consumedBy !== undefined ? CONSUMED : last.withDisposition?.disposition || "unknown",
      };
      if (lot !== undefined) u.lot = lot;
      const e = last.any;
      let location = "";
      let party = "";
      if (e !== undefined) {
        u.lastEventTime = e.time;
        u.lastLogIndex = e.index;
        // CBV 2.0 §7.1/§7.2: goods shipped (or in_transit) and not yet received are held
        // for their destination; otherwise the last business location holds them.
        const moving = IN_TRANSIT_STEPS.has(e.bizStep) || e.disposition === "in_transit";
        if (moving && (e.destLocation !== "" || e.destParty !== "")) {
          u.inTransit = true;
          location = e.destLocation;
          party = e.destParty;
        } else {
          location = e.bizLocation || e.readPoint;
        }
        if (party === "" && location !== "")
          party = master.partyOfLocation(location) ?? master.location(location)?.party ?? "";
      }
      if (location !== "") u.location = location;
      if (party !== "") u.party = party;
      return u;
    };
    // Fast path: the walk has read every unit's and container's records, so most units are
    // answered without a promise each; the rest (a record not read yet, a possible recall
    // notice, a lot to look up) take the general path below.
    const slow: Array<readonly [string, number]> = [];
    // A unit not reached through a lot has the lot Walk.lotOf finds: from its records when no
    // event is declared erroneous (then its usable records are all of them) and the ledger
    // has no `lot-of` rows to fall back to.
    const lotsFromRecords = !this.ctx.hasDeclaredIndexes;
    const noLegacyLots = lotsFromRecords && !(await this.ctx.hasLegacyLotOf());
    // A recall answers for ~140k units: ~0.4 s in one go on a slow core.
    await inSlices(unitIds.length, YIELD_EVERY, (from, to) => {
      for (let i = from; i < to; i++) {
        const id = unitIds[i]!;
        const st = this.units.get(id)!;
        const usable = st.usable;
        const lot = st.lot || (lotsFromRecords && usable !== undefined ? lotIn(usable) : undefined);
        // As placingSync: the usable records place the unit unless one may be a recall notice.
        if (usable !== undefined && (lot !== undefined || noLegacyLots) && !usable.some(maybeRecallNotice)) {
          const consumedBy = consumption(usable);
          const window = consumedBy === undefined ? all : { from: all.from, to: consumedBy.time };
          const held = this.lastInSync(id, window, 0, usable);
          if (held !== undefined) {
            noteShipments(id, usable);
            units[i] = unitAnswer(id, consumedBy, held, lot);
            continue;
          }
        }
        slow.push([id, i]);
      }
    });
    await this.ctx.chunked(slow, async ([id, i]) => {
      const consumedBy = consumption(await this.walk.placing(id));
      // lastIn also notes the intervals in which containers held the unit (for their
      // shipments): a consumed unit's end at its consumption, whatever the container did next.
      const held = await this.lastIn(id, consumedBy === undefined ? all : { from: all.from, to: consumedBy.time }, 0);
      noteShipments(id, await this.walk.usableIds(id));
      units[i] = unitAnswer(id, consumedBy, held, this.units.get(id)!.lot || (await this.walk.lotOf(id)));
    });
    for (const u of units) statusTotals[u.status] = (statusTotals[u.status] ?? 0) + 1;
    for (const u of units) {
      if (GONE.has(u.status)) continue;
      const key = `${u.location ?? ""}${SEP}${u.party ?? ""}`;
      let h = holders.get(key);
      if (h === undefined) {
        h = { location: u.location ?? "unknown", party: u.party ?? "unknown", units: 0 };
        const ln = u.location ? master.location(u.location)?.name : undefined;
        if (ln) h.locationName = ln;
        const pn = u.party ? master.party(u.party)?.name : undefined;
        if (pn) h.partyName = pn;
        holders.set(key, h);
      }
      h.units++;
    }
    // A container's shipments and receipts while it held affected units (not before, not after).
    for (const c of this.containers) {
      const ivs = this.heldIntervals.get(c) ?? [];
      const es = (await this.walk.usableIds(c)).filter((e) => ivs.some((iv) => e.time >= iv.from && e.time <= iv.to));
      noteShipments(c, es);
    }
    const shipIdx = [...shipments.keys()].sort((a, b) => a - b);
    const evs = await this.ctx.getEvents(shipIdx);
    const shipmentList: RecallShipment[] = [];
    for (const i of shipIdx) {
      const s = shipments.get(i)!;
      const le = evs.get(i);
      if (le === undefined) continue;
      const r: RecallShipment = {
        eventId: le.hashId,
        logIndex: i,
        eventTime: le.event.eventTime,
        bizStep: s.e.bizStep,
        objects: s.objects.size,
      };
      if (s.e.bizLocation) r.bizLocation = s.e.bizLocation;
      if (s.e.destLocation || s.e.destParty) r.destination = s.e.destLocation || s.e.destParty;
      shipmentList.push(r);
    }
    shipmentList.sort((a, b) => Date.parse(a.eventTime) - Date.parse(b.eventTime) || a.logIndex - b.logIndex);
    return {
      lots: [...this.seedLots].sort(),
      units,
      containers: [...this.containers].sort(),
      lotsDerived: [...this.lotsDerived].sort(),
      transformations: [...this.xfs.values()].sort((a, b) => (a.id < b.id ? -1 : 1)),
      shipments: shipmentList,
      holders: [...holders.values()].sort((a, b) => b.units - a.units || (a.location < b.location ? -1 : 1)),
      statusTotals,
      checkpoint,
    };
  }
}
