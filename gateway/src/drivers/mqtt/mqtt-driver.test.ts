import { randomUUID } from "node:crypto";
import { createServer } from "node:net";
import { connectAsync, type MqttClient } from "mqtt";
import { afterEach, describe, expect, it } from "vitest";
import type { RawRead } from "../driver.ts";
import { waitFor } from "../testing/pty.ts";
import { MqttDriver } from "./mqtt-driver.ts";

function collect(d: MqttDriver): { reads: RawRead[]; done: Promise<void> } {
  const reads: RawRead[] = [];
  const done = (async () => {
    for await (const r of d.reads()) reads.push(r);
  })();
  return { reads, done };
}

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});

async function client(url: string, opts: Parameters<typeof connectAsync>[1] = {}): Promise<MqttClient> {
  const c = await connectAsync(url, { reconnectPeriod: 0, connectTimeout: 3000, ...opts }, false);
  cleanups.push(() => c.endAsync(true));
  return c;
}

describe("MQTT driver — embedded aedes broker", () => {
  async function started(extra: Partial<ConstructorParameters<typeof MqttDriver>[0]> = {}) {
    const d = new MqttDriver({ id: "site", broker: { embedded: { port: 0, host: "127.0.0.1" } }, ...extra });
    await d.open();
    cleanups.push(() => d.close());
    const port = d.port();
    expect(port).toBeGreaterThan(0);
    expect(port).not.toBe(1883);
    return { d, url: `mqtt://127.0.0.1:${port}` };
  }

  it("reads Zebra dataEVT and generic payloads published by clients", async () => {
    const { d, url } = await started({ topics: ["zebra/#", "site/#"], now: () => 99 });
    const c = collect(d);
    const pub = await client(url);
    await pub.publishAsync(
      "zebra/DATA/clients/data1event/RFD40-001",
      JSON.stringify({
        type: "SIMPLE",
        timestamp: "2024-03-05T10:02:01Z",
        data: { tagData: [{ eventNum: 1, idHex: "3034257BF7194E4000001A85", antenna: 1, peakRssi: -50 }] },
      }),
      { qos: 1 },
    );
    await pub.publishAsync(
      "site/pos/1",
      JSON.stringify({ deviceId: "pos-1", reads: [{ code: "]C10109506000134352" }] }),
      { qos: 1 },
    );
    await pub.publishAsync("other/topic", JSON.stringify({ deviceId: "x", reads: [{ code: "ignored" }] }), { qos: 1 });
    await waitFor(() => c.reads.length === 2, "two reads");
    expect(c.reads).toEqual([
      {
        deviceId: "RFD40-001",
        kind: "rfid",
        data: "3034257BF7194E4000001A85",
        ts: Date.UTC(2024, 2, 5, 10, 2, 1),
        antenna: 1,
        rssi: -50,
      },
      { deviceId: "pos-1", kind: "barcode", data: "]C10109506000134352", ts: 99 },
    ]);
    expect(d.stats()).toMatchObject({ reads: 2, errors: 0, connected: true, clients: 1 });
    await d.close();
    await c.done;
  });

  it("counts and logs bad payloads and keeps running", async () => {
    const logs: { msg: string; fields?: object }[] = [];
    const { d, url } = await started({ log: (msg, fields) => logs.push({ msg, fields }), maxPayloadBytes: 1024 });
    const c = collect(d);
    const pub = await client(url);
    await pub.publishAsync("a", "not json at all", { qos: 1 });
    await pub.publishAsync("a", Buffer.alloc(5000, 0x20), { qos: 1 });
    await pub.publishAsync("a", JSON.stringify({ deviceId: "r", reads: [{ epc: "XYZ" }, { epc: "AA55" }] }), {
      qos: 1,
    });
    await waitFor(() => c.reads.length === 1, "the one good read");
    expect(c.reads[0]?.data).toBe("AA55");
    expect(d.stats()).toMatchObject({ badPayloads: 3, errors: 3, reads: 1 });
    expect(logs.filter((l) => l.msg === "mqtt bad payload")).toHaveLength(3);
  });

  it("tracks device status from heartbeats and last wills", async () => {
    const { d, url } = await started({ now: () => 1234 });
    const reader = await client(url, {
      will: {
        topic: "site/status/r9",
        payload: Buffer.from(JSON.stringify({ deviceId: "r9", status: "offline" })),
        qos: 1,
        retain: false,
      },
    });
    await reader.publishAsync("site/status/r9", JSON.stringify({ deviceId: "r9", status: "online", ts: 1000 }), {
      qos: 1,
    });
    await waitFor(() => d.stats().devices.r9?.online === true, "r9 online");
    // An ungraceful disconnect: the broker publishes the last will.
    reader.stream.destroy();
    await waitFor(() => d.stats().devices.r9?.online === false, "r9 offline via last will");
    expect(d.stats().reads).toBe(0);
  });

  it("publishes to the site broker without reading its own messages back", async () => {
    const { d, url } = await started();
    const sub = await client(url);
    const got: string[] = [];
    sub.on("message", (_t, p) => got.push(p.toString()));
    await sub.subscribeAsync("suyuan/#", { qos: 1 });
    await d.publish("suyuan/gw-1/dock-3/alert", JSON.stringify({ recall: "R-1" }));
    await waitFor(() => got.length === 1, "alert at subscriber");
    expect(JSON.parse(got[0] as string)).toEqual({ recall: "R-1" });
    expect(d.stats()).toMatchObject({ errors: 0, badPayloads: 0 });
  });

  it("fails to open with DRIVER_OPEN_FAILED when the port is taken", async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
    cleanups.push(() => new Promise((r) => blocker.close(r)));
    const addr = blocker.address();
    const port = typeof addr === "object" && addr ? addr.port : 0;
    const d = new MqttDriver({ id: "dup", broker: { embedded: { port, host: "127.0.0.1" } } });
    await expect(d.open()).rejects.toMatchObject({ code: "DRIVER_OPEN_FAILED", field: "dup" });
    await d.close();
  });
});

