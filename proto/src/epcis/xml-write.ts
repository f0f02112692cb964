/**
 * EPCIS XML binding, writing side: the shared model as an EPCIS 2.0 XML document (EPCIS 2.0
 * §10), element order per `EPCglobal-epcis-2_0.xsd` whatever order the model was built in.
 *
 * - CBV terms held as bare JSON-LD words (`shipping`) are written in the URN form the XML
 *   binding uses (`urn:epcglobal:cbv:bizstep:shipping`, CBV 2.0 §6.2); any other value is
 *   written as held.
 * - User extensions are written with their namespace; every namespace is declared once on the
 *   document element, keeping the source prefix where it is free.
 * - JSON scalars in extensions become XML text (`10`, `true`); JSON null becomes `xsi:nil`.
 * - 1.x-only wrappers (`extension`, `baseExtension`) are never written: the output is 2.0.
 */
import { SuyuanError } from "../errors.ts";
import { type CbvVocabulary, cbvUrn, cbvWord } from "./cbv.ts";
import type {
  EpcisDocument,
  EpcisEvent,
  ExtensionElement,
  Location,
  QuantityElement,
  SensorElement,
  SourceDest,
  Vocabulary,
} from "./model.ts";
import {
  EVENT_FIELD_ORDER,
  NS_EPCIS2,
  NS_EPCISQ2,
  NS_SBDH,
  NS_XML,
  NS_XMLNS,
  NS_XSI,
  SENSOR_METADATA_ATTRS,
  SENSOR_REPORT_ATTRS,
} from "./xml-schema.ts";

