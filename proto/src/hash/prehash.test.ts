import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { EpcisEvent } from "../epcis/model.ts";
import { createPreHasher } from "./prehash.ts";

// A stand-in canonicaliser for the identifiers these tests use. The pairs are those the
// reference vectors show (RalphTro examples/*.prehashes); the real one is identifiers/canonical-dl.
const KNOWN_IDS: Record<string, string> = {
  "urn:epc:id:sscc:4012345.0000000111": "https://id.gs1.org/00/040123450000001112",
  "urn:epc:id:sscc:4012345.0000000222": "https://id.gs1.org/00/040123450000002225",
  "urn:epc:id:sscc:4012345.0000000333": "https://id.gs1.org/00/040123450000003338",
  "urn:epc:id:sgln:4012345.00011.987": "https://id.gs1.org/414/4012345000115/254/987",
  "urn:epc:id:sgln:4012345.00011.0": "https://id.gs1.org/414/4012345000115",
  "urn:epc:id:sgtin:0614141.011111.987": "https://id.gs1.org/01/00614141111114/21/987",
  "urn:epc:id:gdti:4012345.11111.123": "https://id.gs1.org/253/4012345111118123",
  "urn:epc:id:pgln:4012345.00000": "https://id.gs1.org/417/4012345000009",
  "urn:epc:id:pgln:0614141.00000": "https://id.gs1.org/417/0614141000005",
  "urn:epc:id:giai:4000001.111": "https://id.gs1.org/8004/4000001111",
  "https://example.org/8004/401234599999": "https://id.gs1.org/8004/401234599999",
};
const calls: string[] = [];
const canonicalId = (v: string): string => {
  calls.push(v);
  const out = KNOWN_IDS[v];
  if (out === undefined) throw new Error(`not a GS1 identifier: ${v}`);
  return out;
};
const preHash = createPreHasher({ canonicalId });
const sha = (s: string) => `ni:///sha-256;${createHash("sha256").update(s, "utf8").digest("hex")}?ver=CBV2.0`;

const NS = "https://ns.example.com/epcis/";

/** RalphTro examples/ReferenceEventHashAlgorithm.jsonld, event 1, as the model holds it. */
function referenceEvent(): EpcisEvent {
  return {
    type: "ObjectEvent",
    eventTime: "2020-03-04T11:00:30.000+01:00",
    eventTimeZoneOffset: "+01:00",
    recordTime: "2020-03-04T11:00:30.999+01:00",
    epcList: [
      "urn:epc:id:sscc:4012345.0000000333",
      "urn:epc:id:sscc:4012345.0000000111",
      "urn:epc:id:sscc:4012345.0000000222",
    ],
    action: "OBSERVE",
    bizStep: "departing",
    readPoint: { id: "urn:epc:id:sgln:4012345.00011.987" },
    extensions: [
      {
        ns: NS,
        name: "myField1",
        children: [
          { ns: NS, name: "mySubField1", value: "2" },
          { ns: NS, name: "mySubField2", value: "5" },
        ],
      },
      { ns: NS, name: "myField2", value: "0" },
      {
        ns: NS,
        name: "myField3",
        children: [
          { ns: NS, name: "mySubField3", value: "3", inArray: true },
          { ns: NS, name: "mySubField3", value: "1", inArray: true },
        ],
      },
    ],
  };
}

// Expected: manifest hash_cases "ReferenceEventHashAlgorithm" (pre-hash and hash both upstream).
const REFERENCE_PREHASH =
  "eventType=ObjectEventeventTime=2020-03-04T10:00:30.000ZeventTimeZoneOffset=+01:00epcListepc=https://id.gs1.org/00/040123450000001112epc=https://id.gs1.org/00/040123450000002225epc=https://id.gs1.org/00/040123450000003338action=OBSERVEbizStep=https://ref.gs1.org/cbv/BizStep-departingreadPointid=https://id.gs1.org/414/4012345000115/254/987{https://ns.example.com/epcis/}myField1{https://ns.example.com/epcis/}mySubField1=2{https://ns.example.com/epcis/}mySubField2=5{https://ns.example.com/epcis/}myField2=0{https://ns.example.com/epcis/}myField3{https://ns.example.com/epcis/}mySubField3=1{https://ns.example.com/epcis/}mySubField3=3";

