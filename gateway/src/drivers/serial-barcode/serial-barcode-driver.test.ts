import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { autoDetect } from "@serialport/bindings-cpp";
import { SerialPortStream } from "@serialport/stream";
import { afterEach, describe, expect, it } from "vitest";
import type { RawRead } from "../driver.ts";
import { type PtyPair, startPtyPair, UnpluggableMockBinding, waitFor } from "../testing/pty.ts";
import { ManualTimers, settle } from "../testing/timers.ts";
import { SerialBarcodeDriver } from "./serial-barcode-driver.ts";

function collect(d: SerialBarcodeDriver): { reads: RawRead[]; done: Promise<void> } {
  const reads: RawRead[] = [];
  const done = (async () => {
    for await (const r of d.reads()) reads.push(r);
  })();
  return { reads, done };
}

describe("serial barcode driver — mock binding", () => {
  const binding = new UnpluggableMockBinding();
  afterEach(() => binding.reset());

  it("turns suffixed lines into barcode reads, across chunks, noise dropped", async () => {
    binding.createPort("/dev/ttyMOCK0");
    const d = new SerialBarcodeDriver({
      id: "pos-1",
      path: "/dev/ttyMOCK0",
      baud: 9600,
      suffix: "CRLF",
      binding,
      now: () => 42,
    });
    await d.open();
    const c = collect(d);
    binding.port.emitData(Buffer.from("]C1010950600013435210AB\x1d", "latin1"));
    binding.port.emitData(Buffer.from("17261231\r", "latin1"));
    binding.port.emitData(Buffer.from([0x0a, 0x00, 0x07]));
    binding.port.emitData(Buffer.from("]d2010950600013435221SER1\r\n", "latin1"));
    await waitFor(() => c.reads.length === 2, "two reads");
    expect(c.reads).toEqual([
      { deviceId: "pos-1", kind: "barcode", data: "]C1010950600013435210AB\x1d17261231", ts: 42 },
      { deviceId: "pos-1", kind: "barcode", data: "]d2010950600013435221SER1", ts: 42 },
    ]);
    expect(d.stats()).toMatchObject({ reads: 2, errors: 2, garbageBytes: 2, connected: true, reconnects: 0 });
    await d.close();
    await c.done;
    expect(d.stats().connected).toBe(false);
  });

  it("bounds over-long input and counts it", async () => {
    binding.createPort("/dev/ttyMOCK1");
    const d = new SerialBarcodeDriver({
      id: "s",
      path: "/dev/ttyMOCK1",
      baud: 115200,
      suffix: "CR",
      maxLineLength: 64,
      binding,
    });
    await d.open();
    const c = collect(d);
    binding.port.emitData(Buffer.alloc(1000, 0x41));
    binding.port.emitData(Buffer.from("\rOK\r"));
    await waitFor(() => c.reads.length === 1, "one read");
    expect(c.reads[0]?.data).toBe("OK");
    expect(d.stats()).toMatchObject({ overlongLines: 1, errors: 1 });
    await d.close();
  });

  it("open fails with DRIVER_OPEN_FAILED when the port does not exist", async () => {
    const d = new SerialBarcodeDriver({ id: "gone", path: "/dev/ttyNOPE", baud: 9600, suffix: "CR", binding });
    await expect(d.open()).rejects.toMatchObject({ code: "DRIVER_OPEN_FAILED", field: "gone" });
    await d.close();
  });

  it("reconnects with exponential backoff after an unplug (injected timers)", async () => {
    binding.createPort("/dev/ttyMOCK2");
    const timers = new ManualTimers();
    const logs: string[] = [];
    const d = new SerialBarcodeDriver({
      id: "dock",
      path: "/dev/ttyMOCK2",
      baud: 9600,
      suffix: "CR",
      binding,
      timers,
      reconnect: { initialMs: 100, maxMs: 1000, factor: 2 },
      log: (m) => logs.push(m),
    });
    await d.open();
    const c = collect(d);
    binding.port.emitData(Buffer.from("HALF-LINE"));
    await settle();
    binding.unplug("/dev/ttyMOCK2");
    await settle();
    expect(d.stats().connected).toBe(false);
    // Three failed attempts while unplugged: 100, 200, 400 ms, then 800.
    for (let i = 0; i < 3; i++) await timers.fireAll();
    expect(timers.delays).toEqual([100, 200, 400, 800]);
    binding.replug("/dev/ttyMOCK2");
    await timers.fireAll();
    expect(d.stats()).toMatchObject({ connected: true, reconnects: 1 });
    binding.port.emitData(Buffer.from("AFTER\r"));
    await waitFor(() => c.reads.length === 1, "read after replug");
    // The half line from before the unplug never glues onto the next scan.
    expect(c.reads.map((r) => r.data)).toEqual(["AFTER"]);
    expect(logs).toEqual(
      expect.arrayContaining(["serial port lost", "serial reconnect failed", "serial port reconnected"]),
    );
    // After a successful reopen, the next loss starts the backoff over at 100 ms.
    binding.unplug("/dev/ttyMOCK2");
    await settle();
    expect(timers.delays.at(-1)).toBe(100);
    await d.close();
    expect(timers.pending.size).toBe(0);
    await c.done;
  });
});

