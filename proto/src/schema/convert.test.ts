import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type Action,
  Event,
  type EventType,
  EpcisDocument as PEpcisDocument,
  type ExtensionElement as PExtensionElement,
} from "../../gen/suyuan/v1/epcis.ts";
import type { EpcisDocument, EpcisEvent, ExtensionElement } from "../epcis/model.ts";
import { isSuyuanError } from "../errors.ts";
import { epcisDocument, epcisEvent } from "./arbitraries.ts";
import {
  documentFromProto,
  documentToProto,
  eventFromProto,
  eventToProto,
  MAX_EXTENSION_DEPTH,
  MAX_JSON_DEPTH,
} from "./convert.ts";
import { decodeMessage } from "./wire.ts";

/** model → proto → binary → proto → model */
function roundTrip(ev: EpcisEvent): EpcisEvent {
  const bytes = Event.encode(eventToProto(ev)).finish();
  return eventFromProto(decodeMessage(Event, bytes, "Event"));
}

function roundTripDocument(doc: EpcisDocument): EpcisDocument {
  const bytes = PEpcisDocument.encode(documentToProto(doc)).finish();
  return documentFromProto(decodeMessage(PEpcisDocument, bytes, "EpcisDocument"));
}

function expectCode(fn: () => unknown, code: string, field?: string): void {
  try {
    fn();
  } catch (e) {
    expect(isSuyuanError(e, code), `expected ${code}, got ${String(e)}`).toBe(true);
    if (field !== undefined) expect((e as { field?: string }).field).toBe(field);
    return;
  }
  expect.fail(`expected ${code}, nothing was thrown`);
}

const EX = "https://ns.example.com/epcis/";

// User extensions with every JSON scalar type, nesting, XML attributes and JSON arrays
// (EPCIS 2.0 §9.3 user extensions; model.ts ExtensionElement).
const userExtensions: ExtensionElement[] = [
  { ns: EX, name: "myField1", prefix: "example", value: "1" },
  { ns: EX, name: "myField2", prefix: "example", value: 1 },
  { ns: EX, name: "myField3", value: true },
  { ns: EX, name: "myField4", value: false },
  { ns: EX, name: "myField5", value: null },
  { ns: EX, name: "temp", value: -0 },
  { ns: EX, name: "list", value: "a", inArray: true },
  { ns: EX, name: "single", value: 2.5, inArray: true },
  { ns: EX, name: "notArray", value: "x", inArray: false },
  {
    ns: EX,
    name: "structured",
    prefix: "ex",
    attributes: [
      { name: "unit", value: "CEL" },
      { ns: "urn:example:attr", prefix: "a", name: "scale", value: "1" },
    ],
    children: [
      { ns: EX, name: "inner", value: "v", children: [] },
      { ns: "", name: "unqualified", value: "" },
    ],
  },
  { ns: EX, name: "emptyStructured", children: [] },
  { ns: EX, name: "emptyAttrs", attributes: [] },
  { ns: EX, name: "noValue" },
];

