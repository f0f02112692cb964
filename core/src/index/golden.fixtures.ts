import { type EpcisEvent, eventHash } from "@suyuan/proto";
import type { StoredEvent } from "../model.ts";

/** An event as the log stores it (core provenance), for the index tests. */
export function storedEvent(event: EpcisEvent, recordTime = "2024-06-20T00:00:00.000Z"): StoredEvent {
  return {
    v: 1,
    hashId: eventHash(event),
    event,
    provenance: { kind: "core", principal: "t", reason: "t" },
    recordTime,
  };
}

const tz = { eventTimeZoneOffset: "+08:00" } as const;

/** Representative events; each covers a different part of the key layout. */
export const FIXTURES = {
  commissioningWithIlmdLot: {
    index: 17,
    recordTime: "2024-06-20T01:02:03.004Z",
    event: {
      ...tz,
      type: "ObjectEvent",
      eventTime: "2024-06-01T10:00:00.5+08:00",
      action: "ADD",
      eventID: "urn:uuid:0b0c1d2e-0000-4000-8000-000000000001",
      epcList: [
        "urn:epc:id:sgtin:0614141.107346.CA1",
        "urn:epc:id:sgtin:0614141.107346.CA2",
        "urn:epc:id:sgtin:0614141.107346.CA1", // listed twice: still one record
        "(01)10614141073464(10)M9(21)CA3", // carries its own lot
      ],
      quantityList: [{ epcClass: "urn:epc:class:lgtin:0614141.107346.M1", quantity: 5, uom: "KGM" }],
      bizStep: "urn:epcglobal:cbv:bizstep:commissioning",
      disposition: "https://ref.gs1.org/cbv/Disp-active",
      readPoint: { id: "urn:epc:id:sgln:0614141.00001.12" },
      bizLocation: { id: "urn:epc:id:sgln:0614141.00001.0" },
      destinationList: [
        { type: "urn:epcglobal:cbv:sdt:owning_party", id: "urn:epc:id:pgln:0614141.00000" },
        { type: "https://ref.gs1.org/cbv/SDT-location", id: "urn:epc:id:sgln:0614142.00002.0" },
      ],
      ilmd: [{ ns: "urn:epcglobal:cbv:mda:", name: "lotNumber", value: " M1 " }],
    },
  },
  aggregation: {
    index: 18,
    recordTime: "2024-06-20T01:02:04.000Z",
    event: {
      ...tz,
      type: "AggregationEvent",
      eventTime: "2024-06-01T12:00:00Z",
      action: "ADD",
      parentID: "urn:epc:id:sscc:0614141.1000000001",
      childEPCs: ["urn:epc:id:sgtin:0614141.107346.CA1", "https://id.gs1.org/01/10614141073464/21/CA2"],
      childQuantityList: [{ epcClass: "urn:epc:idpat:sgtin:0614141.107346.*", quantity: 3 }],
      bizStep: "packing",
      disposition: "in_progress",
      readPoint: { id: "urn:epc:id:sgln:0614141.00001.0" },
      bizLocation: { id: "urn:epc:id:sgln:0614141.00001.0" },
    },
  },
  unpackAll: {
    index: 19,
    recordTime: "2024-06-21T00:00:00.000Z",
    event: {
      ...tz,
      type: "AggregationEvent",
      eventTime: "2024-06-02T12:00:00+08:00",
      action: "DELETE",
      parentID: "urn:epc:id:sscc:0614141.1000000001",
      bizStep: "urn:epcglobal:cbv:bizstep:unpacking",
    },
  },
  transformation: {
    index: 20,
    recordTime: "2024-06-21T00:00:01.000Z",
    event: {
      ...tz,
      type: "TransformationEvent",
      eventTime: "2024-06-06T08:00:00+08:00",
      transformationID: " urn:uuid:t1 ",
      inputEPCList: ["urn:epc:id:sgtin:0614141.107346.CA1", "urn:epc:id:sgtin:0614141.107346.CA1"],
      inputQuantityList: [{ epcClass: "urn:epc:class:lgtin:0614141.107346.M1", quantity: 200, uom: "KGM" }],
      outputEPCList: ["urn:epc:id:sgtin:0614141.207346.B1", "urn:epc:id:sgtin:0614141.207346.B2"],
      outputQuantityList: [{ epcClass: "urn:epc:class:lgtin:0614141.207346.J1", quantity: 10 }],
      bizStep: "urn:epcglobal:cbv:bizstep:commissioning",
      readPoint: { id: "urn:epc:id:sgln:0614141.00001.0" },
      ilmd: [{ ns: "https://ref.gs1.org/cbv/mda/", name: "lotNumber", value: "J1" }],
    },
  },
  errorDeclarationWithEventId: {
    index: 21,
    recordTime: "2024-06-22T00:00:00.000Z",
    event: {
      ...tz,
      type: "ObjectEvent",
      eventTime: "2024-06-01T10:00:00+08:00",
      action: "ADD",
      eventID: "urn:uuid:0b0c1d2e-0000-4000-8000-000000000001",
      epcList: ["urn:epc:id:sgtin:0614141.107346.CA1"],
      bizStep: "commissioning",
      ilmd: [{ ns: "urn:epcglobal:cbv:mda", name: "lotNumber", value: "M1" }],
      errorDeclaration: {
        declarationTime: "2024-06-22T00:00:00Z",
        reason: "urn:epcglobal:cbv:er:incorrect_data",
        correctiveEventIDs: ["urn:uuid:0b0c1d2e-0000-4000-8000-000000000002"],
      },
    },
  },
  errorDeclarationByHash: {
    index: 22,
    recordTime: "2024-06-22T00:00:01.000Z",
    event: {
      ...tz,
      type: "AggregationEvent",
      eventTime: "2024-06-01T12:00:00Z",
      action: "ADD",
      parentID: "urn:epc:id:sscc:0614141.1000000001",
      childEPCs: ["urn:epc:id:sgtin:0614141.107346.CA1"],
      errorDeclaration: { declarationTime: "2024-06-22T00:00:00Z" },
    },
  },
  digitalLinkIdentified: {
    index: 23,
    recordTime: "2024-06-23T00:00:00.000Z",
    event: {
      ...tz,
      type: "TransactionEvent",
      eventTime: "2024-06-03T09:30:00-05:00",
      action: "ADD",
      epcList: [
        "https://example.com/01/09506000134352/10/LOT%2F7/21/S1?17=270101",
        "https://id.gs1.org/00/106141410000000019",
        "81234567890123456789", // China drug traceability code (20 digits)
        "urn:epc:id:gid:95100000.12345.400",
        "urn:example:thing:1",
      ],
      bizTransactionList: [{ type: "po", bizTransaction: "urn:epcglobal:cbv:bt:0614141000005:PO1" }],
      bizStep: "urn:example:step\u001fodd",
      disposition: "urn:epcglobal:cbv:disp:in_transit",
      readPoint: { id: "https://id.gs1.org/414/0614141000012/254/7" },
      bizLocation: { id: "urn:example:dock:7" },
      sourceList: [{ type: "location", id: "urn:epc:id:sgln:0614141.00001.0" }],
      destinationList: [
        { type: "possessing_party", id: "https://id.gs1.org/417/0614141000005" },
        { type: "location", id: "https://id.gs1.org/414/0614142000029" },
      ],
    },
  },
} satisfies Record<string, { event: EpcisEvent; index: number; recordTime: string }>;
