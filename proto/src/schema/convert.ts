/**
 * Conversion between the shared EPCIS 2.0 model (`../epcis/model.ts`) and the generated
 * protobuf messages (`proto/suyuan/v1/epcis.proto`, generated into `proto/gen`).
 *
 * Lossless both ways: for every model value `m` that these functions accept,
 * `eventFromProto(Event.decode(Event.encode(eventToProto(m)).finish()))` deep-equals `m`
 * (same keys present, same JSON scalar types, -0 and NaN kept, absent list ≠ empty list).
 *
 * What is refused (SuyuanError, never a raw TypeError/RangeError):
 * - values outside the model's enums (event type, action, document kind);
 * - extension values that are not JSON scalars;
 * - strings that are not well-formed Unicode (lone surrogates): protobuf strings are UTF-8
 *   (protobuf language spec, "string"), so they could not come back unchanged;
 * - nesting deeper than the decoder allows (ts-proto stops decoding at 100 message levels),
 *   so that nothing is written that could not be read back;
 * - `context` / `extra` that are not JSON values (google.protobuf.Value carries JSON only).
 */
import { NullValue } from "../../gen/google/protobuf/struct.ts";
import {
  Action,
  DocumentKind,
  type Event,
  EventType,
  type BizTransaction as PBizTransaction,
  type EpcisDocument as PEpcisDocument,
  type ErrorDeclaration as PErrorDeclaration,
  type ExtensionAttribute as PExtensionAttribute,
  type ExtensionElement as PExtensionElement,
  type ExtensionList as PExtensionList,
  type Location as PLocation,
  type QuantityElement as PQuantityElement,
  type QuantityList as PQuantityList,
  type SensorElement as PSensorElement,
  type SensorMetadata as PSensorMetadata,
  type SensorReport as PSensorReport,
  type SourceDest as PSourceDest,
  type Vocabulary as PVocabulary,
  type VocabularyAttribute as PVocabularyAttribute,
  type VocabularyElement as PVocabularyElement,
  type StringList,
} from "../../gen/suyuan/v1/epcis.ts";
import type {
  BizTransaction,
  EpcisDocument,
  EpcisEvent,
  ErrorDeclaration,
  ExtensionElement,
  Location,
  Action as MAction,
  EventType as MEventType,
  QuantityElement,
  SensorElement,
  SensorMetadata,
  SensorReport,
  SourceDest,
  Vocabulary,
  VocabularyElement,
} from "../epcis/model.ts";
import { SuyuanError } from "../errors.ts";

/**
 * Deepest extension nesting accepted (an element inside an element … 32 levels). Each level
 * costs two protobuf message levels (ExtensionElement → ExtensionList), and an extension can
 * sit about eight levels down in a document (document → event → sensor element list → … ),
 * so 32 keeps the deepest legal document under ts-proto's decode limit of 100.
 */
export const MAX_EXTENSION_DEPTH = 32;
/** Deepest JSON nesting in `context` / `extra` (google.protobuf.Value costs 3 levels each). */
export const MAX_JSON_DEPTH = 24;

// EPCIS 2.0 §7.4 event types and §7.3.2 actions, both directions, built once.
const EVENT_TYPE_TO_PROTO: Readonly<Record<MEventType, EventType>> = {
  ObjectEvent: EventType.OBJECT_EVENT,
  AggregationEvent: EventType.AGGREGATION_EVENT,
  TransactionEvent: EventType.TRANSACTION_EVENT,
  TransformationEvent: EventType.TRANSFORMATION_EVENT,
  AssociationEvent: EventType.ASSOCIATION_EVENT,
};
const EVENT_TYPE_FROM_PROTO: ReadonlyMap<number, MEventType> = new Map(
  Object.entries(EVENT_TYPE_TO_PROTO).map(([k, v]) => [v, k as MEventType]),
);
const ACTION_TO_PROTO: Readonly<Record<MAction, Action>> = {
  ADD: Action.ADD,
  OBSERVE: Action.OBSERVE,
  DELETE: Action.DELETE,
};
const ACTION_FROM_PROTO: ReadonlyMap<number, MAction> = new Map(
  Object.entries(ACTION_TO_PROTO).map(([k, v]) => [v, k as MAction]),
);
const KIND_TO_PROTO: Readonly<Record<EpcisDocument["kind"], DocumentKind>> = {
  EPCISDocument: DocumentKind.EPCIS_DOCUMENT,
  EPCISQueryDocument: DocumentKind.EPCIS_QUERY_DOCUMENT,
};
const KIND_FROM_PROTO: ReadonlyMap<number, EpcisDocument["kind"]> = new Map(
  Object.entries(KIND_TO_PROTO).map(([k, v]) => [v, k as EpcisDocument["kind"]]),
);