// One event carrying every field of the model (EPCIS 2.0 §7.4.1 common fields, §7.4.2–§7.4.6
// type-specific fields, §7.3.6 bizTransaction/source/destination, §7.3.7 sensor data).
const everyField: EpcisEvent = {
  type: "ObjectEvent",
  eventTime: "2019-10-21T11:00:30.000+01:00",
  eventTimeZoneOffset: "+01:00",
  recordTime: "2019-10-21T11:00:31Z",
  eventID: "ni:///sha-256;00e1e6eba3a7cc6125be4793a631f0af50f8322e0ab5f2c0bc3b9b8b1ae6c3a6?ver=CBV2.0",
  certificationInfo: ["https://accreditation-council.example.org/certificate/ABC12345", "urn:cert:2"],
  errorDeclaration: {
    declarationTime: "2020-01-15T00:00:00.000+01:00",
    reason: "urn:epcglobal:cbv:er:incorrect_data",
    correctiveEventIDs: ["urn:uuid:404d95fc-9457-4a51-bd6a-0bba133845a8"],
    extensions: [{ ns: EX, name: "vendorErrorCode", value: 3 }],
  },
  action: "OBSERVE",
  parentID: "urn:epc:id:sscc:4012345.0000000111",
  epcList: ["urn:epc:id:sgtin:0614141.107346.2017", "urn:epc:id:sgtin:0614141.107346.2018"],
  quantityList: [
    { epcClass: "urn:epc:class:lgtin:4012345.012345.998877", quantity: 200, uom: "KGM" },
    { epcClass: "urn:epc:idpat:sgtin:4012345.098765.*", quantity: 10 },
    { epcClass: "urn:epc:class:lgtin:4012345.012345.1" },
  ],
  childEPCs: ["urn:epc:id:sgtin:4012345.011111.9876"],
  childQuantityList: [{ epcClass: "urn:epc:class:lgtin:4012345.012345.2", quantity: 0.5, uom: "LTR" }],
  inputEPCList: ["urn:epc:id:sgtin:4012345.011122.25"],
  inputQuantityList: [{ epcClass: "urn:epc:class:lgtin:4012345.011111.4444", quantity: 10, uom: "KGM" }],
  outputEPCList: ["urn:epc:id:sgtin:4012345.077889.25"],
  outputQuantityList: [{ epcClass: "urn:epc:class:lgtin:4012345.077889.555", quantity: -1.25e-300 }],
  transformationID: "urn:epc:id:gdti:0614141.12345.400",
  bizStep: "shipping",
  disposition: "in_transit",
  persistentDisposition: { set: ["completeness_verified"], unset: ["completeness_inferred"] },
  readPoint: { id: "urn:epc:id:sgln:0614141.07346.1234" },
  bizLocation: {
    id: "urn:epc:id:sgln:0614141.00888.0",
    extensions: [{ ns: EX, name: "dock", value: "7" }],
  },
  bizTransactionList: [
    { type: "po", bizTransaction: "urn:epc:id:gdti:0614141.00001.1618034" },
    { bizTransaction: "http://transaction.acme.com/po/12345678" },
  ],
  sourceList: [{ type: "owning_party", id: "urn:epc:id:pgln:9520123.11111" }],
  destinationList: [{ type: "location", id: "urn:epc:id:sgln:9520999.99999.0" }],
  sensorElementList: [
    {
      sensorMetadata: {
        time: "2019-04-02T13:05:00.000Z",
        startTime: "2019-04-02T12:55:01.000Z",
        endTime: "2019-04-02T13:55:00.000Z",
        deviceID: "urn:epc:id:giai:4000001.111",
        deviceMetadata: "https://id.gs1.org/8004/4000001111",
        rawData: "https://example.org/8004/401234599999",
        dataProcessingMethod: "https://example.com/gdti/4012345000054987",
        bizRules: "https://example.org/gdti/4012345000054987",
        extensions: [{ ns: EX, name: "someFurtherMetadata", value: "someText" }],
      },
      sensorReport: [
        {
          type: "Temperature",
          exception: "ALARM_CONDITION",
          deviceID: "urn:epc:id:giai:4000001.111",
          deviceMetadata: "https://id.gs1.org/8004/4000001111",
          rawData: "https://example.org/8004/401234599999",
          dataProcessingMethod: "https://example.com/gdti/4012345000054987",
          bizRules: "https://example.org/253/4012345000054987",
          time: "2019-07-19T13:00:00.000Z",
          microorganism: "https://www.ncbi.nlm.nih.gov/taxonomy/1126011",
          chemicalSubstance: "https://identifiers.org/inchikey:CZMRCDWAGMRECN-UGDNZRGBSA-N",
          value: 26,
          component: "x",
          stringValue: "SomeString",
          booleanValue: true,
          hexBinaryValue: "f0f0f0",
          uriValue: "https://id.gs1.org/giai/4000001111",
          minValue: 26,
          maxValue: 26.2,
          meanValue: 13.2,
          sDev: 0.1,
          percRank: 50,
          percValue: 12.7,
          uom: "CEL",
          coordinateReferenceSystem: "http://www.opengis.net/def/crs/EPSG/0/4979",
          extensions: [{ ns: EX, name: "cv", value: "123" }],
        },
        { booleanValue: false, value: Number.NaN, minValue: Number.POSITIVE_INFINITY, sDev: -0 },
        {},
      ],
      extensions: [{ ns: EX, name: "furtherSensorData", children: [{ ns: EX, name: "a", value: 1 }] }],
    },
    { sensorReport: [] },
  ],
  ilmd: [
    { ns: "urn:epcglobal:cbv:mda", name: "bestBeforeDate", prefix: "cbvmda", value: "2021-01-01" },
    { ns: EX, name: "grading", value: "A" },
  ],
  extensions: userExtensions,
};

