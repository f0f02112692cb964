/**
 * EPCIS XML binding, reading side: EPCIS 2.0 XML (EPCIS 2.0 §10, `EPCglobal-epcis-2_0.xsd`)
 * and EPCIS 1.x XML (namespace `urn:epcglobal:epcis:xsd:1`, upgraded to 2.0) into the shared
 * model of `model.ts`.
 *
 * Scope: structure only. The parser enforces what the XSD fixes (known element names, element
 * order in 2.0 documents, numeric/boolean lexical types, mandatory eventTime and
 * eventTimeZoneOffset, the action enumeration); CBV vocabulary rules, time formats and other
 * semantic checks are the validator's job (`validate.ts`), which sees the values as written.
 *
 * Element order (decided deliberately): a document in the 2.0 namespace must follow the event
 * element order of the 2.0 XSD (`EPCIS_ELEMENT_ORDER` otherwise), because the XSD is what
 * EPCIS 2.0 §10 makes normative for the XML binding and partners validate against it; the
 * conformance corpus has an XSD-invalid `ObjectEvent_with_wrong_element_order.xml` that must be
 * rejected. openepcis' `JumbledFieldsOrder.xml` (and `SensorDataExamples.xml` in the hash
 * vectors) are accepted upstream by order-agnostic binders but fail the same XSD; callers that
 * want that leniency (event-hash tooling, tolerant import) pass `{ elementOrder: "lenient" }`.
 * Documents in the 1.x namespace are always read leniently: the 1.2 XSD places fields
 * differently (inside `extension` / `baseExtension` wrappers) and some 2.0-era documents use the
 * 1.x namespace with the 2.0 layout, so there is no single order to enforce.
 */
import { DOMParser, type Element, type Node, normalizeLineEndings, XMLSerializer } from "@xmldom/xmldom";
import { SuyuanError } from "../errors.ts";
import type {
  Action,
  BizTransaction,
  EpcisDocument,
  EpcisEvent,
  ErrorDeclaration,
  EventType,
  ExtensionElement,
  Location,
  PersistentDisposition,
  QuantityElement,
  SensorElement,
  SensorMetadata,
  SensorReport,
  SourceDest,
  Vocabulary,
  VocabularyElement,
} from "./model.ts";
import {
  EPCIS_CORE_NS,
  EPCIS_MD_NS,
  EPCIS_QUERY_NS,
  EVENT_FIELD_ORDER,
  EVENT_FIELD_POS,
  EVENT_TYPES,
  NS_EPCIS2,
  NS_SBDH,
  NS_XMLNS,
  NS_XSI,
  SENSOR_METADATA_ATTRS,
  SENSOR_REPORT_ATTRS,
} from "./xml-schema.ts";

export interface ParseXmlOptions {
  /**
   * `"strict"` (default): events of a 2.0-namespace document must follow the EPCIS 2.0 XSD
   * element order. `"lenient"`: any order is accepted (1.x documents are always lenient).
   */
  elementOrder?: "strict" | "lenient";
}

const ELEMENT = 1;
const TEXT = 3;
const CDATA = 4;

interface Ctx {
  strictOrder: boolean;
  namespaces: Record<string, string>;
}

/** Appends to a list that may not exist yet. */
function add<T>(list: T[] | undefined, item: T): T[] {
  if (list === undefined) return [item];
  list.push(item);
  return list;
}

function fail(code: string, message: string, field: string, detail?: Record<string, unknown>): never {
  throw new SuyuanError(code, message, detail === undefined ? { field } : { field, detail });
}

/** XML whitespace (XML 1.0 §2.3 S), not JavaScript's wider notion. */
function isXmlWs(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;
}

function xmlTrim(s: string): string {
  const n = s.length;
  if (n === 0 || (!isXmlWs(s.charCodeAt(0)) && !isXmlWs(s.charCodeAt(n - 1)))) return s;
  let a = 0;
  let b = n;
  while (a < b && isXmlWs(s.charCodeAt(a))) a++;
  while (b > a && isXmlWs(s.charCodeAt(b - 1))) b--;
  return s.slice(a, b);
}

function isBlank(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (!isXmlWs(s.charCodeAt(i))) return false;
  return true;
}

/** True for elements of the EPCIS core vocabulary: unqualified (XSD elementFormDefault
 * unqualified) or, as some producers write them, qualified with the EPCIS namespace. */
function isStd(el: Element): boolean {
  const ns = el.namespaceURI;
  return ns === null || ns === "" || EPCIS_CORE_NS.has(ns);
}

function qname(el: Element): string {
  return el.nodeName;
}

/** Child elements of element-only content; non-blank text there is a structural error. */
function childElements(el: Element, field: string): Element[] {
  const out: Element[] = [];
  for (let n: Node | null = el.firstChild; n !== null; n = n.nextSibling) {
    const t = n.nodeType;
    if (t === ELEMENT) out.push(n as Element);
    else if ((t === TEXT || t === CDATA) && !isBlank(n.nodeValue ?? "")) {
      fail("EPCIS_BAD_STRUCTURE", `${field}: text not allowed here, only child elements`, field);
    }
  }
  return out;
}

/** Text content of a simple-typed element (trimmed: the XSD types used are whitespace-collapsed). */
function textOf(el: Element, field: string): string {
  let s = "";
  for (let n: Node | null = el.firstChild; n !== null; n = n.nextSibling) {
    const t = n.nodeType;
    if (t === TEXT || t === CDATA) s += n.nodeValue ?? "";
    else if (t === ELEMENT) {
      fail("EPCIS_BAD_STRUCTURE", `${field}: element <${qname(n as Element)}> not allowed inside a text field`, field);
    }
  }
  return xmlTrim(s);
}

