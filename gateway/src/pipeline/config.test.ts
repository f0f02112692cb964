import { describe, expect, it } from "vitest";
import { parsePipelineConfig } from "./config.ts";
import { SGLN_LINE } from "./test-fixtures.ts";

const rp = (extra: Record<string, unknown> = {}) => ({
  id: "rp1",
  rule: "receiving",
  readPoint: SGLN_LINE,
  devices: [{ deviceId: "r1" }],
  ...extra,
});
const parse =
  (...readPoints: unknown[]) =>
  () =>
    parsePipelineConfig({ eventTimeZoneOffset: "+08:00", readPoints });

describe("read point configuration", () => {
  it("accepts a complete entry and applies the site offset", () => {
    const c = parsePipelineConfig({
      eventTimeZoneOffset: "+08:00",
      companyPrefixLength: 7,
      readPoints: [
        rp({
          bizLocation: "https://id.gs1.org/414/0614141000012",
          bizStep: "receiving",
          disposition: "in_progress",
          cycle: { durationMs: 500, stableSetIntervalMs: 200, missTolerance: 3 },
          barcodeDebounceMs: 800,
          closeCodes: ["CLOSE"],
        }),
      ],
    });
    expect(c.readPoints[0]).toMatchObject({
      id: "rp1",
      path: "readPoints[0]",
      readPoint: SGLN_LINE,
      bizLocation: "https://id.gs1.org/414/0614141000012",
      eventTimeZoneOffset: "+08:00",
      cycle: { durationMs: 500, stableSetIntervalMs: 200, missTolerance: 3, barcodeDebounceMs: 800 },
      closeCodes: ["CLOSE"],
    });
    expect(c.companyPrefixLength).toBe(7);
  });

  it("errors name the key and the rule", () => {
    expect(parse(rp(), rp({ id: "rp2", bizLocation: "urn:epc:id:sgtin:0614141.812345.6789" }))).toThrow(
      /^RULE_BAD_CONFIG: readPoints\[1\]\.bizLocation: "urn:epc:id:sgtin:0614141\.812345\.6789" identifies a sgtin, not a location/,
    );
    expect(parse(rp({ readPoint: "dock 1" }))).toThrow(
      /^RULE_BAD_CONFIG: readPoints\[0\]\.readPoint: "dock 1" is not a location identifier/,
    );
    expect(parse(rp({ readPoint: undefined }))).toThrow("RULE_BAD_CONFIG: readPoints[0].readPoint: is required");
    expect(parse(rp({ bizStep: "loading_truck" }))).toThrow(
      /readPoints\[0\]\.bizStep: "loading_truck" is not a CBV 2\.0 bizStep/,
    );
    expect(parse(rp({ disposition: "sold" }))).toThrow(/readPoints\[0\]\.disposition: "sold"/);
    expect(parse(rp({ rule: "teleporting" }))).toThrow(/readPoints\[0\]\.rule: "teleporting" is not a rule/);
    expect(parse(rp({ devices: [] }))).toThrow("readPoints[0].devices: at least one device is required");
    expect(parse(rp({ devices: [{ deviceId: "r1", antennas: [-1] }] }))).toThrow(
      "readPoints[0].devices[0].antennas[0]",
    );
    expect(parse(rp({ cycle: { durationMs: 1000, repeatPeriodMs: 10 } }))).toThrow(
      "readPoints[0].cycle.repeatPeriodMs: must be ≥ durationMs",
    );
    expect(parse(rp({ cycle: { minReadRate: 1.5 } }))).toThrow("readPoints[0].cycle.minReadRate");
    expect(parse(rp({ eventTimeZoneOffset: "CST" }))).toThrow('readPoints[0].eventTimeZoneOffset: "CST" is not ±hh:mm');
    expect(parse(rp(), rp())).toThrow('readPoints[1].id: "rp1" is used by another read point');
    expect(() => parsePipelineConfig({ readPoints: {} })).toThrow("RULE_BAD_CONFIG: readPoints: must be a list");
    expect(() => parsePipelineConfig({ readPoints: [], eventTimeZoneOffset: "+25:00" })).toThrow(
      "RULE_BAD_CONFIG: eventTimeZoneOffset",
    );
    expect(() => parsePipelineConfig({ readPoints: [], extra: 1 })).toThrow("RULE_BAD_CONFIG: extra: unknown key");
  });

  it("minRssi: a dBm threshold per read point, validated", () => {
    const c = parsePipelineConfig({ readPoints: [rp({ minRssi: -70 }), rp({ id: "rp2" })] });
    expect(c.readPoints[0]?.minRssi).toBe(-70);
    expect(c.readPoints[1]?.minRssi).toBeUndefined();
    expect(parse(rp({ minRssi: "-70" }))).toThrow(
      /^RULE_BAD_CONFIG: readPoints\[0\]\.minRssi: must be a number, got string/,
    );
    expect(parse(rp({ minRssi: -200 }))).toThrow(
      /^RULE_BAD_CONFIG: readPoints\[0\]\.minRssi: must be a signal strength in dBm from -128 to 20, got -200/,
    );
    // 70 instead of −70: would drop every read, so it is refused.
    expect(parse(rp({ minRssi: 70 }))).toThrow("readPoints[0].minRssi: must be a signal strength in dBm");
  });

  it("a prefix puts the pipeline section's keys in the whole file's terms", () => {
    expect(() => parsePipelineConfig({ readPoints: [rp({ readPoint: "x y" })] }, "pipeline")).toThrow(
      /^RULE_BAD_CONFIG: pipeline\.readPoints\[0\]\.readPoint/,
    );
  });
});