describe("eventToProto / eventFromProto: hand-built events", () => {
  it("carries every field of the model through protobuf binary unchanged", () => {
    const back = roundTrip(everyField);
    expect(back).toStrictEqual(everyField);
    // -0 and NaN are numbers protobuf doubles keep (IEEE 754 binary64 on the wire).
    expect(Object.is(back.extensions?.[5]?.value, -0)).toBe(true);
    expect(Number.isNaN(back.sensorElementList?.[0]?.sensorReport[1]?.value)).toBe(true);
  });

  const t = { eventTime: "2020-06-01T12:00:00Z", eventTimeZoneOffset: "+00:00" };
  const minimal: EpcisEvent[] = [
    {
      type: "ObjectEvent",
      ...t,
      action: "ADD",
      epcList: ["urn:epc:id:sgtin:0614141.107346.2017"],
      bizStep: "commissioning",
    },
    {
      type: "AggregationEvent",
      ...t,
      action: "ADD",
      parentID: "urn:epc:id:sscc:0614141.1234567890",
      childEPCs: ["urn:epc:id:sgtin:0614141.107346.2017"],
    },
    {
      type: "TransactionEvent",
      ...t,
      action: "ADD",
      bizTransactionList: [{ type: "po", bizTransaction: "urn:x:1" }],
      epcList: [],
    },
    {
      type: "TransformationEvent",
      ...t,
      inputQuantityList: [{ epcClass: "urn:epc:class:lgtin:4012345.011111.4444", quantity: 10, uom: "KGM" }],
      outputEPCList: ["urn:epc:id:sgtin:4012345.077889.25"],
      transformationID: "urn:epc:id:gdti:0614141.12345.400",
    },
    {
      type: "AssociationEvent",
      ...t,
      action: "ADD",
      parentID: "urn:epc:id:grai:4012345.55555.987",
      childEPCs: ["urn:epc:id:giai:4000001.12345"],
    },
  ];
  it.each(minimal.map((ev) => [ev.type, ev] as const))("round-trips a minimal %s", (_type, ev) => {
    expect(roundTrip(ev)).toStrictEqual(ev);
  });

  it("keeps absent and empty lists apart, on the wire too", () => {
    const base: EpcisEvent = { type: "ObjectEvent", eventTime: "t", eventTimeZoneOffset: "+00:00", action: "OBSERVE" };
    const withEmpty: EpcisEvent = { ...base, epcList: [] };
    expect(roundTrip(base)).toStrictEqual(base);
    expect(roundTrip(withEmpty)).toStrictEqual(withEmpty);
    expect("epcList" in roundTrip(base)).toBe(false);
    // Protobuf encoding: an empty embedded message is still written as tag + zero length.
    // Event.epc_list is field 11, wire type 2 (LEN): tag byte (11 << 3) | 2 = 0x5a.
    const a = Event.encode(eventToProto(base)).finish();
    const b = Event.encode(eventToProto(withEmpty)).finish();
    expect(Array.from(b.subarray(a.length))).toEqual([0x5a, 0x00]);
    expect(Array.from(b.subarray(0, a.length))).toEqual(Array.from(a));
  });

  it("keeps every absent-vs-empty list apart", () => {
    const ev: EpcisEvent = {
      type: "TransformationEvent",
      eventTime: "t",
      eventTimeZoneOffset: "+00:00",
      certificationInfo: [],
      errorDeclaration: { declarationTime: "t", correctiveEventIDs: [], extensions: [] },
      epcList: [],
      quantityList: [],
      childEPCs: [],
      childQuantityList: [],
      inputEPCList: [],
      inputQuantityList: [],
      outputEPCList: [],
      outputQuantityList: [],
      persistentDisposition: { set: [], unset: [] },
      readPoint: { id: "r", extensions: [] },
      bizTransactionList: [],
      sourceList: [],
      destinationList: [],
      sensorElementList: [{ sensorMetadata: { extensions: [] }, sensorReport: [{ extensions: [] }], extensions: [] }],
      ilmd: [],
      extensions: [],
    };
    expect(roundTrip(ev)).toStrictEqual(ev);
    const bare: EpcisEvent = {
      type: "TransformationEvent",
      eventTime: "t",
      eventTimeZoneOffset: "+00:00",
      errorDeclaration: { declarationTime: "t" },
      persistentDisposition: {},
      readPoint: { id: "r" },
      sensorElementList: [{ sensorMetadata: {}, sensorReport: [] }],
    };
    expect(roundTrip(bare)).toStrictEqual(bare);
  });

  it("keeps certificationInfo as one string or as a list (EPCIS 2.0 JSON binding allows both)", () => {
    const base: EpcisEvent = { type: "ObjectEvent", eventTime: "t", eventTimeZoneOffset: "+00:00", action: "ADD" };
    for (const certificationInfo of ["urn:cert:1", ["urn:cert:1"], ["a", "b"], ""]) {
      const ev = { ...base, certificationInfo };
      expect(roundTrip(ev)).toStrictEqual(ev);
    }
  });

  it("keeps the JSON type of extension values: '1', 1, true, null and no value all differ", () => {
    const values: ExtensionElement[] = [
      { ns: EX, name: "f", value: "1" },
      { ns: EX, name: "f", value: 1 },
      { ns: EX, name: "f", value: true },
      { ns: EX, name: "f", value: "true" },
      { ns: EX, name: "f", value: null },
      { ns: EX, name: "f", value: "" },
      { ns: EX, name: "f", value: 0 },
      { ns: EX, name: "f" },
    ];
    const ev: EpcisEvent = { type: "ObjectEvent", eventTime: "t", eventTimeZoneOffset: "Z", extensions: values };
    const back = roundTrip(ev).extensions ?? [];
    expect(back.map((e) => ("value" in e ? [typeof e.value, e.value] : ["absent"]))).toEqual([
      ["string", "1"],
      ["number", 1],
      ["boolean", true],
      ["string", "true"],
      ["object", null],
      ["string", ""],
      ["number", 0],
      ["absent"],
    ]);
  });

  it("keeps non-ASCII text (Chinese, emoji) as written", () => {
    const ev: EpcisEvent = {
      type: "ObjectEvent",
      eventTime: "2024-03-01T08:00:00+08:00",
      eventTimeZoneOffset: "+08:00",
      action: "OBSERVE",
      ilmd: [{ ns: EX, name: "产地", value: "浙江省杭州市 🍵" }],
    };
    expect(roundTrip(ev)).toStrictEqual(ev);
  });
});

