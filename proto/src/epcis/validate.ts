/**
 * The EPCIS 2.0 / CBV 2.0 rules on a parsed document (whatever syntax it came from).
 *
 * `collectEventErrors` returns every problem of one event (for per-event capture results);
 * `validateEpcisDocument` throws the first problem of a document. Fields are named with
 * JSON-LD paths (`epcisBody.eventList[2].bizStep`).
 *
 * Deliberate leniencies (each also listed in tests/conformance/epcis-examples.deviations.md):
 * - sensorReport `type` is optional: the EPCIS 2.0 XSD has it optional (the JSON schema
 *   requires it) and upstream publishes valid documents without it.
 * - `creationDate` is optional on a document: the model has it optional and upstream
 *   query documents omit it; when present it must be a valid timestamp.
 * - sensorReport `type`: a bare, capitalised type name missing from our MeasurementType list
 *   is accepted (the GS1 Web Vocabulary list grows; upstream-valid documents use newer names).
 * - A user JSON-LD context may redefine a standard prefix such as `cbvmda` (jsonld-context.ts).
 * - A CURIE value in a vocabulary field (`cbv:my_own_party`, `gs1:Foo`) that is not a
 *   standard term is accepted as a user URI, as the JSON schema's `format: uri` accepts it.
 *   Full URIs in the CBV / GS1 Web Vocabulary namespaces that are not terms are rejected.
 * - "Identifiers are URIs" is checked syntactically (RFC 3986 scheme + no whitespace); the
 *   identifier codecs check EPC / Digital Link structure where that matters.
 */
import { SuyuanError } from "../errors.ts";
import { type CbvVocabulary, checkVocabularyValue, looksLikeUri } from "./cbv.ts";
import type {
  EpcisDocument,
  EpcisEvent,
  EventType,
  ExtensionElement,
  QuantityElement,
  SensorElement,
} from "./model.ts";

const COMMON = [
  "type",
  "eventTime",
  "recordTime",
  "eventTimeZoneOffset",
  "eventID",
  "certificationInfo",
  "errorDeclaration",
];
const WHAT_WHERE_WHY = [
  "bizStep",
  "disposition",
  "persistentDisposition",
  "readPoint",
  "bizLocation",
  "bizTransactionList",
  "sourceList",
  "destinationList",
  "sensorElementList",
];

/**
 * EPCIS 2.0 §7.4.2–§7.4.6 (and the per-type JSON schemas' propertyNames): the standard
 * fields of each event type, by JSON-LD name. Model field `extensions` is always allowed.
 */
export const EVENT_FIELDS: Readonly<Record<EventType, ReadonlySet<string>>> = {
  ObjectEvent: new Set([...COMMON, ...WHAT_WHERE_WHY, "action", "epcList", "quantityList", "ilmd"]),
  AggregationEvent: new Set([...COMMON, ...WHAT_WHERE_WHY, "action", "parentID", "childEPCs", "childQuantityList"]),
  AssociationEvent: new Set([...COMMON, ...WHAT_WHERE_WHY, "action", "parentID", "childEPCs", "childQuantityList"]),
  TransactionEvent: new Set([...COMMON, ...WHAT_WHERE_WHY, "action", "parentID", "epcList", "quantityList"]),
  TransformationEvent: new Set([
    ...COMMON,
    ...WHAT_WHERE_WHY,
    "inputEPCList",
    "inputQuantityList",
    "outputEPCList",
    "outputQuantityList",
    "transformationID",
    "ilmd",
  ]),
};

/** Every standard event field name of any type. */
export const ALL_EVENT_FIELDS: ReadonlySet<string> = new Set(Object.values(EVENT_FIELDS).flatMap((s) => [...s]));

const ACTIONS = new Set(["ADD", "OBSERVE", "DELETE"]);

