/**
 * The pre-hash string of the CBV 2.0 event hash ID (CBV 2.0 §8.9.2).
 *
 * Layout, all parts concatenated without separators (rule 2):
 *
 *   "eventType=" type
 *   ordered part   eventTime, eventTimeZoneOffset, certificationInfo, epcList, parentID,
 *                  inputEPCList, childEPCs, quantityList, childQuantityList, inputQuantityList,
 *                  outputEPCList, outputQuantityList, action, transformationID, bizStep,
 *                  disposition, persistentDisposition, readPoint, bizLocation, sensorElementList
 *   tail           bizTransactionList, sourceList, destinationList, ilmd and every user
 *                  extension, each rendered as a string, then all sorted lexically together
 *
 * Each field is `name=value`; a structured field is its name followed by its parts; the
 * members of a list are rendered one by one and sorted lexically (rule 10/11), a typed member
 * (bizTransaction, source, destination) is written type first (rule 12). User extensions are
 * written `{namespace}localName[=value]` followed by their sorted children (rule 4).
 * eventID, recordTime and errorDeclaration take no part.
 *
 * Where the standard's table and the reference implementation's published vectors disagree,
 * the vectors win, because every other implementation is tested against them:
 * - certificationInfo sits right after eventTimeZoneOffset;
 * - bizTransactionList, sourceList and destinationList are not in the ordered part: they are
 *   sorted into the tail with ilmd and the user extensions (so they follow sensorElementList,
 *   and destinationList precedes sourceList).
 */
import type {
  EpcisEvent,
  ExtensionElement,
  Location,
  QuantityElement,
  SensorElement,
  SensorMetadata,
  SensorReport,
  SourceDest,
} from "../epcis/model.ts";
import {
  expandBareWord,
  expandStandardCurie,
  formatNumber,
  normaliseNumericText,
  normaliseTimestamp,
  rewriteCbvUrns,
  type VocabularyKind,
} from "./normalise.ts";

/**
 * Maps an identifier (EPC URI, EPC pattern or class URI, GS1 Digital Link on any domain) to its
 * canonical `https://id.gs1.org/…` form. MUST throw (or return undefined) for anything that is
 * not a GS1 identifier; the value is then hashed as written.
 */
export type CanonicalIdFn = (value: string) => string | undefined;

export interface PreHasherOptions {
  /** Identifier canonicaliser (CBV 2.0 §8.9.2: identifiers as canonical GS1 Digital Link URIs). */
  canonicalId?: CanonicalIdFn;
  /** Bound of the conversion cache for repeated values (locations, parties, vocab); 0 disables. */
  cacheSize?: number;
}

/** A user extension field named by namespace IRI and local name. */
export interface FieldName {
  ns: string;
  name: string;
}

/**
 * Builds the pre-hash string of one event. `ignoreFields` names top-level user extensions
 * that take no part (the reference implementation's document-level `ignoreFields`
 * declaration, used by repositories that add their own bookkeeping fields to events).
 */
export type PreHasher = (ev: EpcisEvent, ignoreFields?: ReadonlyArray<FieldName>) => string;

const XMLNS_NS = "http://www.w3.org/2000/xmlns/";
const RDFS_NS = "http://www.w3.org/2000/01/rdf-schema#";
// xsi:type and friends type XML text; JSON says the same with JSON types. Not content.
const XSI_NS = "http://www.w3.org/2001/XMLSchema-instance";
const CBV_MDA = "urn:epcglobal:cbv:mda";
const CBV_MDA_JSONLD = "urn:epcglobal:cbv:mda:";

