import { afterEach, describe, expect, it } from "vitest";
import type { RawRead } from "../../../gateway/src/drivers/driver.ts";
import { SerialBarcodeDriver } from "../../../gateway/src/drivers/serial-barcode/serial-barcode-driver.ts";
import { digitalLinkQr, ean13, gs1_128, gs1DataMatrix } from "./barcode-content.ts";
import { BarcodeScanner } from "./barcode-scanner.ts";
import type { Scheduler } from "./clock.ts";
import { mulberry32 } from "./random.ts";
import { collect, waitFor } from "./test-support.ts";
import { createPtyPair } from "./transport/pty.ts";
import { MockSerialBus, PtySerialTransport } from "./transport/serial.ts";

const SCANS = [
  gs1_128("(01)09506000134352(10)ABC(17)261231"),
  gs1DataMatrix("(01)09506000134352(17)261231(10)LOT7(21)S1"),
  digitalLinkQr("(01)09506000134352(21)A/1"),
  ean13("4006381333931"),
];

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe("barcode scanner over a socat pty → SerialBarcodeDriver", () => {
  for (const suffix of ["CR", "LF", "CRLF"] as const) {
    it(`the driver reads the exact scan data (suffix ${suffix}, line noise and double reads on)`, async () => {
      const pair = await createPtyPair();
      const scanner = new BarcodeScanner({
        id: "pos",
        transport: new PtySerialTransport({ pair, baudRate: 9600 }),
        suffix,
        pace: "fast",
        noise: { lineNoiseRate: 1, doubleReadRate: 0 },
        random: mulberry32(4),
      });
      cleanups.push(() => scanner.stop());
      const d = new SerialBarcodeDriver({ id: "pos", path: pair.hostPath, baud: 9600, suffix });
      cleanups.push(() => d.close());
      await d.open();
      const c = collect<RawRead>(d);
      await scanner.start();
      await scanner.scanAll(SCANS);
      await waitFor(() => c.reads.length === SCANS.length, "all scans");
      expect(c.reads.map((r) => r.data)).toEqual(SCANS);
      expect(c.reads.every((r) => r.kind === "barcode" && r.deviceId === "pos")).toBe(true);
      expect(d.stats().garbageBytes).toBeGreaterThan(0);
      expect(scanner.stats.noiseBursts).toBe(SCANS.length);
    });
  }

  it("unplug/replug: the driver reconnects and reads scans after the replug", async () => {
    const pair = await createPtyPair();
    const scanner = new BarcodeScanner({ id: "dock", transport: new PtySerialTransport({ pair }), pace: "fast" });
    cleanups.push(() => scanner.stop());
    const d = new SerialBarcodeDriver({
      id: "dock",
      path: pair.hostPath,
      baud: 115200,
      suffix: "CR",
      reconnect: { initialMs: 20, maxMs: 100, factor: 2 },
    });
    cleanups.push(() => d.close());
    await d.open();
    const c = collect<RawRead>(d);
    await scanner.start();
    await scanner.scan(SCANS[0] as string);
    await waitFor(() => c.reads.length === 1, "scan before unplug");
    await scanner.unplug();
    await waitFor(() => !d.stats().connected, "driver sees the unplug");
    const lost = await scanner.scan(SCANS[1] as string);
    expect(lost.delivered).toBe(false);
    await scanner.replug();
    await waitFor(() => d.stats().connected, "driver reconnects");
    await scanner.scan(SCANS[3] as string);
    await waitFor(() => c.reads.length === 2, "scan after replug");
    expect(c.reads.map((r) => r.data)).toEqual([SCANS[0], SCANS[3]]);
    expect(d.stats().reconnects).toBe(1);
    expect(scanner.sent.map((s) => s.delivered)).toEqual([true, false, true]);
  });
});

describe("barcode scanner over the serial mock binding → SerialBarcodeDriver", () => {
  it("the driver opens the mock path and reads the scans; unplug is seen as a lost port", async () => {
    const bus = new MockSerialBus();
    cleanups.push(async () => bus.reset());
    const scanner = new BarcodeScanner({
      id: "m",
      transport: bus.transport("/dev/ttySIM0"),
      suffix: "CRLF",
      pace: "fast",
    });
    const d = new SerialBarcodeDriver({
      id: "m",
      path: "/dev/ttySIM0",
      baud: 9600,
      suffix: "CRLF",
      binding: bus,
      reconnect: { initialMs: 10, maxMs: 50, factor: 2 },
    });
    cleanups.push(() => d.close());
    await d.open();
    const c = collect<RawRead>(d);
    await scanner.start();
    await scanner.scanAll(SCANS);
    await waitFor(() => c.reads.length === SCANS.length, "all scans");
    expect(c.reads.map((r) => r.data)).toEqual(SCANS);
    await scanner.unplug();
    await waitFor(() => !d.stats().connected, "driver sees the unplug");
    await scanner.replug();
    await waitFor(() => d.stats().connected, "driver reconnects");
    await scanner.scan("]E04006381333931");
    await waitFor(() => c.reads.length === SCANS.length + 1, "scan after replug");
    expect(c.reads.at(-1)?.data).toBe("]E04006381333931");
  });
});

describe("barcode scanner pace", () => {
  it("waits a human pause in the configured range between scans", async () => {
    // A manual scheduler: time advances only when a timer fires.
    let now = 1_000_000;
    const delays: number[] = [];
    const scheduler: Scheduler = {
      now: () => now,
      setTimeout: (fn, ms) => {
        delays.push(ms);
        now += ms;
        queueMicrotask(fn);
        return 0;
      },
      clearTimeout: () => {},
    };
    const writes: number[] = [];
    const scanner = new BarcodeScanner({
      id: "p",
      pace: [300, 1500],
      scheduler,
      random: mulberry32(2),
      transport: {
        connected: true,
        open: async () => {},
        write: async () => {
          writes.push(now);
        },
        unplug: async () => {},
        replug: async () => {},
        close: async () => {},
      },
    });
    await scanner.start();
    await scanner.scanAll(["A", "B", "C", "D", "E"]);
    expect(delays).toHaveLength(4);
    for (const ms of delays) expect(ms >= 300 && ms <= 1500).toBe(true);
    for (let i = 1; i < writes.length; i++) {
      const gap = (writes[i] as number) - (writes[i - 1] as number);
      expect(gap >= 300 && gap <= 1500).toBe(true);
    }
    await expect(scanner.scan("bad\rline")).rejects.toThrow(TypeError);
  });
});