// xsd:dateTimeStamp (EPCIS 2.0 XSD `DateTimeStamp`, JSON schema `format: date-time`):
// a date-time with a mandatory offset.
const DATE_TIME_RE = /^(-?\d{4,})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|([+-])(\d{2}):(\d{2}))$/;
// EPCIS 2.0 JSON schema eventTimeZoneOffset pattern.
const OFFSET_RE = /^[+-]((0\d|1[0-3]):[0-5]\d|14:00)$/;
// EPCIS 2.0 JSON schema `uom`: a UN/CEFACT Rec. 20 code.
const UOM_RE = /^[A-Z0-9]{2,3}$/;
const HEX_RE = /^[A-Fa-f0-9]+$/;
const VERSION_RE = /^\d+(\.\d+)*$/;
const MEASUREMENT_WORD_RE = /^[A-Z][A-Za-z0-9_]*$/;

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** True when `s` is an xsd:dateTimeStamp / RFC 3339 date-time with its offset, with valid field ranges. */
export function isDateTimeStamp(s: string): boolean {
  const m = DATE_TIME_RE.exec(s);
  if (!m) return false;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  if (day > (month === 2 && !leap ? 28 : DAYS_IN_MONTH[month - 1]!)) return false;
  // XML Schema 1.1 §3.3.7: 24:00:00 is allowed as the end of a day.
  if (hour === 24) {
    if (minute !== 0 || second !== 0 || (m[7] !== undefined && Number(m[7].slice(1)) !== 0)) return false;
  } else if (hour > 23) return false;
  if (minute > 59 || second > 59) return false;
  if (m[9] !== undefined) {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (om > 59 || oh > 14 || (oh === 14 && om !== 0)) return false;
  }
  return true;
}

/** True when `s` is an EPCIS eventTimeZoneOffset (`±hh:mm`, -14:00…+14:00). */
export function isTimeZoneOffset(s: string): boolean {
  return OFFSET_RE.test(s);
}

const VOCAB_NAMES: Record<CbvVocabulary, string> = {
  bizStep: "business step (CBV 2.0 §7.1)",
  disposition: "disposition (CBV 2.0 §7.2)",
  bizTransactionType: "business transaction type (CBV 2.0 §7.3)",
  sourceDestType: "source/destination type (CBV 2.0 §7.4)",
  errorReason: "error reason (CBV 2.0 §7.5)",
  component: "sensor component (CBV 2.0 §7.6)",
  measurementType: "measurement type (GS1 Web Vocabulary)",
  sensorAlertType: "sensor alert type (GS1 Web Vocabulary)",
};

class Collector {
  readonly errors: SuyuanError[] = [];
  constructor(private readonly stopAtFirst: boolean) {}

  add(code: string, field: string, message: string): void {
    this.errors.push(new SuyuanError(code, `${field}: ${message}`, { field }));
    if (this.stopAtFirst) throw STOP;
  }

  uri(value: unknown, field: string, what: string): void {
    if (typeof value !== "string") this.add("EPCIS_BAD_TYPE", field, `${what} must be a string`);
    else if (!looksLikeUri(value)) this.add("EPCIS_BAD_VALUE", field, `${what} "${value}" is not a URI`);
  }

  time(value: unknown, field: string, what: string): void {
    if (typeof value !== "string") this.add("EPCIS_BAD_TYPE", field, `${what} must be a string`);
    else if (!isDateTimeStamp(value))
      this.add(
        "EPCIS_BAD_TIME",
        field,
        `${what} "${value}" is not a date-time with offset (xsd:dateTimeStamp, e.g. 2005-04-03T20:33:31.116-06:00)`,
      );
  }

  vocab(vocab: CbvVocabulary, value: unknown, field: string): void {
    if (typeof value !== "string") {
      this.add("EPCIS_BAD_TYPE", field, `${VOCAB_NAMES[vocab]} must be a string`);
      return;
    }
    const r = checkVocabularyValue(vocab, value);
    if (r.ok) return;
    // The GS1 Web Vocabulary's MeasurementType list grows between EPCIS releases and upstream-
    // valid documents use types missing from the EPCIS 2.0 schema's list (EffectiveDoseRate,
    // Molar_concentration): a well-formed bare type name is accepted (documented leniency).
    if (vocab === "measurementType" && r.reason === "not-a-term" && MEASUREMENT_WORD_RE.test(value)) return;
    if (r.reason === "not-a-term")
      this.add("EPCIS_NOT_CBV", field, `"${value}" is not a CBV 2.0 ${VOCAB_NAMES[vocab]} and not a URI`);
    else if (r.reason === "reserved-namespace")
      this.add(
        "EPCIS_NOT_CBV",
        field,
        `"${value}" is in the standard vocabulary namespace but is not a ${VOCAB_NAMES[vocab]} term`,
      );
    else this.add("EPCIS_BAD_VALUE", field, `"${value}" is not a URI`);
  }

