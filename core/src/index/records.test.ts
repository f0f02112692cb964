import { type EpcisEvent, eventHash } from "@suyuan/proto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { IndexRecord } from "../store/store.ts";
import { canon, kindOf } from "./canon.ts";
import { storedEvent } from "./golden.fixtures.ts";
import { indexRecords, isUtcMillis, keyId, padIndex, parseEntry, SEP, timeKey } from "./records.ts";

// Canonical forms worked out by hand from GS1 General Specifications §7.9 check digits:
// GTIN-14 of SGTIN 0614141.107346 = "1" + "0614141" + "07346" + check 4.
const CASE_DL = "https://id.gs1.org/01/10614141073464/21/CA1";
const LOT_M1 = "https://id.gs1.org/01/10614141073464/10/M1";
const GTIN_DL = "https://id.gs1.org/01/10614141073464";
const SSCC_DL = "https://id.gs1.org/00/106141410000000019"; // ext 1 + 0614141 + 000000001 + check 9
const FARM_DL = "https://id.gs1.org/414/0614141000012"; // GLN 0614141 00001 + check 2

const stored = storedEvent;

function recs(rs: IndexRecord[], index: string): Array<[string, string]> {
  return rs.filter((r) => r.index === index).map((r) => [r.key, String(r.value)]);
}

const base = { eventTimeZoneOffset: "+08:00" } as const;

