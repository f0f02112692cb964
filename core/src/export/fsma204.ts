// FSMA 204 electronic sortable spreadsheet (21 CFR Part 1 Subpart S, §1.1455(c)(3)(ii)):
// one row per Critical Tracking Event and traceability lot, with the Key Data Elements of
// §§1.1325–1.1350 taken from the ledger's EPCIS events and the core's master data.
//
// CTE from CBV 2.0 bizStep (and event type):
//   TransformationEvent (any bizStep)                         → Transformation (§1.1350)
//   commissioning / creating_class_instance, quantity only   → Harvesting (§1.1325(a)): a lot
//                                                              of a raw commodity comes into being
//   commissioning / creating_class_instance, instances       → Initial Packing (§1.1330)
//   shipping / departing                                     → Shipping (§1.1340)
//   receiving / arriving / accepting                         → Receiving (§1.1345)
//   a non-CBV bizStep URI whose last segment is harvesting, cooling, initial_packing or
//   first_land_based_receiving (CBV 2.0 has no such steps)    → that CTE (§1.1325(b), §1.1335)
// Every other step (packing on pallets, storing, inspecting, …) is not a CTE.
//
// Quantity: the event's quantity for the lot's class (quantityList / input- / outputQuantityList,
// with its UN/ECE Rec 20 unit, e.g. KGM), else the number of the lot's units the event names
// directly or through a container holding them at the time (unit "EA", Rec 20 "each").
import { type EpcisEvent, SuyuanError, toCbvWordOrSelf } from "@suyuan/proto";
import { canon, kindOf } from "../index/canon.ts";
import type { Ledger, LoggedEvent, MasterDataReader } from "../model.ts";
import type { QueryEngine } from "../query/engine.ts";
import { type Cell, writeXlsx } from "./xlsx.ts";

export const FSMA_COLUMNS = [
  "Critical Tracking Event",
  "Traceability Lot Code",
  "Product Description",
  "Quantity",
  "Unit of Measure",
  "Event Date",
  "Event Time",
  "Location Description",
  "Location Identifier (GLN)",
  "Immediate Previous Source",
  "Immediate Subsequent Recipient",
  "Traceability Lot Code Source",
  "Traceability Lot Code Source Reference (GLN)",
  "Reference Document Type",
  "Reference Document Number",
  "Transformation Role",
  "Related Traceability Lot Codes",
  "EPCIS Event ID",
  "Ledger Index",
] as const;

export type FsmaColumn = (typeof FSMA_COLUMNS)[number];
export type FsmaRow = Record<FsmaColumn, string | number>;

export type Cte =
  | "Harvesting"
  | "Cooling"
  | "Initial Packing"
  | "First Land-Based Receiving"
  | "Shipping"
  | "Receiving"
  | "Transformation";

export interface FsmaSources {
  query: Pick<QueryEngine, "getChain" | "queryEvents" | "traceForward" | "traceBackward">;
  ledger: Pick<Ledger, "getEvents">;
  master: Pick<MasterDataReader, "location" | "party" | "product">;
}

export type FsmaRequest = { tlc: string } | { from: string; to: string };

/** Units of one lot followed per export (each costs one chain walk). */
export const MAX_LOT_UNITS = 5_000;
/** Lots one time-range export covers. */
export const MAX_RANGE_LOTS = 500;

function bad(field: string, rule: string): SuyuanError {
  return new SuyuanError("EXPORT_BAD_REQUEST", `${field}: ${rule}`, { field });
}

// CBV 2.0 §7.2 bizStep words → CTE.
const CREATE = new Set(["commissioning", "creating_class_instance"]);
const SHIP = new Set(["shipping", "departing"]);
const RECEIVE = new Set(["receiving", "arriving", "accepting"]);
const EXPLICIT: Record<string, Cte> = {
  harvesting: "Harvesting",
  cooling: "Cooling",
  initial_packing: "Initial Packing",
  first_land_based_receiving: "First Land-Based Receiving",
};

