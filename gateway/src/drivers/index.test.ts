import { isSuyuanError } from "@suyuan/proto";
import { afterEach, describe, expect, it } from "vitest";
import {
  createDriver,
  MockDeviceRegistry,
  MockDriver,
  MqttDriver,
  SerialBarcodeDriver,
  SerialUhfDriver,
  uhfFrames,
} from "./index.ts";
import { UnpluggableMockBinding } from "./testing/pty.ts";

function badConfig(config: unknown, at = "devices[2]"): string {
  try {
    createDriver(config, { at });
  } catch (e) {
    if (isSuyuanError(e, "DRIVER_BAD_CONFIG")) return e.message;
    throw e;
  }
  throw new Error("expected DRIVER_BAD_CONFIG");
}

describe("createDriver", () => {
  const binding = new UnpluggableMockBinding();
  afterEach(() => binding.reset());

  it("builds each kind", () => {
    expect(createDriver({ id: "m1", kind: "mock" })).toBeInstanceOf(MockDriver);
    expect(
      createDriver({ id: "pos-1", kind: "serial-barcode", path: "/dev/ttyACM0", baud: 9600, suffix: "CRLF" }),
    ).toBeInstanceOf(SerialBarcodeDriver);
    expect(createDriver({ id: "door-1", kind: "serial-uhf", path: "/dev/ttyUSB0" })).toBeInstanceOf(SerialUhfDriver);
    const mq = createDriver({
      id: "site",
      kind: "mqtt",
      broker: { embedded: { port: 0 } },
      topics: ["zebra/+/data/#"],
    });
    expect(mq).toBeInstanceOf(MqttDriver);
    expect(mq.kind).toBe("mqtt");
  });

  it("wires the built driver to its device (mock registry, serial binding)", async () => {
    const reg = new MockDeviceRegistry();
    reg.createDevice("dev-a", "barcode");
    const d = createDriver({ id: "m2", kind: "mock", deviceId: "dev-a" }, { mockRegistry: reg, now: () => 3 });
    await d.open();
    reg.emitRead({ deviceId: "dev-a", data: "]E04006381333931" });
    const it = d.reads()[Symbol.asyncIterator]();
    expect((await it.next()).value).toEqual({ deviceId: "dev-a", kind: "barcode", data: "]E04006381333931", ts: 3 });
    await d.close();

    binding.createPort("/dev/ttyF0");
    const s = createDriver(
      { id: "s1", kind: "serial-uhf", path: "/dev/ttyF0", rounds: 100 },
      { serialBinding: binding },
    );
    await s.open();
    await new Promise((r) => setImmediate(r));
    const sent = uhfFrames.decodeFrames(binding.port.recording).frames;
    expect(sent.map((f) => uhfFrames.parseMultiInventory(f))).toEqual([100]);
    await s.close();
  });

  it("names the key and the rule", () => {
    expect(badConfig({ id: "s", kind: "serial-barcode", path: "/dev/x", baud: 9601 })).toBe(
      "DRIVER_BAD_CONFIG: devices[2].baud: must be one of 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600",
    );
    expect(badConfig({ id: "s", kind: "serial-barcode", path: "/dev/x", baud: 9600, suffix: "TAB" })).toBe(
      "DRIVER_BAD_CONFIG: devices[2].suffix: must be one of CR, LF, CRLF",
    );
    expect(badConfig({ id: "s", kind: "serial-barcode", baud: 9600 })).toBe(
      "DRIVER_BAD_CONFIG: devices[2].path: is required",
    );
    expect(badConfig({ id: "s", kind: "laser" })).toBe(
      "DRIVER_BAD_CONFIG: devices[2].kind: must be one of mock, serial-barcode, serial-uhf, mqtt",
    );
    expect(badConfig({ kind: "mock" })).toBe("DRIVER_BAD_CONFIG: devices[2].id: is required");
    expect(badConfig({ id: "bad id!", kind: "mock" })).toMatch(/^DRIVER_BAD_CONFIG: devices\[2\]\.id: must be 1–128/);
    expect(badConfig({ id: "m", kind: "mock", baud: 9600 })).toBe(
      "DRIVER_BAD_CONFIG: devices[2].baud: unknown key (allowed: id, kind, deviceId, queueSize)",
    );
    expect(badConfig({ id: "u", kind: "serial-uhf", path: "/dev/x", rounds: 70000 })).toBe(
      "DRIVER_BAD_CONFIG: devices[2].rounds: must be an integer from 1 to 65535",
    );
    expect(badConfig({ id: "u", kind: "serial-uhf", path: "/dev/x", watchdogMs: 5000, reissueMs: 1000 })).toBe(
      "DRIVER_BAD_CONFIG: devices[2].reissueMs: must be 0 (never) or ≥ watchdogMs",
    );
    expect(
      badConfig({ id: "s", kind: "serial-barcode", path: "/x", baud: 9600, reconnect: { initialMs: 500, maxMs: 100 } }),
    ).toBe("DRIVER_BAD_CONFIG: devices[2].reconnect.maxMs: must be ≥ initialMs");
    expect(badConfig({ id: "q", kind: "mqtt" })).toBe(
      "DRIVER_BAD_CONFIG: devices[2].broker: is required: { embedded: { port } } or { url }",
    );
    expect(badConfig({ id: "q", kind: "mqtt", broker: { embedded: { port: 70000 } } })).toBe(
      "DRIVER_BAD_CONFIG: devices[2].broker.embedded.port: must be an integer from 0 to 65535",
    );
    expect(badConfig({ id: "q", kind: "mqtt", broker: { url: "http://x" } })).toBe(
      "DRIVER_BAD_CONFIG: devices[2].broker.url: must be a broker URL (mqtt://host:port, mqtts://…, ws://…)",
    );
    expect(badConfig({ id: "q", kind: "mqtt", broker: { url: "mqtt://h:1883" }, topics: ["a/#/b"] })).toBe(
      "DRIVER_BAD_CONFIG: devices[2].topics[0]: must be an MQTT topic filter (# only as the last level, + a whole level)",
    );
    expect(badConfig({ id: "q", kind: "mqtt", broker: { url: "mqtt://h" }, format: "xml" })).toBe(
      "DRIVER_BAD_CONFIG: devices[2].format: must be one of auto, zebra, generic",
    );
    expect(badConfig(null)).toBe("DRIVER_BAD_CONFIG: devices[2]: must be an object");
  });

  it("reports the field on the error", () => {
    try {
      createDriver({ id: "x", kind: "serial-uhf", path: "/dev/x", antenna: 0 }, { at: "devices[0]" });
    } catch (e) {
      expect(isSuyuanError(e) && e.field).toBe("devices[0].antenna");
      return;
    }
    throw new Error("expected an error");
  });
});
