/**
 * Facts about the EPCIS XML binding shared by the XML parser and writer: namespaces and the
 * element order of each event type as fixed by the EPCIS 2.0 XSD (`EPCglobal-epcis-2_0.xsd`,
 * EPCIS 2.0 §10). Pure data, built once at module load.
 */
import { type EventType, SENSOR_METADATA_FIELDS, SENSOR_REPORT_FIELDS } from "./model.ts";

/** EPCIS 2.0 §10 / XSD target namespaces. */
export const NS_EPCIS2 = "urn:epcglobal:epcis:xsd:2";
/** EPCIS 1.x core namespace (1.0–1.2; also used by some 2.0-era documents, e.g. hash vectors). */
export const NS_EPCIS1 = "urn:epcglobal:epcis:xsd:1";
export const NS_EPCISQ2 = "urn:epcglobal:epcis-query:xsd:2";
export const NS_EPCISQ1 = "urn:epcglobal:epcis-query:xsd:1";
export const NS_EPCISMD2 = "urn:epcglobal:epcis-masterdata:xsd:2";
export const NS_EPCISMD1 = "urn:epcglobal:epcis-masterdata:xsd:1";
export const NS_SBDH = "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader";
export const NS_XSI = "http://www.w3.org/2001/XMLSchema-instance";
export const NS_XMLNS = "http://www.w3.org/2000/xmlns/";
export const NS_XML = "http://www.w3.org/XML/1998/namespace";

/** Namespaces whose elements are EPCIS standard elements (not user extensions). */
export const EPCIS_CORE_NS: ReadonlySet<string> = new Set([NS_EPCIS2, NS_EPCIS1]);
export const EPCIS_QUERY_NS: ReadonlySet<string> = new Set([NS_EPCISQ2, NS_EPCISQ1]);
export const EPCIS_MD_NS: ReadonlySet<string> = new Set([NS_EPCISMD2, NS_EPCISMD1]);

// EPCIS 2.0 XSD, complexType EPCISEventType: the common head of every event.
const BASE = [
  "eventTime",
  "recordTime",
  "eventTimeZoneOffset",
  "eventID",
  "errorDeclaration",
  "certificationInfo",
  "baseExtension",
] as const;

// The "what/where/why" tail shared by most event types (XSD order from bizStep on).
const WHY_WHERE = ["bizStep", "disposition", "readPoint", "bizLocation"] as const;
const TAIL = ["sourceList", "destinationList", "sensorElementList", "persistentDisposition"] as const;

/**
 * EPCIS 2.0 XSD element order per event type (`ObjectEventType`, `AggregationEventType`,
 * `TransactionEventType`, `TransformationEventType`, `AssociationEventType`). The trailing
 * `xsd:any namespace="##other"` (user extensions) follows `extension` and is not listed.
 * Note TransactionEventType starts with `bizTransactionList` (mandatory there).
 */
export const EVENT_FIELD_ORDER: Readonly<Record<EventType, readonly string[]>> = {
  ObjectEvent: [
    ...BASE,
    "epcList",
    "action",
    ...WHY_WHERE,
    "bizTransactionList",
    "quantityList",
    ...TAIL,
    "ilmd",
    "extension",
  ],
  AggregationEvent: [
    ...BASE,
    "parentID",
    "childEPCs",
    "action",
    ...WHY_WHERE,
    "bizTransactionList",
    "childQuantityList",
    ...TAIL,
    "extension",
  ],
  TransactionEvent: [
    ...BASE,
    "bizTransactionList",
    "parentID",
    "epcList",
    "action",
    ...WHY_WHERE,
    "quantityList",
    ...TAIL,
    "extension",
  ],
  TransformationEvent: [
    ...BASE,
    "inputEPCList",
    "inputQuantityList",
    "outputEPCList",
    "outputQuantityList",
    "transformationID",
    ...WHY_WHERE,
    "bizTransactionList",
    ...TAIL,
    "ilmd",
    "extension",
  ],
  AssociationEvent: [
    ...BASE,
    "parentID",
    "childEPCs",
    "childQuantityList",
    "action",
    ...WHY_WHERE,
    "bizTransactionList",
    ...TAIL,
    "extension",
  ],
};

/** Field name → XSD position, per event type (for the order check). */
export const EVENT_FIELD_POS: Readonly<Record<EventType, ReadonlyMap<string, number>>> = Object.fromEntries(
  Object.entries(EVENT_FIELD_ORDER).map(([t, names]) => [t, new Map(names.map((n, i) => [n, i]))]),
) as unknown as Record<EventType, ReadonlyMap<string, number>>;

export const EVENT_TYPES: ReadonlySet<string> = new Set(Object.keys(EVENT_FIELD_ORDER));

/** EPCIS 2.0 XSD SensorMetadataType / SensorReportType attributes: the model's one table. */
export const SENSOR_METADATA_ATTRS = SENSOR_METADATA_FIELDS;
export const SENSOR_REPORT_ATTRS: ReadonlyMap<string, "string" | "double" | "boolean"> = SENSOR_REPORT_FIELDS;
