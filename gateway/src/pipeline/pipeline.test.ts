import type { EpcisEvent } from "@suyuan/proto";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createPipeline } from "./pipeline.ts";
import {
  expectValidEvents,
  gs1128,
  rfid,
  rng,
  SGLN_LINE,
  SGLN_SITE,
  scan,
  sgtinDl,
  sgtinHex,
  ssccHex,
} from "./test-fixtures.ts";
import { startTicker } from "./ticker.ts";
import type { PipelineAlert } from "./types.ts";

const T0 = Date.UTC(2024, 4, 1, 2, 0, 0, 0);

function dock(extra: Record<string, unknown> = {}) {
  return {
    id: "dock1",
    rule: "shipping",
    readPoint: SGLN_LINE,
    bizLocation: SGLN_SITE,
    devices: [{ deviceId: "door-reader" }],
    cycle: { durationMs: 1000 },
    ...extra,
  };
}

describe("pipeline: decode → smoothing → rules", () => {
  it("a pallet through a dock door at a 65 % read rate: every tag in exactly one shipping event", () => {
    let now = T0;
    const p = createPipeline({ eventTimeZoneOffset: "+08:00", readPoints: [dock()] }, { now: () => now });
    const tags = [ssccHex("1234567890"), ...Array.from({ length: 48 }, (_, i) => sgtinHex(i + 1))];
    const rand = rng(7);
    const events: EpcisEvent[] = [];
    // 10 s in the read field, reads every 25 ms; each tag answers 65 % of the time.
    for (let t = 0; t < 10_000; t += 25) {
      now = T0 + t;
      for (const hex of tags) if (rand() < 0.65 * 0.1) p.push(rfid("door-reader", hex, now, 1));
      events.push(...p.tick());
    }
    expectValidEvents(events);
    const all = events.flatMap((e) => e.epcList ?? []);
    expect(all.length).toBe(49);
    expect(new Set(all).size).toBe(49);
    expect(all).toContain("https://id.gs1.org/00/106141412345678908");
    for (const e of events)
      expect(e).toMatchObject({
        type: "ObjectEvent",
        action: "OBSERVE",
        bizStep: "shipping",
        disposition: "in_transit",
      });
    const s = p.stats();
    expect(s.reads).toBeGreaterThan(1000);
    expect(s.decoded).toBe(s.reads);
    expect(s.observations).toBe(49);
    expect(s.events.shipping).toBe(events.length);
    expect(s.invalidEvents).toBe(0);
    expect(s.decodeCacheHits).toBe(s.reads - 49);
  });

  it("bad and unrouted reads are counted and never stop the pipeline", () => {
    const logs: string[] = [];
    const p = createPipeline({ readPoints: [dock()] }, { now: () => T0, log: (m) => logs.push(m) });
    p.push(rfid("door-reader", "NOT-HEX", T0));
    p.push(scan("door-reader", gs1128("0109521234543214"), T0)); // bad check digit
    p.push(rfid("stranger", sgtinHex(1), T0));
    p.push(rfid("stranger", sgtinHex(2), T0));
    p.push(rfid("door-reader", sgtinHex(3), T0));
    p.tick(T0);
    const events = p.tick(T0 + 1000);
    expect(events.map((e) => e.epcList)).toEqual([[sgtinDl(3)]]);
    const s = p.stats();
    expect(s.rejected.ID_BAD_CHECK_DIGIT).toBe(1);
    expect(Object.values(s.rejected).reduce((a, b) => a + b, 0)).toBe(2);
    expect(s.unrouted).toBe(2);
    // Logged once per unknown device, not per read.
    expect(logs.filter((m) => m === "pipeline.read.unrouted")).toHaveLength(1);
  });

  it("minRssi: cross-reads weaker than the threshold are dropped before smoothing and counted", () => {
    const p = createPipeline({ readPoints: [dock({ minRssi: -70 })] }, { now: () => T0 });
    // A tag in the door's own field (−65…−45 dBm) and one from the next door (−82…−72 dBm).
    p.push({ ...rfid("door-reader", sgtinHex(1), T0), rssi: -58 });
    p.push({ ...rfid("door-reader", sgtinHex(2), T0), rssi: -76 });
    p.push({ ...rfid("door-reader", sgtinHex(2), T0 + 10), rssi: -71 });
    p.push({ ...rfid("door-reader", sgtinHex(3), T0 + 20), rssi: -70 }); // at the threshold: kept
    p.push(rfid("door-reader", sgtinHex(4), T0 + 30)); // no rssi reported: kept
    p.tick(T0);
    const events = p.tick(T0 + 1000);
    expect(events.flatMap((e) => e.epcList ?? []).sort()).toEqual([sgtinDl(1), sgtinDl(3), sgtinDl(4)]);
    expect(p.present("dock1").map((t) => t.id.canonical)).not.toContain(sgtinDl(2));
    const s = p.stats();
    expect(s.weakReads).toBe(2);
    expect(s.reads).toBe(5);
    expect(s.decoded).toBe(3);
  });

  it("without minRssi, weak reads are kept", () => {
    const p = createPipeline({ readPoints: [dock()] }, { now: () => T0 });
    p.push({ ...rfid("door-reader", sgtinHex(2), T0), rssi: -90 });
    p.tick(T0);
    expect(p.tick(T0 + 1000).flatMap((e) => e.epcList ?? [])).toEqual([sgtinDl(2)]);
    expect(p.stats().weakReads).toBe(0);
  });

  it("routes antennas to zones and handles close codes before decoding (transformation station)", () => {
    let now = T0;
    const p = createPipeline(
      {
        eventTimeZoneOffset: "+08:00",
        readPoints: [
          {
            id: "mill",
            rule: "transformation",
            readPoint: SGLN_LINE,
            devices: [{ deviceId: "op-scanner" }],
            zones: { input: [{ deviceId: "r1", antennas: [1] }], output: [{ deviceId: "r1", antennas: [2] }] },
            closeCodes: ["END-RUN"],
            cycle: { durationMs: 500 },
          },
        ],
      },
      { now: () => now, newId: () => "urn:uuid:11111111-2222-4333-8444-555555555555" },
    );
    p.tick(now);
    p.push(rfid("r1", sgtinHex(1), now, 1));
    p.push(rfid("r1", sgtinHex(2), now, 1));
    p.push(rfid("r1", sgtinHex(9), now, 2));
    p.push(rfid("r1", sgtinHex(8), now, 3)); // antenna 3 feeds nothing
    now += 500;
    expect(p.tick(now)).toEqual([]);
    p.push(scan("op-scanner", "]C0END-RUN\r\n", now + 1));
    const events = p.tick(now + 10);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: "TransformationEvent",
      inputEPCList: [sgtinDl(1), sgtinDl(2)],
      outputEPCList: [sgtinDl(9)],
      transformationID: "urn:uuid:11111111-2222-4333-8444-555555555555",
    });
    expectValidEvents(events);
    expect(p.stats()).toMatchObject({ closeCodes: 1, unrouted: 1, rejected: {} });
  });

  it("a temperature logger attached to a dock: its readings ride on the dock's events", () => {
    let now = T0;
    const p = createPipeline(
      {
        readPoints: [
          dock(),
          {
            id: "reefer-logger",
            rule: "sensor",
            readPoint: SGLN_LINE,
            devices: [{ deviceId: "logger-1" }],
            attachTo: ["dock1"],
          },
        ],
      },
      { now: () => now },
    );
    p.tick(now);
    p.push({
      deviceId: "logger-1",
      kind: "sensor",
      data: "logger-1",
      ts: now,
      sensor: { type: "temperature", value: 3.5, uom: "C" },
    });
    p.push(rfid("door-reader", sgtinHex(1), now));
    now += 1000;
    const events = p.tick(now);
    expect(events).toHaveLength(1);
    expect(events[0]?.sensorElementList?.[0]?.sensorReport).toEqual([
      { type: "gs1:Temperature", value: 3.5, minValue: 3.5, maxValue: 3.5, meanValue: 3.5, uom: "CEL" },
    ]);
    expectValidEvents(events);
    expect(p.stats().sensorReadings).toBe(1);
  });

  it("alerts reach onAlert (recall at receiving)", () => {
    const alerts: PipelineAlert[] = [];
    const p = createPipeline(
      { readPoints: [dock({ id: "rx", rule: "receiving" })] },
      {
        now: () => T0,
        recallCheck: (id) =>
          id.canonical === sgtinDl(5) ? { recallId: "urn:uuid:r1", action: "quarantine" } : undefined,
        onAlert: (a) => alerts.push(a),
      },
    );
    p.tick(T0);
    p.push(rfid("door-reader", sgtinHex(5), T0));
    const events = p.tick(T0 + 1000);
    expect(events[0]?.disposition).toBe("recalled");
    expect(alerts).toMatchObject([{ kind: "recall", readPoint: "rx", unit: sgtinDl(5), recallId: "urn:uuid:r1" }]);
    expect(p.stats().alerts).toBe(1);
  });

  it("configuration errors: device clashes and unknown attachTo targets name the key", () => {
    expect(() =>
      createPipeline(
        { readPoints: [dock(), dock({ id: "dock2", devices: [{ deviceId: "door-reader", antennas: [2] }] })] },
        { now: () => 0 },
      ),
    ).toThrow(
      'RULE_BAD_CONFIG: readPoints[1].devices[0]: device "door-reader" antennas 2 already feeds another read point',
    );
    expect(() =>
      createPipeline(
        {
          readPoints: [
            { id: "l", rule: "sensor", readPoint: SGLN_LINE, devices: [{ deviceId: "t" }], attachTo: ["nowhere"] },
          ],
        },
        { now: () => 0 },
      ),
    ).toThrow('RULE_BAD_CONFIG: readPoints[0].attachTo[0]: "nowhere" is not the id of a configured read point');
    expect(() => createPipeline({ readPoints: [dock({ perUnitt: true })] }, { now: () => 0 })).toThrow(
      "RULE_BAD_CONFIG: readPoints[0].perUnitt: unknown key",
    );
  });

  it("100 readers × 200 tags with repeated reads: every tag lands in exactly one event", () => {
    let now = T0;
    const readPoints = Array.from({ length: 100 }, (_, i) =>
      dock({ id: `door${i}`, devices: [{ deviceId: `reader${i}` }] }),
    );
    const p = createPipeline({ readPoints, decodeCacheSize: 65_536 }, { now: () => now });
    const hex = Array.from({ length: 200 }, (_, i) => sgtinHex(i + 1));
    p.tick(now);
    const N = 100_000;
    for (let i = 0; i < N; i++)
      p.push({ deviceId: `reader${i % 100}`, kind: "rfid", data: hex[Math.floor(i / 100) % 200]!, ts: now });
    now += 1000;
    const events = p.tick(now);
    // Throughput is measured by `npm run bench -- gateway`, never asserted in tests.
    const epcs = events.flatMap((e) => e.epcList ?? []);
    expect(epcs).toHaveLength(100 * 200);
    expect(new Set(epcs).size).toBe(200);
  });
});

