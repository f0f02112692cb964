import { describe, expect, it } from "vitest";
import type { RawRead } from "../../drivers/driver.ts";
import { expectValidEvents, ruleHarness, SGLN_LINE, sgtinDl, sgtinHex } from "../test-fixtures.ts";
import { measurementType, uomCode } from "./sensor.ts";

const T = Date.UTC(2024, 4, 1, 2, 0, 0, 0);
const reading = (deviceId: string, value: number, ts: number, type = "temperature", uom = "C"): RawRead => ({
  deviceId,
  kind: "sensor",
  data: deviceId,
  ts,
  sensor: { type, value, uom },
});

describe("sensor rule (EPCIS 2.0 §7.3.7)", () => {
  it("standalone: a sensor_reporting ObjectEvent per window with min/max/mean and the goods' EPCs", () => {
    const h = ruleHarness({
      id: "reefer",
      rule: "sensor",
      readPoint: SGLN_LINE,
      devices: [{ deviceId: "logger-7" }],
      windowMs: 60_000,
      goods: "reefer",
      deviceUris: { "logger-7": "https://id.gs1.org/8004/0614141LOGGER7" },
    });
    h.present.set("reefer", [h.cycle({ additions: [sgtinHex(1)] }).additions[0]!]);
    h.rule.tick?.(0);
    for (const [i, v] of [4.1, 5.3, 3.9, 4.5].entries()) h.rule.onSensor?.(reading("logger-7", v, T + i * 10_000));
    h.rule.tick?.(59_999);
    expect(h.events).toEqual([]);
    h.rule.tick?.(60_000);
    expect(h.events).toEqual([
      {
        type: "ObjectEvent",
        eventTime: "2024-05-01T10:00:30.000+08:00",
        eventTimeZoneOffset: "+08:00",
        action: "OBSERVE",
        epcList: [sgtinDl(1)],
        bizStep: "sensor_reporting",
        readPoint: { id: SGLN_LINE },
        sensorElementList: [
          {
            sensorMetadata: {
              deviceID: "https://id.gs1.org/8004/0614141LOGGER7",
              startTime: "2024-05-01T10:00:00.000+08:00",
              endTime: "2024-05-01T10:00:30.000+08:00",
            },
            sensorReport: [
              { type: "gs1:Temperature", value: 4.5, minValue: 3.9, maxValue: 5.3, meanValue: 4.45, uom: "CEL" },
            ],
          },
        ],
      },
    ]);
    expectValidEvents(h.events);
    // An empty window emits nothing.
    h.rule.tick?.(120_000);
    expect(h.events).toHaveLength(1);
  });

  it("without goods, a sensor-only observation (readPoint + sensorElementList) is still valid EPCIS", () => {
    const h = ruleHarness({
      id: "room",
      rule: "sensor",
      readPoint: SGLN_LINE,
      devices: [{ deviceId: "t1" }],
      windowMs: 1000,
    });
    h.rule.tick?.(0);
    h.rule.onSensor?.(reading("t1", 2, T));
    h.rule.tick?.(1000);
    expect(h.events[0]?.epcList).toBeUndefined();
    expect(h.events[0]?.sensorElementList?.[0]?.sensorMetadata?.deviceID).toBe("urn:suyuan:sensor:t1");
    expectValidEvents(h.events);
  });

  it("attach mode: decorates the events of the read points it travels with", () => {
    const h = ruleHarness({
      id: "truck-logger",
      rule: "sensor",
      readPoint: SGLN_LINE,
      devices: [{ deviceId: "t1" }],
      attachTo: ["dock"],
    });
    expect(h.rule.attachTo).toEqual(["dock"]);
    h.rule.onSensor?.(reading("t1", 6, T));
    h.rule.onSensor?.(reading("t1", 8, T + 1000));
    const ev = {
      type: "ObjectEvent" as const,
      eventTime: "2024-05-01T10:00:02.000+08:00",
      eventTimeZoneOffset: "+08:00",
      action: "OBSERVE" as const,
      epcList: [sgtinDl(1)],
    };
    h.rule.decorate?.(ev);
    expect(ev).toMatchObject({
      sensorElementList: [
        { sensorReport: [{ type: "gs1:Temperature", value: 8, minValue: 6, maxValue: 8, meanValue: 7, uom: "CEL" }] },
      ],
    });
    // attachTo without standalone: no events of its own.
    h.rule.tick?.(0);
    h.rule.tick?.(10 * 60_000);
    expect(h.events).toEqual([]);
    expectValidEvents([ev]);
  });

  it("normalises device types and units; bad readings are skipped", () => {
    expect(measurementType("temperature")).toBe("gs1:Temperature");
    expect(measurementType("gs1:Temperature")).toBe("gs1:Temperature");
    expect(measurementType("https://gs1.org/voc/Humidity")).toBe("gs1:Humidity");
    expect(measurementType("bad type")).toBeUndefined();
    expect(uomCode("°C")).toBe("CEL");
    expect(uomCode("F")).toBe("FAH");
    expect(uomCode("%RH")).toBe("P1");
    expect(uomCode("degrees")).toBeUndefined();
    const h = ruleHarness({
      id: "room",
      rule: "sensor",
      readPoint: SGLN_LINE,
      devices: [{ deviceId: "t1" }],
      windowMs: 1000,
    });
    h.rule.tick?.(0);
    h.rule.onSensor?.(reading("t1", Number.NaN, T));
    h.rule.onSensor?.(reading("t1", 3, T, "temperature", "degrees"));
    h.rule.tick?.(1000);
    expect(h.events).toEqual([]);
  });
});