const hasOwn = Object.prototype.hasOwnProperty;

// ---------------------------------------------------------------------------------------
// Strings

const nativeIsWellFormed = (String.prototype as { isWellFormed?: (this: string) => boolean }).isWellFormed;
// With the u flag a surrogate pair is one code point, so \p{Cs} matches only lone halves.
const LONE_SURROGATE = /\p{Cs}/u;

/** A string that survives UTF-8 unchanged, or SCHEMA_BAD_STRING naming the field. */
function str(v: string, field: string): string {
  if (typeof v !== "string") {
    throw new SuyuanError("SCHEMA_BAD_VALUE", `${field}: expected a string, got ${typeof v}`, { field });
  }
  if (nativeIsWellFormed !== undefined ? !nativeIsWellFormed.call(v) : LONE_SURROGATE.test(v)) {
    throw new SuyuanError(
      "SCHEMA_BAD_STRING",
      `${field}: contains a lone UTF-16 surrogate; protobuf strings are UTF-8 and cannot carry it`,
      { field },
    );
  }
  return v;
}

function strList(values: readonly string[], field: string): StringList {
  const out = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) out[i] = str(values[i] as string, field);
  return { values: out };
}

// ---------------------------------------------------------------------------------------
// User extensions (EPCIS 2.0 §6.5, §9.3)

function extensionToProto(e: ExtensionElement, field: string, depth: number): PExtensionElement {
  if (depth > MAX_EXTENSION_DEPTH) {
    throw new SuyuanError(
      "SCHEMA_TOO_DEEP",
      `${field}: extension nesting deeper than ${MAX_EXTENSION_DEPTH} levels cannot be carried`,
      { field },
    );
  }
  const p: PExtensionElement = { ns: str(e.ns, field), name: str(e.name, field) };
  if (e.prefix !== undefined) p.prefix = str(e.prefix, field);
  if (hasOwn.call(e, "value") && e.value !== undefined) {
    const v = e.value;
    switch (typeof v) {
      case "string":
        p.value = { $case: "stringValue", value: str(v, field) };
        break;
      case "number":
        p.value = { $case: "numberValue", value: v };
        break;
      case "boolean":
        p.value = { $case: "boolValue", value: v };
        break;
      default:
        if (v !== null) {
          throw new SuyuanError(
            "SCHEMA_BAD_EXTENSION_VALUE",
            `${field} ${e.name}: value must be a JSON scalar (string, number, boolean or null), got ${typeof v}`,
            { field },
          );
        }
        p.value = { $case: "nullValue", value: NullValue.NULL_VALUE };
    }
  }
  if (e.children !== undefined) p.children = extensionsToProto(e.children, field, depth + 1);
  if (e.attributes !== undefined) {
    const attrs = new Array<PExtensionAttribute>(e.attributes.length);
    for (let i = 0; i < attrs.length; i++) {
      const a = e.attributes[i]!;
      const pa: PExtensionAttribute = { name: str(a.name, field), value: str(a.value, field) };
      if (a.ns !== undefined) pa.ns = str(a.ns, field);
      if (a.prefix !== undefined) pa.prefix = str(a.prefix, field);
      attrs[i] = pa;
    }
    p.attributes = { attributes: attrs };
  }
  if (e.inArray !== undefined) p.inArray = e.inArray;
  return p;
}

function extensionsToProto(list: readonly ExtensionElement[], field: string, depth = 1): PExtensionList {
  const out = new Array<PExtensionElement>(list.length);
  for (let i = 0; i < list.length; i++) out[i] = extensionToProto(list[i]!, field, depth);
  return { elements: out };
}

