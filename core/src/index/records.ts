// Which index records one stored event produces (issue 3 §3 "Indexes"). Pure: the log calls
// `indexRecords` on append and writes the records in the same atomic batch as the entry, so
// the indexes are never behind the log.
//
// Key layout. ␟ is U+001F (unit separator): it sorts before every printable character, so
// a prefix scan of `id␟` finds exactly one identifier's records and never those of an id that
// merely starts with it. T is the event time as UTC ISO 8601 with milliseconds (fixed width,
// so keys sort by time); I is the log index zero-padded to 12 digits. Every identifier is
// canonical (`canon`: GS1 Digital Link, EPC URI for non-GS1 schemes, or as written).
//
//   id      Map( instanceId ␟ T ␟ I  -> Entry )   every EPC in epcList / parentID / childEPCs /
//                                                inputEPCList / outputEPCList; role says which
//   class   Map( classId ␟ T ␟ I     -> Entry )   quantityList / childQuantityList / input- and
//                                                outputQuantityList epcClass (LGTIN DL for a
//                                                lot, GTIN DL for a class without lot)
//   lot-m   Map( lotId ␟ I           -> JSON [memberId, …] )  lot membership, one record per
//                                                event and lot: commissioning ILMD
//                                                cbvmda:lotNumber (ObjectEvent, or a
//                                                TransformationEvent's outputs) with the SGTIN's
//                                                GTIN, or the lot an element string / DL carries
//   lot-of  Map( memberId            -> lotId )  the reverse of `lot-m`, written by ledgers
//                                                before the member's lot moved into its `id`
//                                                entries (field lot below); read only for them
//   child   Map( parentId ␟ T ␟ I    -> action ␟ JSON [childId, …] )  containment from
//                                                AggregationEvents (and AssociationEvents), one
//                                                record per event; ["*"] for a DELETE without
//                                                children (EPCIS 2.0 §7.4.3: every child is
//                                                removed)
//   xf-in   Map( xfKey ␟ I           -> level ␟ inputId )    level "i" instance, "c" class
//   xf-out  Map( xfKey ␟ I           -> level ␟ outputId )    level "l": the lot of
//                                                instance outputs (from ILMD or their codes)
//   loc     Map( locationId ␟ T ␟ I  -> "r" | "b" | "rb" )  readPoint and/or bizLocation
//   time    Map( T ␟ I               -> eventType )
//   rtime   Map( recordTime ␟ I      -> eventType )        recordTime as UTC ISO with ms
//   evid    Map( eventID             -> I | I ␟ "E" )  user eventIDs; "E" marks an error
//                                                declaration (it repeats the declared event's id)
//   err     Map( I                   -> targetId ) one per error declaration (EPCIS 2.0
//                                                §7.4.1.2), keyed by the declaration's own
//                                                index so a reader can load new ones
//                                                incrementally; targetId is the declared
//                                                event's eventID, or its CBV 2.0 event hash
//                                                (which excludes errorDeclaration, CBV 2.0
//                                                §8.9.2, so it equals the erroneous event's)
//
// xfKey is `tid:<transformationID>` (EPCIS 2.0 §7.4.4: events sharing a transformationID are
// one transformation) or `ev:<I>` for a TransformationEvent without one.
//
// Entry (the value of `id` and `class` records) is a ␟-joined summary, so chains, traces and
// recalls can stitch containment and find holders without decoding events:
//   role ␟ type ␟ action ␟ bizStep ␟ disposition ␟ bizLocation ␟ readPoint ␟ destLocation
//   ␟ destParty ␟ link ␟ flags [␟ lot]
// role: e epcList, p parentID, c childEPCs, i input, o output, q quantity(child)List;
// type: O A T S(association) X(transaction); bizStep and disposition as bare CBV words when
// they are CBV terms (else the URI); link: the parent for role c, "*" for role p of a DELETE
// without children, the xfKey for roles i and o; flags: "E" for an error declaration; lot:
// the lot (LGTIN Digital Link) the event makes this member part of (the `lot-m` record's lot),
// only on members, so other entries keep ten separators.
// The reverse transformation maps (input id → transformation, output id → transformation)
// are the role i / o entries of `id` and `class`; the reverse containment map (child →
// parent) is the role c entries of `id`.
import { type EpcisEvent, type ExtensionElement, eventHash, type SourceDest, toCbvWordOrSelf } from "@suyuan/proto";
import type { IndexRecordsFn, StoredEvent } from "../model.ts";
import type { IndexRecord } from "../store/store.ts";
import { canon, gtinOf, lgtin, lotOfCode } from "./canon.ts";