describe("serial barcode driver — real pty pair (socat)", () => {
  let pair: PtyPair | undefined;
  let dir: string | undefined;
  const opened: SerialPortStream[] = [];

  afterEach(async () => {
    for (const p of opened.splice(0)) if (p.isOpen) await new Promise((r) => p.close(r));
    await pair?.close();
    pair = undefined;
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  function scanner(path: string): Promise<SerialPortStream> {
    const p = new SerialPortStream({ binding: autoDetect(), path, baudRate: 9600, autoOpen: false });
    opened.push(p);
    return new Promise((resolve, reject) => p.open((e) => (e ? reject(e) : resolve(p))));
  }
  const send = (p: SerialPortStream, data: string | Buffer) =>
    new Promise<void>((resolve, reject) => p.write(data, (e) => (e ? reject(e) : p.drain(() => resolve()))));

  it("reads scans written to the other end of a pty", async () => {
    pair = await startPtyPair();
    const d = new SerialBarcodeDriver({ id: "pty-scan", path: pair.a, baud: 9600, suffix: "LF" });
    await d.open();
    const c = collect(d);
    const dev = await scanner(pair.b);
    await send(dev, "]Q3https://id.gs1.org/01/09506000134352/21/A1\n]e0010950600013");
    await send(dev, "4352\n");
    await waitFor(() => c.reads.length === 2, "two reads over the pty");
    expect(c.reads.map((r) => r.data)).toEqual([
      "]Q3https://id.gs1.org/01/09506000134352/21/A1",
      "]e00109506000134352",
    ]);
    await d.close();
    await c.done;
  });

  it("survives socat being killed and restarted at the same link path", async () => {
    dir = mkdtempSync(join(tmpdir(), "suyuan-pty-"));
    const links = { a: join(dir, "scanner"), b: join(dir, "device") };
    pair = await startPtyPair(links);
    const logs: string[] = [];
    const d = new SerialBarcodeDriver({
      id: "replug",
      path: links.a,
      baud: 9600,
      suffix: "CR",
      reconnect: { initialMs: 20, maxMs: 200, factor: 2 },
      log: (m) => logs.push(m),
    });
    await d.open();
    const c = collect(d);
    let dev = await scanner(links.b);
    await send(dev, "BEFORE\r");
    await waitFor(() => c.reads.length === 1, "read before unplug");

    await pair.close(); // unplug: both ptys vanish
    await waitFor(() => !d.stats().connected, "driver to notice the unplug");
    await new Promise((r) => setTimeout(r, 150)); // a few failed reopen attempts
    pair = await startPtyPair(links); // replug: a new pty pair at the same paths
    await waitFor(() => d.stats().connected, "driver to reconnect");
    dev = await scanner(links.b);
    await send(dev, "AFTER\r");
    await waitFor(() => c.reads.length === 2, "read after replug");
    expect(c.reads.map((r) => r.data)).toEqual(["BEFORE", "AFTER"]);
    expect(d.stats().reconnects).toBe(1);
    expect(logs).toContain("serial port lost");
    expect(logs).toContain("serial reconnect failed");
    await d.close();
    await c.done;
  });
});
