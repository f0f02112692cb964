/**
 * The device end of a serial line. An emulator writes what its firmware would transmit and
 * receives what the host sends; it does not know whether the line is a real pty (socat) or the
 * in-process mock binding.
 */
import { SerialPort, SerialPortMock } from "serialport";
import type { PtyPair } from "./pty.ts";
import type {
  BindingInterface,
  BindingOpenOptions,
  BindingPortInterface,
  MockBindingInterface,
  MockPortBinding,
} from "./serialport-types.ts";

export interface SerialTransport {
  /** Opens the device end; bytes the host writes are handed to `onData`. */
  open(onData: (chunk: Buffer) => void): Promise<void>;
  /** Transmits bytes to the host. Rejects when the line is down (unplugged). */
  write(data: Uint8Array): Promise<void>;
  /** True while the device end is open and attached. */
  readonly connected: boolean;
  /** Pulls the cable: the host sees its port vanish (read error / close); writes fail. */
  unplug(): Promise<void>;
  /** Plugs it back in at the same path; the host's driver reopens it. */
  replug(): Promise<void>;
  /** Closes the device end (and what the transport owns). Idempotent. */
  close(): Promise<void>;
}

// ---------------------------------------------------------------- pty (socat) ----

export interface PtySerialOptions {
  pair: PtyPair;
  baudRate?: number;
  /** Close (kill socat) on `close()` (default true). */
  ownsPair?: boolean;
}

/** The device end of a socat pty pair, opened with `serialport`'s native binding. */
export class PtySerialTransport implements SerialTransport {
  private port: SerialPort | undefined;
  private onData: ((chunk: Buffer) => void) | undefined;
  private closed = false;

  constructor(private readonly o: PtySerialOptions) {}

  get connected(): boolean {
    return this.port?.isOpen === true;
  }

  async open(onData: (chunk: Buffer) => void): Promise<void> {
    this.onData = onData;
    await this.openPort();
  }

  private openPort(): Promise<void> {
    const port = new SerialPort({ path: this.o.pair.devicePath, baudRate: this.o.baudRate ?? 115200, autoOpen: false });
    return new Promise((resolve, reject) => {
      port.open((err) => {
        if (err) {
          reject(err);
          return;
        }
        this.port = port;
        port.on("data", (chunk: Buffer) => this.onData?.(chunk));
        // An error after open is followed by close; the emulator sees `connected` go false.
        port.on("error", () => {});
        port.on("close", () => {
          if (this.port === port) this.port = undefined;
        });
        resolve();
      });
    });
  }

  write(data: Uint8Array): Promise<void> {
    const port = this.port;
    if (port === undefined || !port.isOpen) return Promise.reject(new Error("serial line is down"));
    return new Promise((resolve, reject) => {
      port.write(Buffer.from(data), (err) => {
        if (err) reject(err);
        else port.drain((e) => (e ? reject(e) : resolve()));
      });
    });
  }