function extensionFromProto(p: PExtensionElement): ExtensionElement {
  const e: ExtensionElement = { ns: p.ns, name: p.name };
  if (p.prefix !== undefined) e.prefix = p.prefix;
  const v = p.value;
  if (v !== undefined) {
    switch (v.$case) {
      case "stringValue":
      case "numberValue":
      case "boolValue":
        e.value = v.value;
        break;
      case "nullValue":
        e.value = null;
        break;
    }
  }
  if (p.children !== undefined) e.children = extensionsFromProto(p.children);
  if (p.attributes !== undefined) {
    const src = p.attributes.attributes;
    const attrs = new Array<NonNullable<ExtensionElement["attributes"]>[number]>(src.length);
    for (let i = 0; i < src.length; i++) {
      const pa = src[i]!;
      const a: NonNullable<ExtensionElement["attributes"]>[number] = { name: pa.name, value: pa.value };
      if (pa.ns !== undefined) a.ns = pa.ns;
      if (pa.prefix !== undefined) a.prefix = pa.prefix;
      attrs[i] = a;
    }
    e.attributes = attrs;
  }
  if (p.inArray !== undefined) e.inArray = p.inArray;
  return e;
}

function extensionsFromProto(p: PExtensionList): ExtensionElement[] {
  const src = p.elements;
  const out = new Array<ExtensionElement>(src.length);
  for (let i = 0; i < src.length; i++) out[i] = extensionFromProto(src[i]!);
  return out;
}

// ---------------------------------------------------------------------------------------
// What / where / why parts

function quantitiesToProto(list: readonly QuantityElement[], field: string): PQuantityList {
  const out = new Array<PQuantityElement>(list.length);
  for (let i = 0; i < list.length; i++) {
    const q = list[i]!;
    const p: PQuantityElement = { epcClass: str(q.epcClass, field) };
    if (q.quantity !== undefined) p.quantity = q.quantity;
    if (q.uom !== undefined) p.uom = str(q.uom, field);
    out[i] = p;
  }
  return { elements: out };
}

function quantitiesFromProto(p: PQuantityList): QuantityElement[] {
  const src = p.elements;
  const out = new Array<QuantityElement>(src.length);
  for (let i = 0; i < src.length; i++) {
    const pq = src[i]!;
    const q: QuantityElement = { epcClass: pq.epcClass };
    if (pq.quantity !== undefined) q.quantity = pq.quantity;
    if (pq.uom !== undefined) q.uom = pq.uom;
    out[i] = q;
  }
  return out;
}

function locationToProto(l: Location, field: string): PLocation {
  const p: PLocation = { id: str(l.id, field) };
  if (l.extensions !== undefined) p.extensions = extensionsToProto(l.extensions, field);
  return p;
}

function locationFromProto(p: PLocation): Location {
  const l: Location = { id: p.id };
  if (p.extensions !== undefined) l.extensions = extensionsFromProto(p.extensions);
  return l;
}

function sourceDestToProto(list: readonly SourceDest[], field: string): { elements: PSourceDest[] } {
  const out = new Array<PSourceDest>(list.length);
  for (let i = 0; i < list.length; i++) {
    const s = list[i]!;
    out[i] = { type: str(s.type, field), id: str(s.id, field) };
  }
  return { elements: out };
}

function sourceDestFromProto(p: { elements: PSourceDest[] }): SourceDest[] {
  const src = p.elements;
  const out = new Array<SourceDest>(src.length);
  for (let i = 0; i < src.length; i++) {
    const s = src[i]!;
    out[i] = { type: s.type, id: s.id };
  }
  return out;
}

function bizTransactionsToProto(list: readonly BizTransaction[]): { elements: PBizTransaction[] } {
  const out = new Array<PBizTransaction>(list.length);
  for (let i = 0; i < list.length; i++) {
    const b = list[i]!;
    const p: PBizTransaction = { bizTransaction: str(b.bizTransaction, "bizTransactionList") };
    if (b.type !== undefined) p.type = str(b.type, "bizTransactionList");
    out[i] = p;
  }
  return { elements: out };
}