function requiredText(el: Element, field: string): string {
  const s = textOf(el, field);
  if (s === "") fail("EPCIS_MISSING_FIELD", `${field}: empty, a value is required`, field);
  return s;
}

function unknown(el: Element, field: string, where: string): never {
  const name = el.localName ?? el.nodeName;
  fail("EPCIS_UNKNOWN_FIELD", `${where}: <${name}> is not an EPCIS 2.0 element here`, `${field}.${name}`);
}

function isNil(el: Element): boolean {
  const v = el.getAttributeNS(NS_XSI, "nil");
  return v === "true" || v === "1";
}

// xsd:decimal lexical space (XSD 1.1 Part 2 §3.3.3).
const DECIMAL_RE = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;
// xsd:double lexical space (XSD 1.1 Part 2 §3.3.5).
const DOUBLE_RE = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function parseDecimal(s: string, field: string): number {
  if (!DECIMAL_RE.test(s)) fail("EPCIS_BAD_TYPE", `${field}: "${s}" is not an xsd:decimal number`, field);
  return Number(s);
}

function parseDouble(s: string, field: string): number {
  const t = xmlTrim(s);
  if (DOUBLE_RE.test(t)) return Number(t);
  if (t === "INF" || t === "+INF") return Number.POSITIVE_INFINITY;
  if (t === "-INF") return Number.NEGATIVE_INFINITY;
  if (t === "NaN") return Number.NaN;
  return fail("EPCIS_BAD_TYPE", `${field}: "${s}" is not an xsd:double number`, field);
}

function parseBoolean(s: string, field: string): boolean {
  const t = xmlTrim(s);
  if (t === "true" || t === "1") return true;
  if (t === "false" || t === "0") return false;
  return fail("EPCIS_BAD_TYPE", `${field}: "${s}" is not an xsd:boolean (true, false, 1, 0)`, field);
}

// ---------------------------------------------------------------------------------------------
// User extensions (EPCIS 2.0 §6.5, XSD `xsd:any namespace="##other"`)

function parseExtension(el: Element, ctx: Ctx): ExtensionElement {
  const x: ExtensionElement = { ns: el.namespaceURI ?? "", name: el.localName ?? el.nodeName };
  if (el.prefix) x.prefix = el.prefix;
  let nil = false;
  const attrs = el.attributes;
  for (let i = 0; i < attrs.length; i++) {
    const a = attrs.item(i);
    if (a === null) continue;
    const ans = a.namespaceURI;
    if (ans === NS_XMLNS) {
      if (a.prefix === "xmlns" && a.localName && !(a.localName in ctx.namespaces))
        ctx.namespaces[a.localName] = a.value;
      continue;
    }
    if (ans === NS_XSI && a.localName === "nil") {
      nil = a.value === "true" || a.value === "1";
      continue;
    }
    const at: { ns?: string; name: string; prefix?: string; value: string } = {
      name: a.localName ?? a.name,
      value: a.value,
    };
    if (ans) at.ns = ans;
    if (a.prefix) at.prefix = a.prefix;
    if (x.attributes === undefined) x.attributes = [];
    x.attributes.push(at);
  }
  let kids: Element[] | undefined;
  let text = "";
  for (let n: Node | null = el.firstChild; n !== null; n = n.nextSibling) {
    const t = n.nodeType;
    if (t === ELEMENT) kids = add(kids, n as Element);
    else if (t === TEXT || t === CDATA) text += n.nodeValue ?? "";
  }
  // Mixed content is not representable in the JSON-LD binding; child elements win.
  if (kids !== undefined) x.children = parseExtensionList(kids, ctx);
  else x.value = nil ? null : xmlTrim(text);
  return x;
}

/** Parses sibling extension elements; repeated ns+name siblings are a JSON array (`inArray`). */
function parseExtensionList(els: Element[], ctx: Ctx): ExtensionElement[] {
  const out = els.map((e) => parseExtension(e, ctx));
  if (out.length > 1) markArrays(out);
  return out;
}

function markArrays(list: ExtensionElement[]): void {
  if (list.length < 2) return;
  const count = new Map<string, number>();
  for (const x of list) {
    const k = `${x.ns}\u0000${x.name}`;
    count.set(k, (count.get(k) ?? 0) + 1);
  }
  for (const x of list) if ((count.get(`${x.ns}\u0000${x.name}`) ?? 0) > 1) x.inArray = true;
}

// ---------------------------------------------------------------------------------------------
// Event parts

function parseEpcList(el: Element, field: string): string[] {
  const out: string[] = [];
  const kids = childElements(el, field);
  for (let i = 0; i < kids.length; i++) {
    const c = kids[i] as Element;
    if (!isStd(c) || c.localName !== "epc") unknown(c, field, field);
    out.push(requiredText(c, `${field}[${i}]`));
  }
  return out;
}

