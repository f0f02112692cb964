import { describe, expect, it } from "vitest";
import type { EpcisEvent } from "../epcis/model.ts";
import { isSuyuanError } from "../errors.ts";
import { eventHash, eventHashBytes, formatEventHashId, parseEventHashId, preHashString } from "./event-hash.ts";

// RalphTro examples/ReferenceEventHashAlgorithm2.jsonld (sensor data, identifiers as EPC URIs).
const EVENT: EpcisEvent = {
  type: "ObjectEvent",
  eventTime: "2020-04-01T15:00:00.000+01:00",
  eventTimeZoneOffset: "+01:00",
  epcList: ["urn:epc:id:sgtin:4012345.011111.9876"],
  action: "OBSERVE",
  bizStep: "inspecting",
  readPoint: { id: "urn:epc:id:sgln:4012345.00005.0" },
  sensorElementList: [
    {
      sensorMetadata: { deviceID: "urn:epc:id:giai:4000001.111", deviceMetadata: "https://id.gs1.org/8004/4000001111" },
      sensorReport: [
        { type: "Temperature", value: 26, uom: "CEL", sDev: 0.1 },
        { type: "AbsoluteHumidity", value: 12.1, uom: "A93" },
        {
          type: "Dimensionless",
          chemicalSubstance: "https://identifiers.org/inchikey:CZMRCDWAGMRECN-UGDNZRGBSA-N",
          value: 0.18,
          uom: "C35",
        },
        {
          type: "Dimensionless",
          microorganism: "https://www.ncbi.nlm.nih.gov/taxonomy/1126011",
          value: 0.05,
          uom: "C35",
        },
      ],
    },
  ],
};
// Expected: manifest hash_cases "ReferenceEventHashAlgorithm2".
const EXPECTED = "ni:///sha-256;49b13037c36e84ad9307c531671b00e901318c3957e4b1151f816ec49eb668da?ver=CBV2.0";

describe("eventHash", () => {
  it("matches the reference hash, with real identifier canonicalisation", () => {
    expect(preHashString(EVENT)).toContain("epcListepc=https://id.gs1.org/01/04012345111118/21/9876");
    expect(eventHash(EVENT)).toBe(EXPECTED);
  });

  it("writes the CBV 2.1 version parameter on request", () => {
    expect(eventHash(EVENT, { cbvVersion: "2.1" })).toBe(EXPECTED.replace("CBV2.0", "CBV2.1"));
  });

  it("gives the digest bytes of the ID, and round-trips through parse/format", () => {
    const bytes = eventHashBytes(EVENT);
    expect(bytes.length).toBe(32);
    expect(Buffer.from(bytes).toString("hex")).toBe(EXPECTED.slice(14, 78));
    expect(parseEventHashId(EXPECTED)).toEqual(bytes);
    expect(formatEventHashId(bytes)).toBe(EXPECTED);
  });
});

describe("parseEventHashId", () => {
  it("accepts upper-case hex and other CBV versions", () => {
    expect(
      parseEventHashId(EXPECTED.toUpperCase().replace("NI:///SHA-256;", "ni:///sha-256;").replace("?VER=", "?ver=")),
    ).toEqual(parseEventHashId(EXPECTED));
    expect(parseEventHashId(EXPECTED.replace("CBV2.0", "CBV2.1")).length).toBe(32);
  });

  it.each([
    ["", "empty"],
    ["urn:uuid:8d5c7c3e-2f0b-4c43-9e56-2c5b3e8f5d10", "not an ni URI"],
    [EXPECTED.replace("sha-256", "sha-384"), "other algorithm"],
    [EXPECTED.replace("?ver=CBV2.0", ""), "no version"],
    [EXPECTED.replace("49b1", "49b"), "63 digits"],
    [EXPECTED.replace("49b1", "49g1"), "non-hex digit"],
    [EXPECTED.replace("?ver=CBV2.0", "?ver=CBV2"), "version without minor"],
    [EXPECTED + "x", "trailing text"],
  ])("rejects %j (%s) with HASH_BAD_ID", (id) => {
    let err: unknown;
    try {
      parseEventHashId(id);
    } catch (e) {
      err = e;
    }
    expect(isSuyuanError(err, "HASH_BAD_ID")).toBe(true);
  });
});