  number(value: unknown, field: string, what: string): void {
    if (typeof value !== "number" || !Number.isFinite(value))
      this.add("EPCIS_BAD_TYPE", field, `${what} must be a number`);
  }
}

const STOP = Symbol("stop");

function checkUriList(c: Collector, list: unknown, field: string, what: string): void {
  if (!Array.isArray(list)) {
    c.add("EPCIS_BAD_TYPE", field, `${what} must be a list`);
    return;
  }
  for (let i = 0; i < list.length; i++) c.uri(list[i], `${field}[${i}]`, what);
}

function checkQuantities(c: Collector, list: QuantityElement[], field: string): void {
  for (let i = 0; i < list.length; i++) {
    const q = list[i]!;
    const f = `${field}[${i}]`;
    c.uri(q.epcClass, `${f}.epcClass`, "epcClass");
    // EPCIS 2.0 §7.3.3.3: quantity is a decimal; uom a UN/CEFACT Rec. 20 code.
    if (q.quantity !== undefined) c.number(q.quantity, `${f}.quantity`, "quantity");
    if (q.uom !== undefined && (typeof q.uom !== "string" || !UOM_RE.test(q.uom)))
      c.add("EPCIS_BAD_VALUE", `${f}.uom`, `uom "${String(q.uom)}" is not a UN/CEFACT Rec. 20 unit code`);
  }
}

function checkExtensionsNamespaced(c: Collector, list: ExtensionElement[] | undefined, field: string): void {
  if (!list) return;
  for (const el of list) {
    // EPCIS 2.0 §9.3 / §7.3.6.5: user fields (and ILMD) are namespaced.
    if (!el.ns) c.add("EPCIS_UNKNOWN_FIELD", `${field}.${el.name}`, "user extension without a namespace");
  }
}

function checkSensorElements(c: Collector, list: SensorElement[], field: string): void {
  for (let i = 0; i < list.length; i++) {
    const se = list[i]!;
    const f = `${field}[${i}]`;
    const md = se.sensorMetadata;
    if (md) {
      const mf = `${f}.sensorMetadata`;
      if (md.time !== undefined) c.time(md.time, `${mf}.time`, "time");
      if (md.startTime !== undefined) c.time(md.startTime, `${mf}.startTime`, "startTime");
      if (md.endTime !== undefined) c.time(md.endTime, `${mf}.endTime`, "endTime");
      for (const k of ["deviceID", "deviceMetadata", "rawData", "dataProcessingMethod", "bizRules"] as const)
        if (md[k] !== undefined) c.uri(md[k], `${mf}.${k}`, k);
      checkExtensionsNamespaced(c, md.extensions, mf);
    }
    // EPCIS 2.0 §7.3.7: one or more sensor reports.
    if (!Array.isArray(se.sensorReport) || se.sensorReport.length === 0) {
      c.add("EPCIS_MISSING_FIELD", `${f}.sensorReport`, "a SensorElement needs at least one sensorReport");
      continue;
    }
    for (let j = 0; j < se.sensorReport.length; j++) {
      const r = se.sensorReport[j]!;
      const rf = `${f}.sensorReport[${j}]`;
      if (r.type !== undefined) c.vocab("measurementType", r.type, `${rf}.type`);
      if (r.exception !== undefined) c.vocab("sensorAlertType", r.exception, `${rf}.exception`);
      if (r.component !== undefined) c.vocab("component", r.component, `${rf}.component`);
      if (r.time !== undefined) c.time(r.time, `${rf}.time`, "time");
      for (const k of [
        "deviceID",
        "deviceMetadata",
        "rawData",
        "dataProcessingMethod",
        "bizRules",
        "microorganism",
        "chemicalSubstance",
        "uriValue",
        "coordinateReferenceSystem",
      ] as const)
        if (r[k] !== undefined) c.uri(r[k], `${rf}.${k}`, k);
      for (const k of ["value", "minValue", "maxValue", "meanValue", "sDev", "percRank", "percValue"] as const)
        if (r[k] !== undefined) c.number(r[k], `${rf}.${k}`, k);
      if (r.booleanValue !== undefined && typeof r.booleanValue !== "boolean")
        c.add("EPCIS_BAD_TYPE", `${rf}.booleanValue`, "booleanValue must be a boolean");
      if (r.hexBinaryValue !== undefined && (typeof r.hexBinaryValue !== "string" || !HEX_RE.test(r.hexBinaryValue)))
        c.add("EPCIS_BAD_VALUE", `${rf}.hexBinaryValue`, "hexBinaryValue must be hexadecimal digits");
      if (r.stringValue !== undefined && typeof r.stringValue !== "string")
        c.add("EPCIS_BAD_TYPE", `${rf}.stringValue`, "stringValue must be a string");
      checkExtensionsNamespaced(c, r.extensions, rf);
    }
    checkExtensionsNamespaced(c, se.extensions, f);
  }
}

