import { describe, expect, it } from "vitest";
import type { EpcisDocument, EpcisEvent } from "./model.ts";
import { collectEventErrors, isDateTimeStamp, isTimeZoneOffset, validateEpcisDocument } from "./validate.ts";

// EPCIS 2.0 §9.6.1 example event (shipping two SGTINs), in model form.
const base: EpcisEvent = {
  type: "ObjectEvent",
  eventTime: "2005-04-03T20:33:31.116-06:00",
  eventTimeZoneOffset: "-06:00",
  action: "OBSERVE",
  epcList: ["urn:epc:id:sgtin:0614141.107346.2017", "urn:epc:id:sgtin:0614141.107346.2018"],
  bizStep: "shipping",
  disposition: "in_transit",
  readPoint: { id: "urn:epc:id:sgln:0614141.07346.1234" },
  bizTransactionList: [{ type: "po", bizTransaction: "http://transaction.acme.com/po/12345678" }],
};

const codes = (ev: Partial<EpcisEvent>) =>
  collectEventErrors({ ...base, ...ev } as EpcisEvent, "e").map((e) => `${e.code} ${e.field}`);

describe("validate: times", () => {
  it("accepts xsd:dateTimeStamp with offset and rejects others", () => {
    for (const t of ["2005-04-03T20:33:31.116-06:00", "2013-06-08T14:58:56.591Z", "2020-02-29T00:00:00+14:00"])
      expect(isDateTimeStamp(t), t).toBe(true);
    for (const t of [
      "22-07-2026",
      "2005-04-03T20:33:31",
      "2006-11-07T13:00Z",
      "2021-02-29T00:00:00Z",
      "2005-13-03T20:33:31Z",
      "2005-04-03T25:33:31Z",
      "2005-04-03T20:33:31+15:00",
    ])
      expect(isDateTimeStamp(t), t).toBe(false);
    expect(isTimeZoneOffset("+14:00")).toBe(true);
    expect(isTimeZoneOffset("-06:00")).toBe(true);
    expect(isTimeZoneOffset("+14:30")).toBe(false);
    expect(isTimeZoneOffset("0600")).toBe(false);
  });
});

