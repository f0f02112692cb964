/**
 * The shared event model → an EPCIS 2.0 JSON-LD document (EPCIS 2.0 §9).
 *
 * - `@context`: the source's context when the document came from JSON-LD, else the standard
 *   EPCIS context; a trailing `{prefix: iri}` object declares every extension namespace the
 *   context does not already declare (EPCIS 2.0 §9.3).
 * - CBV terms are written as the bare words of the JSON-LD binding (CBV 2.0 §6: the
 *   standard context expands them), whatever spelling the model holds (e.g. the URN form
 *   an XML source used). Other values are written as held.
 * - User extensions: sibling elements with the same name become one JSON array (JSON has no
 *   repeated keys); XML attributes of an extension element become members of its object, as
 *   the GS1/openepcis examples render them (e.g. `"example:field": {"example:furtherData": …}`).
 */
import { toCbvWordOrSelf } from "./cbv.ts";
import { EPCIS_CONTEXT_URL, type ResolvedContext, resolveContext, STANDARD_CONTEXT } from "./jsonld-context.ts";
import type {
  EpcisDocument,
  EpcisEvent,
  ErrorDeclaration,
  ExtensionElement,
  Location,
  QuantityElement,
  SensorElement,
  SensorMetadata,
  SensorReport,
  Vocabulary,
} from "./model.ts";
import { SENSOR_METADATA_FIELDS, SENSOR_REPORT_FIELDS } from "./model.ts";

type Json = Record<string, unknown>;

const XSI_NS = "http://www.w3.org/2001/XMLSchema-instance";

/** Chooses one JSON-LD prefix per extension namespace for a whole document. */
class PrefixAllocator {
  /** prefix → ns, everything the written context will declare (standard included). */
  private readonly byPrefix = new Map<string, string>();
  /** ns → prefix chosen. */
  private readonly byNs = new Map<string, string>();
  /** Declarations to add to the written context. */
  readonly added = new Map<string, string>();
  private counter = 0;

  constructor(
    ctx: ResolvedContext,
    private readonly preferred: ReadonlyMap<string, string>,
  ) {
    for (const [p, ns] of ctx.prefixes) {
      this.byPrefix.set(p, ns);
      if (!this.byNs.has(ns)) this.byNs.set(ns, p);
    }
  }

  key(el: { ns: string; name: string; prefix?: string }): string {
    if (el.ns === "") return el.name;
    return `${this.prefixFor(el.ns, el.prefix)}:${el.name}`;
  }

  private prefixFor(ns: string, hint: string | undefined): string {
    if (hint !== undefined && this.byPrefix.get(hint) === ns) return hint;
    const have = this.byNs.get(ns);
    if (have !== undefined) return have;
    // An XML namespace usually lacks the trailing separator a JSON-LD prefix IRI has
    // (`urn:epcglobal:cbv:mda` vs the context's `urn:epcglobal:cbv:mda:`): use the
    // standard prefix rather than redefine a protected one.
    for (const sep of [":", "/", "#"]) {
      const p = this.byNs.get(ns + sep);
      if (p !== undefined) return p;
    }
    let p = hint ?? this.preferred.get(ns);
    if (p === undefined || !/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(p) || this.byPrefix.has(p)) {
      do p = `ns${++this.counter}`;
      while (this.byPrefix.has(p));
    }
    this.byPrefix.set(p, ns);
    this.byNs.set(ns, p);
    this.added.set(p, ns);
    return p;
  }
}

function writeExtensions(target: Json, list: ExtensionElement[] | undefined, pa: PrefixAllocator): void {
  if (!list) return;
  // Group same-named siblings (first position wins): arrays in JSON, repeated elements in XML.
  const groups = new Map<string, ExtensionElement[]>();
  for (const el of list) {
    const k = pa.key(el);
    const g = groups.get(k);
    if (g) g.push(el);
    else groups.set(k, [el]);
  }
  for (const [k, g] of groups) {
    const first = g[0]!;
    if (g.length === 1 && !first.inArray) {
      target[k] = extensionValue(first, pa);
    } else if (g.length === 1 && first.value === undefined && first.children === undefined && !first.attributes) {
      target[k] = []; // the empty-array marker
    } else {
      target[k] = g.map((el) => extensionValue(el, pa));
    }
  }
}

