import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  expandBareWord,
  expandStandardCurie,
  formatNumber,
  normaliseNumericText,
  normaliseTimestamp,
  parsePythonFloat,
  rewriteCbvUrns,
} from "./normalise.ts";

describe("normaliseTimestamp (CBV 2.0 §8.9.2 rules 8/9)", () => {
  // Expected values: RalphTro expected_equal/timestampPrecision.xml, timestampTimeZone*.xml and
  // examples/TimeStampRoundOff (pre-hash eventTime values).
  it.each([
    ["2019-10-21T14:58:56.000000+02:00", "2019-10-21T12:58:56.000Z"],
    ["2019-10-21T14:58:56.0+02:00", "2019-10-21T12:58:56.000Z"],
    ["2019-10-21T14:58:56+02:00", "2019-10-21T12:58:56.000Z"],
    ["2019-10-21T15:58:56.000+03:00", "2019-10-21T12:58:56.000Z"],
    ["2019-10-21T12:58:56.000Z", "2019-10-21T12:58:56.000Z"],
    ["2019-10-21T03:58:56+02:00", "2019-10-21T01:58:56.000Z"],
    ["2023-02-02T11:04:03.1415Z", "2023-02-02T11:04:03.142Z"],
    ["2023-02-02T11:04:03.1414Z", "2023-02-02T11:04:03.141Z"],
    ["2023-02-12T11:04:03.1007Z", "2023-02-12T11:04:03.101Z"],
    ["2022-02-16T20:33:31.116-06:00", "2022-02-17T02:33:31.116Z"],
  ])("%s -> %s", (input, expected) => {
    expect(normaliseTimestamp(input)).toBe(expected);
  });

  it("rounds half to even on the microsecond value, like the reference (Python round)", () => {
    expect(normaliseTimestamp("2020-01-01T00:00:00.1425Z")).toBe("2020-01-01T00:00:00.142Z");
    expect(normaliseTimestamp("2020-01-01T00:00:00.1435Z")).toBe("2020-01-01T00:00:00.144Z");
    expect(normaliseTimestamp("2020-01-01T00:00:00.14250001Z")).toBe("2020-01-01T00:00:00.142Z"); // µs truncated
  });

  it("carries a rounding into the next second, day and year", () => {
    expect(normaliseTimestamp("2019-12-31T23:59:59.9996Z")).toBe("2020-01-01T00:00:00.000Z");
  });

  it("crosses the date line with the offset", () => {
    expect(normaliseTimestamp("2020-03-01T01:00:00+05:30")).toBe("2020-02-29T19:30:00.000Z");
    expect(normaliseTimestamp("2020-12-31T20:00:00-0500")).toBe("2021-01-01T01:00:00.000Z");
  });

  it.each(["", "2019-13-01T00:00:00Z", "2019-02-29T00:00:00Z", "2019-10-21", "soon", "2019-10-21T24:00:00Z"])(
    "%j is not a timestamp (kept as written by the caller)",
    (input) => {
      expect(normaliseTimestamp(input)).toBeUndefined();
    },
  );

  it("agrees with Date for millisecond inputs (property)", () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date("1970-01-01T00:00:00Z"), max: new Date("2999-12-31T23:59:59Z"), noInvalidDate: true }),
        fc.integer({ min: -23 * 60, max: 23 * 60 }),
        (d, off) => {
          const local = new Date(d.getTime() + off * 60_000).toISOString().slice(0, 23);
          const sign = off < 0 ? "-" : "+";
          const a = Math.abs(off);
          const text = `${local}${sign}${String(Math.floor(a / 60)).padStart(2, "0")}:${String(a % 60).padStart(2, "0")}`;
          expect(normaliseTimestamp(text)).toBe(d.toISOString());
        },
      ),
    );
  });
});