describe("pipeline: decode cache follows the tag population", () => {
  it("10 000 tags in front of 50 readers (more than the initial cache): the cache grows until every read hits", () => {
    let now = T0;
    const readPoints = Array.from({ length: 50 }, (_, i) =>
      dock({ id: `door${i}`, devices: [{ deviceId: `reader${i}` }] }),
    );
    const p = createPipeline({ readPoints }, { now: () => now });
    const hex = Array.from({ length: 10_000 }, (_, i) => sgtinHex(i + 1));
    p.tick(now);
    const cycle = () => {
      hex.forEach((h, i) => {
        p.push({ deviceId: `reader${i % 50}`, kind: "rfid", data: h, ts: now });
      });
      now += 1000;
      return p.tick(now);
    };
    expect(cycle().flatMap((e) => e.epcList ?? [])).toHaveLength(10_000);
    expect(p.stats().decodeCacheCapacity).toBe(25_000);
    // The tags the small cache had already dropped are decoded once more in the next cycle…
    cycle();
    // …and from then on every read is a hit.
    const hits = p.stats().decodeCacheHits;
    cycle();
    expect(p.stats().decodeCacheHits - hits).toBe(10_000);
  });
});

describe("startTicker (fake timers)", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("ticks the pipeline on an interval and hands events to the sink in order; stop flushes", async () => {
    vi.useFakeTimers({ now: T0 });
    const p = createPipeline({ readPoints: [dock({ barcodeDebounceMs: 0 })] }, { now: () => Date.now() });
    const got: EpcisEvent[][] = [];
    const ticker = startTicker(p, { intervalMs: 100, now: () => Date.now(), onEvents: (e) => void got.push(e) });
    p.push(rfid("door-reader", sgtinHex(1), Date.now()));
    await vi.advanceTimersByTimeAsync(999);
    expect(got).toEqual([]);
    await vi.advanceTimersByTimeAsync(200);
    expect(got.flat().map((e) => e.epcList)).toEqual([[sgtinDl(1)]]);
    p.push(scan("door-reader", gs1128("0109521234543213215001"), Date.now()));
    await ticker.stop();
    expect(got.flat()).toHaveLength(2);
    expect(vi.getTimerCount()).toBe(0);
  });
});
