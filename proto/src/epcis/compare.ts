/**
 * Normalised comparison of EPCIS documents: removes differences that are presentation only,
 * so that "parse → write → parse" and "XML ↔ JSON-LD" round trips can be checked with a deep
 * equality.
 *
 * Always removed:
 * - the JSON-LD `@context` as written and the source's namespace prefixes (`context`,
 *   `namespaces`), and the prefix an extension element was spelled with (EPCIS 2.0 §9.3: a
 *   prefix is only a local abbreviation of its namespace IRI);
 * - the spelling of CBV terms: `shipping`, `https://ref.gs1.org/cbv/BizStep-shipping`,
 *   `cbv:BizStep-shipping` and `urn:epcglobal:cbv:bizstep:shipping` are the same term (CBV 2.0 §6);
 * - a trailing `/`, `#` or `:` of an extension namespace IRI: JSON-LD prefix IRIs end with a
 *   separator, XML namespace names often do not (`urn:epcglobal:cbv:mda:` / `urn:epcglobal:cbv:mda`).
 *
 * With `crossFormat: true` (XML versus JSON-LD), also:
 * - extension values compare as text (XML text has no JSON type) and an empty element equals
 *   `null`/`""`; XML attributes of an extension element compare as child elements (how the
 *   JSON-LD binding renders them), `xsi:*` typing attributes are dropped; `inArray` is dropped;
 * - timestamps compare as instants with their offset (fraction digits' trailing zeros ignored);
 * - numbers compare by value; `extra` (syntax-specific document headers) is dropped.
 */
import { toCbvWordOrSelf } from "./cbv.ts";
import type { EpcisDocument, EpcisEvent, ExtensionElement, SensorElement } from "./model.ts";

export interface NormaliseOptions {
  crossFormat?: boolean;
}

const XSI_NS = "http://www.w3.org/2001/XMLSchema-instance";

function normNs(ns: string): string {
  const last = ns.charCodeAt(ns.length - 1);
  return last === 0x2f || last === 0x23 || last === 0x3a ? ns.slice(0, -1) : ns;
}

const TIME_RE = /^(-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** A timestamp as UTC instant text (`2005-04-04T02:33:31.116Z`), or the input when it does not parse. */
export function normaliseTime(t: string): string {
  const m = TIME_RE.exec(t);
  if (!m) return t;
  const ms = Date.parse(`${m[1]}${m[3] === "Z" ? "Z" : m[3]}`);
  if (Number.isNaN(ms)) return t;
  const base = new Date(ms).toISOString().slice(0, 19);
  let frac = (m[2] ?? "").replace(/0+$/, "");
  if (frac === ".") frac = "";
  return `${base}${frac}Z`;
}

function normExtensions(list: ExtensionElement[] | undefined, cross: boolean): unknown[] | undefined {
  if (list === undefined) return undefined;
  const out: unknown[] = [];
  for (const el of list) {
    const o: Record<string, unknown> = { ns: normNs(el.ns), name: el.name };
    let children = el.children ? [...el.children] : undefined;
    if (el.attributes?.length) {
      if (cross) {
        const asChildren: ExtensionElement[] = [];
        for (const a of el.attributes) {
          if (a.ns === XSI_NS) continue;
          asChildren.push({ ns: a.ns ?? "", name: a.name, value: a.value });
        }
        if (asChildren.length) children = [...asChildren, ...(children ?? [])];
      } else {
        o.attributes = el.attributes.map((a) => ({
          ns: a.ns === undefined ? undefined : normNs(a.ns),
          name: a.name,
          value: a.value,
        }));
      }
    }
    if (children !== undefined) o.children = normExtensions(children, cross);
    if (cross) {
      if (el.value !== undefined && el.value !== null && el.value !== "") o.value = String(el.value);
      else if (children === undefined) o.value = "";
    } else {
      if (el.value !== undefined) o.value = el.value;
      if (el.inArray) o.inArray = true;
    }
    out.push(o);
  }
  // JSON object members are unordered (JSON-LD has no member order), XML elements are ordered:
  // across formats, siblings compare in a stable (ns, name) order.
  if (cross) out.sort((x, y) => siblingKey(x).localeCompare(siblingKey(y)));
  return out;
}

function siblingKey(o: unknown): string {
  const e = o as { ns: string; name: string };
  return `${e.ns} ${e.name}`;
}

const GS1_VOC_SPELLINGS = ["gs1:", "https://gs1.org/voc/", "http://gs1.org/voc/"];

/** Measurement types: CBV-like word for any GS1 Web Vocabulary spelling, listed in cbv.ts or not. */
function measurementWord(t: string): string {
  const w = toCbvWordOrSelf("measurementType", t);
  if (w !== t) return w;
  for (const p of GS1_VOC_SPELLINGS) if (t.startsWith(p)) return t.slice(p.length);
  return t;
}

function normSensors(list: SensorElement[] | undefined, cross: boolean, time: (t: string) => string): unknown {
  if (!list) return undefined;
  return list.map((se) => ({
    sensorMetadata: se.sensorMetadata && {
      ...se.sensorMetadata,
      time: se.sensorMetadata.time && time(se.sensorMetadata.time),
      startTime: se.sensorMetadata.startTime && time(se.sensorMetadata.startTime),
      endTime: se.sensorMetadata.endTime && time(se.sensorMetadata.endTime),
      extensions: normExtensions(se.sensorMetadata.extensions, cross),
    },
    sensorReport: se.sensorReport.map((r) => ({
      ...r,
      type: r.type && measurementWord(r.type),
      exception: r.exception && toCbvWordOrSelf("sensorAlertType", r.exception),
      component: r.component && toCbvWordOrSelf("component", r.component),
      time: r.time && time(r.time),
      hexBinaryValue: r.hexBinaryValue && (cross ? r.hexBinaryValue.toUpperCase() : r.hexBinaryValue),
      extensions: normExtensions(r.extensions, cross),
    })),
    extensions: normExtensions(se.extensions, cross),
  }));
}

function normEvent(ev: EpcisEvent, cross: boolean): Record<string, unknown> {
  const time = cross ? normaliseTime : (t: string) => t;
  const disp = (d: string) => toCbvWordOrSelf("disposition", d);
  return {
    ...ev,
    eventTime: time(ev.eventTime),
    recordTime: ev.recordTime && time(ev.recordTime),
    errorDeclaration: ev.errorDeclaration && {
      ...ev.errorDeclaration,
      declarationTime: time(ev.errorDeclaration.declarationTime),
      reason: ev.errorDeclaration.reason && toCbvWordOrSelf("errorReason", ev.errorDeclaration.reason),
      extensions: normExtensions(ev.errorDeclaration.extensions, cross),
    },
    // A single certificationInfo and a one-element list are the same set (JSON-LD @container @set).
    certificationInfo:
      cross && typeof ev.certificationInfo === "string" ? [ev.certificationInfo] : ev.certificationInfo,
    bizStep: ev.bizStep && toCbvWordOrSelf("bizStep", ev.bizStep),
    disposition: ev.disposition && disp(ev.disposition),
    persistentDisposition: ev.persistentDisposition && {
      set: ev.persistentDisposition.set?.map(disp),
      unset: ev.persistentDisposition.unset?.map(disp),
    },
    readPoint: ev.readPoint && { id: ev.readPoint.id, extensions: normExtensions(ev.readPoint.extensions, cross) },
    bizLocation: ev.bizLocation && {
      id: ev.bizLocation.id,
      extensions: normExtensions(ev.bizLocation.extensions, cross),
    },
    bizTransactionList: ev.bizTransactionList?.map((bt) => ({
      type: bt.type && toCbvWordOrSelf("bizTransactionType", bt.type),
      bizTransaction: bt.bizTransaction,
    })),
    sourceList: ev.sourceList?.map((s) => ({ type: toCbvWordOrSelf("sourceDestType", s.type), id: s.id })),
    destinationList: ev.destinationList?.map((s) => ({ type: toCbvWordOrSelf("sourceDestType", s.type), id: s.id })),
    sensorElementList: normSensors(ev.sensorElementList, cross, time),
    ilmd: normExtensions(ev.ilmd, cross),
    extensions: normExtensions(ev.extensions, cross),
  };
}

/** Removes undefined members everywhere, so absent and `undefined` compare equal. */
function prune(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(prune);
  if (v !== null && typeof v === "object") {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) o[k] = prune(x);
    return o;
  }
  return v;
}