function extensionValue(el: ExtensionElement, pa: PrefixAllocator): unknown {
  // xsi:type only types XML text; JSON carries its own types.
  const attrs = el.attributes?.filter((a) => a.ns !== XSI_NS);
  const hasText = el.value !== undefined && el.value !== null;
  if (el.children === undefined && !attrs?.length) return el.value === undefined ? null : el.value;
  const o: Json = {};
  const attrKey = (a: { ns?: string; name: string; prefix?: string }) =>
    a.ns ? pa.key({ ns: a.ns, name: a.name, prefix: a.prefix }) : a.name;
  if (el.children === undefined && hasText) {
    // Text plus attributes: a JSON-LD value object whose other members are the attributes.
    for (const a of attrs!) o[attrKey(a)] = a.value;
    o["@value"] = el.value;
    return o;
  }
  // Attributes of an element with children (or none) render as members, as the GS1 and
  // openepcis JSON examples show them.
  if (attrs) for (const a of attrs) o[attrKey(a)] = a.value;
  writeExtensions(o, el.children, pa);
  return o;
}

function quantities(list: QuantityElement[]): Json[] {
  return list.map((q) => {
    const o: Json = { epcClass: q.epcClass };
    if (q.quantity !== undefined) o.quantity = q.quantity;
    if (q.uom !== undefined) o.uom = q.uom;
    return o;
  });
}

function location(loc: Location, pa: PrefixAllocator): Json {
  const o: Json = { id: loc.id };
  writeExtensions(o, loc.extensions, pa);
  return o;
}

function errorDeclaration(ed: ErrorDeclaration, pa: PrefixAllocator): Json {
  const o: Json = { declarationTime: ed.declarationTime };
  if (ed.reason !== undefined) o.reason = toCbvWordOrSelf("errorReason", ed.reason);
  if (ed.correctiveEventIDs !== undefined) o.correctiveEventIDs = ed.correctiveEventIDs.slice();
  writeExtensions(o, ed.extensions, pa);
  return o;
}

const METADATA_KEYS = SENSOR_METADATA_FIELDS;

function sensorMetadata(md: SensorMetadata, pa: PrefixAllocator): Json {
  const o: Json = {};
  for (const k of METADATA_KEYS) if (md[k] !== undefined) o[k] = md[k];
  writeExtensions(o, md.extensions, pa);
  return o;
}

// type, exception and component are written as CBV words (below); the rest as they are.
const REPORT_KEYS = [...SENSOR_REPORT_FIELDS.keys()].filter(
  (k) => k !== "type" && k !== "exception" && k !== "component",
);

function sensorReport(r: SensorReport, pa: PrefixAllocator): Json {
  const o: Json = {};
  if (r.type !== undefined) o.type = toCbvWordOrSelf("measurementType", r.type);
  if (r.exception !== undefined) o.exception = toCbvWordOrSelf("sensorAlertType", r.exception);
  for (const k of REPORT_KEYS) if (r[k] !== undefined) o[k] = r[k];
  if (r.component !== undefined) o.component = toCbvWordOrSelf("component", r.component);
  writeExtensions(o, r.extensions, pa);
  return o;
}

function sensorElement(se: SensorElement, pa: PrefixAllocator): Json {
  const o: Json = {};
  if (se.sensorMetadata) o.sensorMetadata = sensorMetadata(se.sensorMetadata, pa);
  o.sensorReport = se.sensorReport.map((r) => sensorReport(r, pa));
  writeExtensions(o, se.extensions, pa);
  return o;
}

