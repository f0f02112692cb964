// The shared Prometheus registry: histograms (the gateway's tests cover counters and gauges
// as it serves them), read back with the strict exposition reader.
import { describe, expect, it } from "vitest";
import { readExposition, sampleValue } from "./read-exposition.ts";
import { Registry } from "./registry.ts";

describe("Registry histograms", () => {
  it("renders cumulative buckets with +Inf, then _sum and _count, per label set", () => {
    const r = new Registry();
    const h = r.histogram("t_ack_seconds", "Ack time.", [0.1, 1, 10], ["kind"]);
    for (const v of [0.05, 0.1, 0.5, 3, 30]) h.observe(v, { kind: "a" });
    h.observe(2, { kind: "b" });
    const x = readExposition(r.render());
    expect(x.types.get("t_ack_seconds")).toBe("histogram");
    // Exposition format: bucket `le` counts every observation ≤ its bound (0.1 counts 0.1).
    const a = (le: string) => sampleValue(x, "t_ack_seconds_bucket", { kind: "a", le });
    expect([a("0.1"), a("1"), a("10"), a("+Inf")]).toEqual([2, 3, 4, 5]);
    expect(sampleValue(x, "t_ack_seconds_count", { kind: "a" })).toBe(5);
    expect(sampleValue(x, "t_ack_seconds_sum", { kind: "a" })).toBeCloseTo(33.65, 10);
    expect(sampleValue(x, "t_ack_seconds_bucket", { kind: "b", le: "1" })).toBe(0);
    expect(sampleValue(x, "t_ack_seconds_bucket", { kind: "b", le: "10" })).toBe(1);
    // A label set never observed has no samples: an `absent` value stands in, else it throws.
    expect(sampleValue(x, "t_ack_seconds_count", { kind: "c" }, 0)).toBe(0);
    expect(() => sampleValue(x, "t_ack_seconds_count", { kind: "c" })).toThrow(/0 samples/);
    expect(h.count({ kind: "a" })).toBe(5);
  });

  it("refuses bad buckets, an `le` label and a NaN observation", () => {
    const r = new Registry();
    expect(() => r.histogram("t_a", "x", [])).toThrow(TypeError);
    expect(() => r.histogram("t_b", "x", [1, 1])).toThrow(TypeError);
    expect(() => r.histogram("t_c", "x", [2, 1])).toThrow(TypeError);
    expect(() => r.histogram("t_d", "x", [1], ["le"])).toThrow(TypeError);
    expect(() => r.histogram("t_e", "x", [1]).observe(Number.NaN)).toThrow(TypeError);
  });

  it("counters may be read at scrape time from a total kept elsewhere", () => {
    const r = new Registry();
    let n = 3;
    r.counter("t_things_total", "Things.", ["kind"], () => [{ labels: { kind: "x" }, value: n }]);
    expect(sampleValue(readExposition(r.render()), "t_things_total", { kind: "x" })).toBe(3);
    n = 7;
    expect(sampleValue(readExposition(r.render()), "t_things_total", { kind: "x" })).toBe(7);
  });
});