export const SEP = "\u001f";

/** Index names (the store's index namespace for the query side). */
export const IX = {
  id: "id",
  class: "class",
  lotMembers: "lot-m",
  lotOf: "lot-of",
  child: "child",
  xfIn: "xf-in",
  xfOut: "xf-out",
  loc: "loc",
  time: "time",
  rtime: "rtime",
  evid: "evid",
  err: "err",
} as const;

export type Role = "e" | "p" | "c" | "i" | "o" | "q";

/**
 * A decoded `id` / `class` record, without the identifier it is filed under (its reader
 * knows which it asked for; `keyId` tells it from a key). Records of one event that say the
 * same thing about several identifiers may be one shared object: entries are never mutated.
 */
export interface Entry {
  /** Sortable UTC time key (T). */
  time: string;
  index: number;
  role: Role;
  type: string;
  action: string;
  bizStep: string;
  disposition: string;
  bizLocation: string;
  readPoint: string;
  destLocation: string;
  destParty: string;
  link: string;
  declaration: boolean;
  /** The lot this event makes the identifier a member of ("" when none). */
  lot: string;
}

const ROLE_BIT: Record<Role, number> = { e: 1, p: 2, c: 4, i: 8, o: 16, q: 32 };

const TYPE_CODE: Record<EpcisEvent["type"], string> = {
  ObjectEvent: "O",
  AggregationEvent: "A",
  TransformationEvent: "T",
  AssociationEvent: "S",
  TransactionEvent: "X",
};

/** Log index as a fixed-width key part. */
export function padIndex(i: number): string {
  return String(i).padStart(12, "0");
}

/**
 * Event time as a sortable key part: UTC ISO 8601 with milliseconds. An unparseable time
 * (validation should have refused it) is kept as written so indexing never throws.
 */