export function cteOf(ev: EpcisEvent): Cte | undefined {
  if (ev.type === "TransformationEvent") return "Transformation";
  if (ev.bizStep === undefined) return undefined;
  const word = toCbvWordOrSelf("bizStep", ev.bizStep);
  const explicit = EXPLICIT[word.split(/[:/#]/).pop()?.toLowerCase() ?? ""];
  if (explicit !== undefined) return explicit;
  if (CREATE.has(word) && ev.action === "ADD") {
    const instances = (ev.epcList?.length ?? 0) > 0;
    return instances ? "Initial Packing" : (ev.quantityList?.length ?? 0) > 0 ? "Harvesting" : undefined;
  }
  if (SHIP.has(word)) return "Shipping";
  if (RECEIVE.has(word)) return "Receiving";
  return undefined;
}

// CBV 2.0 §7.3 business transaction types → reference document type (§1.1310 "reference document").
const BTT: Record<string, string> = {
  bol: "Bill of Lading",
  cert: "Certificate",
  desadv: "Advance Shipping Notice",
  inv: "Invoice",
  pedigree: "Pedigree",
  po: "Purchase Order",
  poc: "Purchase Order Confirmation",
  prodorder: "Production Order",
  recadv: "Receiving Advice",
  rma: "Return Merchandise Authorization",
  testprd: "Test Procedure",
  testres: "Test Result",
  upevt: "Update Event",
};

/** CBV 2.0 §8.5 `urn:epcglobal:cbv:bt:<GLN>:<id>` → the document number; else as written. */
function docNumber(bt: string): string {
  const m = /^urn:epcglobal:cbv:bt:\d{13}:(.+)$/.exec(bt);
  return m?.[1] ?? bt;
}

/** The GLN (and extension) of a canonical location Digital Link. */
function glnOf(id: string | undefined): string {
  if (id === undefined) return "";
  const m = /^https:\/\/id\.gs1\.org\/41[47]\/(\d{13})(?:\/254\/([^/?#]+))?/.exec(id);
  if (m === null) return id;
  return m[2] === undefined ? (m[1] ?? "") : `${m[1]} ext ${decodeURIComponent(m[2])}`;
}

/** The event's local date and time at its own offset (EPCIS 2.0 §7.4.1 eventTimeZoneOffset). */
export function localDateTime(eventTime: string, offset: string): { date: string; time: string } {
  const ms = Date.parse(eventTime);
  const m = /^([+-])(\d{2}):(\d{2})$/.exec(offset);
  if (Number.isNaN(ms) || m === null) return { date: eventTime.slice(0, 10), time: eventTime.slice(11) };
  const mins = (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
  const iso = new Date(ms + mins * 60_000).toISOString();
  return { date: iso.slice(0, 10), time: `${iso.slice(11, 19)}${offset}` };
}

interface LotInfo {
  tlc: string;
  /** log index → units of the lot the event concerns. */
  unitCounts: Map<number, number>;
  /** log indexes of class-level events of the lot. */
  classEvents: Set<number>;
}

export class Fsma204Export {
  constructor(private readonly src: FsmaSources) {}

  /** Rows for one traceability lot code, or for every lot with a CTE in [from, to). */
  async rows(req: FsmaRequest): Promise<FsmaRow[]> {
    if ("tlc" in req) {
      const tlc = this.lotId(req.tlc, "tlc");
      return sortRows((await this.lotRows(tlc)).map((x) => x.row));
    }
    const from = Date.parse(this.time(req.from, "from"));
    const to = Date.parse(this.time(req.to, "to"));
    if (from >= to) throw bad("to", "must be after from");
    const lots = await this.lotsInRange(new Date(from).toISOString(), new Date(to).toISOString());
    const out: FsmaRow[] = [];
    for (const tlc of lots) {
      for (const { row, ms } of await this.lotRows(tlc)) if (ms >= from && ms < to) out.push(row);
    }
    return sortRows(out);
  }

  private lotId(input: string, field: string): string {
    if (typeof input !== "string" || input.trim() === "") throw bad(field, "is required");
    let id: string;
    try {
      id = canon(input.trim());
    } catch {
      throw bad(field, `${JSON.stringify(input)} is not a code`);
    }
    if (kindOf(id) !== "lot") throw bad(field, `${JSON.stringify(input)} is not a traceability lot (GTIN + lot)`);
    return id;
  }

  private time(v: string, field: string): string {
    if (typeof v !== "string" || Number.isNaN(Date.parse(v)) || !/^\d{4}-\d{2}-\d{2}/.test(v)) {
      throw bad(field, "must be an ISO 8601 date or date-time");
    }
    return /^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00.000Z` : new Date(v).toISOString();
  }

  /** Lots that have an event in the window: quantity-list lots and the lots of named objects. */
  private async lotsInRange(from: string, to: string): Promise<string[]> {
    const lots = new Set<string>();
    const objects = new Set<string>();
    let token: string | undefined;
    do {
      const page = await this.src.query.queryEvents({
        GE_eventTime: from,
        LT_eventTime: to,
        perPage: 1000,
        ...(token === undefined ? {} : { nextPageToken: token }),
      });
      for (const le of page.events) {
        const ev = le.event;
        for (const q of [
          ...(ev.quantityList ?? []),
          ...(ev.childQuantityList ?? []),
          ...(ev.inputQuantityList ?? []),
          ...(ev.outputQuantityList ?? []),
        ]) {
          const id = canon(q.epcClass);
          if (kindOf(id) === "lot") lots.add(id);
        }
        for (const e of [
          ...(ev.epcList ?? []),
          ...(ev.childEPCs ?? []),
          ...(ev.inputEPCList ?? []),
          ...(ev.outputEPCList ?? []),
        ]) {
          objects.add(canon(e));
        }
        if (ev.parentID !== undefined) objects.add(canon(ev.parentID));
      }
      token = page.nextPageToken;
    } while (token !== undefined);
    // EPCIS 2.0 §7.4.3 containment and CBV lot membership: a container's units and their lots.
    for (const o of objects) {
      const t = await this.src.query.traceBackward(o, 3);
      for (const n of t.nodes) if (n.kind === "lot") lots.add(n.id);
      if (lots.size > MAX_RANGE_LOTS) break;
    }
    if (lots.size > MAX_RANGE_LOTS) {
      throw new SuyuanError("EXPORT_TOO_LARGE", `from/to: more than ${MAX_RANGE_LOTS} lots in the window; narrow it`, {
        field: "from",
      });
    }
    return [...lots].sort();
  }

  private async lotInfo(tlc: string): Promise<LotInfo> {
    const info: LotInfo = { tlc, unitCounts: new Map(), classEvents: new Set() };
    // Class-level events: the lot in any quantity list, inputs included (a transformation
    // consuming the lot is one of its CTEs, §1.1350(a)(1)).
    let token: string | undefined;
    do {
      const page = await this.src.query.queryEvents({
        MATCH_anyEPCClass: tlc,
        perPage: 1000,
        ...(token === undefined ? {} : { nextPageToken: token }),
      });
      for (const le of page.events) info.classEvents.add(le.index);
      token = page.nextPageToken;
    } while (token !== undefined);
    // Units of the lot (CBV ILMD lotNumber membership) and every event that handled them,
    // themselves or inside a container at the time.
    const t = await this.src.query.traceForward(tlc, 1);
    const units = t.edges.filter((e) => e.kind === "member" && e.from === tlc).map((e) => e.to);
    if (units.length > MAX_LOT_UNITS) {
      throw new SuyuanError(
        "EXPORT_TOO_LARGE",
        `tlc: lot has ${units.length} units, at most ${MAX_LOT_UNITS} per export`,
        {
          field: "tlc",
        },
      );
    }
    for (const u of units) {
      const chain = await this.src.query.getChain(u);
      const seen = new Set<number>();
      for (const s of chain.steps) {
        if (s.declaredErroneous !== undefined) continue;
        if (!(s.via === "self" || s.via.startsWith("container:"))) continue;
        if (seen.has(s.proof.logIndex)) continue;
        seen.add(s.proof.logIndex);
        info.unitCounts.set(s.proof.logIndex, (info.unitCounts.get(s.proof.logIndex) ?? 0) + 1);
      }
    }
    return info;
  }

  private async lotRows(tlc: string): Promise<Array<{ row: FsmaRow; ms: number }>> {
    const info = await this.lotInfo(tlc);
    const indexes = [...new Set([...info.classEvents, ...info.unitCounts.keys()])].sort((a, b) => a - b);
    const events = await this.src.ledger.getEvents(indexes);
    // An event declared erroneous (EPCIS 2.0 §7.4.1.2) is replaced by its corrections.
    const declared = new Set(events.filter((e) => e.event.errorDeclaration !== undefined).map((e) => e.hashId));
    const source = tlcSource(tlc, events);
    const rows: Array<{ row: FsmaRow; ms: number }> = [];
    for (const le of events) {
      if (le.event.errorDeclaration !== undefined || declared.has(le.hashId)) continue;
      const cte = cteOf(le.event);
      if (cte === undefined) continue;
      rows.push({ row: this.row(cte, le, info, source), ms: Date.parse(le.event.eventTime) });
    }
    return rows;
  }

  private locationText(id: string | undefined): string {
    if (id === undefined) return "";
    const loc = this.src.master.location(id);
    if (loc === undefined) return glnOf(id);
    const party = loc.party === undefined ? undefined : this.src.master.party(loc.party)?.name;
    // §1.1310 location description: business name and physical address.
    const parts = [party === undefined || loc.name.includes(party) ? loc.name : `${party}, ${loc.name}`];
    if (loc.address !== undefined) parts.push(loc.address);
    return parts.join("; ");
  }

  private sourceDestText(list: EpcisEvent["sourceList"]): string {
    if (list === undefined || list.length === 0) return "";
    // CBV 2.0 §7.4: prefer the location types, then the parties.
    const rank = (t: string) => {
      const w = toCbvWordOrSelf("sourceDestType", t);
      return w === "location" ? 0 : w === "possessing_party" ? 1 : w === "owning_party" ? 2 : 3;
    };
    const best = [...list].sort((a, b) => rank(a.type) - rank(b.type))[0]!;
    const id = canon(best.id);
    const w = toCbvWordOrSelf("sourceDestType", best.type);
    if (w === "location") return this.locationText(id);
    return this.src.master.party(id)?.name ?? id;
  }

  private productOf(tlc: string): string {
    const gtin = /^https:\/\/id\.gs1\.org\/01\/(\d{14})/.exec(tlc)?.[1];
    const p = gtin === undefined ? undefined : this.src.master.product(`https://id.gs1.org/01/${gtin}`);
    return p?.name ?? (gtin === undefined ? "" : `GTIN ${gtin}`);
  }

  private row(cte: Cte, le: LoggedEvent, info: LotInfo, source: { id?: string }): FsmaRow {
    const ev = le.event;
    const mine = (q: { epcClass: string }) => canon(q.epcClass) === info.tlc;
    let quantity: number | "" = "";
    let uom = "";
    let role = "";
    let related: string[] = [];
    const inputs = (ev.inputQuantityList ?? []).filter(mine);
    const outputs = (ev.outputQuantityList ?? []).filter(mine);
    const q = [...(ev.quantityList ?? []), ...(ev.childQuantityList ?? [])].filter(mine);
    const pick = (list: Array<{ quantity?: number; uom?: string }>) => {
      let sum = 0;
      for (const x of list) sum += x.quantity ?? 0;
      quantity = list.some((x) => x.quantity !== undefined) ? sum : "";
      uom = list.find((x) => x.uom !== undefined)?.uom ?? "";
    };
    if (cte === "Transformation") {
      const inLots = [
        ...(ev.inputQuantityList ?? []).map((x) => canon(x.epcClass)),
        ...(ev.inputEPCList ?? []).map(canon),
      ];
      const outLots = [
        ...(ev.outputQuantityList ?? []).map((x) => canon(x.epcClass)),
        ...(ev.outputEPCList ?? []).map(canon),
      ];
      if (outputs.length > 0) {
        role = "output";
        pick(outputs);
        related = inLots;
      } else {
        role = "input";
        if (inputs.length > 0) pick(inputs);
        related = outLots;
      }
    } else if (q.length > 0) pick(q);
    if (quantity === "" && info.unitCounts.has(le.index)) {
      quantity = info.unitCounts.get(le.index) ?? "";
      uom = "EA";
    }
    const where = ev.bizLocation?.id ?? ev.readPoint?.id;
    const whereId = where === undefined ? undefined : canon(where);
    const { date, time } = localDateTime(ev.eventTime, ev.eventTimeZoneOffset);
    const bts = ev.bizTransactionList ?? [];
    const isShip = cte === "Shipping";
    const isReceive = cte === "Receiving" || cte === "First Land-Based Receiving";
    return {
      "Critical Tracking Event": cte,
      "Traceability Lot Code": info.tlc,
      "Product Description": this.productOf(info.tlc),
      Quantity: quantity,
      "Unit of Measure": uom,
      "Event Date": date,
      "Event Time": time,
      "Location Description": this.locationText(whereId),
      "Location Identifier (GLN)": glnOf(whereId),
      // §1.1345(a)(2): receiving names the immediate previous source; §1.1340(a)(4): shipping
      // names the immediate subsequent recipient.
      "Immediate Previous Source": isReceive ? this.sourceDestText(ev.sourceList) : "",
      "Immediate Subsequent Recipient": isShip ? this.sourceDestText(ev.destinationList) : "",
      "Traceability Lot Code Source": this.locationText(source.id),
      "Traceability Lot Code Source Reference (GLN)": glnOf(source.id),
      "Reference Document Type": bts
        .map((b) => (b.type === undefined ? "" : (BTT[toCbvWordOrSelf("bizTransactionType", b.type)] ?? b.type)))
        .join("; "),
      "Reference Document Number": bts.map((b) => docNumber(b.bizTransaction)).join("; "),
      "Transformation Role": role,
      "Related Traceability Lot Codes": [...new Set(related)].join("; "),
      "EPCIS Event ID": le.hashId,
      "Ledger Index": le.index,
    };
  }
}

/**
 * §1.1310 traceability lot code source: where the lot code was assigned — the location of
 * the lot's first creating event (commissioning ADD, or a transformation that output it).
 */
function tlcSource(tlc: string, events: readonly LoggedEvent[]): { id?: string } {
  const creating = events
    .filter((le) => {
      const ev = le.event;
      if (ev.errorDeclaration !== undefined) return false;
      if (ev.type === "TransformationEvent")
        return (
          (ev.outputQuantityList ?? []).some((q) => canon(q.epcClass) === tlc) || (ev.outputEPCList?.length ?? 0) > 0
        );
      const w = ev.bizStep === undefined ? "" : toCbvWordOrSelf("bizStep", ev.bizStep);
      return ev.action === "ADD" && CREATE.has(w);
    })
    .sort((a, b) => Date.parse(a.event.eventTime) - Date.parse(b.event.eventTime) || a.index - b.index);
  const first = creating[0]?.event;
  const where = first?.bizLocation?.id ?? first?.readPoint?.id;
  return where === undefined ? {} : { id: canon(where) };
}

function sortRows(rows: FsmaRow[]): FsmaRow[] {
  const key = (r: FsmaRow) => `${r["Event Date"]}T${String(r["Event Time"]).slice(0, 8)}`;
  return rows.sort(
    (a, b) =>
      key(a).localeCompare(key(b)) ||
      Number(a["Ledger Index"]) - Number(b["Ledger Index"]) ||
      String(a["Traceability Lot Code"]).localeCompare(String(b["Traceability Lot Code"])),
  );
}

/** RFC 4180 field: quoted when it holds a comma, quote, CR or LF; quotes doubled. */
function csvField(v: string | number): string {
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** RFC 4180 CSV: header line, CRLF line breaks, UTF-8 (the caller adds a BOM if wanted). */
export function fsmaCsv(rows: readonly FsmaRow[]): string {
  const lines = [FSMA_COLUMNS.map(csvField).join(",")];
  for (const r of rows) lines.push(FSMA_COLUMNS.map((c) => csvField(r[c])).join(","));
  return `${lines.join("\r\n")}\r\n`;
}

/** The same rows as an XLSX workbook (numbers stay numbers so they sort numerically). */
export function fsmaXlsx(rows: readonly FsmaRow[]): Uint8Array {
  const data: Cell[][] = rows.map((r) => FSMA_COLUMNS.map((c) => r[c]));
  return writeXlsx("FSMA 204", [...FSMA_COLUMNS], data);
}