function parseQuantityList(el: Element, field: string, ctx: Ctx): QuantityElement[] {
  const out: QuantityElement[] = [];
  const kids = childElements(el, field);
  for (let i = 0; i < kids.length; i++) {
    const q = kids[i] as Element;
    const f = `${field}[${i}]`;
    if (!isStd(q) || q.localName !== "quantityElement") unknown(q, field, field);
    let epcClass: string | undefined;
    let quantity: number | undefined;
    let uom: string | undefined;
    // QuantityElementType: sequence (epcClass, (quantity, uom?)?)
    let last = -1;
    for (const c of childElements(q, f)) {
      if (!isStd(c)) continue; // not allowed by the XSD; no model slot, ignored
      const name = c.localName;
      const pos = name === "epcClass" ? 0 : name === "quantity" ? 1 : name === "uom" ? 2 : -1;
      if (pos < 0) unknown(c, f, "quantityElement");
      if (pos === last) fail("EPCIS_DUPLICATE_FIELD", `${f}: <${name}> given twice`, `${f}.${name}`);
      if (ctx.strictOrder && pos < last) {
        fail(
          "EPCIS_ELEMENT_ORDER",
          `${f}: <${name}> out of order; XSD order is epcClass, quantity, uom`,
          `${f}.${name}`,
        );
      }
      last = Math.max(last, pos);
      if (pos === 0) epcClass = requiredText(c, `${f}.epcClass`);
      else if (pos === 1) {
        if (!isNil(c)) quantity = parseDecimal(textOf(c, `${f}.quantity`), `${f}.quantity`);
      } else uom = requiredText(c, `${f}.uom`);
    }
    if (epcClass === undefined) fail("EPCIS_MISSING_FIELD", `${f}: <epcClass> is required`, `${f}.epcClass`);
    const qe: QuantityElement = { epcClass };
    if (quantity !== undefined) qe.quantity = quantity;
    if (uom !== undefined) qe.uom = uom;
    out.push(qe);
  }
  return out;
}

function parseLocation(el: Element, field: string, ctx: Ctx): Location {
  let id: string | undefined;
  let ext: ExtensionElement[] | undefined;
  for (const c of childElements(el, field)) {
    if (!isStd(c)) {
      ext = add(ext, parseExtension(c, ctx));
      continue;
    }
    if (c.localName === "id") {
      if (id !== undefined) fail("EPCIS_DUPLICATE_FIELD", `${field}: <id> given twice`, `${field}.id`);
      if (ctx.strictOrder && ext !== undefined) {
        fail("EPCIS_ELEMENT_ORDER", `${field}: <id> must come first`, `${field}.id`);
      }
      id = requiredText(c, `${field}.id`);
    } else if (c.localName === "extension") {
      // ReadPointExtensionType / BusinessLocationExtensionType: reserved for future standard
      // elements (##local); user content is lifted into the extensions.
      for (const g of childElements(c, `${field}.extension`)) {
        if (isStd(g)) unknown(g, field, field);
        ext = add(ext, parseExtension(g, ctx));
      }
    } else unknown(c, field, field);
  }
  if (id === undefined) fail("EPCIS_MISSING_FIELD", `${field}: <id> is required`, `${field}.id`);
  const loc: Location = { id };
  if (ext !== undefined) {
    markArrays(ext);
    loc.extensions = ext;
  }
  return loc;
}

function parseBizTransactionList(el: Element, field: string): BizTransaction[] {
  const out: BizTransaction[] = [];
  const kids = childElements(el, field);
  for (let i = 0; i < kids.length; i++) {
    const c = kids[i] as Element;
    if (!isStd(c) || c.localName !== "bizTransaction") unknown(c, field, field);
    const bt: BizTransaction = { bizTransaction: requiredText(c, `${field}[${i}]`) };
    if (c.hasAttribute("type")) bt.type = xmlTrim(c.getAttribute("type") ?? "");
    out.push(bt);
  }
  return out;
}

function parseSourceDestList(el: Element, field: string, item: "source" | "destination"): SourceDest[] {
  const out: SourceDest[] = [];
  const kids = childElements(el, field);
  for (let i = 0; i < kids.length; i++) {
    const c = kids[i] as Element;
    if (!isStd(c) || c.localName !== item) unknown(c, field, field);
    const f = `${field}[${i}]`;
    // SourceDestType: attribute type use="required".
    if (!c.hasAttribute("type")) fail("EPCIS_MISSING_FIELD", `${f}: attribute type is required`, `${f}.type`);
    out.push({ type: xmlTrim(c.getAttribute("type") ?? ""), id: requiredText(c, f) });
  }
  return out;
}

function parsePersistentDisposition(el: Element, field: string, ctx: Ctx): PersistentDisposition {
  const pd: PersistentDisposition = {};
  let sawSet = false;
  for (const c of childElements(el, field)) {
    if (!isStd(c)) unknown(c, field, field);
    if (c.localName === "set") {
      sawSet = true;
      pd.set = add(pd.set, requiredText(c, `${field}.set`));
    } else if (c.localName === "unset") {
      // PersistentDispositionType: sequence (unset*, set*).
      if (ctx.strictOrder && sawSet) fail("EPCIS_ELEMENT_ORDER", `${field}: <unset> must come before <set>`, field);
      pd.unset = add(pd.unset, requiredText(c, `${field}.unset`));
    } else unknown(c, field, field);
  }
  return pd;
}

function parseSensorAttrs(
  el: Element,
  field: string,
  target: Record<string, unknown>,
  known: (name: string) => "string" | "double" | "boolean" | undefined,
): ExtensionElement[] | undefined {
  let ext: ExtensionElement[] | undefined;
  const attrs = el.attributes;
  for (let i = 0; i < attrs.length; i++) {
    const a = attrs.item(i);
    if (a === null) continue;
    const ns = a.namespaceURI;
    if (ns === NS_XMLNS) continue;
    const name = a.localName ?? a.name;
    if (ns) {
      // Namespaced attributes are user extensions (EPCIS 2.0 §7.3.7: sensor elements are
      // extensible; XSD anyAttribute).
      const x: ExtensionElement = { ns, name, value: a.value };
      if (a.prefix) x.prefix = a.prefix;
      ext = add(ext, x);
      continue;
    }
    const kind = known(name);
    if (kind === undefined) {
      fail("EPCIS_UNKNOWN_FIELD", `${field}: attribute ${name} is not an EPCIS 2.0 attribute`, `${field}.${name}`);
    }
    const f = `${field}.${name}`;
    target[name] =
      kind === "double" ? parseDouble(a.value, f) : kind === "boolean" ? parseBoolean(a.value, f) : xmlTrim(a.value);
  }
  return ext;
}