// XML 1.0 §2.2 Char: C0 controls other than TAB/LF/CR, U+FFFE/U+FFFF and lone surrogates
// cannot appear in a document at all, not even as character references.
const BAD_CHAR_RE =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const TEXT_ESC_RE = /[&<>\r]/g;
const ATTR_ESC_RE = /[&<>"\t\n\r]/g;
const NEEDS_TEXT_ESC = /[&<>\r]/;
const NEEDS_ATTR_ESC = /[&<>"\t\n\r]/;
const ESC: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "\t": "&#9;",
  "\n": "&#10;",
  "\r": "&#13;",
};
const escOne = (c: string) => ESC[c] as string;

function checkChars(s: string, field: string): void {
  if (BAD_CHAR_RE.test(s)) {
    const m = BAD_CHAR_RE.exec(s);
    const code = m ? (m[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0") : "?";
    throw new SuyuanError("EPCIS_BAD_VALUE", `${field}: character U+${code} cannot be written in XML 1.0`, { field });
  }
}

function escText(s: string, field: string): string {
  checkChars(s, field);
  return NEEDS_TEXT_ESC.test(s) ? s.replace(TEXT_ESC_RE, escOne) : s;
}

function escAttr(s: string, field: string): string {
  checkChars(s, field);
  return NEEDS_ATTR_ESC.test(s) ? s.replace(ATTR_ESC_RE, escOne) : s;
}

/** A number in the xsd:decimal lexical space (no exponent; XSD 1.1 Part 2 §3.3.3). */
function decimalString(n: number, field: string): string {
  if (!Number.isFinite(n)) {
    throw new SuyuanError("EPCIS_BAD_VALUE", `${field}: ${n} is not a finite decimal`, { field });
  }
  const s = String(n);
  const e = s.indexOf("e");
  if (e < 0) return s;
  // Expand JavaScript's exponent form: mantissa digits shifted by the exponent.
  const neg = s.startsWith("-");
  const mant = s.slice(neg ? 1 : 0, e);
  const exp = Number(s.slice(e + 1));
  const dot = mant.indexOf(".");
  const digits = dot < 0 ? mant : mant.slice(0, dot) + mant.slice(dot + 1);
  const intLen = (dot < 0 ? mant.length : dot) + exp;
  let out: string;
  if (intLen <= 0) out = `0.${"0".repeat(-intLen)}${digits}`;
  else if (intLen >= digits.length) out = digits + "0".repeat(intLen - digits.length);
  else out = `${digits.slice(0, intLen)}.${digits.slice(intLen)}`;
  return neg ? `-${out}` : out;
}

/** A number in the xsd:double lexical space (XSD 1.1 Part 2 §3.3.5). */
function doubleString(n: number): string {
  if (Number.isNaN(n)) return "NaN";
  if (n === Number.POSITIVE_INFINITY) return "INF";
  if (n === Number.NEGATIVE_INFINITY) return "-INF";
  return String(n);
}

/** Bare CBV words become the URN (or CURIE) the XML binding uses; anything else is kept. */
function vocab(v: CbvVocabulary, value: string): string {
  if (value.includes(":")) return value;
  return cbvWord(v, value) === value ? cbvUrn(v, value) : value;
}

const NCNAME_RE = /^[A-Za-z_][\w.-]*$/;

/** Namespace IRI → prefix for everything written outside the fixed EPCIS prefixes. */
class Prefixes {
  readonly byNs = new Map<string, string>();
  private readonly used = new Set<string>(["epcis", "epcisq", "sbdh", "xsi", "xml", "xmlns"]);
  private n = 0;
  xsiUsed = false;

  constructor(preferred: Record<string, string> | undefined) {
    // Keep the source's declarations (prefix → IRI) where they are usable as-is.
    if (preferred) {
      for (const [p, ns] of Object.entries(preferred)) {
        if (typeof ns !== "string" || ns === "" || !NCNAME_RE.test(p) || p.toLowerCase().startsWith("xml")) continue;
        if (ns === NS_EPCIS2 || ns === NS_EPCISQ2 || ns === NS_XSI || ns === NS_XML || ns === NS_XMLNS) continue;
        if (ns === NS_SBDH || this.used.has(p) || this.byNs.has(ns)) continue;
        this.byNs.set(ns, p);
        this.used.add(p);
      }
    }
  }

  prefixFor(ns: string, wanted: string | undefined): string {
    if (ns === NS_XML) return "xml";
    if (ns === NS_XSI) {
      this.xsiUsed = true;
      return "xsi";
    }
    const have = this.byNs.get(ns);
    if (have !== undefined) return have;
    let p = wanted !== undefined && NCNAME_RE.test(wanted) && !wanted.toLowerCase().startsWith("xml") ? wanted : "";
    if (p === "" || this.used.has(p)) {
      do p = `ns${++this.n}`;
      while (this.used.has(p));
    }
    this.byNs.set(ns, p);
    this.used.add(p);
    return p;
  }
}

interface W {
  out: string[];
  px: Prefixes;
  usesXsi: boolean;
}

function leaf(w: W, ind: string, name: string, value: string, field: string): void {
  w.out.push(`${ind}<${name}>${escText(value, field)}</${name}>\n`);
}

function extName(w: W, x: ExtensionElement, field: string): string {
  if (typeof x.name !== "string" || !NCNAME_RE.test(x.name)) {
    throw new SuyuanError("EPCIS_BAD_VALUE", `${field}: extension name "${String(x.name)}" is not an XML name`, {
      field,
    });
  }
  if (!x.ns) return x.name;
  return `${w.px.prefixFor(x.ns, x.prefix)}:${x.name}`;
}

function writeExtensions(w: W, list: ExtensionElement[] | undefined, ind: string, field: string): void {
  if (list === undefined) return;
  for (let i = 0; i < list.length; i++) writeExtension(w, list[i] as ExtensionElement, ind, `${field}[${i}]`);
}

function writeExtension(w: W, x: ExtensionElement, ind: string, field: string): void {
  const name = extName(w, x, field);
  let attrs = "";
  if (x.attributes) {
    for (const a of x.attributes) {
      if (!NCNAME_RE.test(a.name)) {
        throw new SuyuanError("EPCIS_BAD_VALUE", `${field}: attribute name "${a.name}" is not an XML name`, { field });
      }
      const an = a.ns ? `${w.px.prefixFor(a.ns, a.prefix)}:${a.name}` : a.name;
      attrs += ` ${an}="${escAttr(a.value, `${field}@${a.name}`)}"`;
    }
  }
  if (x.children !== undefined && x.children.length > 0) {
    w.out.push(`${ind}<${name}${attrs}>\n`);
    writeExtensions(w, x.children, `${ind}  `, field);
    w.out.push(`${ind}</${name}>\n`);
    return;
  }
  const v = x.value;
  if (v === null) {
    w.usesXsi = true;
    w.out.push(`${ind}<${name}${attrs} xsi:nil="true"/>\n`);
  } else if (v === undefined || v === "") {
    w.out.push(`${ind}<${name}${attrs}/>\n`);
  } else {
    const s = typeof v === "string" ? v : typeof v === "number" ? doubleString(v) : v ? "true" : "false";
    w.out.push(`${ind}<${name}${attrs}>${escText(s, field)}</${name}>\n`);
  }
}

function writeEpcList(w: W, name: string, list: string[], ind: string, field: string): void {
  if (list.length === 0) {
    w.out.push(`${ind}<${name}/>\n`);
    return;
  }
  w.out.push(`${ind}<${name}>\n`);
  for (let i = 0; i < list.length; i++) leaf(w, `${ind}  `, "epc", list[i] as string, `${field}[${i}]`);
  w.out.push(`${ind}</${name}>\n`);
}

function writeQuantityList(w: W, name: string, list: QuantityElement[], ind: string, field: string): void {
  if (list.length === 0) {
    w.out.push(`${ind}<${name}/>\n`);
    return;
  }
  w.out.push(`${ind}<${name}>\n`);
  const i2 = `${ind}  `;
  const i3 = `${ind}    `;
  for (let i = 0; i < list.length; i++) {
    const q = list[i] as QuantityElement;
    const f = `${field}[${i}]`;
    w.out.push(`${i2}<quantityElement>\n`);
    leaf(w, i3, "epcClass", q.epcClass, `${f}.epcClass`);
    // QuantityElementType: uom only after quantity.
    if (q.quantity !== undefined) {
      leaf(w, i3, "quantity", decimalString(q.quantity, `${f}.quantity`), `${f}.quantity`);
      if (q.uom !== undefined) leaf(w, i3, "uom", q.uom, `${f}.uom`);
    } else if (q.uom !== undefined) {
      throw new SuyuanError("EPCIS_BAD_VALUE", `${f}: uom without quantity cannot be written (EPCIS 2.0 §7.3.3.3)`, {
        field: `${f}.uom`,
      });
    }
    w.out.push(`${i2}</quantityElement>\n`);
  }
  w.out.push(`${ind}</${name}>\n`);
}

function writeLocation(w: W, name: string, loc: Location, ind: string, field: string): void {
  w.out.push(`${ind}<${name}>\n`);
  leaf(w, `${ind}  `, "id", loc.id, `${field}.id`);
  writeExtensions(w, loc.extensions, `${ind}  `, `${field}.extensions`);
  w.out.push(`${ind}</${name}>\n`);
}

function writeSourceDest(w: W, name: "source" | "destination", list: SourceDest[], ind: string, field: string): void {
  w.out.push(`${ind}<${name}List>\n`);
  for (let i = 0; i < list.length; i++) {
    const s = list[i] as SourceDest;
    const f = `${field}[${i}]`;
    w.out.push(
      `${ind}  <${name} type="${escAttr(vocab("sourceDestType", s.type), `${f}.type`)}">${escText(s.id, f)}</${name}>\n`,
    );
  }
  w.out.push(`${ind}</${name}List>\n`);
}

function sensorAttrs(w: W, obj: Record<string, unknown>, names: Iterable<string>, field: string): string {
  let s = "";
  for (const n of names) {
    const v = obj[n];
    if (v === undefined || v === null) continue;
    let str: string;
    if (typeof v === "number") str = doubleString(v);
    else if (typeof v === "boolean") str = v ? "true" : "false";
    else {
      str = String(v);
      if (n === "type") str = vocab("measurementType", str);
      else if (n === "exception") str = vocab("sensorAlertType", str);
      else if (n === "component") str = vocab("component", str);
    }
    s += ` ${n}="${escAttr(str, `${field}.${n}`)}"`;
  }
  const ext = obj.extensions as ExtensionElement[] | undefined;
  if (ext) {
    // Sensor extensions are XML attributes (EPCIS 2.0 XSD anyAttribute): leaf values only.
    for (const x of ext) {
      if (x.children !== undefined && x.children.length > 0) {
        throw new SuyuanError(
          "EPCIS_BAD_VALUE",
          `${field}: extension ${x.name} has child elements; sensor extensions are attributes in XML`,
          { field },
        );
      }
      const an = x.ns ? `${w.px.prefixFor(x.ns, x.prefix)}:${x.name}` : x.name;
      const v = x.value;
      const str = v === null || v === undefined ? "" : typeof v === "number" ? doubleString(v) : String(v);
      s += ` ${an}="${escAttr(str, `${field}.${x.name}`)}"`;
    }
  }
  return s;
}

function writeSensorElements(w: W, list: SensorElement[], ind: string, field: string): void {
  w.out.push(`${ind}<sensorElementList>\n`);
  const i2 = `${ind}  `;
  const i3 = `${ind}    `;
  for (let i = 0; i < list.length; i++) {
    const se = list[i] as SensorElement;
    const f = `${field}[${i}]`;
    w.out.push(`${i2}<sensorElement>\n`);
    if (se.sensorMetadata) {
      const md = se.sensorMetadata as unknown as Record<string, unknown>;
      w.out.push(`${i3}<sensorMetadata${sensorAttrs(w, md, SENSOR_METADATA_ATTRS, `${f}.sensorMetadata`)}/>\n`);
    }
    for (let j = 0; j < se.sensorReport.length; j++) {
      const r = se.sensorReport[j] as unknown as Record<string, unknown>;
      w.out.push(`${i3}<sensorReport${sensorAttrs(w, r, SENSOR_REPORT_ATTRS.keys(), `${f}.sensorReport[${j}]`)}/>\n`);
    }
    writeExtensions(w, se.extensions, i3, `${f}.extensions`);
    w.out.push(`${i2}</sensorElement>\n`);
  }
  w.out.push(`${ind}</sensorElementList>\n`);
}

function writeEvent(w: W, ev: EpcisEvent, ind: string, field: string): void {
  const order = EVENT_FIELD_ORDER[ev.type];
  if (order === undefined) {
    throw new SuyuanError("EPCIS_UNSUPPORTED_EVENT", `${field}: event type "${String(ev.type)}" cannot be written`, {
      field: `${field}.type`,
    });
  }
  w.out.push(`${ind}<${ev.type}>\n`);
  const i2 = `${ind}  `;
  for (const name of order) {
    const f = `${field}.${name}`;
    switch (name) {
      case "eventTime":
      case "recordTime":
      case "eventTimeZoneOffset":
      case "eventID":
      case "parentID":
      case "transformationID": {
        const v = ev[name];
        if (v !== undefined) leaf(w, i2, name, v, f);
        break;
      }
      case "action":
        if (ev.action !== undefined) leaf(w, i2, name, ev.action, f);
        break;
      case "bizStep":
        if (ev.bizStep !== undefined) leaf(w, i2, name, vocab("bizStep", ev.bizStep), f);
        break;
      case "disposition":
        if (ev.disposition !== undefined) leaf(w, i2, name, vocab("disposition", ev.disposition), f);
        break;
      case "certificationInfo": {
        const c = ev.certificationInfo;
        if (c !== undefined) for (const v of Array.isArray(c) ? c : [c]) leaf(w, i2, name, v, f);
        break;
      }
      case "errorDeclaration": {
        const ed = ev.errorDeclaration;
        if (ed === undefined) break;
        w.out.push(`${i2}<errorDeclaration>\n`);
        leaf(w, `${i2}  `, "declarationTime", ed.declarationTime, `${f}.declarationTime`);
        if (ed.reason !== undefined) leaf(w, `${i2}  `, "reason", vocab("errorReason", ed.reason), `${f}.reason`);
        if (ed.correctiveEventIDs !== undefined) {
          w.out.push(`${i2}  <correctiveEventIDs>\n`);
          for (const id of ed.correctiveEventIDs)
            leaf(w, `${i2}    `, "correctiveEventID", id, `${f}.correctiveEventIDs`);
          w.out.push(`${i2}  </correctiveEventIDs>\n`);
        }
        writeExtensions(w, ed.extensions, `${i2}  `, `${f}.extensions`);
        w.out.push(`${i2}</errorDeclaration>\n`);
        break;
      }
      case "epcList":
      case "childEPCs":
      case "inputEPCList":
      case "outputEPCList": {
        const v = ev[name];
        if (v !== undefined) writeEpcList(w, name, v, i2, f);
        break;
      }
      case "quantityList":
      case "childQuantityList":
      case "inputQuantityList":
      case "outputQuantityList": {
        const v = ev[name];
        if (v !== undefined) writeQuantityList(w, name, v, i2, f);
        break;
      }
      case "readPoint":
      case "bizLocation": {
        const v = ev[name];
        if (v !== undefined) writeLocation(w, name, v, i2, f);
        break;
      }
      case "bizTransactionList": {
        const v = ev.bizTransactionList;
        if (v === undefined) break;
        w.out.push(`${i2}<bizTransactionList>\n`);
        for (let i = 0; i < v.length; i++) {
          const bt = v[i] as { type?: string; bizTransaction: string };
          const t =
            bt.type === undefined ? "" : ` type="${escAttr(vocab("bizTransactionType", bt.type), `${f}[${i}].type`)}"`;
          w.out.push(`${i2}  <bizTransaction${t}>${escText(bt.bizTransaction, `${f}[${i}]`)}</bizTransaction>\n`);
        }
        w.out.push(`${i2}</bizTransactionList>\n`);
        break;
      }
      case "sourceList":
        if (ev.sourceList !== undefined) writeSourceDest(w, "source", ev.sourceList, i2, f);
        break;
      case "destinationList":
        if (ev.destinationList !== undefined) writeSourceDest(w, "destination", ev.destinationList, i2, f);
        break;
      case "sensorElementList":
        if (ev.sensorElementList !== undefined) writeSensorElements(w, ev.sensorElementList, i2, f);
        break;
      case "persistentDisposition": {
        const pd = ev.persistentDisposition;
        if (pd === undefined) break;
        w.out.push(`${i2}<persistentDisposition>\n`);
        // PersistentDispositionType: sequence (unset*, set*).
        for (const v of pd.unset ?? []) leaf(w, `${i2}  `, "unset", vocab("disposition", v), `${f}.unset`);
        for (const v of pd.set ?? []) leaf(w, `${i2}  `, "set", vocab("disposition", v), `${f}.set`);
        w.out.push(`${i2}</persistentDisposition>\n`);
        break;
      }
      case "ilmd":
        if (ev.ilmd !== undefined) {
          w.out.push(`${i2}<ilmd>\n`);
          writeExtensions(w, ev.ilmd, `${i2}  `, f);
          w.out.push(`${i2}</ilmd>\n`);
        }
        break;
      default:
        // baseExtension / extension: 1.x wrappers, never written.
        break;
    }
  }
  writeExtensions(w, ev.extensions, i2, `${field}.extensions`);
  w.out.push(`${ind}</${ev.type}>\n`);
}

function writeVocabularies(w: W, list: Vocabulary[], ind: string): void {
  w.out.push(`${ind}<VocabularyList>\n`);
  for (let i = 0; i < list.length; i++) {
    const v = list[i] as Vocabulary;
    const f = `vocabularies[${i}]`;
    w.out.push(`${ind}  <Vocabulary type="${escAttr(v.type, `${f}.type`)}">\n`);
    w.out.push(`${ind}    <VocabularyElementList>\n`);
    for (let j = 0; j < v.elements.length; j++) {
      const e = v.elements[j] as Vocabulary["elements"][number];
      const ef = `${f}.elements[${j}]`;
      const i5 = `${ind}        `;
      w.out.push(`${ind}      <VocabularyElement id="${escAttr(e.id, `${ef}.id`)}">\n`);
      for (const a of e.attributes) {
        const idAttr = `id="${escAttr(a.id, `${ef}.attribute`)}"`;
        if (a.children !== undefined && a.children.length > 0) {
          w.out.push(`${i5}<attribute ${idAttr}>\n`);
          writeExtensions(w, a.children, `${i5}  `, `${ef}.attribute`);
          w.out.push(`${i5}</attribute>\n`);
        } else if (a.value === undefined || a.value === "") {
          w.out.push(`${i5}<attribute ${idAttr}/>\n`);
        } else {
          w.out.push(`${i5}<attribute ${idAttr}>${escText(a.value, `${ef}.attribute`)}</attribute>\n`);
        }
      }
      if (e.children !== undefined) {
        w.out.push(`${i5}<children>\n`);
        for (const c of e.children) leaf(w, `${i5}  `, "id", c, `${ef}.children`);
        w.out.push(`${i5}</children>\n`);
      }
      w.out.push(`${ind}      </VocabularyElement>\n`);
    }
    w.out.push(`${ind}    </VocabularyElementList>\n`);
    w.out.push(`${ind}  </Vocabulary>\n`);
  }
  w.out.push(`${ind}</VocabularyList>\n`);
}

/** SBDH (EPCIS 2.0 §9.2, SBDH 1.3): the parsed header verbatim, or a minimal one built from
 * the JSON-LD document fields sender / receiver / instanceIdentifier. */
function writeSbdh(w: W, doc: EpcisDocument, ind: string): void {
  const raw = doc.extra?.sbdh;
  if (typeof raw === "string" && raw.startsWith("<")) {
    w.out.push(`${ind}${raw}\n`);
    return;
  }
  if (doc.sender === undefined && doc.receiver === undefined && doc.instanceIdentifier === undefined) return;
  const i2 = `${ind}  `;
  const i3 = `${ind}    `;
  w.out.push(`${ind}<sbdh:StandardBusinessDocumentHeader>\n`);
  w.out.push(`${i2}<sbdh:HeaderVersion>1.0</sbdh:HeaderVersion>\n`);
  for (const [el, v] of [
    ["Sender", doc.sender],
    ["Receiver", doc.receiver],
  ] as const) {
    if (v !== undefined) {
      w.out.push(`${i2}<sbdh:${el}>\n${i3}<sbdh:Identifier>${escText(v, el.toLowerCase())}</sbdh:Identifier>\n`);
      w.out.push(`${i2}</sbdh:${el}>\n`);
    }
  }
  w.out.push(`${i2}<sbdh:DocumentIdentification>\n`);
  w.out.push(`${i3}<sbdh:Standard>EPCglobal</sbdh:Standard>\n`);
  w.out.push(`${i3}<sbdh:TypeVersion>2.0</sbdh:TypeVersion>\n`);
  w.out.push(
    `${i3}<sbdh:InstanceIdentifier>${escText(doc.instanceIdentifier ?? "", "instanceIdentifier")}</sbdh:InstanceIdentifier>\n`,
  );
  w.out.push(`${i3}<sbdh:Type>Events</sbdh:Type>\n`);
  w.out.push(
    `${i3}<sbdh:CreationDateAndTime>${escText(doc.creationDate ?? "", "creationDate")}</sbdh:CreationDateAndTime>\n`,
  );
  w.out.push(`${i2}</sbdh:DocumentIdentification>\n`);
  w.out.push(`${ind}</sbdh:StandardBusinessDocumentHeader>\n`);
}

/**
 * Writes the model as an EPCIS 2.0 XML document (`epcis:EPCISDocument`, or
 * `epcisq:EPCISQueryDocument` for query results).
 * @throws SuyuanError EPCIS_BAD_VALUE for values XML cannot carry (control characters, non-finite
 *   quantities, invalid extension names); EPCIS_UNSUPPORTED_EVENT for an unknown event type.
 */
export function writeEpcisXml(doc: EpcisDocument): string {
  if (doc === null || typeof doc !== "object" || !Array.isArray(doc.events)) {
    throw new TypeError("writeEpcisXml: doc must be an EpcisDocument");
  }
  const w: W = { out: [], px: new Prefixes(doc.namespaces), usesXsi: false };
  const query = doc.kind === "EPCISQueryDocument";
  const ind = query ? "        " : "      ";

  // Body first: writing it discovers the namespaces to declare on the root.
  const body: string[] = [];
  w.out = body;
  for (let i = 0; i < doc.events.length; i++) writeEvent(w, doc.events[i] as EpcisEvent, ind, `eventList[${i}]`);

  const header: string[] = [];
  w.out = header;
  const hasSbdh =
    typeof doc.extra?.sbdh === "string" ||
    doc.sender !== undefined ||
    doc.receiver !== undefined ||
    doc.instanceIdentifier !== undefined;
  const vocabs = doc.vocabularies !== undefined && doc.vocabularies.length > 0 ? doc.vocabularies : undefined;
  if (hasSbdh || vocabs) {
    header.push("  <EPCISHeader>\n");
    writeSbdh(w, doc, "    ");
    if (vocabs) {
      // EPCIS 2.0 XSD EPCISHeaderExtensionType: EPCISMasterData inside EPCISHeader/extension.
      header.push("    <extension>\n      <EPCISMasterData>\n");
      writeVocabularies(w, vocabs, "        ");
      header.push("      </EPCISMasterData>\n    </extension>\n");
    }
    header.push("  </EPCISHeader>\n");
  }

  const rootName = query ? "epcisq:EPCISQueryDocument" : "epcis:EPCISDocument";
  let decl = query ? ` xmlns:epcisq="${NS_EPCISQ2}" xmlns:epcis="${NS_EPCIS2}"` : ` xmlns:epcis="${NS_EPCIS2}"`;
  const rawSbdh = typeof doc.extra?.sbdh === "string" && doc.extra.sbdh.startsWith("<");
  if (hasSbdh && !rawSbdh) decl += ` xmlns:sbdh="${NS_SBDH}"`;
  if (w.usesXsi || w.px.xsiUsed) decl += ` xmlns:xsi="${NS_XSI}"`;
  for (const [ns, p] of w.px.byNs) decl += ` xmlns:${p}="${escAttr(ns, "namespaces")}"`;
  // Only 2.x versions can be claimed by a document in the 2.0 namespace.
  const schemaVersion = /^2\.\d+$/.test(doc.schemaVersion) ? doc.schemaVersion : "2.0";
  let attrs = ` schemaVersion="${schemaVersion}"`;
  if (doc.creationDate !== undefined) attrs += ` creationDate="${escAttr(doc.creationDate, "creationDate")}"`;

  const parts: string[] = [`<?xml version="1.0" encoding="UTF-8"?>\n<${rootName}${decl}${attrs}>\n`];
  parts.push(header.join(""));
  parts.push("  <EPCISBody>\n");
  if (query) {
    parts.push("    <epcisq:QueryResults>\n");
    // QueryResults: queryName is mandatory; SimpleEventQuery is the query that returns events.
    parts.push(`      <queryName>${escText(doc.queryName ?? "SimpleEventQuery", "queryName")}</queryName>\n`);
    if (doc.subscriptionID !== undefined) {
      parts.push(`      <subscriptionID>${escText(doc.subscriptionID, "subscriptionID")}</subscriptionID>\n`);
    }
    parts.push("      <resultsBody>\n");
    parts.push(body.length > 0 ? "        <EventList>\n" : "        <EventList/>\n");
    if (body.length > 0) parts.push(body.join(""), "        </EventList>\n");
    parts.push("      </resultsBody>\n    </epcisq:QueryResults>\n");
  } else if (body.length > 0) {
    // join, not spread: a spread of a large body overflows the call stack.
    parts.push("    <EventList>\n", body.join(""), "    </EventList>\n");
  } else {
    parts.push("    <EventList/>\n");
  }
  parts.push(`  </EPCISBody>\n</${rootName}>\n`);
  return parts.join("");
}
