// The serial proxy against the serial host (gateway/serial-host.mjs) over a real MessageChannel,
// with the mock binding behind the host: what a driver does through the proxy reaches the port,
// what the port reads comes back, and the binding contract's `canceled` survives the hop.
import { MessageChannel } from "node:worker_threads";
import { SerialPortMock } from "serialport";
import { afterEach, describe, expect, it } from "vitest";
import { serveSerial } from "../../../serial-host.mjs";
import { serialProxyBinding } from "./serial-proxy.ts";
import type { BindingInterface, MockBindingInterface, MockPortBinding } from "./serialport-types.ts";

const MockBinding = SerialPortMock.binding as MockBindingInterface & BindingInterface<MockPortBinding>;

let closeHost: (() => Promise<void>) | undefined;
afterEach(async () => {
  await closeHost?.();
  closeHost = undefined;
  MockBinding.reset();
});

function proxy(): BindingInterface {
  const { port1, port2 } = new MessageChannel();
  closeHost = serveSerial(port1, { binding: MockBinding });
  return serialProxyBinding(port2);
}

describe("serial proxy ↔ serial host", () => {
  it("opens, writes, reads into the caller's buffer at its offset, and closes", async () => {
    MockBinding.createPort("/dev/TEST0", { echo: true, record: true });
    const p = await proxy().open({ path: "/dev/TEST0", baudRate: 9600 });
    expect(p.isOpen).toBe(true);
    expect(p.openOptions).toMatchObject({ path: "/dev/TEST0", baudRate: 9600 });
    await p.write(Buffer.from("]C1hello\r"));
    const buf = Buffer.alloc(32, 0x2e);
    const r = await p.read(buf, 4, 28);
    expect(r.buffer).toBe(buf);
    expect(buf.subarray(4, 4 + r.bytesRead).toString()).toBe("]C1hello\r");
    expect(buf.subarray(0, 4).toString()).toBe("....");
    expect(await p.getBaudRate()).toEqual({ baudRate: 9600 });
    await p.close();
    expect(p.isOpen).toBe(false);
  });

  it("a read pending when the port closes fails with canceled (not a disconnect)", async () => {
    MockBinding.createPort("/dev/TEST1");
    const p = await proxy().open({ path: "/dev/TEST1", baudRate: 9600 });
    const pending = p.read(Buffer.alloc(8), 0, 8);
    await new Promise((r) => setTimeout(r, 20));
    await p.close();
    await expect(pending).rejects.toMatchObject({ canceled: true });
  });

  it("reports the host's errors: a port that does not exist", async () => {
    await expect(proxy().open({ path: "/dev/NOPE", baudRate: 9600 })).rejects.toThrow(/NOPE/);
  });

  it("lists the host's ports", async () => {
    MockBinding.createPort("/dev/TEST2");
    expect((await proxy().list()).map((p) => p.path)).toContain("/dev/TEST2");
  });
});
