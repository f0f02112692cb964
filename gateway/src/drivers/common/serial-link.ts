import { existsSync } from "node:fs";
import { autoDetect } from "@serialport/bindings-cpp";
import { SerialPortStream } from "@serialport/stream";
import {
  type BackoffOptions,
  backoffDelay,
  defaultBackoff,
  errorMessage,
  type Log,
  noLog,
  openFailed,
  realTimers,
  type Timers,
} from "./deps.ts";
import type { BindingInterface } from "./serialport-types.ts";

export interface SerialLinkOptions {
  deviceId: string;
  path: string;
  baudRate: number;
  /** Defaults to the native binding (`@serialport/bindings-cpp`); tests pass `@serialport/binding-mock`. */
  binding?: BindingInterface;
  backoff?: BackoffOptions;
  timers?: Timers;
  log?: Log;
  onData(chunk: Buffer): void;
  /** Called after every successful open, the first and each reopen (e.g. to restart an inventory). */
  onOpen?(): void;
  /** Called when an open port is lost (unplugged, pty closed, I/O error). */
  onDown?(): void;
  /**
   * How often to check that the device node still exists while open (ms; 0 = never). An
   * unplugged USB device (or a pty whose other end went away) removes its node and udev
   * symlink; the read side does not always report the hang-up, so its absence is the signal.
   * Default 1000 with the native binding, 0 with an injected one (mock paths are not files).
   */
  presenceCheckMs?: number;
}

let processBinding: BindingInterface | undefined;
function defaultBinding(): BindingInterface {
  processBinding ??= autoDetect() as BindingInterface;
  return processBinding;
}

/**
 * Replaces the native binding as the default of this thread: the gateway worker
 * (gateway/src/start-worker.ts) opens its ports through the main thread's serial host, since the
 * native binding cannot read from a worker (gateway/serial-host.mjs).
 */
export function setDefaultSerialBinding(binding: BindingInterface): void {
  processBinding = binding;
}

/**
 * One serial port that comes back: the first `open()` must succeed (else DRIVER_OPEN_FAILED);
 * after that, when the port closes or errors (USB unplug, pty gone), it is reopened with
 * exponential backoff until `close()` — logged and counted, never thrown (driver.ts contract).
 */
export class SerialLink {
  private port: SerialPortStream | undefined;
  private timer: unknown;
  private presenceTimer: unknown;
  private attempt = 0;
  private closing = false;
  private paused = false;
  reconnects = 0;
  connected = false;
  private readonly log: Log;
  private readonly timers: Timers;
  private readonly backoff: BackoffOptions;

  constructor(private readonly o: SerialLinkOptions) {
    this.log = o.log ?? noLog;
    this.timers = o.timers ?? realTimers;
    this.backoff = o.backoff ?? defaultBackoff;
  }

  async open(): Promise<void> {
    if (this.closing) throw openFailed(this.o.deviceId, "driver is closed");
    if (this.port !== undefined) return;
    try {
      await this.openPort();
    } catch (e) {
      throw openFailed(this.o.deviceId, `cannot open serial port ${this.o.path}: ${errorMessage(e)}`, e);
    }
  }

  private openPort(): Promise<void> {
    const port = new SerialPortStream({
      binding: this.o.binding ?? defaultBinding(),
      path: this.o.path,
      baudRate: this.o.baudRate,
      autoOpen: false,
    });
    return new Promise<void>((resolve, reject) => {
      port.open((err) => {
        if (err) {
          reject(err);
          return;
        }
        if (this.closing) {
          port.close();
          reject(new Error("closed while opening"));
          return;
        }
        this.port = port;
        this.connected = true;
        port.on("data", (chunk: Buffer) => this.o.onData(chunk));
        port.on("error", (e: Error) => this.log("serial port error", { device: this.o.deviceId, error: e.message }));
        port.on("close", (e: Error | null) => this.lost(port, e));
        if (this.paused) port.pause();
        this.watchPresence(port);
        this.o.onOpen?.();
        resolve();
      });
    });
  }

  private watchPresence(port: SerialPortStream): void {
    const every = this.o.presenceCheckMs ?? (this.o.binding === undefined ? 1000 : 0);
    if (every <= 0) return;
    this.presenceTimer = this.timers.setTimeout(() => {
      this.presenceTimer = undefined;
      if (this.port !== port || this.closing) return;
      if (existsSync(this.o.path)) {
        this.watchPresence(port);
        return;
      }
      this.log("serial device gone", { device: this.o.deviceId, path: this.o.path });
      // Closing emits "close", which runs lost(): the usual reconnect with backoff.
      port.close();
    }, every);
  }

  private lost(port: SerialPortStream, e: Error | null): void {
    if (this.port !== port) return;
    this.port = undefined;
    this.connected = false;
    port.removeAllListeners("data");
    if (this.closing) return;
    this.log("serial port lost", { device: this.o.deviceId, path: this.o.path, error: e?.message });
    this.o.onDown?.();
    this.attempt = 0;
    this.schedule();
  }

  private schedule(): void {
    const delay = backoffDelay(this.attempt, this.backoff);
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      void this.retry();
    }, delay);
  }

  private async retry(): Promise<void> {
    if (this.closing) return;
    try {
      await this.openPort();
      this.reconnects++;
      this.log("serial port reconnected", { device: this.o.deviceId, path: this.o.path, attempts: this.attempt + 1 });
      this.attempt = 0;
    } catch (e) {
      if (this.closing) return;
      this.attempt++;
      this.log("serial reconnect failed", {
        device: this.o.deviceId,
        path: this.o.path,
        attempt: this.attempt,
        nextMs: backoffDelay(this.attempt, this.backoff),
        error: errorMessage(e),
      });
      this.schedule();
    }
  }

  write(data: Buffer): Promise<void> {
    const port = this.port;
    if (port === undefined) return Promise.reject(new Error("serial port not open"));
    return new Promise((resolve, reject) => {
      port.write(data, (err) => (err ? reject(err) : resolve()));
    });
  }

  /** Backpressure from the read queue: stop reading (the OS and device buffer), then resume. */
  setPaused(paused: boolean): void {
    this.paused = paused;
    if (paused) this.port?.pause();
    else this.port?.resume();
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const t of [this.timer, this.presenceTimer]) if (t !== undefined) this.timers.clearTimeout(t);
    this.timer = undefined;
    this.presenceTimer = undefined;
    const port = this.port;
    this.port = undefined;
    this.connected = false;
    if (port?.isOpen) {
      await new Promise<void>((resolve) => port.close(() => resolve()));
    }
  }
}