const nonEmpty = (a: unknown[] | undefined): boolean => a !== undefined && a.length > 0;

function checkEvent(c: Collector, ev: EpcisEvent, path: string): void {
  const allowed = EVENT_FIELDS[ev.type];
  if (allowed === undefined) {
    c.add("EPCIS_BAD_VALUE", `${path}.type`, `"${String(ev.type)}" is not an EPCIS 2.0 event type`);
    return;
  }
  // Fields that do not belong to this event type (possible in a model built by hand or from another syntax).
  for (const key in ev) {
    if (key === "extensions" || (ev as unknown as Record<string, unknown>)[key] === undefined) continue;
    if (!allowed.has(key)) c.add("EPCIS_UNKNOWN_FIELD", `${path}.${key}`, `not a field of ${ev.type}`);
  }

  // EPCIS 2.0 §7.4.1: when.
  if (!ev.eventTime) c.add("EPCIS_MISSING_FIELD", `${path}.eventTime`, "eventTime is required");
  else c.time(ev.eventTime, `${path}.eventTime`, "eventTime");
  if (ev.recordTime !== undefined) c.time(ev.recordTime, `${path}.recordTime`, "recordTime");
  if (!ev.eventTimeZoneOffset)
    c.add("EPCIS_MISSING_FIELD", `${path}.eventTimeZoneOffset`, "eventTimeZoneOffset is required");
  else if (typeof ev.eventTimeZoneOffset !== "string" || !isTimeZoneOffset(ev.eventTimeZoneOffset))
    c.add(
      "EPCIS_BAD_TIME",
      `${path}.eventTimeZoneOffset`,
      `eventTimeZoneOffset "${String(ev.eventTimeZoneOffset)}" is not ±hh:mm between -14:00 and +14:00`,
    );
  if (ev.eventID !== undefined) c.uri(ev.eventID, `${path}.eventID`, "eventID");
  if (ev.certificationInfo !== undefined) {
    if (Array.isArray(ev.certificationInfo))
      checkUriList(c, ev.certificationInfo, `${path}.certificationInfo`, "certificationInfo");
    else c.uri(ev.certificationInfo, `${path}.certificationInfo`, "certificationInfo");
  }
  if (ev.errorDeclaration) {
    const ed = ev.errorDeclaration;
    const f = `${path}.errorDeclaration`;
    if (!ed.declarationTime) c.add("EPCIS_MISSING_FIELD", `${f}.declarationTime`, "declarationTime is required");
    else c.time(ed.declarationTime, `${f}.declarationTime`, "declarationTime");
    if (ed.reason !== undefined) c.vocab("errorReason", ed.reason, `${f}.reason`);
    if (ed.correctiveEventIDs !== undefined)
      checkUriList(c, ed.correctiveEventIDs, `${f}.correctiveEventIDs`, "eventID");
    checkExtensionsNamespaced(c, ed.extensions, f);
  }

  // EPCIS 2.0 §7.3.2: action, required on every type but TransformationEvent.
  if (ev.type !== "TransformationEvent") {
    if (ev.action === undefined) c.add("EPCIS_MISSING_FIELD", `${path}.action`, `action is required on ${ev.type}`);
    else if (!ACTIONS.has(ev.action))
      c.add("EPCIS_BAD_VALUE", `${path}.action`, `action "${String(ev.action)}" is not ADD, OBSERVE or DELETE`);
  }

  // What: the identifier lists each type needs (EPCIS 2.0 §7.4.2–§7.4.6, JSON schema anyOf rules).
  for (const k of ["epcList", "childEPCs", "inputEPCList", "outputEPCList"] as const) {
    const list = ev[k];
    if (list !== undefined) checkUriList(c, list, `${path}.${k}`, "EPC");
  }
  for (const k of ["quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList"] as const) {
    const list = ev[k];
    if (list !== undefined) checkQuantities(c, list, `${path}.${k}`);
  }
  if (ev.parentID !== undefined) c.uri(ev.parentID, `${path}.parentID`, "parentID");
  if (ev.transformationID !== undefined) c.uri(ev.transformationID, `${path}.transformationID`, "transformationID");

  switch (ev.type) {
    case "ObjectEvent":
      // JSON schema: epcList (possibly empty), a non-empty quantityList, or a sensor-only
      // observation (sensorElementList + readPoint).
      if (
        ev.epcList === undefined &&
        !nonEmpty(ev.quantityList) &&
        !(nonEmpty(ev.sensorElementList) && ev.readPoint !== undefined)
      )
        c.add(
          "EPCIS_MISSING_FIELD",
          `${path}.epcList`,
          "an ObjectEvent needs epcList or quantityList (or sensorElementList with readPoint)",
        );
      // EPCIS 2.0 §7.4.2: ILMD only when objects are created (action ADD).
      if (ev.ilmd !== undefined && ev.action !== undefined && ev.action !== "ADD")
        c.add("EPCIS_BAD_VALUE", `${path}.ilmd`, `ilmd is only allowed with action ADD, not ${ev.action}`);
      break;
    case "AggregationEvent":
    case "AssociationEvent":
      // EPCIS 2.0 §7.4.3: parentID is optional only for AggregationEvent OBSERVE; §7.4.6 always for AssociationEvent.
      if (ev.parentID === undefined && (ev.type === "AssociationEvent" || ev.action !== "OBSERVE"))
        c.add(
          "EPCIS_MISSING_FIELD",
          `${path}.parentID`,
          `parentID is required on ${ev.type}${ev.type === "AggregationEvent" ? ` with action ${ev.action}` : ""}`,
        );
      if (ev.action !== "DELETE" && !nonEmpty(ev.childEPCs) && !nonEmpty(ev.childQuantityList))
        c.add("EPCIS_MISSING_FIELD", `${path}.childEPCs`, `${ev.type} needs childEPCs or childQuantityList`);
      break;
    case "TransactionEvent":
      if (!nonEmpty(ev.bizTransactionList))
        c.add("EPCIS_MISSING_FIELD", `${path}.bizTransactionList`, "a TransactionEvent needs a bizTransactionList");
      if (ev.action !== "DELETE" && ev.epcList === undefined && !nonEmpty(ev.quantityList))
        c.add("EPCIS_MISSING_FIELD", `${path}.epcList`, "a TransactionEvent needs epcList or quantityList");
      break;
    case "TransformationEvent": {
      // EPCIS 2.0 §7.4.5: inputs and outputs, or a transformationID with either.
      const hasIn = nonEmpty(ev.inputEPCList) || nonEmpty(ev.inputQuantityList);
      const hasOut = nonEmpty(ev.outputEPCList) || nonEmpty(ev.outputQuantityList);
      if (!(hasIn && hasOut) && !(ev.transformationID !== undefined && (hasIn || hasOut)))
        c.add(
          "EPCIS_MISSING_FIELD",
          `${path}.${hasIn ? "outputEPCList" : "inputEPCList"}`,
          "a TransformationEvent needs inputs and outputs (or a transformationID with one of them)",
        );
      break;
    }
  }

  // Why.
  if (ev.bizStep !== undefined) c.vocab("bizStep", ev.bizStep, `${path}.bizStep`);
  if (ev.disposition !== undefined) c.vocab("disposition", ev.disposition, `${path}.disposition`);
  if (ev.persistentDisposition) {
    const pd = ev.persistentDisposition;
    const f = `${path}.persistentDisposition`;
    // JSON schema: set and/or unset, each with at least one disposition.
    if (!nonEmpty(pd.set) && !nonEmpty(pd.unset))
      c.add("EPCIS_MISSING_FIELD", `${f}.set`, "persistentDisposition needs set or unset");
    pd.set?.forEach((d, i) => {
      c.vocab("disposition", d, `${f}.set[${i}]`);
    });
    pd.unset?.forEach((d, i) => {
      c.vocab("disposition", d, `${f}.unset[${i}]`);
    });
  }
  // Where.
  for (const k of ["readPoint", "bizLocation"] as const) {
    const loc = ev[k];
    if (!loc) continue;
    if (!loc.id) c.add("EPCIS_MISSING_FIELD", `${path}.${k}.id`, `${k} needs an id`);
    else c.uri(loc.id, `${path}.${k}.id`, `${k} id`);
    checkExtensionsNamespaced(c, loc.extensions, `${path}.${k}`);
  }
  if (ev.bizTransactionList) {
    ev.bizTransactionList.forEach((bt, i) => {
      const f = `${path}.bizTransactionList[${i}]`;
      if (bt.type !== undefined) c.vocab("bizTransactionType", bt.type, `${f}.type`);
      c.uri(bt.bizTransaction, `${f}.bizTransaction`, "bizTransaction");
    });
  }
  for (const [k, idKey] of [
    ["sourceList", "source"],
    ["destinationList", "destination"],
  ] as const) {
    ev[k]?.forEach((sd, i) => {
      const f = `${path}.${k}[${i}]`;
      c.vocab("sourceDestType", sd.type, `${f}.type`);
      c.uri(sd.id, `${f}.${idKey}`, idKey);
    });
  }
  if (ev.sensorElementList) checkSensorElements(c, ev.sensorElementList, `${path}.sensorElementList`);
  if (ev.ilmd) checkExtensionsNamespaced(c, ev.ilmd, `${path}.ilmd`);
  checkExtensionsNamespaced(c, ev.extensions, path);
}

