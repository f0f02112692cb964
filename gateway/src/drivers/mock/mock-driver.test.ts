import { isSuyuanError } from "@suyuan/proto";
import { afterEach, describe, expect, it } from "vitest";
import type { RawRead } from "../driver.ts";
import { createDevice, emitError, emitRead, MockDeviceRegistry, MockDriver, reset } from "./mock-driver.ts";

async function take(it: AsyncIterator<RawRead>, n: number): Promise<RawRead[]> {
  const out: RawRead[] = [];
  for (let i = 0; i < n; i++) {
    const r = await it.next();
    if (r.done) break;
    out.push(r.value);
  }
  return out;
}

describe("mock driver", () => {
  afterEach(() => reset());

  it("delivers emitted reads in arrival order with defaults filled in", async () => {
    createDevice("dock-1", "rfid");
    const d = new MockDriver({ id: "dock-1", now: () => 1_700_000_000_000 });
    await d.open();
    const it = d.reads()[Symbol.asyncIterator]();
    expect(emitRead({ deviceId: "dock-1", data: "3034257BF7194E4000001A85", antenna: 2, rssi: -51 })).toBe(true);
    expect(emitRead({ deviceId: "dock-1", data: "3034257BF7194E4000001A86", ts: 5 })).toBe(true);
    const got = await take(it, 2);
    // Strict: the delivered read carries exactly the emitted and defaulted fields (a copy, not
    // the emitted object, and no `undefined` placeholders for fields the device left out).
    expect(got).toStrictEqual([
      {
        deviceId: "dock-1",
        kind: "rfid",
        data: "3034257BF7194E4000001A85",
        antenna: 2,
        rssi: -51,
        ts: 1_700_000_000_000,
      },
      { deviceId: "dock-1", kind: "rfid", data: "3034257BF7194E4000001A86", ts: 5 },
    ]);
    expect(d.stats()).toEqual({ reads: 2, errors: 0, reconnects: 0, dropped: 0, connected: true });
    await d.close();
  });

  it("open fails with DRIVER_OPEN_FAILED for an unknown device", async () => {
    const d = new MockDriver({ id: "nope" });
    const err = await d.open().catch((e: unknown) => e);
    expect(isSuyuanError(err, "DRIVER_OPEN_FAILED")).toBe(true);
  });

  it("counts errors, never throws them into the iterator", async () => {
    createDevice("pos-1", "barcode");
    const logs: string[] = [];
    const d = new MockDriver({ id: "pos-1", log: (m) => logs.push(m) });
    await d.open();
    emitError("pos-1", new Error("garbage"));
    emitRead({ deviceId: "pos-1", data: "]C1010950600013435210ABC" });
    const [r] = await take(d.reads()[Symbol.asyncIterator](), 1);
    expect(r?.kind).toBe("barcode");
    expect(d.stats().errors).toBe(1);
    expect(logs).toContain("driver input error");
    await d.close();
  });

  it("ends the iterator after close, handing over what was buffered first", async () => {
    createDevice("r");
    const d = new MockDriver({ id: "r" });
    await d.open();
    emitRead({ deviceId: "r", data: "AA" });
    emitRead({ deviceId: "r", data: "BB" });
    await d.close();
    await d.close(); // idempotent
    const seen: string[] = [];
    for await (const r of d.reads()) seen.push(r.data);
    expect(seen).toEqual(["AA", "BB"]);
    expect(emitRead({ deviceId: "r", data: "CC" })).toBe(false);
  });

  it("bounds its buffer and counts drops", async () => {
    createDevice("fast");
    const d = new MockDriver({ id: "fast", queueSize: 3 });
    await d.open();
    const accepted = [1, 2, 3, 4, 5].map((i) => emitRead({ deviceId: "fast", data: `0${i}` }));
    expect(accepted).toEqual([true, true, true, false, false]);
    expect(d.stats()).toMatchObject({ reads: 3, dropped: 2 });
    await d.close();
  });

  it("simulates unplug and replug", async () => {
    const dev = createDevice("u");
    const d = new MockDriver({ id: "u" });
    await d.open();
    dev.unplug();
    expect(d.stats().connected).toBe(false);
    expect(dev.emitRead("00")).toBe(false);
    dev.replug();
    expect(d.stats()).toMatchObject({ connected: true, reconnects: 1 });
    await d.close();
  });

  it("isolates registries and rejects a second driver on one device", async () => {
    const reg = new MockDeviceRegistry();
    reg.createDevice("x", "sensor");
    const a = new MockDriver({ id: "x", registry: reg });
    await a.open();
    const b = new MockDriver({ id: "x", registry: reg });
    await expect(b.open()).rejects.toMatchObject({ code: "DRIVER_OPEN_FAILED" });
    expect(() => emitRead({ deviceId: "x", data: "1" })).toThrow(TypeError);
    expect(reg.emitRead({ deviceId: "x", data: "t-1", sensor: { type: "Temperature", value: 4.2, uom: "CEL" } })).toBe(
      true,
    );
    const [r] = await take(a.reads()[Symbol.asyncIterator](), 1);
    expect(r?.sensor).toEqual({ type: "Temperature", value: 4.2, uom: "CEL" });
    await a.close();
  });

  it("allows only one iteration of reads()", async () => {
    createDevice("once");
    const d = new MockDriver({ id: "once" });
    await d.open();
    d.reads()[Symbol.asyncIterator]();
    expect(() => d.reads()[Symbol.asyncIterator]()).toThrow(TypeError);
    await d.close();
  });
});