describe("validate: events", () => {
  it("accepts the §9.6.1 example event", () => {
    expect(codes({})).toEqual([]);
  });

  it("checks required fields and actions", () => {
    expect(codes({ action: undefined })).toEqual(["EPCIS_MISSING_FIELD e.action"]);
    expect(codes({ action: "CREATE" as never })).toEqual(["EPCIS_BAD_VALUE e.action"]);
    expect(codes({ eventTime: "22-07-2026" })).toEqual(["EPCIS_BAD_TIME e.eventTime"]);
    expect(codes({ eventTimeZoneOffset: "" })).toEqual(["EPCIS_MISSING_FIELD e.eventTimeZoneOffset"]);
    expect(codes({ epcList: undefined })).toEqual(["EPCIS_MISSING_FIELD e.epcList"]);
    // JSON schema: an empty epcList is allowed on ObjectEvent.
    expect(codes({ epcList: [] })).toEqual([]);
  });

  it("checks CBV terms and URIs", () => {
    expect(codes({ bizStep: "transforming" })).toEqual(["EPCIS_NOT_CBV e.bizStep"]);
    expect(codes({ disposition: "in_transport" })).toEqual(["EPCIS_NOT_CBV e.disposition"]);
    expect(
      codes({ bizStep: "urn:epcglobal:cbv:bizstep:shipping", disposition: "https://ref.gs1.org/cbv/Disp-in_transit" }),
    ).toEqual([]);
    expect(codes({ bizStep: "https://example.com/steps/brewing" })).toEqual([]);
    expect(codes({ sourceList: [{ type: "place", id: "urn:epc:id:sgln:952012.345678.0" }] })).toEqual([
      "EPCIS_NOT_CBV e.sourceList[0].type",
    ]);
    expect(codes({ epcList: ["not a uri"] })).toEqual(["EPCIS_BAD_VALUE e.epcList[0]"]);
  });

  it("checks quantities", () => {
    expect(
      codes({ quantityList: [{ epcClass: "urn:epc:class:lgtin:4012345.012345.998877", quantity: 200, uom: "KGM" }] }),
    ).toEqual([]);
    expect(
      codes({ quantityList: [{ epcClass: "urn:epc:class:lgtin:4012345.012345.998877", quantity: "20" as never }] }),
    ).toEqual(["EPCIS_BAD_TYPE e.quantityList[0].quantity"]);
    expect(
      codes({
        quantityList: [{ epcClass: "urn:epc:class:lgtin:4012345.012345.998877", quantity: 2, uom: "kilogram" }],
      }),
    ).toEqual(["EPCIS_BAD_VALUE e.quantityList[0].uom"]);
  });

  it("applies per-type rules (EPCIS 2.0 §7.4)", () => {
    const agg: EpcisEvent = {
      type: "AggregationEvent",
      eventTime: "2013-06-08T14:58:56.591Z",
      eventTimeZoneOffset: "+02:00",
      action: "ADD",
      parentID: "urn:epc:id:sscc:0614141.1234567890",
      childEPCs: ["urn:epc:id:sgtin:0614141.107346.2017"],
    };
    expect(collectEventErrors(agg, "a")).toEqual([]);
    expect(collectEventErrors({ ...agg, parentID: undefined }, "a").map((e) => e.field)).toEqual(["a.parentID"]);
    expect(collectEventErrors({ ...agg, action: "OBSERVE", parentID: undefined }, "a")).toEqual([]);
    expect(collectEventErrors({ ...agg, action: "DELETE", childEPCs: undefined }, "a")).toEqual([]);
    expect(
      collectEventErrors({ ...agg, epcList: ["urn:epc:id:sgtin:0614141.107346.1"] }, "a").map((e) => e.code),
    ).toEqual(["EPCIS_UNKNOWN_FIELD"]);
    const tx: EpcisEvent = {
      type: "TransformationEvent",
      eventTime: "2013-06-08T14:58:56.591Z",
      eventTimeZoneOffset: "+02:00",
      inputEPCList: ["urn:epc:id:sgtin:4012345.011122.25"],
      outputEPCList: ["urn:epc:id:sgtin:4012345.077889.25"],
    };
    expect(collectEventErrors(tx, "t")).toEqual([]);
    expect(collectEventErrors({ ...tx, outputEPCList: undefined }, "t").map((e) => e.code)).toEqual([
      "EPCIS_MISSING_FIELD",
    ]);
    expect(
      collectEventErrors(
        { ...tx, outputEPCList: undefined, transformationID: "urn:epc:id:gdti:0614141.12345.400" },
        "t",
      ),
    ).toEqual([]);
    // §7.4.2: ILMD only with action ADD.
    expect(codes({ ilmd: [{ ns: "urn:epcglobal:cbv:mda:", name: "lotNumber", value: "LOT1" }] })).toEqual([
      "EPCIS_BAD_VALUE e.ilmd",
    ]);
  });

  it("throws the first error of a document with its path", () => {
    const doc: EpcisDocument = {
      kind: "EPCISDocument",
      schemaVersion: "2.0",
      events: [base, { ...base, bizStep: "transforming" }],
    };
    expect(() => validateEpcisDocument(doc)).toThrow(
      expect.objectContaining({ code: "EPCIS_NOT_CBV", field: "epcisBody.eventList[1].bizStep" }),
    );
    const q: EpcisDocument = { ...doc, kind: "EPCISQueryDocument" };
    expect(() => validateEpcisDocument(q)).toThrow(
      expect.objectContaining({ field: "epcisBody.queryResults.resultsBody.eventList[1].bizStep" }),
    );
    expect(() => validateEpcisDocument({ ...doc, events: [base] })).not.toThrow();
  });
});