const METADATA_SET: ReadonlySet<string> = new Set(SENSOR_METADATA_ATTRS);

function parseSensorElementList(el: Element, field: string, ctx: Ctx): SensorElement[] {
  const out: SensorElement[] = [];
  const kids = childElements(el, field);
  let i = 0;
  for (const se of kids) {
    if (!isStd(se)) unknown(se, field, field);
    if (se.localName === "extension") continue; // SensorElementListExtensionType: future standard content only
    if (se.localName !== "sensorElement") unknown(se, field, field);
    const f = `${field}[${i++}]`;
    const elem: SensorElement = { sensorReport: [] };
    let ext: ExtensionElement[] | undefined;
    let stage = 0; // 0 metadata, 1 reports, 2 extension/user content
    const addExt = (c: Element) => {
      ext = add(ext, parseExtension(c, ctx));
      stage = 2;
    };
    for (const c of childElements(se, f)) {
      if (!isStd(c)) {
        addExt(c);
        continue;
      }
      const name = c.localName;
      if (name === "sensorMetadata") {
        if (elem.sensorMetadata !== undefined) fail("EPCIS_DUPLICATE_FIELD", `${f}: <sensorMetadata> given twice`, f);
        if (ctx.strictOrder && stage > 0) {
          fail("EPCIS_ELEMENT_ORDER", `${f}: <sensorMetadata> must come before <sensorReport>`, `${f}.sensorMetadata`);
        }
        const md: SensorMetadata = {};
        const mdExt = parseSensorAttrs(c, `${f}.sensorMetadata`, md as Record<string, unknown>, (n) =>
          METADATA_SET.has(n) ? "string" : undefined,
        );
        if (mdExt !== undefined) md.extensions = mdExt;
        elem.sensorMetadata = md;
      } else if (name === "sensorReport") {
        if (ctx.strictOrder && stage > 1) {
          fail("EPCIS_ELEMENT_ORDER", `${f}: <sensorReport> must come before extensions`, `${f}.sensorReport`);
        }
        stage = 1;
        const rf = `${f}.sensorReport[${elem.sensorReport.length}]`;
        const r: SensorReport = {};
        const rExt = parseSensorAttrs(c, rf, r as Record<string, unknown>, (n) => SENSOR_REPORT_ATTRS.get(n));
        if (rExt !== undefined) r.extensions = rExt;
        elem.sensorReport.push(r);
      } else if (name === "extension") {
        for (const g of childElements(c, `${f}.extension`)) {
          if (isStd(g)) unknown(g, f, "sensorElement");
          addExt(g);
        }
      } else unknown(c, f, "sensorElement");
    }
    // SensorElementType: sensorReport minOccurs="1".
    if (elem.sensorReport.length === 0) {
      fail("EPCIS_MISSING_FIELD", `${f}: at least one <sensorReport> is required`, `${f}.sensorReport`);
    }
    if (ext !== undefined) {
      markArrays(ext);
      elem.extensions = ext;
    }
    out.push(elem);
  }
  return out;
}

function parseIlmd(el: Element, field: string, ctx: Ctx, into: ExtensionElement[]): void {
  for (const c of childElements(el, field)) {
    if (!isStd(c)) into.push(parseExtension(c, ctx));
    else if (c.localName === "extension") parseIlmd(c, `${field}.extension`, ctx, into);
    else unknown(c, field, "ilmd");
  }
}

function parseErrorDeclaration(el: Element, field: string, ctx: Ctx): ErrorDeclaration {
  let declarationTime: string | undefined;
  let reason: string | undefined;
  let corrective: string[] | undefined;
  let ext: ExtensionElement[] | undefined;
  // ErrorDeclarationType is an xsd:choice (any order) in the 2.0 XSD.
  const walk = (parent: Element, f: string) => {
    for (const c of childElements(parent, f)) {
      if (!isStd(c)) {
        ext = add(ext, parseExtension(c, ctx));
        continue;
      }
      switch (c.localName) {
        case "declarationTime":
          declarationTime = requiredText(c, `${field}.declarationTime`);
          break;
        case "reason":
          reason = requiredText(c, `${field}.reason`);
          break;
        case "correctiveEventIDs":
          corrective ??= [];
          for (const id of childElements(c, `${field}.correctiveEventIDs`)) {
            if (!isStd(id) || id.localName !== "correctiveEventID") unknown(id, field, "correctiveEventIDs");
            corrective.push(requiredText(id, `${field}.correctiveEventIDs[${corrective.length}]`));
          }
          break;
        case "extension":
          walk(c, `${f}.extension`);
          break;
        default:
          unknown(c, field, "errorDeclaration");
      }
    }
  };
  walk(el, field);
  if (declarationTime === undefined) {
    fail("EPCIS_MISSING_FIELD", `${field}: <declarationTime> is required`, `${field}.declarationTime`);
  }
  const ed: ErrorDeclaration = { declarationTime };
  if (reason !== undefined) ed.reason = reason;
  if (corrective !== undefined) ed.correctiveEventIDs = corrective;
  if (ext !== undefined) {
    markArrays(ext);
    ed.extensions = ext;
  }
  return ed;
}

// ---------------------------------------------------------------------------------------------
// Events