/** One event as its JSON-LD object (field order as in the EPCIS 2.0 §9.6 examples). */
function eventObject(ev: EpcisEvent, pa: PrefixAllocator): Json {
  const o: Json = { type: ev.type };
  if (ev.eventID !== undefined) o.eventID = ev.eventID;
  o.eventTime = ev.eventTime;
  if (ev.recordTime !== undefined) o.recordTime = ev.recordTime;
  o.eventTimeZoneOffset = ev.eventTimeZoneOffset;
  if (ev.certificationInfo !== undefined)
    o.certificationInfo = Array.isArray(ev.certificationInfo) ? ev.certificationInfo.slice() : ev.certificationInfo;
  if (ev.errorDeclaration) o.errorDeclaration = errorDeclaration(ev.errorDeclaration, pa);
  if (ev.parentID !== undefined) o.parentID = ev.parentID;
  if (ev.epcList) o.epcList = ev.epcList.slice();
  if (ev.childEPCs) o.childEPCs = ev.childEPCs.slice();
  if (ev.inputEPCList) o.inputEPCList = ev.inputEPCList.slice();
  if (ev.inputQuantityList) o.inputQuantityList = quantities(ev.inputQuantityList);
  if (ev.outputEPCList) o.outputEPCList = ev.outputEPCList.slice();
  if (ev.outputQuantityList) o.outputQuantityList = quantities(ev.outputQuantityList);
  if (ev.transformationID !== undefined) o.transformationID = ev.transformationID;
  if (ev.action !== undefined) o.action = ev.action;
  if (ev.quantityList) o.quantityList = quantities(ev.quantityList);
  if (ev.childQuantityList) o.childQuantityList = quantities(ev.childQuantityList);
  if (ev.bizStep !== undefined) o.bizStep = toCbvWordOrSelf("bizStep", ev.bizStep);
  if (ev.disposition !== undefined) o.disposition = toCbvWordOrSelf("disposition", ev.disposition);
  if (ev.persistentDisposition) {
    const pd: Json = {};
    if (ev.persistentDisposition.set)
      pd.set = ev.persistentDisposition.set.map((d) => toCbvWordOrSelf("disposition", d));
    if (ev.persistentDisposition.unset)
      pd.unset = ev.persistentDisposition.unset.map((d) => toCbvWordOrSelf("disposition", d));
    o.persistentDisposition = pd;
  }
  if (ev.readPoint) o.readPoint = location(ev.readPoint, pa);
  if (ev.bizLocation) o.bizLocation = location(ev.bizLocation, pa);
  if (ev.bizTransactionList)
    o.bizTransactionList = ev.bizTransactionList.map((bt) =>
      bt.type === undefined
        ? { bizTransaction: bt.bizTransaction }
        : { type: toCbvWordOrSelf("bizTransactionType", bt.type), bizTransaction: bt.bizTransaction },
    );
  if (ev.sourceList)
    o.sourceList = ev.sourceList.map((s) => ({ type: toCbvWordOrSelf("sourceDestType", s.type), source: s.id }));
  if (ev.destinationList)
    o.destinationList = ev.destinationList.map((d) => ({
      type: toCbvWordOrSelf("sourceDestType", d.type),
      destination: d.id,
    }));
  if (ev.sensorElementList) o.sensorElementList = ev.sensorElementList.map((se) => sensorElement(se, pa));
  if (ev.ilmd) {
    const ilmd: Json = {};
    writeExtensions(ilmd, ev.ilmd, pa);
    o.ilmd = ilmd;
  }
  writeExtensions(o, ev.extensions, pa);
  return o;
}

function vocabularyList(list: Vocabulary[], pa: PrefixAllocator): Json[] {
  return list.map((v) => ({
    type: v.type,
    vocabularyElementList: v.elements.map((e) => {
      const o: Json = { id: e.id };
      if (e.attributes.length > 0)
        o.attributes = e.attributes.map((a) => {
          const ao: Json = { id: a.id };
          if (a.children !== undefined) {
            const c: Json = {};
            writeExtensions(c, a.children, pa);
            ao.attribute = c;
          } else if (a.value !== undefined) ao.attribute = a.value;
          return ao;
        });
      if (e.children !== undefined) o.children = e.children.slice();
      return o;
    }),
  }));
}

