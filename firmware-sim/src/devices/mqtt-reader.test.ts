import { afterEach, describe, expect, it } from "vitest";
import type { RawRead } from "../../../gateway/src/drivers/driver.ts";
import { MqttDriver } from "../../../gateway/src/drivers/mqtt/mqtt-driver.ts";
import { digitalLinkQr, gs1_128, gs1DataMatrix } from "./barcode-content.ts";
import { MqttReader } from "./mqtt-reader.ts";
import { mulberry32 } from "./random.ts";
import { epcHex } from "./tags.ts";
import { collect, delay, waitFor } from "./test-support.ts";

const TAGS = Array.from({ length: 4 }, (_, i) => epcHex(`urn:epc:id:sgtin:0614141.812345.${100 + i}`));
const SCANS = [
  gs1DataMatrix("(01)09506000134352(17)261231(10)LOT7(21)S1"),
  gs1_128("(00)106141411234567897"),
  digitalLinkQr("(01)09506000134352(21)Q9"),
];

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function site(): Promise<{ d: MqttDriver; url: string; reads: RawRead[] }> {
  const d = new MqttDriver({ id: "site", broker: { embedded: { port: 0, host: "127.0.0.1" } } });
  await d.open();
  cleanups.push(() => d.close());
  const c = collect<RawRead>(d);
  return { d, url: `mqtt://127.0.0.1:${d.port()}`, reads: c.reads };
}

describe("MQTT reader → MqttDriver (embedded aedes)", () => {
  for (const format of ["zebra", "generic"] as const) {
    it(`${format}: tags in the field and barcodes arrive as reads; heartbeat says online`, async () => {
      const { d, url, reads } = await site();
      const reader = new MqttReader({ id: "RFD40-7", url, format, roundMs: 20, heartbeatMs: 30, antenna: 3 });
      cleanups.push(() => reader.stop());
      reader.setTagsInField(TAGS);
      await reader.start();
      await waitFor(() => reader.stats.rounds >= 3 && reader.stats.heartbeats >= 2, "rounds and heartbeats");
      reader.setTagsInField([]);
      for (const s of SCANS) await reader.scanBarcode(s);
      await waitFor(() => reads.filter((r) => r.kind === "barcode").length === SCANS.length, "barcodes");
      const rfid = reads.filter((r) => r.kind === "rfid");
      expect(new Set(rfid.map((r) => r.data))).toEqual(new Set(TAGS));
      expect(rfid.length).toBe(reader.stats.tagReports);
      for (const r of rfid) expect(r).toMatchObject({ deviceId: "RFD40-7", antenna: 3, pc: "3000" });
      // The gateway maps Zebra symbology names back to the AIM identifier a serial scanner sends.
      expect(reads.filter((r) => r.kind === "barcode").map((r) => r.data)).toEqual(SCANS);
      expect(d.stats().devices["RFD40-7"]?.online).toBe(true);
      expect(d.stats().errors).toBe(0);
    });
  }

  it("a dropped reader's last will marks it offline; reconnecting marks it online again", async () => {
    const { d, url } = await site();
    const reader = new MqttReader({ id: "dock-door-3", url, format: "generic", roundMs: 0, heartbeatMs: 0 });
    cleanups.push(() => reader.stop());
    await reader.start();
    await waitFor(() => d.stats().devices["dock-door-3"]?.online === true, "online");
    await reader.disconnect();
    await waitFor(() => d.stats().devices["dock-door-3"]?.online === false, "offline by last will");
    expect(await reader.scanBarcode(SCANS[0] as string)).toBe(false);
    expect(reader.stats.lostMessages).toBe(1);
    await reader.reconnect();
    await waitFor(() => d.stats().devices["dock-door-3"]?.online === true, "online again");
    await reader.stop();
    await waitFor(() => d.stats().devices["dock-door-3"]?.online === false, "offline on clean stop");
  });

  it("noise: 65 % read rate and repeats over triggered rounds still covers every tag; seeded runs repeat", async () => {
    const { url, reads } = await site();
    const mk = (seed: number) =>
      new MqttReader({
        id: `hh-${seed}`,
        url,
        format: "zebra",
        roundMs: 0,
        heartbeatMs: 0,
        noise: { readRate: 0.65, repeats: [1, 4] },
        random: mulberry32(seed),
      });
    const a = mk(1);
    cleanups.push(() => a.stop());
    a.setTagsInField(TAGS);
    await a.start();
    const rounds = [];
    for (let i = 0; i < 10; i++) rounds.push(await a.triggerInventory());
    await waitFor(() => reads.length === a.stats.tagReports, "all reports");
    expect(new Set(reads.map((r) => r.data))).toEqual(new Set(TAGS));
    expect(rounds.some((r) => new Set(r.map((x) => x.epc)).size < TAGS.length)).toBe(true);
    const b = mk(1);
    cleanups.push(() => b.stop());
    b.setTagsInField(TAGS);
    await b.start();
    for (let i = 0; i < 10; i++) expect(await b.triggerInventory()).toEqual(rounds[i]);
    await delay(10);
  });
});
