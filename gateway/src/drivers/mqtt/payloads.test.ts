import { describe, expect, it } from "vitest";
import { aimPrefix, parseMqttPayload } from "./payloads.ts";

const NOW = 1_750_000_000_000;
const parse = (topic: string, v: unknown, extra: { maxBytes?: number; format?: "auto" | "zebra" | "generic" } = {}) =>
  parseMqttPayload(topic, Buffer.from(typeof v === "string" ? v : JSON.stringify(v)), { now: NOW, ...extra });

describe("Zebra IoT Connector dataEVT", () => {
  const topic = "acme/DATA/clients/data1event/RFD4031-22183520100120";

  it("reads a batched RFD40/RFD90 tagData event", () => {
    const evt = {
      type: "SIMPLE",
      timestamp: "2024-03-05T10:02:01.123+0000",
      data: {
        tagData: [
          { eventNum: 1, format: "epc", idHex: "e28011606000020a4a3c1b2d", antenna: 1, peakRssi: -48, PC: "3000" },
          { eventNum: 2, idHex: "3034257BF7194E4000001A85", peakRssi: -63.5, timestamp: "2024-03-05T10:02:01.200Z" },
        ],
      },
    };
    const m = parse(topic, evt);
    expect(m).toEqual({
      kind: "reads",
      format: "zebra",
      errors: [],
      reads: [
        {
          deviceId: "RFD4031-22183520100120",
          kind: "rfid",
          data: "E28011606000020A4A3C1B2D",
          ts: Date.UTC(2024, 2, 5, 10, 2, 1, 123),
          antenna: 1,
          rssi: -48,
          pc: "3000",
        },
        {
          deviceId: "RFD4031-22183520100120",
          kind: "rfid",
          data: "3034257BF7194E4000001A85",
          ts: Date.UTC(2024, 2, 5, 10, 2, 1, 200),
          rssi: -63.5,
        },
      ],
    });
  });

  it("reads a single-record event (data.idHex) and an array of events", () => {
    const one = { type: "SIMPLE", timestamp: "2024-03-05T10:02:01Z", data: { eventNum: 7, idHex: "AABB", antenna: 2 } };
    const m = parse("fx/data/FX9600F0A1B2", [one, one]);
    expect(m.kind === "reads" && m.reads.map((r) => [r.deviceId, r.data, r.antenna])).toEqual([
      ["FX9600F0A1B2", "AABB", 2],
      ["FX9600F0A1B2", "AABB", 2],
    ]);
  });

  it("reads barcodeData and adds the AIM identifier for GS1 symbologies", () => {
    const evt = {
      timestamp: "2024-03-05T10:02:01Z",
      data: {
        barcodeData: [
          { decodedBarcode: "0109506000134352172612311O\x1d21A1", symbology: "GS1 Datamatrix" },
          { data: "]C10109506000134352", symbology: "GS1-128" }, // already prefixed: kept as sent
          { decodedBarcode: "4006381333931", symbology: "EAN-13" },
          { decodedBarcode: "hello", symbology: "Some Future Symbology" },
        ],
      },
    };
    const m = parse(topic, evt);
    expect(m.kind === "reads" && m.reads.map((r) => [r.kind, r.data])).toEqual([
      ["barcode", "]d20109506000134352172612311O\x1d21A1"],
      ["barcode", "]C10109506000134352"],
      ["barcode", "]E04006381333931"],
      ["barcode", "hello"],
    ]);
    expect(aimPrefix("GS1 QR Code")).toBe("]Q3");
    expect(aimPrefix("GS1 DataBar Expanded")).toBe("]e0");
  });

  it("reads a single barcode record (data.data + data.symbology)", () => {
    const m = parse(topic, {
      timestamp: "2024-03-05T10:02:01Z",
      data: { data: "01095060001343521", symbology: "GS1-128" },
    });
    expect(m.kind === "reads" && m.reads[0]?.data).toBe("]C101095060001343521");
  });

  it("keeps good records and names each bad one", () => {
    const m = parse(topic, {
      data: {
        tagData: [{ eventNum: 1, idHex: "XYZ" }, { eventNum: 2 }, { idHex: "ABCD", antenna: 0 }, { idHex: "0011" }],
      },
    });
    expect(m.kind).toBe("reads");
    if (m.kind !== "reads") return;
    expect(m.reads.map((r) => r.data)).toEqual(["0011"]);
    expect(m.reads[0]?.ts).toBe(NOW);
    expect(m.errors).toEqual([
      "data.tagData[0].idHex: must be an even number (≤ 124) of hex digits",
      "data.tagData[1].idHex: must be an even number (≤ 124) of hex digits",
      "data.tagData[2].antenna: must be an integer 1..256",
    ]);
  });

  it("rejects an envelope without data", () => {
    expect(parse(topic, { type: "heartBeatEVT" })).toEqual({
      kind: "invalid",
      errors: ["data: a Zebra dataEVT needs a data object"],
    });
  });
});