interface EventState {
  lastPos: number;
  lastName: string;
  sawUserExt: boolean;
  /** Bit i set: the field at XSD position i was seen (fewer than 32 positions per type). */
  seen: number;
  ext: ExtensionElement[] | undefined;
  ilmd: ExtensionElement[] | undefined;
}

const ACTIONS: ReadonlySet<string> = new Set(["ADD", "OBSERVE", "DELETE"]);

function applyEventChildren(
  parent: Element,
  ev: EpcisEvent,
  type: EventType,
  ctx: Ctx,
  path: string,
  st: EventState,
  checkOrder: boolean,
): void {
  const order = EVENT_FIELD_POS[type];
  for (const c of childElements(parent, path)) {
    if (!isStd(c)) {
      st.ext = add(st.ext, parseExtension(c, ctx));
      st.sawUserExt = true;
      continue;
    }
    const name = c.localName ?? c.nodeName;
    const pos = order.get(name);
    if (pos === undefined) unknown(c, path, type);
    if (checkOrder) {
      if (st.sawUserExt) {
        fail(
          "EPCIS_ELEMENT_ORDER",
          `${type}: <${name}> must come before the user extension elements`,
          `${path}.${name}`,
        );
      }
      if (pos < st.lastPos) {
        fail(
          "EPCIS_ELEMENT_ORDER",
          `${type}: <${name}> must come before <${st.lastName}> (EPCIS 2.0 XSD ${type}Type order: ${(EVENT_FIELD_ORDER[type] as readonly string[]).join(", ")})`,
          `${path}.${name}`,
        );
      }
      st.lastPos = pos;
      st.lastName = name;
    }
    if (name === "extension" || name === "baseExtension") {
      // EPCIS 1.2 wrappers (baseExtension: eventID, errorDeclaration; <extension>: fields added
      // in 1.1/1.2) are lifted to their 2.0 place; in 2.0 they only hold user extensions.
      applyEventChildren(c, ev, type, ctx, `${path}.${name}`, st, false);
      continue;
    }
    const bit = 1 << pos;
    if ((st.seen & bit) !== 0 && name !== "certificationInfo") {
      fail("EPCIS_DUPLICATE_FIELD", `${type}: <${name}> given twice`, `${path}.${name}`);
    }
    st.seen |= bit;
    const f = `${path}.${name}`;
    switch (name) {
      case "eventTime":
        ev.eventTime = requiredText(c, f);
        break;
      case "recordTime":
        ev.recordTime = requiredText(c, f);
        break;
      case "eventTimeZoneOffset":
        ev.eventTimeZoneOffset = requiredText(c, f);
        break;
      case "eventID":
        ev.eventID = requiredText(c, f);
        break;
      case "certificationInfo": {
        const v = requiredText(c, f);
        const prev = ev.certificationInfo;
        ev.certificationInfo = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
        break;
      }
      case "errorDeclaration":
        ev.errorDeclaration = parseErrorDeclaration(c, f, ctx);
        break;
      case "action": {
        const v = textOf(c, f);
        // EPCIS 2.0 XSD ActionType enumeration (EPCIS 2.0 §7.3.2).
        if (!ACTIONS.has(v)) fail("EPCIS_BAD_VALUE", `${type}: action "${v}" is not one of ADD, OBSERVE, DELETE`, f);
        ev.action = v as Action;
        break;
      }
      case "parentID":
        ev.parentID = requiredText(c, f);
        break;
      case "transformationID":
        ev.transformationID = requiredText(c, f);
        break;
      case "bizStep":
        ev.bizStep = requiredText(c, f);
        break;
      case "disposition":
        ev.disposition = requiredText(c, f);
        break;
      case "epcList":
        ev.epcList = parseEpcList(c, f);
        break;
      case "childEPCs":
        ev.childEPCs = parseEpcList(c, f);
        break;
      case "inputEPCList":
        ev.inputEPCList = parseEpcList(c, f);
        break;
      case "outputEPCList":
        ev.outputEPCList = parseEpcList(c, f);
        break;
      case "quantityList":
        ev.quantityList = parseQuantityList(c, f, ctx);
        break;
      case "childQuantityList":
        ev.childQuantityList = parseQuantityList(c, f, ctx);
        break;
      case "inputQuantityList":
        ev.inputQuantityList = parseQuantityList(c, f, ctx);
        break;
      case "outputQuantityList":
        ev.outputQuantityList = parseQuantityList(c, f, ctx);
        break;
      case "readPoint":
        ev.readPoint = parseLocation(c, f, ctx);
        break;
      case "bizLocation":
        ev.bizLocation = parseLocation(c, f, ctx);
        break;
      case "bizTransactionList":
        ev.bizTransactionList = parseBizTransactionList(c, f);
        break;
      case "sourceList":
        ev.sourceList = parseSourceDestList(c, f, "source");
        break;
      case "destinationList":
        ev.destinationList = parseSourceDestList(c, f, "destination");
        break;
      case "sensorElementList":
        ev.sensorElementList = parseSensorElementList(c, f, ctx);
        break;
      case "persistentDisposition":
        ev.persistentDisposition = parsePersistentDisposition(c, f, ctx);
        break;
      case "ilmd":
        st.ilmd ??= [];
        parseIlmd(c, f, ctx, st.ilmd);
        break;
      default:
        unknown(c, path, type);
    }
  }
}

function collectXmlns(el: Element, into: Record<string, string>): void {
  const attrs = el.attributes;
  for (let i = 0; i < attrs.length; i++) {
    const a = attrs.item(i);
    if (a !== null && a.namespaceURI === NS_XMLNS && a.prefix === "xmlns" && a.localName && !(a.localName in into)) {
      into[a.localName] = a.value;
    }
  }
}