export function timeKey(t: string): string {
  if (isUtcMillis(t)) return t;
  // `…sss+00:00` (how many writers spell UTC) names the same instant as `…sssZ`.
  if (t.length === 29 && t.endsWith("+00:00")) {
    const z = `${t.slice(0, 23)}Z`;
    if (isUtcMillis(z)) return z;
  }
  const ms = Date.parse(t);
  if (Number.isNaN(ms)) return t;
  const d = new Date(ms);
  // toISOString throws for years beyond ±275760; Date.parse already bounded it.
  return d.toISOString();
}

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function num(t: string, from: number, len: number): number {
  let n = 0;
  for (let i = from; i < from + len; i++) {
    const c = t.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

/**
 * True when `t` already is what timeKey returns: `YYYY-MM-DDTHH:MM:SS.sssZ` naming a real
 * instant (RFC 3339 §5.6 ranges, day within its month, no hour 24 or leap second, which Date
 * would carry over). recordTime is always written so, and most gateways write eventTime so:
 * the Date round trip is skipped for them. records.test.ts checks it against the round trip.
 */
export function isUtcMillis(t: string): boolean {
  if (t.length !== 24 || t.charCodeAt(23) !== 90 /* Z */) return false;
  if (t[4] !== "-" || t[7] !== "-" || t[10] !== "T" || t[13] !== ":" || t[16] !== ":" || t[19] !== ".") return false;
  const y = num(t, 0, 4);
  const mo = num(t, 5, 2);
  const d = num(t, 8, 2);
  if (y < 0 || mo < 1 || mo > 12 || d < 1) return false;
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  if (d > (mo === 2 && leap ? 29 : DAYS[mo - 1]!)) return false;
  const h = num(t, 11, 2);
  const mi = num(t, 14, 2);
  const s = num(t, 17, 2);
  return h >= 0 && h < 24 && mi >= 0 && mi < 60 && s >= 0 && s < 60 && num(t, 20, 3) >= 0;
}

/** Lowest and highest possible time keys (for open-ended ranges). */
export const TIME_MIN = "";
export const TIME_MAX = "\uffff";

export function parseEntry(key: string, value: string): Entry {
  // Same answer as splitting both on ␟ (time and index = the last two key parts, missing value
  // parts empty), without the intermediate arrays: a recall parses hundreds of thousands.
  const b = key.lastIndexOf(SEP);
  const a = b <= 0 ? -1 : key.lastIndexOf(SEP, b - 1);
  return parseEntryParts(b < 0 ? "" : key.slice(a + 1, b), Number(key.slice(b + 1)), value);
}

/** The identifier an `id` / `class` key files its record under: all but its last two ␟ parts. */
export function keyId(key: string): string {
  const b = key.lastIndexOf(SEP);
  const a = b <= 0 ? -1 : key.lastIndexOf(SEP, b - 1);
  return a < 0 ? "" : key.slice(0, a);
}

/** An entry from its key's time and log index, already split off, and its value. */
export function parseEntryParts(time: string, index: number, value: string): Entry {
  const f: string[] = ["", "", "", "", "", "", "", "", "", "", "", ""];
  let from = 0;
  for (let n = 0; n < 12; n++) {
    const to = value.indexOf(SEP, from);
    if (to < 0) {
      f[n] = value.slice(from);
      break;
    }
    f[n] = value.slice(from, to);
    from = to + 1;
  }
  return {
    time,
    index,
    role: f[0] as Role,
    type: f[1]!,
    action: f[2]!,
    bizStep: f[3]!,
    disposition: f[4]!,
    bizLocation: f[5]!,
    readPoint: f[6]!,
    destLocation: f[7]!,
    destParty: f[8]!,
    link: f[9]!,
    declaration: f[10]!.includes("E"),
    lot: f[11]!,
  };
}

/** `idOrClass ␟ T ␟ I` → [T, I]: the generic split used by time-keyed indexes. */
export function splitTimedKey(key: string): { id: string; time: string; index: number } {
  const a = key.lastIndexOf(SEP);
  const b = key.lastIndexOf(SEP, a - 1);
  return { id: key.slice(0, b), time: key.slice(b + 1, a), index: Number(key.slice(a + 1)) };
}

// CBV 2.0 §8.2 (master data attribute urn:epcglobal:cbv:mda#lotNumber): the lot of the objects
// an ADD ObjectEvent or a TransformationEvent creates, carried in ILMD.
function ilmdLot(ilmd: readonly ExtensionElement[] | undefined): string | undefined {
  if (ilmd === undefined) return undefined;
  for (const el of ilmd) {
    const ns = el.ns.replace(/[:#/]$/, "");
    if ((ns === "urn:epcglobal:cbv:mda" || ns === "https://ref.gs1.org/cbv/mda") && el.name === "lotNumber") {
      if (el.value !== undefined && el.value !== null && String(el.value).trim() !== "") return String(el.value).trim();
    }
  }
  return undefined;
}

// CBV 2.0 §7.4 source/destination types: a location type names where the goods go; an
// owning/possessing party names who will hold them.
function destinations(list: readonly SourceDest[] | undefined): { loc: string; party: string } {
  let loc = "";
  let party = "";
  for (const d of list ?? []) {
    const t = toCbvWordOrSelf("sourceDestType", d.type);
    if (t === "location" && loc === "") loc = canon(d.id);
    else if ((t === "possessing_party" || t === "owning_party") && party === "") party = canon(d.id);
  }
  return { loc, party };
}

function clean(s: string): string {
  // Keep the ␟-joined value parseable whatever a partner writes into a vocabulary field.
  return s.includes(SEP) ? s.replaceAll(SEP, " ") : s;
}

export const indexRecords: IndexRecordsFn = (stored: StoredEvent, index: number): IndexRecord[] =>
  indexRecordsAt(stored, padIndex(index));

/** `indexRecords` with the log index already as its key part I (see packed.ts). */
export function indexRecordsAt(stored: StoredEvent, I: string): IndexRecord[] {
  const ev = stored.event;
  const b = new RecordBuilder(ev, I);
  const { out, declaration, parent, xfKey, members } = b;

  for (const e of ev.epcList ?? []) b.idRec(e, "e", "", ev.type === "ObjectEvent");
  if (ev.parentID) {
    const noChildren = (ev.childEPCs?.length ?? 0) === 0 && (ev.childQuantityList?.length ?? 0) === 0;
    b.idRec(ev.parentID, "p", ev.action === "DELETE" && noChildren ? "*" : "", undefined);
  }
  const containment = ev.type === "AggregationEvent" || ev.type === "AssociationEvent";
  const children: string[] = [];
  for (const c of ev.childEPCs ?? []) children.push(b.idRec(c, "c", containment ? parent : "", false));
  if (containment && parent !== "" && !declaration) {
    if (children.length > 0) {
      out.push({ index: IX.child, key: parent + b.tail, value: `${ev.action ?? ""}${SEP}${JSON.stringify(children)}` });
    } else if (ev.action === "DELETE") {
      out.push({ index: IX.child, key: parent + b.tail, value: `DELETE${SEP}["*"]` });
    }
  }
  for (const q of ev.quantityList ?? []) b.classRec(q.epcClass, "q", "");
  for (const q of ev.childQuantityList ?? []) b.classRec(q.epcClass, "q", parent);

  for (const e of ev.inputEPCList ?? []) b.xf(IX.xfIn, "i", b.idRec(e, "i", xfKey, undefined));
  for (const q of ev.inputQuantityList ?? []) b.xf(IX.xfIn, "c", b.classRec(q.epcClass, "i", xfKey));
  // EPCIS 2.0 §7.4.4: a TransformationEvent's ILMD describes its outputs.
  for (const e of ev.outputEPCList ?? []) b.xf(IX.xfOut, "i", b.idRec(e, "o", xfKey, true));
  for (const q of ev.outputQuantityList ?? []) b.xf(IX.xfOut, "c", b.classRec(q.epcClass, "o", xfKey));

  if (xfKey !== "") {
    // The lots a transformation's instance outputs belong to, so a recall reaches a derived
    // lot without looking up every output unit.
    for (const e of ev.outputEPCList ?? []) {
      const lot = members.get(canon(e));
      if (lot !== undefined) b.xf(IX.xfOut, "l", lot);
    }
  }
  if (members.size > 0) {
    const byLot = new Map<string, string[]>();
    for (const [member, lot] of members) {
      const list = byLot.get(lot);
      if (list) list.push(member);
      else byLot.set(lot, [member]);
    }
    // The value is a JSON array so no member id, whatever it holds, can split wrongly; a
    // reader of lot L takes the keys `L ␟ I` whose rest is exactly the 12 digits of I (a
    // prefix scan of `L ␟` also meets the keys of a lot id that merely starts with `L ␟`).
    for (const [lot, list] of byLot)
      out.push({ index: IX.lotMembers, key: `${lot}${SEP}${I}`, value: JSON.stringify(list) });
  }

  const { readPoint, bizLoc, tail } = b;
  if (readPoint !== "" && readPoint === bizLoc) {
    out.push({ index: IX.loc, key: bizLoc + tail, value: "rb" });
  } else {
    if (readPoint !== "") out.push({ index: IX.loc, key: readPoint + tail, value: "r" });
    if (bizLoc !== "") out.push({ index: IX.loc, key: bizLoc + tail, value: "b" });
  }
  out.push({ index: IX.time, key: `${b.T}${SEP}${I}`, value: ev.type });
  out.push({ index: IX.rtime, key: `${timeKey(stored.recordTime)}${SEP}${I}`, value: ev.type });

  if (declaration) {
    // EPCIS 2.0 §7.4.1.2: the declaration repeats the erroneous event (same eventID when it
    // had one); without an eventID its CBV 2.0 hash identifies it.
    let target = ev.eventID?.trim();
    if (!target) {
      try {
        target = eventHash(ev);
      } catch {
        target = stored.hashId;
      }
    }
    out.push({ index: IX.err, key: I, value: target });
  }
  if (ev.eventID && ev.eventID.trim() !== "") {
    out.push({ index: IX.evid, key: ev.eventID.trim(), value: declaration ? `${I}${SEP}E` : I });
  }
  return out;
}

/**
 * The per-event state of `indexRecordsAt`, with its helpers as methods rather than closures
 * made on every call (capture indexes every event; tsx also names each closure it makes).
 */
class RecordBuilder {
  readonly out: IndexRecord[] = [];
  readonly T: string;
  readonly declaration: boolean;
  readonly bizLoc: string;
  readonly readPoint: string;
  readonly xfKey: string;
  readonly parent: string;
  /** `␟ T ␟ I`: the tail of `id ␟ T ␟ I` keys. */
  readonly tail: string;
  /** member → lot */
  readonly members = new Map<string, string>();
  private readonly base: string;
  private readonly flags: string;
  private readonly ilmd: string | undefined;
  // Every record of a list has the same entry (same role and link): built once per run.
  private lastRole = "";
  private lastLink = "";
  private lastLot = "";
  private lastEntry = "";
  // One record per (identifier, role): an EPC listed twice is still one occurrence. The
  // roles an id has been filed under so far, as bits (ROLE_BIT), per index.
  private readonly seenId = new Map<string, number>();
  private seenClass: Map<string, number> | undefined;
  private xfSeen: Set<string> | undefined;

  constructor(
    ev: EpcisEvent,
    private readonly I: string,
  ) {
    this.T = timeKey(ev.eventTime);
    this.declaration = ev.errorDeclaration !== undefined;
    this.bizLoc = ev.bizLocation?.id ? canon(ev.bizLocation.id) : "";
    this.readPoint = ev.readPoint?.id ? canon(ev.readPoint.id) : "";
    const dest = destinations(ev.destinationList);
    this.xfKey =
      ev.type === "TransformationEvent" ? (ev.transformationID ? `tid:${ev.transformationID.trim()}` : `ev:${I}`) : "";
    this.parent = ev.parentID ? canon(ev.parentID) : "";
    this.base =
      (TYPE_CODE[ev.type] ?? "?") +
      SEP +
      (ev.action ?? "") +
      SEP +
      clean(ev.bizStep ? toCbvWordOrSelf("bizStep", ev.bizStep) : "") +
      SEP +
      clean(ev.disposition ? toCbvWordOrSelf("disposition", ev.disposition) : "") +
      SEP +
      this.bizLoc +
      SEP +
      this.readPoint +
      SEP +
      dest.loc +
      SEP +
      dest.party;
    this.flags = this.declaration ? "E" : "";
    this.tail = SEP + this.T + SEP + I;
    this.ilmd = this.declaration ? undefined : ilmdLot(ev.ilmd);
  }

  private entry(role: Role, link: string, lot = ""): string {
    if (role !== this.lastRole || link !== this.lastLink || lot !== this.lastLot) {
      this.lastRole = role;
      this.lastLink = link;
      this.lastLot = lot;
      this.lastEntry = role + SEP + this.base + SEP + link + SEP + this.flags + (lot === "" ? "" : SEP + lot);
    }
    return this.lastEntry;
  }

  /** True when `id` was already filed under `role` in `seen` (and marks it filed). */
  private static filed(seen: Map<string, number>, id: string, role: Role): boolean {
    const had = seen.get(id) ?? 0;
    const bit = ROLE_BIT[role];
    if ((had & bit) !== 0) return true;
    seen.set(id, had | bit);
    return false;
  }

  /**
   * Files `raw` under `role`. `lotFromIlmd` says whether it can be a lot member (false: only
   * of the lot its own code names; true: also of the event's ILMD lot; undefined: never).
   */
  idRec(raw: string, role: Role, link: string, lotFromIlmd: boolean | undefined): string {
    const id = canon(raw);
    const lot = lotFromIlmd === undefined ? undefined : this.noteLot(raw, id, lotFromIlmd);
    if (!RecordBuilder.filed(this.seenId, id, role)) {
      this.out.push({ index: IX.id, key: id + this.tail, value: this.entry(role, link, lot) });
    }
    return id;
  }

  classRec(raw: string, role: Role, link: string): string {
    const id = canon(raw);
    this.seenClass ??= new Map();
    if (!RecordBuilder.filed(this.seenClass, id, role)) {
      this.out.push({ index: IX.class, key: id + this.tail, value: this.entry(role, link) });
    }
    return id;
  }

  private noteLot(raw: string, id: string, fromIlmd: boolean): string | undefined {
    if (this.declaration) return undefined;
    let lot = lotOfCode(raw);
    if (lot === id) lot = undefined; // an LGTIN is not a member of itself
    if (lot === undefined && fromIlmd && this.ilmd !== undefined) {
      const g = gtinOf(id);
      if (g !== undefined && id.includes("/21/")) lot = lgtin(g, this.ilmd);
    }
    // One lot per member and event: the first one noted (its entries and `lot-m` agree).
    if (lot !== undefined && !this.members.has(id)) this.members.set(id, lot);
    return this.members.get(id);
  }

  xf(idx: string, level: "i" | "c" | "l", id: string): void {
    const k = `${idx}${SEP}${level}${SEP}${id}`;
    this.xfSeen ??= new Set();
    if (this.declaration || this.xfSeen.has(k)) return;
    this.xfSeen.add(k);
    this.out.push({ index: idx, key: `${this.xfKey}${SEP}${this.I}`, value: `${level}${SEP}${id}` });
  }
}