  private async closePort(): Promise<void> {
    const port = this.port;
    this.port = undefined;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  async unplug(): Promise<void> {
    await this.closePort();
    await this.o.pair.unplug();
  }

  async replug(): Promise<void> {
    if (this.closed) throw new Error("transport is closed");
    await this.o.pair.restart();
    await this.openPort();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.closePort();
    if (this.o.ownsPair ?? true) await this.o.pair.close();
  }
}

// ------------------------------------------------------------- mock binding ----

// `@serialport/binding-mock`'s MockBinding (serialport re-exports it as SerialPortMock.binding).
const MockBinding = SerialPortMock.binding as MockBindingInterface & BindingInterface<MockPortBinding>;

/** The host's port: the mock port, whose writes reach the device and whose read fails on unplug. */
class HostPort implements BindingPortInterface {
  private fail: ((e: Error) => void) | undefined;
  private readonly failed: Promise<never>;
  constructor(
    readonly inner: MockPortBinding,
    private readonly toDevice: (data: Buffer) => void,
  ) {
    this.failed = new Promise<never>((_, reject) => {
      this.fail = reject;
    });
    this.failed.catch(() => {});
  }
  get openOptions() {
    return this.inner.openOptions;
  }
  get isOpen() {
    return this.inner.isOpen;
  }
  unplug(): void {
    // Not `canceled`: @serialport/stream treats any other read error as a disconnect (EIO, as
    // a vanished USB device gives).
    this.fail?.(Object.assign(new Error("EIO: device unplugged"), { code: "EIO" }));
  }
  close = () => this.inner.close();
  read = (b: Buffer, o: number, l: number) => Promise.race([this.inner.read(b, o, l), this.failed]);
  write = async (b: Buffer) => {
    await this.inner.write(b);
    this.toDevice(Buffer.from(b));
  };
  update = (o: Parameters<MockPortBinding["update"]>[0]) => this.inner.update(o);
  set = (o: Parameters<MockPortBinding["set"]>[0]) => this.inner.set(o);
  get = () => this.inner.get();
  getBaudRate = () => this.inner.getBaudRate();
  flush = () => this.inner.flush();
  drain = () => this.inner.drain();
}

interface BusLine {
  plugged: boolean;
  host: HostPort | undefined;
  device: ((chunk: Buffer) => void) | undefined;
}

/**
 * In-process serial lines over `@serialport/binding-mock`. Give the bus to the gateway as its
 * serial binding (it is a `BindingInterface`); attach an emulator to a path with
 * `bus.transport(path)`. Host writes reach the emulator; emulator writes arrive as the host's
 * reads (`MockPortBinding.emitData`). Bytes sent while the host has the port closed are lost,
 * as on a real line.
 */
export class MockSerialBus implements BindingInterface {
  // Map ( path -> line )
  private readonly lines = new Map<string, BusLine>();

  /** Creates the mock port at `path` (`MockBinding.createPort`) and returns its device end. */
  transport(path: string): SerialTransport {
    if (!this.lines.has(path)) {
      MockBinding.createPort(path, { echo: false, record: false });
      this.lines.set(path, { plugged: true, host: undefined, device: undefined });
    }
    return new MockSerialTransport(this, path);
  }

  list() {
    return MockBinding.list();
  }

  async open(options: BindingOpenOptions): Promise<BindingPortInterface> {
    const line = this.lines.get(options.path);
    if (line === undefined || !line.plugged) throw new Error(`ENOENT: no such file or directory ${options.path}`);
    const inner = await MockBinding.open(options);
    const host = new HostPort(inner, (data) => this.lines.get(options.path)?.device?.(data));
    line.host = host;
    return host;
  }

  /** @internal used by MockSerialTransport */
  line(path: string): BusLine {
    const l = this.lines.get(path);
    if (l === undefined) throw new Error(`no mock serial line at ${path}`);
    return l;
  }

  /** Forgets every line (MockBinding.reset): for test teardown. */
  reset(): void {
    for (const l of this.lines.values()) l.host?.unplug();
    this.lines.clear();
    MockBinding.reset();
  }
}

class MockSerialTransport implements SerialTransport {
  private attached = false;
  constructor(
    private readonly bus: MockSerialBus,
    private readonly path: string,
  ) {}

  get connected(): boolean {
    return this.attached && this.bus.line(this.path).plugged;
  }

  async open(onData: (chunk: Buffer) => void): Promise<void> {
    this.bus.line(this.path).device = onData;
    this.attached = true;
  }

  async write(data: Uint8Array): Promise<void> {
    const line = this.bus.line(this.path);
    if (!this.attached || !line.plugged) throw new Error("serial line is down");
    const host = line.host;
    // Nobody has the port open: the bytes go nowhere, as on a real line.
    if (host === undefined || !host.isOpen) return;
    host.inner.emitData(Buffer.from(data));
  }

  async unplug(): Promise<void> {
    const line = this.bus.line(this.path);
    line.plugged = false;
    line.host?.unplug();
    line.host = undefined;
  }

  async replug(): Promise<void> {
    this.bus.line(this.path).plugged = true;
  }

  async close(): Promise<void> {
    if (!this.attached) return;
    this.attached = false;
    const line = this.bus.line(this.path);
    line.device = undefined;
  }
}