describe("MQTT driver — external broker that restarts", () => {
  it("reconnects, resubscribes and counts it", async () => {
    const first = new MqttDriver({ id: "broker-1", broker: { embedded: { port: 0, host: "127.0.0.1" } } });
    await first.open();
    cleanups.push(() => first.close());
    const port = first.port() as number;
    const url = `mqtt://127.0.0.1:${port}`;
    const logs: string[] = [];
    const d = new MqttDriver({
      id: "ext",
      broker: { url },
      topics: ["r/#"],
      reconnectPeriodMs: 50,
      log: (m) => logs.push(m),
    });
    await d.open();
    cleanups.push(() => d.close());
    const c = collect(d);
    await first.close(); // the site broker goes down
    await waitFor(() => !d.stats().connected, "driver to notice");
    const second = new MqttDriver({ id: "broker-2", broker: { embedded: { port, host: "127.0.0.1" } } });
    await second.open();
    cleanups.push(() => second.close());
    await waitFor(() => d.stats().connected, "driver to reconnect");
    expect(d.stats().reconnects).toBe(1);
    const pub = await client(url);
    await pub.publishAsync("r/1", JSON.stringify({ deviceId: "r1", reads: [{ epc: "0A0B" }] }), { qos: 1 });
    await waitFor(() => c.reads.length === 1, "read after the broker came back");
    expect(logs).toEqual(expect.arrayContaining(["mqtt connection lost", "mqtt reconnected"]));
  });
});

describe("MQTT driver — external Mosquitto at 127.0.0.1:1883", () => {
  // Not skipped when Mosquitto is down: the CI services script starts it, and a missing broker
  // must fail this test loudly.
  const url = "mqtt://127.0.0.1:1883";

  it("subscribes to configured topics and reads what readers publish", async () => {
    const prefix = `suyuan-test/${randomUUID()}`;
    const d = new MqttDriver({ id: "ext", broker: { url }, topics: [`${prefix}/#`], now: () => 7 });
    await d.open();
    cleanups.push(() => d.close());
    const c = collect(d);
    const pub = await client(url);
    await pub.publishAsync(
      `${prefix}/reader/1`,
      JSON.stringify({ deviceId: "fx-1", reads: [{ epc: "3034257BF7194E4000001A85", antenna: 3, rssi: -61 }] }),
      { qos: 1 },
    );
    await pub.publishAsync(
      `${prefix}/sensor/1`,
      JSON.stringify({
        deviceId: "t-1",
        sensor: { type: "Temperature", value: -18.5, uom: "CEL" },
        ts: 1_700_000_000_000,
      }),
      { qos: 1 },
    );
    await pub.publishAsync(`${prefix}/junk`, "]]]", { qos: 1 });
    await waitFor(() => c.reads.length === 2 && d.stats().badPayloads === 1, "two reads and one bad payload");
    expect(c.reads).toEqual([
      { deviceId: "fx-1", kind: "rfid", data: "3034257BF7194E4000001A85", ts: 7, antenna: 3, rssi: -61 },
      {
        deviceId: "t-1",
        kind: "sensor",
        data: "t-1",
        ts: 1_700_000_000_000,
        sensor: { type: "Temperature", value: -18.5, uom: "CEL" },
      },
    ]);
    expect(d.stats().connected).toBe(true);
    await d.close();
    expect(d.stats().connected).toBe(false);
    await c.done;
  });

  it("fails to open with DRIVER_OPEN_FAILED when no broker answers", async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    const addr = probe.address();
    const port = typeof addr === "object" && addr ? addr.port : 0;
    await new Promise((r) => probe.close(r)); // a port that was free a moment ago: nothing listens
    const d = new MqttDriver({ id: "nobroker", broker: { url: `mqtt://127.0.0.1:${port}` }, connectTimeoutMs: 1000 });
    await expect(d.open()).rejects.toMatchObject({ code: "DRIVER_OPEN_FAILED" });
    await d.close();
  });
});