/** A plain-data copy of `doc` with presentation-only differences removed (see the module comment). */
export function normaliseDocument(doc: EpcisDocument, options?: NormaliseOptions): unknown {
  const cross = options?.crossFormat === true;
  const out: Record<string, unknown> = {
    kind: doc.kind,
    schemaVersion: doc.schemaVersion,
    creationDate: doc.creationDate && (cross ? normaliseTime(doc.creationDate) : doc.creationDate),
    instanceIdentifier: doc.instanceIdentifier,
    sender: doc.sender,
    receiver: doc.receiver,
    queryName: doc.queryName,
    subscriptionID: doc.subscriptionID,
    vocabularies: doc.vocabularies?.map((v) => ({
      type: v.type,
      elements: v.elements.map((e) => ({
        id: e.id,
        attributes: e.attributes.map((a) => ({
          id: a.id,
          value: a.value,
          children: normExtensions(a.children, cross),
        })),
        children: e.children,
      })),
    })),
    events: doc.events.map((ev) => normEvent(ev, cross)),
    extra: cross ? undefined : doc.extra,
  };
  return prune(out);
}

/**
 * The first difference between two values as a path and both sides, or undefined when they
 * are deep-equal (numbers compare with ===, so 1 and 1.0 are equal; -0 and 0 too).
 */
export function firstDifference(a: unknown, b: unknown, path = "$"): string | undefined {
  if (a === b) return undefined;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== "object") {
    return `${path}: ${JSON.stringify(a)} ≠ ${JSON.stringify(b)}`;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return `${path}: array vs object`;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) return `${path}: length ${a.length} ≠ ${bb.length}`;
    for (let i = 0; i < a.length; i++) {
      const d = firstDifference(a[i], bb[i], `${path}[${i}]`);
      if (d) return d;
    }
    return undefined;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ao), ...Object.keys(bo)]);
  for (const k of keys) {
    const d = firstDifference(ao[k], bo[k], `${path}.${k}`);
    if (d) return d;
  }
  return undefined;
}

/** Compares two documents after normalisation; returns the first difference or undefined. */
export function compareDocuments(a: EpcisDocument, b: EpcisDocument, options?: NormaliseOptions): string | undefined {
  return firstDifference(normaliseDocument(a, options), normaliseDocument(b, options));
}