describe("eventToProto / eventFromProto: refusals", () => {
  const base: EpcisEvent = { type: "ObjectEvent", eventTime: "t", eventTimeZoneOffset: "+00:00", action: "ADD" };

  it("refuses event types and actions outside EPCIS 2.0 §7.4 / §7.3.2", () => {
    expectCode(() => eventToProto({ ...base, type: "QuantityEvent" as never }), "SCHEMA_BAD_EVENT_TYPE", "type");
    expectCode(() => eventToProto({ ...base, type: "toString" as never }), "SCHEMA_BAD_EVENT_TYPE", "type");
    expectCode(() => eventToProto({ ...base, action: "add" as never }), "SCHEMA_BAD_ACTION", "action");
  });

  it("refuses unknown or unset enum numbers read from the wire", () => {
    const p = eventToProto(base);
    expectCode(() => eventFromProto({ ...p, type: 0 }), "SCHEMA_BAD_EVENT_TYPE", "type");
    expectCode(() => eventFromProto({ ...p, type: 9 as EventType }), "SCHEMA_BAD_EVENT_TYPE", "type");
    expectCode(() => eventFromProto({ ...p, action: 7 as Action }), "SCHEMA_BAD_ACTION", "action");
    // An unknown enum number survives the binary decoder, so it must be caught here.
    const bytes = Event.encode({ ...p, action: 7 as Action }).finish();
    expectCode(() => eventFromProto(Event.decode(bytes)), "SCHEMA_BAD_ACTION");
  });

  it("refuses extension values that are not JSON scalars", () => {
    const ext = { ns: EX, name: "obj", value: { a: 1 } } as unknown as ExtensionElement;
    expectCode(() => eventToProto({ ...base, extensions: [ext] }), "SCHEMA_BAD_EXTENSION_VALUE", "extensions");
  });

  it("refuses lone surrogates, which UTF-8 cannot carry", () => {
    expectCode(() => eventToProto({ ...base, epcList: ["urn:x:\ud800"] }), "SCHEMA_BAD_STRING", "epcList");
    expectCode(() => eventToProto({ ...base, bizStep: "\udc00a" }), "SCHEMA_BAD_STRING", "bizStep");
    // A proper pair (U+1F375) is fine.
    expect(roundTrip({ ...base, bizStep: "\ud83c\udf75" }).bizStep).toBe("🍵");
  });

  it("refuses extension nesting deeper than it could be decoded, accepts the limit", () => {
    const nest = (depth: number): ExtensionElement => {
      let e: ExtensionElement = { ns: EX, name: "leaf", value: 1 };
      for (let i = 1; i < depth; i++) e = { ns: EX, name: "n", children: [e] };
      return e;
    };
    // At the limit, inside the deepest place an extension can sit in a document.
    const deep: EpcisEvent = {
      ...base,
      sensorElementList: [{ sensorReport: [{ extensions: [nest(MAX_EXTENSION_DEPTH)] }] }],
    };
    const doc: EpcisDocument = { kind: "EPCISDocument", schemaVersion: "2.0", events: [deep] };
    expect(roundTripDocument(doc)).toStrictEqual(doc);
    expectCode(() => eventToProto({ ...base, ilmd: [nest(MAX_EXTENSION_DEPTH + 1)] }), "SCHEMA_TOO_DEEP", "ilmd");
  });

  it("turns undecodable bytes into SCHEMA_BAD_PROTOBUF", () => {
    const good = Event.encode(eventToProto(everyField)).finish();
    expectCode(() => decodeMessage(Event, good.subarray(0, good.length - 3), "Event"), "SCHEMA_BAD_PROTOBUF", "Event");
    expectCode(() => decodeMessage(Event, Uint8Array.of(0x0f), "Event"), "SCHEMA_BAD_PROTOBUF");
    // 60 nested extension elements are 120 message levels: beyond the decoder's recursion
    // limit (the generated encoder has none, so a hostile sender can produce this).
    let deep: PExtensionElement = { ns: EX, name: "leaf" };
    for (let i = 0; i < 60; i++) deep = { ns: EX, name: "n", children: { elements: [deep] } };
    const hostile = Event.encode({ ...eventToProto(everyField), ilmd: { elements: [deep] } }).finish();
    expectCode(() => decodeMessage(Event, hostile, "Event"), "SCHEMA_BAD_PROTOBUF");
  });
});