function parseEvent(el: Element, type: EventType, ctx: Ctx, path: string): EpcisEvent {
  collectXmlns(el, ctx.namespaces);
  const ev = { type } as EpcisEvent;
  const st: EventState = {
    lastPos: -1,
    lastName: "",
    sawUserExt: false,
    seen: 0,
    ext: undefined,
    ilmd: undefined,
  };
  applyEventChildren(el, ev, type, ctx, path, st, ctx.strictOrder);
  // EPCISEventType: eventTime and eventTimeZoneOffset have minOccurs 1.
  if (ev.eventTime === undefined) fail("EPCIS_MISSING_FIELD", `${type}: <eventTime> is required`, `${path}.eventTime`);
  if (ev.eventTimeZoneOffset === undefined) {
    fail("EPCIS_MISSING_FIELD", `${type}: <eventTimeZoneOffset> is required`, `${path}.eventTimeZoneOffset`);
  }
  if (st.ilmd !== undefined) {
    markArrays(st.ilmd);
    ev.ilmd = st.ilmd;
  }
  if (st.ext !== undefined) {
    markArrays(st.ext);
    ev.extensions = st.ext;
  }
  return ev;
}

function parseEventList(el: Element, ctx: Ctx, path: string, out: EpcisEvent[]): void {
  for (const c of childElements(el, path)) {
    const name = c.localName ?? c.nodeName;
    if (isStd(c) && EVENT_TYPES.has(name)) {
      out.push(parseEvent(c, name as EventType, ctx, `eventList[${out.length}]`));
    } else if (isStd(c) && name === "extension") {
      // EPCIS 1.2: TransformationEvent (and later types) sit inside EventList/extension.
      parseEventList(c, ctx, `${path}.extension`, out);
    } else {
      fail(
        "EPCIS_UNSUPPORTED_EVENT",
        `${path}: <${qname(c)}> is not an EPCIS 2.0 event type (ObjectEvent, AggregationEvent, TransactionEvent, TransformationEvent, AssociationEvent)`,
        `${path}.${name}`,
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Master data (EPCIS 2.0 §7.5, XSD VocabularyListType)

function parseVocabularyList(el: Element, ctx: Ctx, path: string): Vocabulary[] {
  const out: Vocabulary[] = [];
  for (const v of childElements(el, path)) {
    if (!isStd(v)) continue; // ##other content at this level has no model slot
    if (v.localName !== "Vocabulary") unknown(v, path, "VocabularyList");
    const vf = `${path}[${out.length}]`;
    if (!v.hasAttribute("type")) fail("EPCIS_MISSING_FIELD", `${vf}: attribute type is required`, `${vf}.type`);
    const voc: Vocabulary = { type: xmlTrim(v.getAttribute("type") ?? ""), elements: [] };
    for (const vel of childElements(v, vf)) {
      if (!isStd(vel)) continue;
      if (vel.localName === "extension") continue;
      if (vel.localName !== "VocabularyElementList") unknown(vel, vf, "Vocabulary");
      for (const e of childElements(vel, `${vf}.VocabularyElementList`)) {
        if (!isStd(e) || e.localName !== "VocabularyElement") unknown(e, vf, "VocabularyElementList");
        const ef = `${vf}.elements[${voc.elements.length}]`;
        if (!e.hasAttribute("id")) fail("EPCIS_MISSING_FIELD", `${ef}: attribute id is required`, `${ef}.id`);
        const ve: VocabularyElement = { id: xmlTrim(e.getAttribute("id") ?? ""), attributes: [] };
        for (const a of childElements(e, ef)) {
          if (!isStd(a)) continue;
          if (a.localName === "attribute") {
            if (!a.hasAttribute("id"))
              fail("EPCIS_MISSING_FIELD", `${ef}: attribute element needs an id`, `${ef}.attribute`);
            const id = xmlTrim(a.getAttribute("id") ?? "");
            let kids: Element[] | undefined;
            let text = "";
            for (let n: Node | null = a.firstChild; n !== null; n = n.nextSibling) {
              if (n.nodeType === ELEMENT) kids = add(kids, n as Element);
              else if (n.nodeType === TEXT || n.nodeType === CDATA) text += n.nodeValue ?? "";
            }
            if (kids !== undefined) ve.attributes.push({ id, children: parseExtensionList(kids, ctx) });
            else ve.attributes.push({ id, value: xmlTrim(text) });
          } else if (a.localName === "children") {
            ve.children ??= [];
            for (const idEl of childElements(a, `${ef}.children`)) {
              if (!isStd(idEl) || idEl.localName !== "id") unknown(idEl, ef, "children");
              ve.children.push(requiredText(idEl, `${ef}.children`));
            }
          } else if (a.localName !== "extension") unknown(a, ef, "VocabularyElement");
        }
        voc.elements.push(ve);
      }
    }
    out.push(voc);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Header and document

const serializer = new XMLSerializer();

function sbdhText(el: Element, path: string[]): string | undefined {
  let cur: Element | undefined = el;
  for (const name of path) {
    let next: Element | undefined;
    for (let n: Node | null = cur.firstChild; n !== null; n = n.nextSibling) {
      if (n.nodeType === ELEMENT && (n as Element).localName === name) {
        next = n as Element;
        break;
      }
    }
    if (next === undefined) return undefined;
    cur = next;
  }
  let s = "";
  for (let n: Node | null = cur.firstChild; n !== null; n = n.nextSibling) {
    if (n.nodeType === TEXT || n.nodeType === CDATA) s += n.nodeValue ?? "";
  }
  const t = xmlTrim(s);
  return t === "" ? undefined : t;
}

function parseHeader(el: Element, ctx: Ctx, doc: EpcisDocument): void {
  const takeMasterData = (md: Element, f: string) => {
    for (const c of childElements(md, f)) {
      if (isStd(c) && c.localName === "VocabularyList") {
        doc.vocabularies = [...(doc.vocabularies ?? []), ...parseVocabularyList(c, ctx, "vocabularies")];
      }
    }
  };
  for (const c of childElements(el, "EPCISHeader")) {
    if (c.namespaceURI === NS_SBDH && c.localName === "StandardBusinessDocumentHeader") {
      // EPCIS 2.0 §9.2 / JSON-LD binding: sender, receiver, instanceIdentifier come from the SBDH.
      doc.extra = { ...doc.extra, sbdh: serializer.serializeToString(c) };
      const sender = sbdhText(c, ["Sender", "Identifier"]);
      const receiver = sbdhText(c, ["Receiver", "Identifier"]);
      const instance = sbdhText(c, ["DocumentIdentification", "InstanceIdentifier"]);
      if (sender !== undefined) doc.sender = sender;
      if (receiver !== undefined) doc.receiver = receiver;
      if (instance !== undefined) doc.instanceIdentifier = instance;
    } else if (isStd(c) && c.localName === "extension") {
      for (const m of childElements(c, "EPCISHeader.extension")) {
        if (isStd(m) && m.localName === "EPCISMasterData") takeMasterData(m, "EPCISHeader.extension.EPCISMasterData");
      }
    } else if (isStd(c) && c.localName === "EPCISMasterData") {
      takeMasterData(c, "EPCISHeader.EPCISMasterData");
    }
  }
}

function findChild(el: Element, name: string, nsOk: (ns: string | null) => boolean): Element | undefined {
  for (let n: Node | null = el.firstChild; n !== null; n = n.nextSibling) {
    if (n.nodeType === ELEMENT && (n as Element).localName === name && nsOk((n as Element).namespaceURI)) {
      return n as Element;
    }
  }
  return undefined;
}

const stdNs = (ns: string | null) => ns === null || ns === "" || EPCIS_CORE_NS.has(ns);
const queryNs = (ns: string | null) => stdNs(ns) || (ns !== null && EPCIS_QUERY_NS.has(ns));

/** Rejects DTDs with an internal subset (entity declarations: billion laughs, external entity
 * tricks). A bare `<!DOCTYPE name>` as found in some GS1 examples is harmless and allowed. */
function checkDoctype(text: string): void {
  const i = text.indexOf("<!DOCTYPE");
  if (i < 0) return;
  const end = text.indexOf(">", i);
  const decl = end < 0 ? text.slice(i) : text.slice(i, end);
  if (decl.includes("[") || /\b(SYSTEM|PUBLIC)\b/.test(decl)) {
    const line = text.slice(0, i).split("\n").length;
    fail("EPCIS_BAD_XML", `line ${line}: DOCTYPE with internal subset or external identifier is not allowed`, "xml", {
      line,
    });
  }
}

// XML 1.0 §2.11 line-end handling is only needed when such characters occur; skipping xmldom's
// normalising pass otherwise saves a full copy of large documents.
const LINE_END_RE = /[\r\u0085\u2028\u2029]/;
const keepLineEnds = (s: string) => s;

function domParse(text: string, locator: boolean): Element | null {
  const parser = new DOMParser({
    locator,
    normalizeLineEndings: LINE_END_RE.test(text) ? normalizeLineEndings : keepLineEnds,
    // Every warning or error stops parsing: an EPCIS document has to be well-formed XML.
    onError: (level, msg) => {
      throw new Error(`${level}: ${msg}`);
    },
  });
  return parser.parseFromString(text, "text/xml").documentElement;
}

function parseDom(text: string): Element {
  try {
    // Node positions are only needed for error messages: parse without them, and parse again
    // with them only when the document turns out to be malformed.
    const root = domParse(text, false);
    if (root === null) fail("EPCIS_BAD_XML", "malformed XML (no root element)", "xml");
    return root;
  } catch (e) {
    if (e instanceof SuyuanError) throw e;
    let line: number | undefined;
    let column: number | undefined;
    let msg = e instanceof Error ? e.message : String(e);
    try {
      domParse(text, true);
    } catch (e2) {
      const loc = (e2 as { locator?: { lineNumber?: number; columnNumber?: number } }).locator;
      line = loc?.lineNumber || undefined;
      column = loc?.columnNumber || undefined;
      const cause = (e2 as { cause?: unknown }).cause;
      msg = cause instanceof Error ? cause.message : e2 instanceof Error ? e2.message : msg;
    }
    const where = line ? `line ${line}${column ? `, column ${column}` : ""}: ` : "";
    return fail("EPCIS_BAD_XML", `${where}malformed XML (${msg})`, "xml", { line, column });
  }
}

/**
 * A lone event as the document element (openepcis single-event files): read as a one-event
 * capture document. Unqualified events carry no version, so their order is not checked; events
 * in the 2.0 namespace follow the same rule as in a 2.0 document.
 */
function parseBareEvent(root: Element, type: EventType, options: ParseXmlOptions | undefined): EpcisDocument {
  const ns = root.namespaceURI ?? "";
  const ctx: Ctx = {
    strictOrder: ns === NS_EPCIS2 && options?.elementOrder !== "lenient",
    namespaces: {},
  };
  const doc: EpcisDocument = {
    kind: "EPCISDocument",
    schemaVersion: "2.0",
    events: [parseEvent(root, type, ctx, "eventList[0]")],
  };
  const creationDate = root.getAttribute("creationDate");
  if (creationDate) doc.creationDate = xmlTrim(creationDate);
  if (Object.keys(ctx.namespaces).length > 0) doc.namespaces = ctx.namespaces;
  return doc;
}

/**
 * Parses an EPCIS document in XML: `epcis:EPCISDocument`, `epcisq:EPCISQueryDocument` (query
 * results) or `epcismd:EPCISMasterDataDocument`, in the 2.0 or 1.x namespaces. 1.x content is
 * upgraded to the 2.0 model (fields lifted out of `extension`/`baseExtension` wrappers).
 * @throws SuyuanError EPCIS_BAD_XML, EPCIS_BAD_ROOT, EPCIS_UNKNOWN_FIELD, EPCIS_ELEMENT_ORDER,
 *   EPCIS_DUPLICATE_FIELD, EPCIS_MISSING_FIELD, EPCIS_BAD_TYPE, EPCIS_BAD_VALUE,
 *   EPCIS_BAD_STRUCTURE, EPCIS_UNSUPPORTED_EVENT
 */
export function parseEpcisXml(text: string, options?: ParseXmlOptions): EpcisDocument {
  if (typeof text !== "string") throw new TypeError("parseEpcisXml: text must be a string");
  // A UTF-8 byte order mark decoded into the string is not document content.
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  checkDoctype(src);
  const root = parseDom(src);
  const ns = root.namespaceURI ?? "";
  const local = root.localName ?? root.nodeName;
  let kind: EpcisDocument["kind"];
  let v1: boolean;
  let masterDataDoc = false;
  if (local === "EPCISDocument" && EPCIS_CORE_NS.has(ns)) {
    kind = "EPCISDocument";
    v1 = ns.endsWith(":1");
  } else if (local === "EPCISQueryDocument" && EPCIS_QUERY_NS.has(ns)) {
    kind = "EPCISQueryDocument";
    v1 = ns.endsWith(":1");
  } else if (local === "EPCISMasterDataDocument" && EPCIS_MD_NS.has(ns)) {
    kind = "EPCISDocument";
    v1 = ns.endsWith(":1");
    masterDataDoc = true;
  } else if (EVENT_TYPES.has(local) && stdNs(root.namespaceURI)) {
    return parseBareEvent(root, local as EventType, options);
  } else {
    fail(
      "EPCIS_BAD_ROOT",
      `root element <${root.nodeName}>${ns ? ` in namespace ${ns}` : " without namespace"} is not an EPCIS document (epcis:EPCISDocument, epcisq:EPCISQueryDocument)`,
      "root",
    );
  }
  const ctx: Ctx = { strictOrder: !v1 && options?.elementOrder !== "lenient", namespaces: {} };
  collectXmlns(root, ctx.namespaces);

  const sourceVersion = root.getAttribute("schemaVersion");
  const doc: EpcisDocument = {
    kind,
    // 1.x input is upgraded: the model (and anything written from it) is EPCIS 2.0. The source
    // version is not kept: the writer cannot reproduce it and nothing downstream depends on it.
    schemaVersion: v1 ? "2.0" : sourceVersion || "2.0",
    events: [],
  };
  const creationDate = root.getAttribute("creationDate");
  if (creationDate) doc.creationDate = xmlTrim(creationDate);

  let body: Element | undefined;
  for (const c of childElements(root, local)) {
    if (!stdNs(c.namespaceURI) && !(c.namespaceURI !== null && EPCIS_QUERY_NS.has(c.namespaceURI))) continue;
    if (c.localName === "EPCISHeader") parseHeader(c, ctx, doc);
    else if (c.localName === "EPCISBody") body = c;
  }
  if (body === undefined) {
    // Some query-result producers (RalphTro hash vectors) put QueryResults' content directly
    // under the root; accepted for query documents only.
    if (kind === "EPCISQueryDocument") body = root;
    else fail("EPCIS_MISSING_FIELD", `${local}: <EPCISBody> is required`, "EPCISBody");
  }

  if (masterDataDoc) {
    const vl = findChild(body, "VocabularyList", stdNs);
    if (vl !== undefined)
      doc.vocabularies = [...(doc.vocabularies ?? []), ...parseVocabularyList(vl, ctx, "vocabularies")];
  } else if (kind === "EPCISQueryDocument") {
    // EPCIS 2.0 query XSD: EPCISBody holds QueryResults (query namespace; often unqualified).
    const qr = findChild(body, "QueryResults", queryNs) ?? body;
    const queryName = findChild(qr, "queryName", queryNs);
    if (queryName !== undefined) doc.queryName = requiredText(queryName, "queryName");
    const sub = findChild(qr, "subscriptionID", queryNs);
    if (sub !== undefined) doc.subscriptionID = requiredText(sub, "subscriptionID");
    const rb = findChild(qr, "resultsBody", queryNs);
    const el = rb === undefined ? undefined : findChild(rb, "EventList", queryNs);
    if (el !== undefined) parseEventList(el, ctx, "eventList", doc.events);
    // QueryResultsBody is a choice: EventList or (master-data query) VocabularyList.
    const vl = rb === undefined ? undefined : findChild(rb, "VocabularyList", queryNs);
    if (vl !== undefined)
      doc.vocabularies = [...(doc.vocabularies ?? []), ...parseVocabularyList(vl, ctx, "vocabularies")];
  } else {
    const el = findChild(body, "EventList", stdNs);
    if (el !== undefined) parseEventList(el, ctx, "eventList", doc.events);
  }
  if (Object.keys(ctx.namespaces).length > 0) doc.namespaces = ctx.namespaces;
  return doc;
}