/**
 * Every violation of the EPCIS 2.0 / CBV 2.0 rules in one event, as SuyuanErrors whose
 * `field` starts with `path` (e.g. `epcisBody.eventList[3]`). Empty when the event is valid.
 */
export function collectEventErrors(ev: EpcisEvent, path: string): SuyuanError[] {
  const c = new Collector(false);
  checkEvent(c, ev, path);
  return c.errors;
}

/** The JSON-LD path of a document's event list. */
export function eventListPath(doc: Pick<EpcisDocument, "kind">): string {
  return doc.kind === "EPCISQueryDocument" ? "epcisBody.queryResults.resultsBody.eventList" : "epcisBody.eventList";
}

/**
 * Checks a whole document against the EPCIS 2.0 / CBV 2.0 rules and throws the first
 * violation (SuyuanError with code EPCIS_MISSING_FIELD, EPCIS_BAD_VALUE, EPCIS_BAD_TIME,
 * EPCIS_NOT_CBV, EPCIS_BAD_TYPE or EPCIS_UNKNOWN_FIELD, and `field` naming the place).
 */
export function validateEpcisDocument(doc: EpcisDocument): void {
  const c = new Collector(true);
  try {
    if (doc.kind !== "EPCISDocument" && doc.kind !== "EPCISQueryDocument")
      c.add("EPCIS_BAD_VALUE", "type", `"${String(doc.kind)}" is not EPCISDocument or EPCISQueryDocument`);
    if (typeof doc.schemaVersion !== "string" || !VERSION_RE.test(doc.schemaVersion))
      c.add("EPCIS_BAD_VALUE", "schemaVersion", `schemaVersion "${String(doc.schemaVersion)}" is not a version number`);
    if (doc.creationDate !== undefined) c.time(doc.creationDate, "creationDate", "creationDate");
    if (doc.vocabularies) {
      doc.vocabularies.forEach((v, i) => {
        const f = `epcisHeader.epcisMasterData.vocabularyList[${i}]`;
        c.uri(v.type, `${f}.type`, "vocabulary type");
        v.elements.forEach((e, j) => {
          c.uri(e.id, `${f}.vocabularyElementList[${j}].id`, "vocabulary element id");
        });
      });
    }
    if (!Array.isArray(doc.events)) {
      c.add("EPCIS_MISSING_FIELD", eventListPath(doc), "eventList is required");
      return;
    }
    const base = eventListPath(doc);
    for (let i = 0; i < doc.events.length; i++) checkEvent(c, doc.events[i]!, `${base}[${i}]`);
  } catch (e) {
    if (e !== STOP) throw e;
    throw c.errors[0]!;
  }
}