describe("generic JSON", () => {
  it("reads epc and code reads with ms and ISO times", () => {
    const m = parse("site/readers/r1", {
      deviceId: "dock-door-3",
      reads: [
        { epc: "3034257bf7194e4000001a85", ts: 1_700_000_000_123, antenna: 2, rssi: -55 },
        { code: "]d2010950600013435210LOT1", ts: "2024-03-05T18:02:01.5+08:00" },
        { epc: "AABBCCDD" },
      ],
    });
    expect(m).toEqual({
      kind: "reads",
      format: "generic",
      errors: [],
      reads: [
        {
          deviceId: "dock-door-3",
          kind: "rfid",
          data: "3034257BF7194E4000001A85",
          ts: 1_700_000_000_123,
          antenna: 2,
          rssi: -55,
        },
        {
          deviceId: "dock-door-3",
          kind: "barcode",
          data: "]d2010950600013435210LOT1",
          ts: Date.UTC(2024, 2, 5, 10, 2, 1, 500),
        },
        { deviceId: "dock-door-3", kind: "rfid", data: "AABBCCDD", ts: NOW },
      ],
    });
  });

  it("reads a temperature reading as a sensor read", () => {
    const m = parse("site/sensors/t1", {
      deviceId: "logger-7",
      sensor: { type: "Temperature", value: 4.2, uom: "CEL" },
      ts: "2024-03-05T10:00:00Z",
    });
    expect(m).toEqual({
      kind: "reads",
      format: "generic",
      errors: [],
      reads: [
        {
          deviceId: "logger-7",
          kind: "sensor",
          data: "logger-7",
          ts: Date.UTC(2024, 2, 5, 10),
          sensor: { type: "Temperature", value: 4.2, uom: "CEL" },
        },
      ],
    });
  });

  it("turns heartbeats and last wills into status, not reads", () => {
    expect(parse("x", { deviceId: "r1", status: "offline" })).toEqual({
      kind: "status",
      deviceId: "r1",
      online: false,
      ts: NOW,
      errors: [],
    });
    expect(parse("x", { deviceId: "r1", status: "online", ts: 5 })).toMatchObject({
      kind: "status",
      online: true,
      ts: 5,
    });
  });

  it("names the field and the rule for bad reads, keeping the good ones", () => {
    const m = parse("x", {
      deviceId: "r1",
      reads: [
        { epc: "ABC" },
        { epc: "AB", code: "x" },
        {},
        { code: "ok", ts: "yesterday" },
        { code: "ok", ts: "2024-03-05T10:00:00" }, // no zone: ambiguous
        { epc: "AB", rssi: "loud" },
        "nope",
        { code: "fine" },
      ],
    });
    expect(m.kind === "reads" && m.reads.map((r) => r.data)).toEqual(["fine"]);
    expect(m.errors).toEqual([
      "reads[0].epc: must be an even number (≤ 124) of hex digits",
      "reads[1]: must have exactly one of epc or code",
      "reads[2]: must have exactly one of epc or code",
      "reads[3].ts: must be milliseconds since the epoch or an ISO 8601 date-time with a zone",
      "reads[4].ts: must be milliseconds since the epoch or an ISO 8601 date-time with a zone",
      "reads[5].rssi: must be a number of dBm in -150..20",
      "reads[6]: must be an object",
    ]);
  });

  it("rejects bad sensor readings and statuses whole", () => {
    expect(parse("x", { deviceId: "t", sensor: { type: "Temperature", value: "4", uom: "celsius" } }).errors).toEqual([
      "sensor.value: must be a finite number",
      "sensor.uom: must be a UN/CEFACT Rec. 20 code (e.g. CEL)",
    ]);
    expect(parse("x", { deviceId: "t", status: "sleepy" }).kind).toBe("invalid");
    expect(parse("x", { deviceId: "", reads: [] }).errors).toEqual([
      "deviceId: must be a non-empty string of at most 128 characters",
    ]);
    expect(parse("x", { deviceId: "t" }).errors).toEqual([
      "payload: a generic message needs reads[], sensor or status",
    ]);
  });
});

describe("bad payloads", () => {
  it("rejects non-JSON, scalars and oversized payloads without throwing", () => {
    expect(parse("x", "{not json")).toEqual({ kind: "invalid", errors: ["payload: must be JSON"] });
    expect(parse("x", "42").kind).toBe("invalid");
    expect(parse("x", "null").kind).toBe("invalid");
    expect(parse("x", { deviceId: "r", reads: [{ code: "x".repeat(100) }] }, { maxBytes: 64 })).toEqual({
      kind: "invalid",
      errors: [expect.stringMatching(/^payload: \d+ bytes exceeds the limit of 64$/)],
    });
    expect(parse("x", Buffer.from([0xff, 0xfe, 0x00]).toString("latin1")).kind).toBe("invalid");
  });

  it("honours a forced format", () => {
    expect(parse("a/b", { deviceId: "r", data: { idHex: "AB" } }, { format: "zebra" })).toMatchObject({
      kind: "reads",
      format: "zebra",
    });
    expect(parse("a/b", { data: { idHex: "AB" } }, { format: "generic" }).kind).toBe("invalid");
  });
});