function bizTransactionsFromProto(p: { elements: PBizTransaction[] }): BizTransaction[] {
  const src = p.elements;
  const out = new Array<BizTransaction>(src.length);
  for (let i = 0; i < src.length; i++) {
    const pb = src[i]!;
    const b: BizTransaction = { bizTransaction: pb.bizTransaction };
    if (pb.type !== undefined) b.type = pb.type;
    out[i] = b;
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Sensor data (EPCIS 2.0 §7.3.7)

// Optional string attributes shared by SensorMetadata and SensorReport whose model and
// proto names differ only by "ID" → "Id".
const METADATA_STRINGS = [
  "time",
  "startTime",
  "endTime",
  "deviceMetadata",
  "rawData",
  "dataProcessingMethod",
  "bizRules",
] as const;
const REPORT_STRINGS = [
  "type",
  "exception",
  "deviceMetadata",
  "rawData",
  "dataProcessingMethod",
  "bizRules",
  "time",
  "microorganism",
  "chemicalSubstance",
  "component",
  "stringValue",
  "hexBinaryValue",
  "uriValue",
  "uom",
  "coordinateReferenceSystem",
] as const;
const REPORT_NUMBERS = ["value", "minValue", "maxValue", "meanValue", "sDev", "percRank", "percValue"] as const;

function sensorMetadataToProto(m: SensorMetadata): PSensorMetadata {
  const p: PSensorMetadata = {};
  for (const k of METADATA_STRINGS) {
    const v = m[k];
    if (v !== undefined) p[k] = str(v, `sensorMetadata.${k}`);
  }
  if (m.deviceID !== undefined) p.deviceId = str(m.deviceID, "sensorMetadata.deviceID");
  if (m.extensions !== undefined) p.extensions = extensionsToProto(m.extensions, "sensorMetadata");
  return p;
}

function sensorMetadataFromProto(p: PSensorMetadata): SensorMetadata {
  const m: SensorMetadata = {};
  for (const k of METADATA_STRINGS) {
    const v = p[k];
    if (v !== undefined) m[k] = v;
  }
  if (p.deviceId !== undefined) m.deviceID = p.deviceId;
  if (p.extensions !== undefined) m.extensions = extensionsFromProto(p.extensions);
  return m;
}

function sensorReportToProto(r: SensorReport): PSensorReport {
  const p: PSensorReport = {};
  for (const k of REPORT_STRINGS) {
    const v = r[k];
    if (v !== undefined) p[k] = str(v, `sensorReport.${k}`);
  }
  for (const k of REPORT_NUMBERS) {
    const v = r[k];
    if (v !== undefined) p[k] = v;
  }
  if (r.deviceID !== undefined) p.deviceId = str(r.deviceID, "sensorReport.deviceID");
  if (r.booleanValue !== undefined) p.booleanValue = r.booleanValue;
  if (r.extensions !== undefined) p.extensions = extensionsToProto(r.extensions, "sensorReport");
  return p;
}

function sensorReportFromProto(p: PSensorReport): SensorReport {
  const r: SensorReport = {};
  for (const k of REPORT_STRINGS) {
    const v = p[k];
    if (v !== undefined) r[k] = v;
  }
  for (const k of REPORT_NUMBERS) {
    const v = p[k];
    if (v !== undefined) r[k] = v;
  }
  if (p.deviceId !== undefined) r.deviceID = p.deviceId;
  if (p.booleanValue !== undefined) r.booleanValue = p.booleanValue;
  if (p.extensions !== undefined) r.extensions = extensionsFromProto(p.extensions);
  return r;
}

function sensorElementToProto(s: SensorElement): PSensorElement {
  const reports = new Array<PSensorReport>(s.sensorReport.length);
  for (let i = 0; i < reports.length; i++) reports[i] = sensorReportToProto(s.sensorReport[i]!);
  const p: PSensorElement = { sensorReport: reports };
  if (s.sensorMetadata !== undefined) p.sensorMetadata = sensorMetadataToProto(s.sensorMetadata);
  if (s.extensions !== undefined) p.extensions = extensionsToProto(s.extensions, "sensorElementList");
  return p;
}

function sensorElementFromProto(p: PSensorElement): SensorElement {
  const reports = new Array<SensorReport>(p.sensorReport.length);
  for (let i = 0; i < reports.length; i++) reports[i] = sensorReportFromProto(p.sensorReport[i]!);
  const s: SensorElement = { sensorReport: reports };
  if (p.sensorMetadata !== undefined) s.sensorMetadata = sensorMetadataFromProto(p.sensorMetadata);
  if (p.extensions !== undefined) s.extensions = extensionsFromProto(p.extensions);
  return s;
}

// ---------------------------------------------------------------------------------------
// Error declaration (EPCIS 2.0 §7.4.1.2)

function errorDeclarationToProto(d: ErrorDeclaration): PErrorDeclaration {
  const p: PErrorDeclaration = { declarationTime: str(d.declarationTime, "errorDeclaration.declarationTime") };
  if (d.reason !== undefined) p.reason = str(d.reason, "errorDeclaration.reason");
  if (d.correctiveEventIDs !== undefined) {
    p.correctiveEventIds = strList(d.correctiveEventIDs, "errorDeclaration.correctiveEventIDs");
  }
  if (d.extensions !== undefined) p.extensions = extensionsToProto(d.extensions, "errorDeclaration");
  return p;
}

function errorDeclarationFromProto(p: PErrorDeclaration): ErrorDeclaration {
  const d: ErrorDeclaration = { declarationTime: p.declarationTime };
  if (p.reason !== undefined) d.reason = p.reason;
  if (p.correctiveEventIds !== undefined) d.correctiveEventIDs = p.correctiveEventIds.values.slice();
  if (p.extensions !== undefined) d.extensions = extensionsFromProto(p.extensions);
  return d;
}

// ---------------------------------------------------------------------------------------
// Events

/** Model event → protobuf `Event`. Throws SuyuanError (SCHEMA_*) for values protobuf cannot carry back unchanged. */
export function eventToProto(ev: EpcisEvent): Event {
  const type = hasOwn.call(EVENT_TYPE_TO_PROTO, ev.type) ? EVENT_TYPE_TO_PROTO[ev.type] : undefined;
  if (type === undefined) {
    throw new SuyuanError(
      "SCHEMA_BAD_EVENT_TYPE",
      `type "${String(ev.type)}": not one of the five EPCIS 2.0 event types (EPCIS 2.0 §7.4)`,
      { field: "type" },
    );
  }
  let action = Action.UNSPECIFIED;
  if (ev.action !== undefined) {
    const a = hasOwn.call(ACTION_TO_PROTO, ev.action) ? ACTION_TO_PROTO[ev.action] : undefined;
    if (a === undefined) {
      throw new SuyuanError(
        "SCHEMA_BAD_ACTION",
        `action "${String(ev.action)}": must be ADD, OBSERVE or DELETE (EPCIS 2.0 §7.3.2)`,
        { field: "action" },
      );
    }
    action = a;
  }
  const p: Event = {
    type,
    eventTime: str(ev.eventTime, "eventTime"),
    eventTimeZoneOffset: str(ev.eventTimeZoneOffset, "eventTimeZoneOffset"),
    action,
  };
  if (ev.recordTime !== undefined) p.recordTime = str(ev.recordTime, "recordTime");
  if (ev.eventID !== undefined) p.eventId = str(ev.eventID, "eventID");
  const ci = ev.certificationInfo;
  if (ci !== undefined) {
    p.certificationInfo =
      typeof ci === "string"
        ? { $case: "certificationInfoSingle", value: str(ci, "certificationInfo") }
        : { $case: "certificationInfoList", value: strList(ci, "certificationInfo") };
  }
  if (ev.errorDeclaration !== undefined) p.errorDeclaration = errorDeclarationToProto(ev.errorDeclaration);
  if (ev.parentID !== undefined) p.parentId = str(ev.parentID, "parentID");
  if (ev.epcList !== undefined) p.epcList = strList(ev.epcList, "epcList");
  if (ev.quantityList !== undefined) p.quantityList = quantitiesToProto(ev.quantityList, "quantityList");
  if (ev.childEPCs !== undefined) p.childEpcs = strList(ev.childEPCs, "childEPCs");
  if (ev.childQuantityList !== undefined) {
    p.childQuantityList = quantitiesToProto(ev.childQuantityList, "childQuantityList");
  }
  if (ev.inputEPCList !== undefined) p.inputEpcList = strList(ev.inputEPCList, "inputEPCList");
  if (ev.inputQuantityList !== undefined) {
    p.inputQuantityList = quantitiesToProto(ev.inputQuantityList, "inputQuantityList");
  }
  if (ev.outputEPCList !== undefined) p.outputEpcList = strList(ev.outputEPCList, "outputEPCList");
  if (ev.outputQuantityList !== undefined) {
    p.outputQuantityList = quantitiesToProto(ev.outputQuantityList, "outputQuantityList");
  }
  if (ev.transformationID !== undefined) p.transformationId = str(ev.transformationID, "transformationID");
  if (ev.bizStep !== undefined) p.bizStep = str(ev.bizStep, "bizStep");
  if (ev.disposition !== undefined) p.disposition = str(ev.disposition, "disposition");
  const pd = ev.persistentDisposition;
  if (pd !== undefined) {
    p.persistentDisposition = {};
    if (pd.set !== undefined) p.persistentDisposition.set = strList(pd.set, "persistentDisposition.set");
    if (pd.unset !== undefined) p.persistentDisposition.unset = strList(pd.unset, "persistentDisposition.unset");
  }
  if (ev.readPoint !== undefined) p.readPoint = locationToProto(ev.readPoint, "readPoint");
  if (ev.bizLocation !== undefined) p.bizLocation = locationToProto(ev.bizLocation, "bizLocation");
  if (ev.bizTransactionList !== undefined) p.bizTransactionList = bizTransactionsToProto(ev.bizTransactionList);
  if (ev.sourceList !== undefined) p.sourceList = sourceDestToProto(ev.sourceList, "sourceList");
  if (ev.destinationList !== undefined) p.destinationList = sourceDestToProto(ev.destinationList, "destinationList");
  if (ev.sensorElementList !== undefined) {
    const src = ev.sensorElementList;
    const out = new Array<PSensorElement>(src.length);
    for (let i = 0; i < out.length; i++) out[i] = sensorElementToProto(src[i]!);
    p.sensorElementList = { elements: out };
  }
  if (ev.ilmd !== undefined) p.ilmd = extensionsToProto(ev.ilmd, "ilmd");
  if (ev.extensions !== undefined) p.extensions = extensionsToProto(ev.extensions, "extensions");
  return p;
}

/** Protobuf `Event` → model event. Throws SuyuanError for enum values outside the model. */
export function eventFromProto(p: Event): EpcisEvent {
  const type = EVENT_TYPE_FROM_PROTO.get(p.type);
  if (type === undefined) {
    throw new SuyuanError(
      "SCHEMA_BAD_EVENT_TYPE",
      `type ${p.type}: not one of the five EPCIS 2.0 event types (EPCIS 2.0 §7.4)`,
      { field: "type" },
    );
  }
  const ev: EpcisEvent = { type, eventTime: p.eventTime, eventTimeZoneOffset: p.eventTimeZoneOffset };
  if (p.recordTime !== undefined) ev.recordTime = p.recordTime;
  if (p.eventId !== undefined) ev.eventID = p.eventId;
  const ci = p.certificationInfo;
  if (ci !== undefined) {
    ev.certificationInfo = ci.$case === "certificationInfoSingle" ? ci.value : ci.value.values.slice();
  }
  if (p.errorDeclaration !== undefined) ev.errorDeclaration = errorDeclarationFromProto(p.errorDeclaration);
  if (p.action !== Action.UNSPECIFIED) {
    const action = ACTION_FROM_PROTO.get(p.action);
    if (action === undefined) {
      throw new SuyuanError(
        "SCHEMA_BAD_ACTION",
        `action ${p.action}: must be ADD, OBSERVE or DELETE (EPCIS 2.0 §7.3.2)`,
        {
          field: "action",
        },
      );
    }
    ev.action = action;
  }
  if (p.parentId !== undefined) ev.parentID = p.parentId;
  if (p.epcList !== undefined) ev.epcList = p.epcList.values.slice();
  if (p.quantityList !== undefined) ev.quantityList = quantitiesFromProto(p.quantityList);
  if (p.childEpcs !== undefined) ev.childEPCs = p.childEpcs.values.slice();
  if (p.childQuantityList !== undefined) ev.childQuantityList = quantitiesFromProto(p.childQuantityList);
  if (p.inputEpcList !== undefined) ev.inputEPCList = p.inputEpcList.values.slice();
  if (p.inputQuantityList !== undefined) ev.inputQuantityList = quantitiesFromProto(p.inputQuantityList);
  if (p.outputEpcList !== undefined) ev.outputEPCList = p.outputEpcList.values.slice();
  if (p.outputQuantityList !== undefined) ev.outputQuantityList = quantitiesFromProto(p.outputQuantityList);
  if (p.transformationId !== undefined) ev.transformationID = p.transformationId;
  if (p.bizStep !== undefined) ev.bizStep = p.bizStep;
  if (p.disposition !== undefined) ev.disposition = p.disposition;
  const pd = p.persistentDisposition;
  if (pd !== undefined) {
    ev.persistentDisposition = {};
    if (pd.set !== undefined) ev.persistentDisposition.set = pd.set.values.slice();
    if (pd.unset !== undefined) ev.persistentDisposition.unset = pd.unset.values.slice();
  }
  if (p.readPoint !== undefined) ev.readPoint = locationFromProto(p.readPoint);
  if (p.bizLocation !== undefined) ev.bizLocation = locationFromProto(p.bizLocation);
  if (p.bizTransactionList !== undefined) ev.bizTransactionList = bizTransactionsFromProto(p.bizTransactionList);
  if (p.sourceList !== undefined) ev.sourceList = sourceDestFromProto(p.sourceList);
  if (p.destinationList !== undefined) ev.destinationList = sourceDestFromProto(p.destinationList);
  if (p.sensorElementList !== undefined) {
    const src = p.sensorElementList.elements;
    const out = new Array<SensorElement>(src.length);
    for (let i = 0; i < out.length; i++) out[i] = sensorElementFromProto(src[i]!);
    ev.sensorElementList = out;
  }
  if (p.ilmd !== undefined) ev.ilmd = extensionsFromProto(p.ilmd);
  if (p.extensions !== undefined) ev.extensions = extensionsFromProto(p.extensions);
  return ev;
}

// ---------------------------------------------------------------------------------------
// Documents (EPCIS 2.0 §9.2 / §10) and master data (EPCIS 2.0 §7.5, CBV 2.0 §5)

/** Checks that `v` is a JSON value google.protobuf.Value can carry back unchanged. */
function checkJson(v: unknown, field: string, depth: number): void {
  if (depth > MAX_JSON_DEPTH) {
    throw new SuyuanError("SCHEMA_TOO_DEEP", `${field}: JSON nesting deeper than ${MAX_JSON_DEPTH} levels`, {
      field,
    });
  }
  if (v === null || typeof v === "boolean" || typeof v === "number") return;
  if (typeof v === "string") {
    str(v, field);
    return;
  }
  if (Array.isArray(v)) {
    for (const x of v) checkJson(x, field, depth + 1);
    return;
  }
  const proto = typeof v === "object" ? Object.getPrototypeOf(v) : undefined;
  if (proto === Object.prototype || proto === null) {
    for (const k of Object.keys(v as object)) {
      checkKey(k, field);
      checkJson((v as Record<string, unknown>)[k], field, depth + 1);
    }
    return;
  }
  throw new SuyuanError("SCHEMA_NOT_JSON", `${field}: ${typeof v} is not a JSON value`, { field });
}

/**
 * Map keys must come back as own data properties: the generated decoder assigns
 * `obj[key] = …`, which for "__proto__" would set the prototype instead.
 */
function checkKey(k: string, field: string): string {
  if (k === "__proto__") {
    throw new SuyuanError("SCHEMA_BAD_KEY", `${field}: key "__proto__" cannot be carried as a map key`, { field });
  }
  return str(k, field);
}

function vocabularyToProto(v: Vocabulary): PVocabulary {
  const elements = new Array<PVocabularyElement>(v.elements.length);
  for (let i = 0; i < elements.length; i++) {
    const e: VocabularyElement = v.elements[i]!;
    const attributes = new Array<PVocabularyAttribute>(e.attributes.length);
    for (let j = 0; j < attributes.length; j++) {
      const a = e.attributes[j]!;
      const pa: PVocabularyAttribute = { id: str(a.id, "vocabularies.attributes.id") };
      if (a.value !== undefined) pa.value = str(a.value, "vocabularies.attributes.value");
      if (a.children !== undefined) pa.children = extensionsToProto(a.children, "vocabularies.attributes");
      attributes[j] = pa;
    }
    const pe: PVocabularyElement = { id: str(e.id, "vocabularies.id"), attributes };
    if (e.children !== undefined) pe.children = strList(e.children, "vocabularies.children");
    elements[i] = pe;
  }
  return { type: str(v.type, "vocabularies.type"), elements };
}

function vocabularyFromProto(p: PVocabulary): Vocabulary {
  const elements = new Array<VocabularyElement>(p.elements.length);
  for (let i = 0; i < elements.length; i++) {
    const pe = p.elements[i]!;
    const attributes = new Array<VocabularyElement["attributes"][number]>(pe.attributes.length);
    for (let j = 0; j < attributes.length; j++) {
      const pa = pe.attributes[j]!;
      const a: VocabularyElement["attributes"][number] = { id: pa.id };
      if (pa.value !== undefined) a.value = pa.value;
      if (pa.children !== undefined) a.children = extensionsFromProto(pa.children);
      attributes[j] = a;
    }
    const e: VocabularyElement = { id: pe.id, attributes };
    if (pe.children !== undefined) e.children = pe.children.values.slice();
    elements[i] = e;
  }
  return { type: p.type, elements };
}

/** Model document → protobuf `EpcisDocument` (events via {@link eventToProto}). */
export function documentToProto(doc: EpcisDocument): PEpcisDocument {
  const kind = hasOwn.call(KIND_TO_PROTO, doc.kind) ? KIND_TO_PROTO[doc.kind] : undefined;
  if (kind === undefined) {
    throw new SuyuanError(
      "SCHEMA_BAD_DOCUMENT_KIND",
      `kind "${String(doc.kind)}": must be EPCISDocument or EPCISQueryDocument (EPCIS 2.0 §9.2)`,
      { field: "kind" },
    );
  }
  const events = new Array<Event>(doc.events.length);
  for (let i = 0; i < events.length; i++) {
    try {
      events[i] = eventToProto(doc.events[i]!);
    } catch (e) {
      throw prefixField(e, `events[${i}]`);
    }
  }
  const p: PEpcisDocument = { kind, schemaVersion: str(doc.schemaVersion, "schemaVersion"), events };
  if (doc.creationDate !== undefined) p.creationDate = str(doc.creationDate, "creationDate");
  if (doc.instanceIdentifier !== undefined) p.instanceIdentifier = str(doc.instanceIdentifier, "instanceIdentifier");
  if (doc.sender !== undefined) p.sender = str(doc.sender, "sender");
  if (doc.receiver !== undefined) p.receiver = str(doc.receiver, "receiver");
  if (doc.context !== undefined) {
    checkJson(doc.context, "context", 1);
    p.context = doc.context;
  }
  if (doc.namespaces !== undefined) {
    const prefixes: Record<string, string> = {};
    for (const k of Object.keys(doc.namespaces))
      prefixes[checkKey(k, "namespaces")] = str(doc.namespaces[k]!, "namespaces");
    p.namespaces = { prefixes };
  }
  if (doc.vocabularies !== undefined) {
    p.vocabularies = { vocabularies: doc.vocabularies.map(vocabularyToProto) };
  }
  if (doc.queryName !== undefined) p.queryName = str(doc.queryName, "queryName");
  if (doc.subscriptionID !== undefined) p.subscriptionId = str(doc.subscriptionID, "subscriptionID");
  if (doc.extra !== undefined) {
    checkJson(doc.extra, "extra", 1);
    p.extra = doc.extra;
  }
  return p;
}

/** Protobuf `EpcisDocument` → model document. */
export function documentFromProto(p: PEpcisDocument): EpcisDocument {
  const kind = KIND_FROM_PROTO.get(p.kind);
  if (kind === undefined) {
    throw new SuyuanError(
      "SCHEMA_BAD_DOCUMENT_KIND",
      `kind ${p.kind}: must be EPCISDocument or EPCISQueryDocument (EPCIS 2.0 §9.2)`,
      { field: "kind" },
    );
  }
  const events = new Array<EpcisEvent>(p.events.length);
  for (let i = 0; i < events.length; i++) {
    try {
      events[i] = eventFromProto(p.events[i]!);
    } catch (e) {
      throw prefixField(e, `events[${i}]`);
    }
  }
  const doc: EpcisDocument = { kind, schemaVersion: p.schemaVersion, events };
  if (p.creationDate !== undefined) doc.creationDate = p.creationDate;
  if (p.instanceIdentifier !== undefined) doc.instanceIdentifier = p.instanceIdentifier;
  if (p.sender !== undefined) doc.sender = p.sender;
  if (p.receiver !== undefined) doc.receiver = p.receiver;
  if (p.context !== undefined) doc.context = p.context;
  if (p.namespaces !== undefined) {
    // Copy into a fresh object so callers never share the decoder's map.
    const ns: Record<string, string> = {};
    for (const k of Object.keys(p.namespaces.prefixes)) ns[k] = p.namespaces.prefixes[k]!;
    doc.namespaces = ns;
  }
  if (p.vocabularies !== undefined) doc.vocabularies = p.vocabularies.vocabularies.map(vocabularyFromProto);
  if (p.queryName !== undefined) doc.queryName = p.queryName;
  if (p.subscriptionId !== undefined) doc.subscriptionID = p.subscriptionId;
  if (p.extra !== undefined) doc.extra = p.extra;
  return doc;
}

/** Re-throws a SuyuanError with the event's position in front of its field. */
function prefixField(e: unknown, at: string): unknown {
  if (!(e instanceof SuyuanError)) return e;
  const field = e.field === undefined ? at : `${at}.${e.field}`;
  return new SuyuanError(e.code, `${at}: ${e.reason}`, { field, cause: e });
}
