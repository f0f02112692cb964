/**
 * The in-memory EPCIS 2.0 event model shared by every side of suyuan.
 *
 * Shape follows the EPCIS 2.0 JSON-LD binding (EPCIS 2.0 §9, JSON schema), which is the
 * standard's canonical serialisation; XML (EPCIS 2.0 §10, and 1.2 upgraded) parses into the
 * same model. Values are kept as written (times, identifiers, vocabulary words or URIs) so
 * that writing back is lossless; normalisation (event hash, canonical identifiers) is done by
 * the functions that need it, never by mutating the model.
 *
 * The protobuf schema (`proto/suyuan/v1/epcis.proto`) mirrors this model field for field;
 * `proto/src/schema` converts between the two.
 */

/** EPCIS 2.0 §7.4: the five event types. */
export type EventType =
  | "ObjectEvent"
  | "AggregationEvent"
  | "TransformationEvent"
  | "AssociationEvent"
  | "TransactionEvent";

/** EPCIS 2.0 §7.3.2 Action. */
export type Action = "ADD" | "OBSERVE" | "DELETE";

/**
 * A user extension (EPCIS 2.0 §6.5, §9.3 "user extensions"): a namespaced element.
 * JSON-LD `"ex:f": …` and XML `<ex:f xmlns:ex="…">…</ex:f>` both become one of these.
 *
 * - `ns` is the namespace IRI (resolved from the JSON-LD `@context` or the XML `xmlns`), the
 *   semantic identity together with `name`; `prefix` is only how the source spelled it.
 * - A leaf has `value`; an element with children has `children` (document order kept).
 * - A JSON array `"ex:a": [x, y]` becomes sibling elements with the same ns/name, each with
 *   `inArray: true` (so a one-element array round-trips as an array).
 * - JSON scalars keep their JSON type in `value`; XML text is always a string.
 */
export interface ExtensionElement {
  ns: string;
  name: string;
  prefix?: string;
  value?: string | number | boolean | null;
  children?: ExtensionElement[];
  /** XML attributes on the element (namespaced attributes carry `ns`). */
  attributes?: Array<{ ns?: string; name: string; prefix?: string; value: string }>;
  inArray?: boolean;
}

/** EPCIS 2.0 §7.3.3.3 QuantityElement. */
export interface QuantityElement {
  epcClass: string;
  quantity?: number;
  uom?: string;
}

/** EPCIS 2.0 §7.3.5.3 ReadPoint / §7.3.5.4 BusinessLocation (id plus extensions). */
export interface Location {
  id: string;
  extensions?: ExtensionElement[];
}

/** EPCIS 2.0 §7.3.6.2 BusinessTransaction. `type` is optional. */
export interface BizTransaction {
  type?: string;
  bizTransaction: string;
}

/** EPCIS 2.0 §7.3.6.3 Source / Destination. */
export interface SourceDest {
  type: string;
  id: string;
}

/** EPCIS 2.0 §7.3.6.4 PersistentDisposition. */
export interface PersistentDisposition {
  set?: string[];
  unset?: string[];
}

/** EPCIS 2.0 §7.3.7.1 SensorMetadata. */
export interface SensorMetadata {
  time?: string;
  startTime?: string;
  endTime?: string;
  deviceID?: string;
  deviceMetadata?: string;
  rawData?: string;
  dataProcessingMethod?: string;
  bizRules?: string;
  extensions?: ExtensionElement[];
}

/** EPCIS 2.0 §7.3.7.2 SensorReport: every standard attribute. */
export interface SensorReport {
  type?: string;
  exception?: string;
  deviceID?: string;
  deviceMetadata?: string;
  rawData?: string;
  dataProcessingMethod?: string;
  /** EPCIS 2.0 JSON schema sensorReport `bizRules` (URI); added for lossless JSON-LD. */
  bizRules?: string;
  time?: string;
  microorganism?: string;
  chemicalSubstance?: string;
  value?: number;
  component?: string;
  stringValue?: string;
  booleanValue?: boolean;
  hexBinaryValue?: string;
  uriValue?: string;
  minValue?: number;
  maxValue?: number;
  meanValue?: number;
  sDev?: number;
  percRank?: number;
  percValue?: number;
  uom?: string;
  coordinateReferenceSystem?: string;
  extensions?: ExtensionElement[];
}

/** EPCIS 2.0 §7.3.7.1 SensorMetadata attributes (all strings), in XSD attribute order. */
export const SENSOR_METADATA_FIELDS = [
  "time",
  "startTime",
  "endTime",
  "deviceID",
  "deviceMetadata",
  "rawData",
  "dataProcessingMethod",
  "bizRules",
] as const satisfies ReadonlyArray<keyof SensorMetadata>;

/**
 * EPCIS 2.0 §7.3.7.2 SensorReport attributes with their value types (XSD simple types; JSON
 * strings/numbers/booleans), in XSD attribute order. The one table every binding reads.
 */