function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Builds a pre-hash function around an identifier canonicaliser. */
export function createPreHasher(options: PreHasherOptions = {}): PreHasher {
  const canonicalId = options.canonicalId;
  const cacheSize = options.cacheSize ?? 4096;
  function toIdentifier(text: string): string {
    if (canonicalId === undefined) return text;
    try {
      return canonicalId(text) ?? text;
    } catch {
      // Not a GS1 identifier (urn:uuid:, a plain web URI, a malformed EPC): hashed as written.
      return text;
    }
  }

  /**
   * CBV 2.0 §8.9.2 canonical value: CURIE and CBV-URN vocabulary to web URIs, numbers without
   * redundant characters, identifiers to canonical Digital Link. `text` is already trimmed.
   */
  function canonText(text: string): string {
    let t = expandStandardCurie(text);
    t = rewriteCbvUrns(t);
    const num = normaliseNumericText(t);
    if (num !== undefined) return num;
    const c = t.charCodeAt(0);
    if (c === 117 /* u */) return t.startsWith("urn:epc:") ? toIdentifier(t) : t;
    if (c === 104 /* h */) {
      // CBV and GS1 Web Vocabulary URIs are never identifiers: skip the canonicaliser.
      if (t.startsWith("https://ref.gs1.org/") || t.startsWith("https://gs1.org/voc/")) return t;
      if (t.startsWith("https://") || t.startsWith("http://")) return toIdentifier(t);
    }
    return t;
  }

  // trimmed value as written (prefixed by its vocabulary kind, if any) -> its canonical value.
  // Identifiers, locations and vocabulary repeat from event to event (a unit commissioned,
  // then packed, then shipped): a hit skips CURIE/URN expansion and identifier parsing.
  const valueCache = new Map<string, string>();

  function canonValue(t: string, vocab: VocabularyKind | undefined): string {
    return canonText(vocab === undefined ? t : expandBareWord(t, vocab));
  }

  /** `name=value` for a string field; "" when absent or blank (rule 5/6). */
  function field(name: string, value: string | undefined, cacheable = false, vocab?: VocabularyKind): string {
    if (value === undefined || value === null) return "";
    let t = typeof value === "string" ? value.trim() : String(value);
    if (t.length === 0) return "";
    if (cacheable && cacheSize > 0) {
      const k = vocab === undefined ? t : vocab + "\u0000" + t;
      let hit = valueCache.get(k);
      if (hit === undefined) {
        hit = canonValue(t, vocab);
        if (valueCache.size >= cacheSize) valueCache.clear();
        valueCache.set(k, hit);
      }
      t = hit;
    } else {
      t = canonValue(t, vocab);
    }
    return t.length === 0 ? "" : name + "=" + t;
  }

  /** `name=number` (rule 7). */
  function numberField(name: string, value: number | undefined): string {
    if (value === undefined || value === null) return "";
    if (typeof value !== "number") return field(name, String(value));
    return name + "=" + (formatNumber(value) ?? String(value));
  }

  /** `name=timestamp` in UTC with milliseconds (rules 8/9); unparseable text is kept as written. */
  function timeField(name: string, value: string | undefined): string {
    if (value === undefined || value === null) return "";
    const t = String(value).trim();
    if (t.length === 0) return "";
    return name + "=" + (normaliseTimestamp(t) ?? t);
  }

  /** A list of identifiers: `list` + sorted `epc=…` (empty list: nothing, rule 5). */
  function idList(listName: string, ids: string[] | undefined): string {
    if (ids === undefined || ids.length === 0) return "";
    const parts: string[] = [];
    for (const id of ids) {
      const f = field("epc", id, true);
      if (f) parts.push(f);
    }
    if (parts.length === 0) return "";
    if (parts.length > 1) parts.sort(byCodeUnits);
    return listName + parts.join("");
  }

  function quantityList(listName: string, list: QuantityElement[] | undefined): string {
    if (list === undefined || list.length === 0) return "";
    const parts: string[] = [];
    for (const q of list) {
      const body = field("epcClass", q.epcClass, true) + numberField("quantity", q.quantity) + field("uom", q.uom);
      if (body) parts.push("quantityElement" + body);
    }
    if (parts.length === 0) return "";
    if (parts.length > 1) parts.sort(byCodeUnits);
    return listName + parts.join("");
  }

  function sortedFields(name: string, values: string[] | undefined, vocab?: VocabularyKind): string {
    if (values === undefined || values.length === 0) return "";
    const parts: string[] = [];
    for (const v of values) {
      const f = field(name, v, true, vocab);
      if (f) parts.push(f);
    }
    if (parts.length > 1) parts.sort(byCodeUnits);
    return parts.join("");
  }

  // -------------------------------------------------------------------------------------------
  // User extensions (rule 4)
  // -------------------------------------------------------------------------------------------

  function extValueText(v: ExtensionElement["value"]): string {
    if (v === undefined || v === null) return "";
    if (typeof v === "string") {
      const t = v.trim();
      return t.length === 0 ? "" : canonText(t);
    }
    if (typeof v === "number") return formatNumber(v) ?? String(v);
    return v ? "true" : "false";
  }

  function qualifiedName(ns: string | undefined, name: string): string {
    if (!ns) return name;
    // CBV master-data attributes: XML declares the namespace `urn:epcglobal:cbv:mda`, the
    // EPCIS 2.0 JSON-LD context the prefix `cbvmda: urn:epcglobal:cbv:mda:` (so that prefix +
    // name is the attribute URN). Same names; the reference writes the XML form.
    if (ns === CBV_MDA_JSONLD) return "{" + CBV_MDA + "}" + name;
    return "{" + ns + "}" + name;
  }

  function isIgnoredExtension(el: ExtensionElement): boolean {
    // JSON-LD comments (rdfs:comment) are annotations, not event content.
    return el.ns === RDFS_NS && el.name === "comment";
  }

  function renderExtension(el: ExtensionElement): string {
    let out = qualifiedName(el.ns, el.name);
    const text = extValueText(el.value);
    if (text) out += "=" + text;
    const kids = renderChildren(el);
    return kids ? out + kids : out;
  }

  /** Children and XML attributes of an extension element, rendered and sorted together. */
  function renderChildren(el: ExtensionElement): string {
    const children = el.children;
    const attrs = el.attributes;
    if ((children === undefined || children.length === 0) && (attrs === undefined || attrs.length === 0)) return "";
    const parts: string[] = [];
    if (attrs !== undefined) {
      for (const a of attrs) {
        if (a.ns === XMLNS_NS || a.ns === XSI_NS || a.name === "xmlns" || a.prefix === "xmlns") continue;
        const t = a.value.trim();
        parts.push(qualifiedName(a.ns, a.name) + (t ? "=" + canonText(t) : ""));
      }
    }
    if (children !== undefined) {
      for (const c of children) if (!isIgnoredExtension(c)) parts.push(renderExtension(c));
    }
    if (parts.length > 1) parts.sort(byCodeUnits);
    return parts.join("");
  }

  /**
   * Extensions nested in a standard structure (readPoint, sensorElement, …): namespaced ones are
   * appended, sorted, after the structure's own fields. Un-namespaced ones are not part of the
   * standard structure; the reference leaves them in place and emits them in the tail under
   * their path (see {@link Leftovers}).
   */
  function nestedExtensions(exts: ExtensionElement[] | undefined, stray: string[] | undefined): string {
    if (exts === undefined || exts.length === 0) return "";
    const parts: string[] = [];
    for (const e of exts) {
      if (isIgnoredExtension(e)) continue;
      if (!e.ns && stray !== undefined) stray.push(renderExtension(e));
      else parts.push(renderExtension(e));
    }
    if (parts.length > 1) parts.sort(byCodeUnits);
    return parts.join("");
  }

  function wrapStray(name: string, items: string[]): string {
    if (items.length > 1) items.sort(byCodeUnits);
    return name + items.join("");
  }

  // -------------------------------------------------------------------------------------------
  // Structures
  // -------------------------------------------------------------------------------------------

  function location(name: string, loc: Location | undefined, tail: string[]): string {
    if (loc === undefined) return "";
    const stray: string[] = [];
    const body = field("id", loc.id, true) + nestedExtensions(loc.extensions, stray);
    if (stray.length > 0) tail.push(wrapStray(name, stray));
    return body ? name + body : "";
  }

  function sensorMetadata(m: SensorMetadata | undefined, stray: string[]): string {
    if (m === undefined) return "";
    const own: string[] = [];
    const body =
      timeField("time", m.time) +
      timeField("startTime", m.startTime) +
      timeField("endTime", m.endTime) +
      field("deviceID", m.deviceID, true) +
      field("deviceMetadata", m.deviceMetadata, true) +
      field("rawData", m.rawData, true) +
      field("dataProcessingMethod", m.dataProcessingMethod, true) +
      field("bizRules", m.bizRules, true) +
      nestedExtensions(m.extensions, own);
    if (own.length > 0) stray.push(wrapStray("sensorMetadata", own));
    return body ? "sensorMetadata" + body : "";
  }

  function sensorReport(r: SensorReport & { bizRules?: string }, stray: string[]): string {
    const own: string[] = [];
    // bizRules is a sensorMetadata attribute (CBV 2.0 §8.9.2 order); on a sensorReport (the
    // EPCIS 2.0 JSON schema allows it) it is outside the canonical order, and the reference
    // leaves it in place: it reaches the tail under its path, like an un-namespaced extension.
    if (r.bizRules !== undefined && r.bizRules !== null) {
      const b = field("bizRules", r.bizRules, true);
      if (b) own.push(b);
    }
    const body =
      field("type", r.type, true, "measurementType") +
      field("exception", r.exception, true, "exception") +
      field("deviceID", r.deviceID, true) +
      field("deviceMetadata", r.deviceMetadata, true) +
      field("rawData", r.rawData, true) +
      field("dataProcessingMethod", r.dataProcessingMethod, true) +
      timeField("time", r.time) +
      field("microorganism", r.microorganism, true) +
      field("chemicalSubstance", r.chemicalSubstance, true) +
      numberField("value", r.value) +
      field("component", r.component, true, "component") +
      field("stringValue", r.stringValue) +
      (r.booleanValue === undefined || r.booleanValue === null ? "" : "booleanValue=" + String(r.booleanValue)) +
      field("hexBinaryValue", r.hexBinaryValue) +
      field("uriValue", r.uriValue) +
      numberField("minValue", r.minValue) +
      numberField("maxValue", r.maxValue) +
      numberField("meanValue", r.meanValue) +
      numberField("sDev", r.sDev) +
      numberField("percRank", r.percRank) +
      numberField("percValue", r.percValue) +
      field("uom", r.uom, true) +
      field("coordinateReferenceSystem", r.coordinateReferenceSystem, true) +
      nestedExtensions(r.extensions, own);
    if (own.length > 0) stray.push(wrapStray("sensorReport", own));
    return body ? "sensorReport" + body : "";
  }

  function sensorElement(se: SensorElement, strayElements: string[]): string {
    const stray: string[] = [];
    const meta = sensorMetadata(se.sensorMetadata, stray);
    let reports = "";
    const list = se.sensorReport;
    if (list !== undefined && list.length > 0) {
      const parts: string[] = [];
      for (const r of list) {
        const s = sensorReport(r, stray);
        if (s) parts.push(s);
      }
      if (parts.length > 1) parts.sort(byCodeUnits);
      reports = parts.join("");
    }
    const body = meta + reports + nestedExtensions(se.extensions, stray);
    if (stray.length > 0) strayElements.push(wrapStray("sensorElement", stray));
    return body ? "sensorElement" + body : "";
  }

  function sensorElementList(list: SensorElement[] | undefined, tail: string[]): string {
    if (list === undefined || list.length === 0) return "";
    const parts: string[] = [];
    const stray: string[] = [];
    for (const se of list) {
      const s = sensorElement(se, stray);
      if (s) parts.push(s);
    }
    if (stray.length > 0) tail.push(wrapStray("sensorElementList", stray));
    if (parts.length === 0) return "";
    if (parts.length > 1) parts.sort(byCodeUnits);
    return "sensorElementList" + parts.join("");
  }

  /** bizTransactionList / sourceList / destinationList: type first, members sorted (rule 12). */
  function typedList(
    listName: string,
    memberName: string,
    members: Array<{ type?: string; value: string }>,
    vocab: VocabularyKind,
  ): string {
    const parts: string[] = [];
    for (const m of members) parts.push(field("type", m.type, true, vocab) + field(memberName, m.value, true));
    if (parts.length > 1) parts.sort(byCodeUnits);
    return listName + parts.join("");
  }

  function sourceDest(list: SourceDest[]): Array<{ type?: string; value: string }> {
    return list.map((s) => ({ type: s.type, value: s.id }));
  }

  function isIgnored(el: ExtensionElement, ignoreFields: ReadonlyArray<FieldName> | undefined): boolean {
    if (isIgnoredExtension(el)) return true;
    if (ignoreFields === undefined) return false;
    for (const f of ignoreFields) if (f.name === el.name && f.ns === (el.ns ?? "")) return true;
    return false;
  }

  return function preHash(ev: EpcisEvent, ignore?: ReadonlyArray<FieldName>): string {
    // Tolerates being passed straight to Array.prototype.map (second argument = index).
    const ignoreFields = Array.isArray(ignore) ? ignore : undefined;
    const tail: string[] = [];
    let cert = "";
    if (ev.certificationInfo !== undefined) {
      cert =
        typeof ev.certificationInfo === "string"
          ? field("certificationInfo", ev.certificationInfo, true)
          : sortedFields("certificationInfo", ev.certificationInfo);
    }
    let persistent = "";
    const pd = ev.persistentDisposition;
    if (pd !== undefined) {
      const body = sortedFields("set", pd.set, "disp") + sortedFields("unset", pd.unset, "disp");
      if (body) persistent = "persistentDisposition" + body;
    }
    const head =
      "eventType=" +
      ev.type +
      timeField("eventTime", ev.eventTime) +
      field("eventTimeZoneOffset", ev.eventTimeZoneOffset) +
      cert +
      idList("epcList", ev.epcList) +
      field("parentID", ev.parentID, true) +
      idList("inputEPCList", ev.inputEPCList) +
      idList("childEPCs", ev.childEPCs) +
      quantityList("quantityList", ev.quantityList) +
      quantityList("childQuantityList", ev.childQuantityList) +
      quantityList("inputQuantityList", ev.inputQuantityList) +
      idList("outputEPCList", ev.outputEPCList) +
      quantityList("outputQuantityList", ev.outputQuantityList) +
      field("action", ev.action) +
      field("transformationID", ev.transformationID) +
      field("bizStep", ev.bizStep, true, "bizStep") +
      field("disposition", ev.disposition, true, "disp") +
      persistent +
      location("readPoint", ev.readPoint, tail) +
      location("bizLocation", ev.bizLocation, tail) +
      sensorElementList(ev.sensorElementList, tail);

    if (ev.bizTransactionList !== undefined) {
      tail.push(
        typedList(
          "bizTransactionList",
          "bizTransaction",
          ev.bizTransactionList.map((b) => ({ type: b.type, value: b.bizTransaction })),
          "btt",
        ),
      );
    }
    if (ev.sourceList !== undefined) tail.push(typedList("sourceList", "source", sourceDest(ev.sourceList), "sdt"));
    if (ev.destinationList !== undefined) {
      tail.push(typedList("destinationList", "destination", sourceDest(ev.destinationList), "sdt"));
    }
    if (ev.ilmd !== undefined) {
      const parts: string[] = [];
      for (const e of ev.ilmd) if (!isIgnoredExtension(e)) parts.push(renderExtension(e));
      if (parts.length > 1) parts.sort(byCodeUnits);
      tail.push("ilmd" + parts.join(""));
    }
    if (ev.extensions !== undefined) {
      for (const e of ev.extensions) if (!isIgnored(e, ignoreFields)) tail.push(renderExtension(e));
    }
    if (tail.length === 0) return head;
    if (tail.length > 1) tail.sort(byCodeUnits);
    return head + tail.join("");
  };
}