describe("documentToProto / documentFromProto", () => {
  const doc: EpcisDocument = {
    kind: "EPCISDocument",
    schemaVersion: "2.0",
    creationDate: "2019-11-28T14:59:02.099+01:00",
    instanceIdentifier: "1234567890",
    sender: "urn:epc:id:pgln:9520123.11111",
    receiver: "urn:epc:id:pgln:9520999.00000",
    context: [
      "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
      { example: EX, n: 1, b: false, z: null, nested: { list: [1, "two", [3]] } },
    ],
    namespaces: { example: EX, cbvmda: "urn:epcglobal:cbv:mda" },
    vocabularies: [
      {
        type: "urn:epcglobal:epcis:vtype:BusinessLocation",
        elements: [
          {
            id: "urn:epc:id:sgln:0037000.00729.0",
            attributes: [
              { id: "urn:epcglobal:cbv:mda#name", value: "Warehouse 1" },
              { id: "urn:epcglobal:cbv:mda#address", children: [{ ns: EX, name: "city", value: "杭州" }] },
              { id: "urn:epcglobal:cbv:mda#flag" },
            ],
            children: ["urn:epc:id:sgln:0037000.00729.8201", "urn:epc:id:sgln:0037000.00729.8202"],
          },
          { id: "urn:epc:id:sgln:0037000.00729.8201", attributes: [], children: [] },
        ],
      },
      { type: "urn:epcglobal:epcis:vtype:EPCClass", elements: [] },
    ],
    events: [everyField, { type: "ObjectEvent", eventTime: "t", eventTimeZoneOffset: "Z", action: "DELETE" }],
    extra: { sbdh: { sender: { identifier: "x" } }, list: [], n: -0, f: 1.5 },
  };

  it("round-trips a document with every header field, master data and events", () => {
    const back = roundTripDocument(doc);
    expect(back).toStrictEqual(doc);
    expect(Object.is((back.extra as { n: number }).n, -0)).toBe(true);
  });

  it("round-trips a query document and keeps an empty namespaces map / vocabulary list apart from none", () => {
    const q: EpcisDocument = {
      kind: "EPCISQueryDocument",
      schemaVersion: "2.0",
      queryName: "SimpleEventQuery",
      subscriptionID: "sub-1",
      namespaces: {},
      vocabularies: [],
      events: [],
      extra: {},
      context: null,
    };
    expect(roundTripDocument(q)).toStrictEqual(q);
    const bare: EpcisDocument = { kind: "EPCISDocument", schemaVersion: "2.0", events: [] };
    expect(roundTripDocument(bare)).toStrictEqual(bare);
  });

  it("names the failing event and field", () => {
    const bad: EpcisDocument = {
      kind: "EPCISDocument",
      schemaVersion: "2.0",
      events: [everyField, { ...everyField, parentID: "\ud800" }],
    };
    expectCode(() => documentToProto(bad), "SCHEMA_BAD_STRING", "events[1].parentID");
  });

  it("refuses what google.protobuf.Value cannot carry back", () => {
    const base: EpcisDocument = { kind: "EPCISDocument", schemaVersion: "2.0", events: [] };
    expectCode(() => documentToProto({ ...base, kind: "Other" as never }), "SCHEMA_BAD_DOCUMENT_KIND", "kind");
    expectCode(() => documentToProto({ ...base, context: { d: new Date(0) } }), "SCHEMA_NOT_JSON", "context");
    expectCode(() => documentToProto({ ...base, extra: { u: undefined } }), "SCHEMA_NOT_JSON", "extra");
    expectCode(() => documentToProto({ ...base, extra: JSON.parse('{"__proto__": 1}') }), "SCHEMA_BAD_KEY", "extra");
    let deep: unknown = 1;
    for (let i = 0; i < MAX_JSON_DEPTH + 1; i++) deep = [deep];
    expectCode(() => documentToProto({ ...base, context: deep }), "SCHEMA_TOO_DEEP", "context");
    let atLimit: unknown = 1;
    for (let i = 1; i < MAX_JSON_DEPTH; i++) atLimit = [atLimit];
    expect(roundTripDocument({ ...base, context: atLimit }).context).toStrictEqual(atLimit);
  });
});

describe("property: model → proto → binary → model is the identity", () => {
  it("for any event", () => {
    fc.assert(
      fc.property(epcisEvent, (ev) => {
        expect(roundTrip(ev)).toStrictEqual(ev);
      }),
      { numRuns: 500 },
    );
  });

  it("for any document", () => {
    fc.assert(
      fc.property(epcisDocument, (doc) => {
        expect(roundTripDocument(doc)).toStrictEqual(doc);
      }),
      { numRuns: 200 },
    );
  });

  it("encoding is deterministic: equal models give equal bytes", () => {
    fc.assert(
      fc.property(epcisEvent, (ev) => {
        const a = Event.encode(eventToProto(ev)).finish();
        const b = Event.encode(eventToProto(structuredClone(ev))).finish();
        expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
