import { afterEach, describe, expect, it } from "vitest";
import type { RawRead } from "../../../gateway/src/drivers/driver.ts";
import { MqttDriver } from "../../../gateway/src/drivers/mqtt/mqtt-driver.ts";
import { mulberry32 } from "./random.ts";
import { ColdChainProfile, TemperatureLogger } from "./temperature-logger.ts";
import { collect, waitFor } from "./test-support.ts";

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe("ColdChainProfile", () => {
  it("stays within 2–8 °C without excursions", () => {
    const p = new ColdChainProfile({ excursion: { probability: 0 } }, mulberry32(1));
    const vs = Array.from({ length: 2000 }, () => p.next());
    expect(Math.min(...vs)).toBeGreaterThanOrEqual(2);
    expect(Math.max(...vs)).toBeLessThanOrEqual(8);
    const mean = vs.reduce((a, b) => a + b, 0) / vs.length;
    expect(Math.abs(mean - 5)).toBeLessThan(0.1);
  });

  it("excursions leave the range by the configured magnitude for the configured duration", () => {
    const p = new ColdChainProfile(
      { excursion: { probability: 0.05, magnitude: [3, 5], duration: [2, 4] } },
      mulberry32(77),
    );
    const vs = Array.from({ length: 2000 }, () => p.next());
    const runs: number[][] = [];
    let cur: number[] | undefined;
    for (const v of vs) {
      if (p.isExcursion(v)) {
        if (!cur) {
          cur = [];
          runs.push(cur);
        }
        cur.push(v);
      } else cur = undefined;
    }
    expect(runs.length).toBeGreaterThan(20);
    for (const r of runs) {
      // Back-to-back excursions can merge into one run.
      expect(r.length).toBeGreaterThanOrEqual(2);
      for (const v of r) expect(v > 8 && v <= 8 + 5 + 1e-9).toBe(true);
      expect(Math.max(...r)).toBeGreaterThanOrEqual(8 + 3 * 0.5);
    }
  });
});

describe("TemperatureLogger → MqttDriver (embedded aedes)", () => {
  it("publishes the generic sensor format; the gateway's sensor reads equal the logger's readings", async () => {
    const d = new MqttDriver({ id: "truck", broker: { embedded: { port: 0, host: "127.0.0.1" } } });
    await d.open();
    cleanups.push(() => d.close());
    const c = collect<RawRead>(d);
    const start = Date.UTC(2025, 5, 1, 8, 0, 0);
    const logger = new TemperatureLogger({
      id: "logger-7",
      url: `mqtt://127.0.0.1:${d.port()}`,
      intervalS: 300,
      speed: 300 * 50, // 300 s of shipment every 20 ms
      startTime: start,
      profile: { excursion: { probability: 0.3 } },
      random: mulberry32(3),
    });
    cleanups.push(() => logger.stop());
    await logger.start();
    await waitFor(() => logger.readings.length >= 12, "twelve readings");
    await logger.stop();
    const sent = logger.readings.filter((r) => r.published);
    await waitFor(() => c.reads.length === sent.length, "all readings at the gateway");
    expect(c.reads).toEqual(
      sent.map((r, i) => ({
        deviceId: "logger-7",
        kind: "sensor",
        data: "logger-7",
        ts: start + i * 300_000,
        sensor: { type: "Temperature", value: r.value, uom: "CEL" },
      })),
    );
    expect(logger.excursions().length).toBeGreaterThan(0);
    expect(logger.excursions().every((e) => e.peak > 8)).toBe(true);
    expect(d.stats().devices["logger-7"]?.online).toBe(false);
  });
});