describe("pre-hash string (CBV 2.0 §8.9.2)", () => {
  it("builds the reference example exactly, and its hash", () => {
    const p = preHash(referenceEvent());
    expect(p).toBe(REFERENCE_PREHASH);
    expect(sha(p)).toBe("ni:///sha-256;6ae96341e0acc6d7a261364751f60e68278a81cdf51da0abb6b4e617014e39d7?ver=CBV2.0");
  });

  it("starts with eventType and omits eventID, recordTime and errorDeclaration", () => {
    const ev = referenceEvent();
    ev.eventID = "ni:///sha-256;00?ver=CBV2.0";
    ev.recordTime = "2030-01-01T00:00:00Z";
    ev.errorDeclaration = { declarationTime: "2020-03-05T00:00:00Z", reason: "incorrect_data" };
    expect(preHash(ev)).toBe(REFERENCE_PREHASH);
  });

  it("does not depend on list order or extension order (rule 10)", () => {
    const ev = referenceEvent();
    ev.epcList!.reverse();
    ev.extensions!.reverse();
    ev.extensions![0]!.children?.reverse();
    expect(preHash(ev)).toBe(REFERENCE_PREHASH);
  });

  it("normalises eventTime to UTC milliseconds and CBV URNs to web URIs", () => {
    const ev = referenceEvent();
    ev.eventTime = "2020-03-04T05:00:30-05:00";
    ev.bizStep = "urn:epcglobal:cbv:bizstep:departing";
    expect(preHash(ev)).toBe(REFERENCE_PREHASH);
    ev.bizStep = "https://ref.gs1.org/cbv/BizStep-departing";
    expect(preHash(ev)).toBe(REFERENCE_PREHASH);
    ev.bizStep = "cbv:BizStep-departing";
    expect(preHash(ev)).toBe(REFERENCE_PREHASH);
  });

  it("changes when any value changes, or a field is added", () => {
    const base = preHash(referenceEvent());
    const a = referenceEvent();
    a.action = "ADD";
    const b = referenceEvent();
    b.extensions![1]!.value = "1";
    const c = referenceEvent();
    c.disposition = "in_transit";
    for (const ev of [a, b, c]) expect(preHash(ev)).not.toBe(base);
  });

  it("treats an empty epcList as absent (expected_equal/ignoreEmptyEpcList)", () => {
    const ev: EpcisEvent = {
      type: "ObjectEvent",
      eventTime: "2020-01-01T00:00:00Z",
      eventTimeZoneOffset: "+00:00",
      action: "OBSERVE",
      quantityList: [{ epcClass: "urn:epc:class:lgtin:x", quantity: 25, uom: "KGM" }],
    };
    const withEmpty = { ...ev, epcList: [] };
    expect(preHash(withEmpty)).toBe(preHash(ev));
  });

  it("keeps non-GS1 identifiers as written (no throw)", () => {
    const ev: EpcisEvent = {
      type: "ObjectEvent",
      eventTime: "2020-01-01T00:00:00Z",
      eventTimeZoneOffset: "+00:00",
      action: "OBSERVE",
      epcList: ["urn:uuid:8d5c7c3e-2f0b-4c43-9e56-2c5b3e8f5d10", "https://example.com/things/1"],
    };
    expect(preHash(ev)).toBe(
      "eventType=ObjectEventeventTime=2020-01-01T00:00:00.000ZeventTimeZoneOffset=+00:00epcListepc=https://example.com/things/1epc=urn:uuid:8d5c7c3e-2f0b-4c43-9e56-2c5b3e8f5d10action=OBSERVE",
    );
  });

  it("puts business transactions, sources and destinations type first, sorted in the tail (ReferenceEventHashAlgorithm3)", () => {
    const ev: EpcisEvent = {
      type: "ObjectEvent",
      eventTime: "2020-03-04T11:00:30+01:00",
      eventTimeZoneOffset: "+01:00",
      epcList: ["urn:epc:id:sgtin:0614141.011111.987"],
      action: "OBSERVE",
      bizStep: "departing",
      disposition: "in_transit",
      readPoint: { id: "urn:epc:id:sgln:4012345.00011.0", extensions: [{ ns: NS, name: "myField1", value: "AB-12" }] },
      bizTransactionList: [{ type: "po", bizTransaction: "urn:epc:id:gdti:4012345.11111.123" }],
      sourceList: [{ type: "owning_party", id: "urn:epc:id:pgln:4012345.00000" }],
      destinationList: [{ type: "owning_party", id: "urn:epc:id:pgln:0614141.00000" }],
      extensions: [{ ns: NS, name: "userExt", value: "CD-34" }],
    };
    // Expected: manifest hash_cases "ReferenceEventHashAlgorithm3".
    const p = preHash(ev);
    expect(p).toBe(
      "eventType=ObjectEventeventTime=2020-03-04T10:00:30.000ZeventTimeZoneOffset=+01:00epcListepc=https://id.gs1.org/01/00614141111114/21/987action=OBSERVEbizStep=https://ref.gs1.org/cbv/BizStep-departingdisposition=https://ref.gs1.org/cbv/Disp-in_transitreadPointid=https://id.gs1.org/414/4012345000115{https://ns.example.com/epcis/}myField1=AB-12bizTransactionListtype=https://ref.gs1.org/cbv/BTT-pobizTransaction=https://id.gs1.org/253/4012345111118123destinationListtype=https://ref.gs1.org/cbv/SDT-owning_partydestination=https://id.gs1.org/417/0614141000005sourceListtype=https://ref.gs1.org/cbv/SDT-owning_partysource=https://id.gs1.org/417/4012345000009{https://ns.example.com/epcis/}userExt=CD-34",
    );
    expect(sha(p)).toBe("ni:///sha-256;a13cbe6c8bb6df3710b3edaeff760a1365ec8fd69ca1f4d7e0c10eb5189a883a?ver=CBV2.0");
  });

  it("writes sensor data in the canonical attribute order, reports sorted (SensorDataExamples event 6)", () => {
    const ev: EpcisEvent = {
      type: "ObjectEvent",
      eventTime: "2019-10-07T16:00:00.000+01:00",
      eventTimeZoneOffset: "+01:00",
      action: "OBSERVE",
      bizStep: "urn:epcglobal:cbv:bizstep:inspecting",
      readPoint: { id: "https://id.gs1.org/414/4012345000054" },
      sensorElementList: [
        {
          sensorMetadata: {
            startTime: "2019-04-01T15:00:00.000+01:00",
            endTime: "2019-04-02T14:59:59.999+01:00",
            extensions: [{ ns: NS, name: "someFurtherMetadata", value: "someText" }],
          },
          sensorReport: [
            {
              type: "gs1:MT-Temperature",
              minValue: 12.4,
              maxValue: 13.8,
              meanValue: 13.2,
              sDev: 0.41,
              uom: "CEL",
              percRank: 50,
              percValue: 12.7,
              extensions: [{ ns: NS, name: "cv", value: "123" }],
            },
            { type: "example:someSensorProperty", stringValue: "someSensorOutput" },
          ],
          extensions: [
            {
              ns: NS,
              name: "furtherSensorData",
              children: [
                { ns: NS, name: "measure1", value: "123.5" },
                { ns: NS, name: "measure2", value: "0.987" },
              ],
            },
          ],
        },
      ],
    };
    // Expected: manifest hash_cases "SensorDataExamples", 6th pre-hash and hash.
    const p = preHash(ev);
    expect(p).toBe(
      "eventType=ObjectEventeventTime=2019-10-07T15:00:00.000ZeventTimeZoneOffset=+01:00action=OBSERVEbizStep=https://ref.gs1.org/cbv/BizStep-inspectingreadPointid=https://id.gs1.org/414/4012345000054sensorElementListsensorElementsensorMetadatastartTime=2019-04-01T14:00:00.000ZendTime=2019-04-02T13:59:59.999Z{https://ns.example.com/epcis/}someFurtherMetadata=someTextsensorReporttype=example:someSensorPropertystringValue=someSensorOutputsensorReporttype=https://gs1.org/voc/MT-TemperatureminValue=12.4maxValue=13.8meanValue=13.2sDev=0.41percRank=50percValue=12.7uom=CEL{https://ns.example.com/epcis/}cv=123{https://ns.example.com/epcis/}furtherSensorData{https://ns.example.com/epcis/}measure1=123.5{https://ns.example.com/epcis/}measure2=0.987",
    );
  });

  it("renders XML attributes of extensions as sorted children and ILMD sorted in the tail", () => {
    const ev: EpcisEvent = {
      type: "TransformationEvent",
      eventTime: "2020-09-29T14:00:00.000+02:00",
      eventTimeZoneOffset: "+02:00",
      ilmd: [
        { ns: "urn:epcglobal:cbv:mda", name: "lotNumber", value: "LOTABC" },
        { ns: NS, name: "grading", value: "A" },
      ],
      extensions: [
        {
          ns: "https://ns.example2.com/epcis",
          name: "furtherData",
          value: "",
          attributes: [
            { ns: "https://ns.example2.com/epcis", prefix: "example2", name: "workingShift", value: "1" },
            { ns: "https://ns.example2.com/epcis", prefix: "example2", name: "assemblyLine", value: "2" },
          ],
        },
        { ns: "https://ns.example4.com/epcis", name: "otherThings", value: " some text " },
      ],
    };
    expect(preHash(ev)).toBe(
      "eventType=TransformationEventeventTime=2020-09-29T12:00:00.000ZeventTimeZoneOffset=+02:00" +
        "ilmd{https://ns.example.com/epcis/}grading=A{urn:epcglobal:cbv:mda}lotNumber=LOTABC" +
        "{https://ns.example2.com/epcis}furtherData{https://ns.example2.com/epcis}assemblyLine=2{https://ns.example2.com/epcis}workingShift=1" +
        "{https://ns.example4.com/epcis}otherThings=some text",
    );
  });

  it("normalises quantities and persistent dispositions", () => {
    const ev: EpcisEvent = {
      type: "ObjectEvent",
      eventTime: "2020-01-01T00:00:00Z",
      eventTimeZoneOffset: "+00:00",
      action: "OBSERVE",
      quantityList: [
        { epcClass: "urn:epc:class:x:2", quantity: 25.0, uom: "KGM" },
        { epcClass: "urn:epc:class:x:1", quantity: 1.5 },
      ],
      persistentDisposition: {
        unset: ["completeness_inferred"],
        set: ["urn:epcglobal:cbv:disp:completeness_verified"],
      },
    };
    expect(preHash(ev)).toBe(
      "eventType=ObjectEventeventTime=2020-01-01T00:00:00.000ZeventTimeZoneOffset=+00:00" +
        "quantityListquantityElementepcClass=urn:epc:class:x:1quantity=1.5quantityElementepcClass=urn:epc:class:x:2quantity=25uom=KGM" +
        "action=OBSERVEpersistentDispositionset=https://ref.gs1.org/cbv/Disp-completeness_verifiedunset=https://ref.gs1.org/cbv/Disp-completeness_inferred",
    );
  });

  it("caches repeated conversions, list members and parentID included", () => {
    const cached = createPreHasher({ canonicalId, cacheSize: 64 });
    calls.length = 0;
    const ev = referenceEvent();
    const first = cached(ev);
    const converted = calls.length;
    expect(converted).toBeGreaterThan(0);
    // The same identifiers again (a unit commissioned, then packed): no new conversions.
    expect(cached(ev)).toBe(first);
    expect(calls.length).toBe(converted);
    expect(calls.filter((c) => c === "urn:epc:id:sscc:4012345.0000000111")).toHaveLength(1);
    const packed: EpcisEvent = {
      type: "AggregationEvent",
      eventTime: "2020-03-04T11:00:31.000+01:00",
      eventTimeZoneOffset: "+01:00",
      parentID: "urn:epc:id:sscc:4012345.0000000111",
      childEPCs: ["urn:epc:id:sscc:4012345.0000000111"],
      action: "ADD",
    };
    const expected = createPreHasher({ canonicalId, cacheSize: 0 })(packed);
    calls.length = 0;
    expect(cached(packed)).toBe(expected);
    expect(calls).toEqual([]);
  });

  it("keeps the cache bounded and can do without one", () => {
    const tiny = createPreHasher({ canonicalId, cacheSize: 2 });
    const none = createPreHasher({ canonicalId, cacheSize: 0 });
    const ev = referenceEvent();
    // Far more distinct cacheable values than the bound: every call still hashes the same.
    expect(tiny(ev)).toBe(preHash(ev));
    expect(tiny(ev)).toBe(preHash(ev));
    calls.length = 0;
    none(ev);
    const once = calls.length;
    none(ev);
    expect(calls.length).toBe(2 * once);
  });

  it("works without a canonicaliser (identifiers as written)", () => {
    const bare = createPreHasher();
    expect(bare(referenceEvent())).toContain("epc=urn:epc:id:sscc:4012345.0000000111");
  });
});
