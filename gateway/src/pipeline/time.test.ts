import { describe, expect, it } from "vitest";
import { formatEventTime, gs1DateToIso, offsetMinutes } from "./time.ts";

describe("formatEventTime (EPCIS 2.0 §7.3.1)", () => {
  it("writes the instant in the site's offset with milliseconds", () => {
    const ms = Date.UTC(2024, 2, 5, 1, 2, 3, 45);
    expect(formatEventTime(ms, "+08:00")).toBe("2024-03-05T09:02:03.045+08:00");
    expect(formatEventTime(ms, "-05:30")).toBe("2024-03-04T19:32:03.045-05:30");
    expect(formatEventTime(ms, "+00:00")).toBe("2024-03-05T01:02:03.045Z");
    // The same instant whatever the offset.
    expect(Date.parse(formatEventTime(ms, "+08:00"))).toBe(ms);
    expect(Date.parse(formatEventTime(ms, "-05:30"))).toBe(ms);
  });

  it("refuses an offset outside ±14:00", () => {
    expect(() => offsetMinutes("+15:00")).toThrow(/RULE_BAD_CONFIG/);
    expect(offsetMinutes("-09:30")).toBe(-570);
  });
});

describe("gs1DateToIso (GS1 General Specifications §7.12)", () => {
  it("picks the century within −49…+50 years of the reference year", () => {
    expect(gs1DateToIso("250131", 2024)).toBe("2025-01-31");
    expect(gs1DateToIso("740101", 2024)).toBe("2074-01-01"); // +50
    expect(gs1DateToIso("750101", 2024)).toBe("1975-01-01"); // +51 → previous century
    expect(gs1DateToIso("010101", 2099)).toBe("2101-01-01"); // −98 → next century
  });

  it("DD 00 means the last day of the month; impossible dates are refused", () => {
    expect(gs1DateToIso("240200", 2024)).toBe("2024-02-29");
    expect(gs1DateToIso("230200", 2024)).toBe("2023-02-28");
    expect(gs1DateToIso("231301", 2024)).toBeUndefined();
    expect(gs1DateToIso("230230", 2024)).toBeUndefined();
    expect(gs1DateToIso("2302", 2024)).toBeUndefined();
  });
});
