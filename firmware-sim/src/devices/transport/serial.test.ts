import { afterEach, describe, expect, it } from "vitest";
import { SerialBarcodeDriver } from "../../../../gateway/src/drivers/serial-barcode/serial-barcode-driver.ts";
import { collect, waitFor } from "../test-support.ts";
import { openSerialLine } from "./line.ts";
import { socatAvailable } from "./pty.ts";
import { MockSerialBus } from "./serial.ts";

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe("serial lines", () => {
  it("socat is available here (CI installs it)", () => {
    expect(socatAvailable()).toBe(true);
    expect(socatAvailable("/nonexistent/socat")).toBe(false);
  });

  for (const kind of ["pty", "mock"] as const) {
    it(`${kind}: device bytes reach the host driver; bytes sent with no host open never come after later ones`, async () => {
      const bus = new MockSerialBus();
      cleanups.push(async () => bus.reset());
      const line = await openSerialLine(kind === "pty" ? { kind } : { kind, bus, path: "/dev/ttyLINE0" });
      // Host → device bytes are exercised by the UHF module tests (the driver's commands).
      await line.transport.open(() => {});
      cleanups.push(() => line.transport.close());
      expect(line.transport.connected).toBe(true);
      await line.transport.write(Buffer.from("nobody listens\r")); // no host yet: lost, no error
      const d = new SerialBarcodeDriver({
        id: "x",
        path: line.hostPath,
        baud: 9600,
        suffix: "CR",
        ...(kind === "mock" ? { binding: bus } : {}),
      });
      cleanups.push(() => d.close());
      await d.open();
      const c = collect<{ data: string }>(d);
      await line.transport.write(Buffer.from("HELLO\r"));
      await waitFor(() => c.reads.some((r) => r.data === "HELLO"), "a read");
      // The mock line drops what was sent with no host; a pty may still hand it over once the
      // host opens (the kernel buffers it when socat wrote it first): either way HELLO is last.
      if (kind === "mock") expect(c.reads.map((r) => r.data)).toEqual(["HELLO"]);
      else expect(c.reads.at(-1)?.data).toBe("HELLO");
      await line.transport.unplug();
      expect(line.transport.connected).toBe(false);
      await expect(line.transport.write(Buffer.from("X\r"))).rejects.toThrow(/down/);
      await waitFor(() => !d.stats().connected, "host notices");
    });
  }
});