function baseContext(doc: EpcisDocument): unknown[] {
  const c = doc.context;
  if (typeof c === "string") return [c];
  if (Array.isArray(c)) return c.slice();
  if (c !== null && typeof c === "object") return [c];
  return [EPCIS_CONTEXT_URL];
}

/** Writes `doc` as an EPCIS 2.0 JSON-LD document (a plain JSON object). */
export function writeEpcisJsonLdObject(doc: EpcisDocument): Json {
  if (doc === null || typeof doc !== "object" || !Array.isArray(doc.events))
    throw new TypeError("writeEpcisJsonLdObject: not an EpcisDocument");
  const context = baseContext(doc);
  let resolved: ResolvedContext;
  try {
    resolved = resolveContext(context, STANDARD_CONTEXT, "@context");
  } catch {
    // A context the model was given by hand that we cannot honour: start from the standard one.
    context.length = 0;
    context.push(EPCIS_CONTEXT_URL);
    resolved = STANDARD_CONTEXT;
  }
  const preferred = new Map<string, string>();
  if (doc.namespaces)
    for (const [p, ns] of Object.entries(doc.namespaces)) if (!preferred.has(ns)) preferred.set(ns, p);
  const pa = new PrefixAllocator(resolved, preferred);

  const extra = doc.extra ?? {};
  const events = doc.events.map((ev) => eventObject(ev, pa));
  let header: Json | undefined;
  if (doc.vocabularies !== undefined) {
    header = { epcisMasterData: { vocabularyList: vocabularyList(doc.vocabularies, pa) } };
  }
  if (extra.epcisHeader !== null && typeof extra.epcisHeader === "object") {
    header = { ...(extra.epcisHeader as Json), ...header };
  }

  if (pa.added.size > 0) context.push(Object.fromEntries(pa.added));
  const out: Json = { "@context": context };
  out.type = doc.kind;
  if ("id" in extra) out.id = extra.id;
  out.schemaVersion = doc.schemaVersion;
  if (doc.creationDate !== undefined) out.creationDate = doc.creationDate;
  if (doc.instanceIdentifier !== undefined) out.instanceIdentifier = doc.instanceIdentifier;
  if (doc.sender !== undefined) out.sender = doc.sender;
  if (doc.receiver !== undefined) out.receiver = doc.receiver;
  for (const [k, v] of Object.entries(extra)) {
    if (k === "id" || k === "epcisHeader" || k === "epcisBody" || k === "queryResults" || k === "resultsBody") continue;
    out[k] = v;
  }
  if (header) out.epcisHeader = header;
  const bodyExtra =
    extra.epcisBody !== null && typeof extra.epcisBody === "object" ? (extra.epcisBody as Json) : undefined;
  if (doc.kind === "EPCISQueryDocument") {
    const qr: Json = {};
    if (doc.subscriptionID !== undefined) qr.subscriptionID = doc.subscriptionID;
    if (doc.queryName !== undefined) qr.queryName = doc.queryName;
    const rbExtra =
      extra.resultsBody !== null && typeof extra.resultsBody === "object" ? (extra.resultsBody as Json) : undefined;
    qr.resultsBody = { eventList: events, ...rbExtra };
    if (extra.queryResults !== null && typeof extra.queryResults === "object") Object.assign(qr, extra.queryResults);
    out.epcisBody = { queryResults: qr, ...bodyExtra };
  } else {
    out.epcisBody = { eventList: events, ...bodyExtra };
  }
  return out;
}

/** Writes `doc` as EPCIS 2.0 JSON-LD text (2-space indented). */
export function writeEpcisJsonLd(doc: EpcisDocument): string {
  return JSON.stringify(writeEpcisJsonLdObject(doc), null, 2);
}