export const SENSOR_REPORT_FIELDS: ReadonlyMap<keyof SensorReport, "string" | "double" | "boolean"> = new Map([
  ["type", "string"],
  ["exception", "string"],
  ["deviceID", "string"],
  ["deviceMetadata", "string"],
  ["rawData", "string"],
  ["dataProcessingMethod", "string"],
  // Not in the 2.0 XSD's named attributes (its anyAttribute admits it) but in the EPCIS 2.0
  // JSON schema's sensorReport; upstream XML examples carry it.
  ["bizRules", "string"],
  ["time", "string"],
  ["microorganism", "string"],
  ["chemicalSubstance", "string"],
  ["value", "double"],
  ["component", "string"],
  ["stringValue", "string"],
  ["booleanValue", "boolean"],
  ["hexBinaryValue", "string"],
  ["uriValue", "string"],
  ["minValue", "double"],
  ["maxValue", "double"],
  ["meanValue", "double"],
  ["sDev", "double"],
  ["percRank", "double"],
  ["percValue", "double"],
  ["uom", "string"],
  ["coordinateReferenceSystem", "string"],
]);

/** SensorReport attributes of one value type. */
export function sensorReportFieldsOf(t: "string" | "double" | "boolean"): Array<keyof SensorReport> {
  return [...SENSOR_REPORT_FIELDS].filter(([, v]) => v === t).map(([k]) => k);
}

/** EPCIS 2.0 §7.3.7 SensorElement. */
export interface SensorElement {
  sensorMetadata?: SensorMetadata;
  sensorReport: SensorReport[];
  extensions?: ExtensionElement[];
}

/** EPCIS 2.0 §7.4.1.2 ErrorDeclaration. */
export interface ErrorDeclaration {
  declarationTime: string;
  reason?: string;
  correctiveEventIDs?: string[];
  extensions?: ExtensionElement[];
}

/**
 * One EPCIS 2.0 event. Fields that do not apply to an event type are absent.
 * Lists are absent rather than empty when the source did not have them, so that
 * "empty list written" and "no list" both round-trip.
 */
export interface EpcisEvent {
  type: EventType;
  /** EPCIS 2.0 §7.4.1: eventTime with its offset, as written. */
  eventTime: string;
  eventTimeZoneOffset: string;
  recordTime?: string;
  eventID?: string;
  certificationInfo?: string | string[];
  errorDeclaration?: ErrorDeclaration;

  // ObjectEvent / AggregationEvent / TransactionEvent / AssociationEvent
  action?: Action;
  /** AggregationEvent, TransactionEvent (optional), AssociationEvent. */
  parentID?: string;
  /** ObjectEvent, TransactionEvent */
  epcList?: string[];
  quantityList?: QuantityElement[];
  /** AggregationEvent, AssociationEvent */
  childEPCs?: string[];
  childQuantityList?: QuantityElement[];

  // TransformationEvent
  inputEPCList?: string[];
  inputQuantityList?: QuantityElement[];
  outputEPCList?: string[];
  outputQuantityList?: QuantityElement[];
  transformationID?: string;

  bizStep?: string;
  disposition?: string;
  persistentDisposition?: PersistentDisposition;
  readPoint?: Location;
  bizLocation?: Location;
  bizTransactionList?: BizTransaction[];
  sourceList?: SourceDest[];
  destinationList?: SourceDest[];
  sensorElementList?: SensorElement[];
  /** EPCIS 2.0 §7.3.6.5 ILMD: only user-namespaced content. */
  ilmd?: ExtensionElement[];
  /** Event-level user extensions (top-level namespaced fields). */
  extensions?: ExtensionElement[];
}

/** CBV 2.0 §5 / EPCIS 2.0 §7.5 master data: one vocabulary element with attributes. */
export interface VocabularyElement {
  id: string;
  attributes: Array<{ id: string; value?: string; children?: ExtensionElement[] }>;
  children?: string[];
}

/** A master-data vocabulary (e.g. urn:epcglobal:epcis:vtype:BusinessLocation). */
export interface Vocabulary {
  type: string;
  elements: VocabularyElement[];
}

/** EPCIS 2.0 §9.2 / §10: an EPCIS document (capture document or query document). */
export interface EpcisDocument {
  kind: "EPCISDocument" | "EPCISQueryDocument";
  schemaVersion: string;
  creationDate?: string;
  instanceIdentifier?: string;
  sender?: string;
  receiver?: string;
  /** JSON-LD `@context` as written (kept for writing back); XML namespaces are folded in. */
  context?: unknown;
  /** Namespace prefixes declared by the source (prefix → IRI), used when writing. */
  namespaces?: Record<string, string>;
  /** Master data carried in the header (EPCIS 2.0 §9.4 / XML EPCISHeader extension). */
  vocabularies?: Vocabulary[];
  events: EpcisEvent[];
  /** Query documents: the query name and subscription id of the results. */
  queryName?: string;
  subscriptionID?: string;
  /** Document-level fields this model does not name (SBDH header etc.), kept verbatim. */
  extra?: Record<string, unknown>;
}