describe("indexRecords", () => {
  it("files every EPC under its canonical Digital Link, keyed by UTC time and padded index", () => {
    const ev: EpcisEvent = {
      ...base,
      type: "ObjectEvent",
      eventTime: "2024-06-01T10:00:00+08:00",
      action: "ADD",
      // the same case in two spellings: EPC URI and element string
      epcList: ["urn:epc:id:sgtin:0614141.107346.CA1", "(01)10614141073464(21)CA1"],
      bizStep: "urn:epcglobal:cbv:bizstep:commissioning",
      disposition: "https://ref.gs1.org/cbv/Disp-active",
      readPoint: { id: "urn:epc:id:sgln:0614141.00001.0" },
      bizLocation: { id: "urn:epc:id:sgln:0614141.00001.0" },
    };
    const rs = indexRecords(stored(ev), 42);
    const ids = recs(rs, "id");
    expect(ids).toHaveLength(1);
    expect(ids[0]![0]).toBe(`${CASE_DL}${SEP}2024-06-01T02:00:00.000Z${SEP}000000000042`);
    const e = parseEntry(ids[0]![0], ids[0]![1]);
    expect(keyId(ids[0]![0])).toBe(CASE_DL);
    expect(e).toMatchObject({
      index: 42,
      role: "e",
      type: "O",
      action: "ADD",
      bizStep: "commissioning",
      disposition: "active",
      bizLocation: FARM_DL,
      readPoint: FARM_DL,
      declaration: false,
    });
    expect(recs(rs, "loc")).toEqual([[`${FARM_DL}${SEP}2024-06-01T02:00:00.000Z${SEP}000000000042`, "rb"]]);
    expect(recs(rs, "time")).toEqual([[`2024-06-01T02:00:00.000Z${SEP}000000000042`, "ObjectEvent"]]);
    expect(recs(rs, "rtime")).toEqual([[`2024-06-20T00:00:00.000Z${SEP}000000000042`, "ObjectEvent"]]);
  });

  it("takes a unit's lot from commissioning ILMD cbvmda:lotNumber (CBV 2.0 §8) and from an element string", () => {
    const ev: EpcisEvent = {
      ...base,
      type: "ObjectEvent",
      eventTime: "2024-06-01T10:00:00+08:00",
      action: "ADD",
      epcList: ["urn:epc:id:sgtin:0614141.107346.CA1", "(01)10614141073464(10)M9(21)CA2"],
      ilmd: [{ ns: "urn:epcglobal:cbv:mda:", name: "lotNumber", value: "M1" }],
    };
    const rs = indexRecords(stored(ev), 1);
    expect(recs(rs, "lot-m").sort()).toEqual(
      [
        [`${LOT_M1}${SEP}000000000001`, JSON.stringify([CASE_DL])],
        // the lot the code itself carries wins over ILMD
        [
          `https://id.gs1.org/01/10614141073464/10/M9${SEP}000000000001`,
          JSON.stringify([`https://id.gs1.org/01/10614141073464/21/CA2`]),
        ],
      ].sort(),
    );
    // Each member's id entry names its lot; there are no per-member `lot-of` records.
    const lots = recs(rs, "id").map(([k, v]) => [keyId(k), parseEntry(k, v).lot]);
    expect(lots).toEqual([
      [CASE_DL, LOT_M1],
      ["https://id.gs1.org/01/10614141073464/21/CA2", "https://id.gs1.org/01/10614141073464/10/M9"],
    ]);
    expect(recs(rs, "lot-of")).toEqual([]);
  });

  it("indexes quantity elements at class level: LGTIN, and GTIN for an SGTIN pattern (EPCIS 2.0 §7.3.3.3)", () => {
    const ev: EpcisEvent = {
      ...base,
      type: "ObjectEvent",
      eventTime: "2024-06-01T06:00:00+08:00",
      action: "ADD",
      quantityList: [
        { epcClass: "urn:epc:class:lgtin:0614141.107346.M1", quantity: 5, uom: "KGM" },
        { epcClass: "urn:epc:idpat:sgtin:0614141.107346.*", quantity: 3 },
      ],
    };
    const keys = recs(indexRecords(stored(ev), 3), "class").map(([k]) => k.split(SEP)[0]);
    expect(keys).toEqual([LOT_M1, GTIN_DL]);
    expect(kindOf(LOT_M1)).toBe("lot");
    expect(kindOf(GTIN_DL)).toBe("class");
  });

  it("records containment both ways, and a DELETE without children as '*' (EPCIS 2.0 §7.4.3)", () => {
    const add: EpcisEvent = {
      ...base,
      type: "AggregationEvent",
      eventTime: "2024-06-01T12:00:00+08:00",
      action: "ADD",
      parentID: "urn:epc:id:sscc:0614141.1000000001",
      childEPCs: ["urn:epc:id:sgtin:0614141.107346.CA1"],
    };
    const rs = indexRecords(stored(add), 5);
    expect(recs(rs, "child")).toEqual([
      [`${SSCC_DL}${SEP}2024-06-01T04:00:00.000Z${SEP}000000000005`, `ADD${SEP}${JSON.stringify([CASE_DL])}`],
    ]);
    const child = recs(rs, "id").find(([k]) => k.startsWith(CASE_DL))!;
    expect(parseEntry(child[0], child[1])).toMatchObject({ role: "c", link: SSCC_DL, type: "A" });
    const parent = recs(rs, "id").find(([k]) => k.startsWith(SSCC_DL))!;
    expect(parseEntry(parent[0], parent[1])).toMatchObject({ role: "p", link: "" });

    const delAll: EpcisEvent = { ...add, action: "DELETE", childEPCs: undefined } as EpcisEvent;
    const rd = indexRecords(stored(delAll), 6);
    expect(recs(rd, "child")).toEqual([
      [`${SSCC_DL}${SEP}2024-06-01T04:00:00.000Z${SEP}000000000006`, `DELETE${SEP}["*"]`],
    ]);
    const p = recs(rd, "id")[0]!;
    expect(parseEntry(p[0], p[1])).toMatchObject({ role: "p", action: "DELETE", link: "*" });
  });

  it("records transformation edges by transformationID, instance and class level, and the outputs' lot", () => {
    const ev: EpcisEvent = {
      ...base,
      type: "TransformationEvent",
      eventTime: "2024-06-06T08:00:00+08:00",
      transformationID: "urn:uuid:t1",
      inputEPCList: ["urn:epc:id:sgtin:0614141.107346.CA1"],
      inputQuantityList: [{ epcClass: "urn:epc:class:lgtin:0614141.107346.M1", quantity: 200, uom: "KGM" }],
      outputEPCList: ["urn:epc:id:sgtin:0614141.207346.B1"],
      ilmd: [{ ns: "urn:epcglobal:cbv:mda", name: "lotNumber", value: "J1" }],
    };
    const rs = indexRecords(stored(ev), 9);
    const B1 = "https://id.gs1.org/01/20614141073461/21/B1";
    const J1 = "https://id.gs1.org/01/20614141073461/10/J1";
    expect(recs(rs, "xf-in")).toEqual([
      [`tid:urn:uuid:t1${SEP}000000000009`, `i${SEP}${CASE_DL}`],
      [`tid:urn:uuid:t1${SEP}000000000009`, `c${SEP}${LOT_M1}`],
    ]);
    expect(recs(rs, "xf-out")).toEqual([
      [`tid:urn:uuid:t1${SEP}000000000009`, `i${SEP}${B1}`],
      [`tid:urn:uuid:t1${SEP}000000000009`, `l${SEP}${J1}`],
    ]);
    expect(recs(rs, "lot-m")).toEqual([[`${J1}${SEP}000000000009`, JSON.stringify([B1])]]);
    const input = recs(rs, "id").find(([k]) => k.startsWith(CASE_DL))!;
    expect(parseEntry(input[0], input[1])).toMatchObject({ role: "i", link: "tid:urn:uuid:t1" });
    const cls = recs(rs, "class")[0]!;
    expect(parseEntry(cls[0], cls[1])).toMatchObject({ role: "i", link: "tid:urn:uuid:t1" });
    // without a transformationID the event is its own transformation
    const anon = indexRecords(stored({ ...ev, transformationID: undefined } as EpcisEvent), 10);
    expect(recs(anon, "xf-in")[0]![0]).toBe(`ev:000000000010${SEP}000000000010`);
  });

  it("files an error declaration under its own index with the target eventID, flags its entries and its evid record", () => {
    const ev: EpcisEvent = {
      ...base,
      type: "ObjectEvent",
      eventTime: "2024-06-01T10:00:00+08:00",
      action: "OBSERVE",
      eventID: "urn:uuid:e1",
      epcList: ["urn:epc:id:sgtin:0614141.107346.CA1"],
    };
    expect(recs(indexRecords(stored(ev), 1), "evid")).toEqual([["urn:uuid:e1", "000000000001"]]);
    const decl = {
      ...ev,
      errorDeclaration: { declarationTime: "2024-06-02T00:00:00Z", correctiveEventIDs: ["urn:uuid:e2"] },
    };
    const rs = indexRecords(stored(decl), 2);
    expect(recs(rs, "err")).toEqual([["000000000002", "urn:uuid:e1"]]);
    expect(recs(rs, "evid")).toEqual([["urn:uuid:e1", `000000000002${SEP}E`]]);
    const id = recs(rs, "id")[0]!;
    expect(parseEntry(id[0], id[1]).declaration).toBe(true);
    // without an eventID the target is the CBV 2.0 hash, which leaves errorDeclaration out
    const noId = { ...decl, eventID: undefined } as EpcisEvent;
    expect(recs(indexRecords(stored(noId), 3), "err")[0]![1]).toBe(
      eventHash({ ...ev, eventID: undefined } as EpcisEvent),
    );
  });

  it("never throws on identifiers that are not GS1 codes, and keeps them as written", () => {
    const ev: EpcisEvent = {
      ...base,
      type: "ObjectEvent",
      eventTime: "2024-06-01T10:00:00+08:00",
      action: "OBSERVE",
      epcList: ["urn:example:thing:1", "https://example.com/not-a-dl"],
      readPoint: { id: "urn:example:dock:7" },
    };
    const keys = recs(indexRecords(stored(ev), 0), "id").map(([k]) => k.split(SEP)[0]);
    expect(keys).toEqual(["urn:example:thing:1", "https://example.com/not-a-dl"]);
    expect(canon("urn:epc:id:sgtin:0614141.107346.CA1")).toBe(CASE_DL);
  });

  it("makes time keys sortable across offsets and pads indexes", () => {
    expect(timeKey("2024-06-01T00:30:00+08:00") < timeKey("2024-05-31T23:00:00Z")).toBe(true);
    expect(padIndex(7)).toBe("000000000007");
  });

  it("skips the Date round trip only for times it would return unchanged (property)", () => {
    // The definition: UTC ISO 8601 with ms by way of Date, the input when Date cannot read it.
    const viaDate = (t: string) => {
      const ms = Date.parse(t);
      return Number.isNaN(ms) ? t : new Date(ms).toISOString();
    };
    const d = (n: number) => fc.integer({ min: 0, max: 10 ** n - 1 }).map((v) => String(v).padStart(n, "0"));
    // Field values around and beyond every range: month 00/13, day 29–31 in every month and
    // leap year (1900, 2000, 2024), hour 24, minute 60, leap second 60.
    const year = fc.oneof(d(4), fc.constantFrom("1900", "2000", "2023", "2024", "0000", "9999"));
    const near = (max: number) => fc.integer({ min: 0, max: max + 1 }).map((v) => String(v).padStart(2, "0"));
    const stamp = fc
      .tuple(year, near(12), near(31), near(24), near(60), near(60), d(3), fc.constantFrom("Z", "Z", "+00:00", "z"))
      .map(([y, mo, dd, h, mi, s, ms, z]) => `${y}-${mo}-${dd}T${h}:${mi}:${s}.${ms}${z}`);
    fc.assert(
      fc.property(stamp, (t) => {
        expect(timeKey(t)).toBe(viaDate(t));
        if (isUtcMillis(t)) expect(viaDate(t)).toBe(t);
      }),
      { numRuns: 5000 },
    );
    expect(isUtcMillis("2024-02-29T23:59:59.999Z")).toBe(true);
    expect(isUtcMillis("2023-02-29T00:00:00.000Z")).toBe(false);
    expect(timeKey("2023-02-29T00:00:00.000Z")).toBe("2023-03-01T00:00:00.000Z");
    expect(timeKey("2024-06-01T24:00:00.000Z")).toBe("2024-06-02T00:00:00.000Z");
  });
});