describe("numbers (CBV 2.0 §8.9.2 rule 7)", () => {
  // Expected values: RalphTro pre-hashes (quantity 25.0 -> 25, value 26.0 -> 26, 0.41, 12.7,
  // stringValue 111100001111000011110000 -> 111100001111000003641344) and Python float()/repr.
  it.each([
    ["25.0", "25"],
    ["26.0", "26"],
    ["160.0", "160"],
    ["0.41", "0.41"],
    ["+5", "5"],
    ["007", "7"],
    ["-0.0", "0"],
    ["1e3", "1000"],
    ["1_000", "1000"],
    ["0.00001", "1e-05"],
    ["0.0001", "0.0001"],
    ["-1.5e-7", "-1.5e-07"],
    ["1e-100", "1e-100"],
    ["111100001111000011110000", "111100001111000003641344"],
    ["12345678901234567890", "12345678901234567168"],
    [".5", "0.5"],
    ["5.", "5"],
  ])("%s -> %s", (input, expected) => {
    expect(normaliseNumericText(input)).toBe(expected);
  });

  it.each(["", "abc", "+01:00", "1__0", "_1", "1_", "1e", "e5", ".", "0x10", "1.2.3", "(414)4023333000000", "KGM"])(
    "%j is not a number",
    (input) => {
      expect(parsePythonFloat(input)).toBeUndefined();
    },
  );

  it("keeps NaN and infinities as text", () => {
    expect(normaliseNumericText("nan")).toBeUndefined();
    expect(normaliseNumericText("-Infinity")).toBeUndefined();
    expect(parsePythonFloat("INF")).toBe(Number.POSITIVE_INFINITY);
  });

  it("formats JSON numbers like their text", () => {
    expect(formatNumber(12.1)).toBe("12.1");
    expect(formatNumber(26)).toBe("26");
    expect(formatNumber(1e21)).toBe("1000000000000000000000");
    expect(formatNumber(2.5e-5)).toBe("2.5e-05");
  });

  it("is idempotent and round-trips the value (property)", () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        const s = formatNumber(x)!;
        expect(Number(s)).toBe(x === 0 ? 0 : x);
        expect(normaliseNumericText(s)).toBe(s);
      }),
    );
  });
});

describe("vocabulary", () => {
  it("rewrites the five CBV URN vocabularies, not business transaction IDs", () => {
    expect(rewriteCbvUrns("urn:epcglobal:cbv:bizstep:shipping")).toBe("https://ref.gs1.org/cbv/BizStep-shipping");
    expect(rewriteCbvUrns("urn:epcglobal:cbv:disp:in_transit")).toBe("https://ref.gs1.org/cbv/Disp-in_transit");
    expect(rewriteCbvUrns("urn:epcglobal:cbv:btt:po")).toBe("https://ref.gs1.org/cbv/BTT-po");
    expect(rewriteCbvUrns("urn:epcglobal:cbv:sdt:owning_party")).toBe("https://ref.gs1.org/cbv/SDT-owning_party");
    expect(rewriteCbvUrns("urn:epcglobal:cbv:er:incorrect_data")).toBe("https://ref.gs1.org/cbv/ER-incorrect_data");
    expect(rewriteCbvUrns("urn:epcglobal:cbv:bt:4012345000009:ASN1099")).toBe(
      "urn:epcglobal:cbv:bt:4012345000009:ASN1099",
    );
  });

  it("expands gs1: and cbv: CURIEs only", () => {
    expect(expandStandardCurie("gs1:MT-Temperature")).toBe("https://gs1.org/voc/MT-Temperature");
    expect(expandStandardCurie("cbv:Comp-latitude")).toBe("https://ref.gs1.org/cbv/Comp-latitude");
    expect(expandStandardCurie("example:z")).toBe("example:z");
  });

  it("expands bare JSON-LD words by vocabulary", () => {
    expect(expandBareWord("departing", "bizStep")).toBe("https://ref.gs1.org/cbv/BizStep-departing");
    expect(expandBareWord("in_progress", "disp")).toBe("https://ref.gs1.org/cbv/Disp-in_progress");
    expect(expandBareWord("Temperature", "measurementType")).toBe("https://gs1.org/voc/Temperature");
    expect(expandBareWord("ALARM_CONDITION", "exception")).toBe("https://gs1.org/voc/ALARM_CONDITION");
    expect(expandBareWord("example:someSensorProperty", "measurementType")).toBe("example:someSensorProperty");
  });
});
