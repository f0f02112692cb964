/**
 * Test support: real pseudo-terminal pairs from socat (`socat -d -d pty,raw,echo=0 pty,raw,echo=0`),
 * and a mock serial binding that can be unplugged. Used by the serial driver tests only.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { SerialPortMock } from "serialport";
import type {
  BindingInterface,
  BindingPortInterface,
  MockBindingInterface,
  MockPortBinding,
  BindingOpenOptions as OpenOptions,
} from "../common/serialport-types.ts";

// `@serialport/binding-mock`'s MockBinding (serialport re-exports it as SerialPortMock.binding).

const MockBinding = SerialPortMock.binding as MockBindingInterface & BindingInterface<MockPortBinding>;

export interface PtyPair {
  /** Path the driver opens (the `link=` symlink when given, else the /dev/pts path). */
  a: string;
  /** Path the test opens to play the device. */
  b: string;
  /** The /dev/pts paths socat reported on stderr. */
  pts: [string, string];
  proc: ChildProcess;
  close(): Promise<void>;
}

/**
 * Starts socat and waits for its two "PTY is /dev/pts/N" notices. With `links`, socat also
 * creates stable symlinks (`link=`), so a restarted socat appears at the same path — an
 * unplugged and replugged USB scanner under a udev symlink.
 */
export function startPtyPair(links?: { a: string; b: string }): Promise<PtyPair> {
  const side = (link?: string) => `pty,raw,echo=0${link ? `,link=${link}` : ""}`;
  const proc = spawn("socat", ["-d", "-d", side(links?.a), side(links?.b)], { stdio: ["ignore", "ignore", "pipe"] });
  return new Promise((resolve, reject) => {
    let err = "";
    const pts: string[] = [];
    const timer = setTimeout(() => {
      proc.kill("SIGKILL");
      reject(new Error(`socat did not report two ptys within 5 s: ${err}`));
    }, 5000);
    proc.on("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot start socat (is it installed? .ci/services installs it): ${e.message}`));
    });
    proc.stderr?.setEncoding("utf8");
    proc.stderr?.on("data", (s: string) => {
      err += s;
      for (const m of s.matchAll(/PTY is (\/dev\/pts\/\d+)/g)) pts.push(m[1] as string);
      // "starting data transfer loop" comes after both ptys (and links) exist.
      if (pts.length >= 2 && err.includes("starting data transfer loop")) {
        clearTimeout(timer);
        const p0 = pts[0] as string;
        const p1 = pts[1] as string;
        resolve({
          a: links?.a ?? p0,
          b: links?.b ?? p1,
          pts: [p0, p1],
          proc,
          close: () => stopProcess(proc),
        });
      }
    });
  });
}

export function stopProcess(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    proc.once("exit", () => resolve());
    proc.kill("SIGTERM");
  });
}

/** A port of UnpluggableMockBinding: the mock port, whose pending read fails on unplug. */
class UnpluggablePort implements BindingPortInterface {
  private fail: ((e: Error) => void) | undefined;
  private readonly failed: Promise<never>;
  constructor(readonly inner: MockPortBinding) {
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
    // Not `canceled`: @serialport/stream treats any other read error as a disconnect.
    this.fail?.(Object.assign(new Error("EIO: device unplugged"), { code: "EIO" }));
  }
  close = () => this.inner.close();
  read = (b: Buffer, o: number, l: number) => Promise.race([this.inner.read(b, o, l), this.failed]);
  write = (b: Buffer) => this.inner.write(b);
  update = (o: Parameters<MockPortBinding["update"]>[0]) => this.inner.update(o);
  set = (o: Parameters<MockPortBinding["set"]>[0]) => this.inner.set(o);
  get = () => this.inner.get();
  getBaudRate = () => this.inner.getBaudRate();
  flush = () => this.inner.flush();
  drain = () => this.inner.drain();
}

/**
 * `@serialport/binding-mock` with a handle on each opened port (to emit data and read what the
 * driver wrote) and unplug/replug: while unplugged, opens fail like a missing /dev node.
 */
export class UnpluggableMockBinding implements BindingInterface {
  readonly ports: UnpluggablePort[] = [];
  private plugged = new Set<string>();
  opens = 0;

  createPort(path: string): void {
    MockBinding.createPort(path, { echo: false, record: true });
    this.plugged.add(path);
  }
  list() {
    return MockBinding.list();
  }
  async open(options: OpenOptions): Promise<UnpluggablePort> {
    this.opens++;
    if (!this.plugged.has(options.path)) throw new Error(`ENOENT: no such file ${options.path}`);
    const p = new UnpluggablePort(await MockBinding.open(options));
    this.ports.push(p);
    return p;
  }
  /** The most recently opened port. */
  get port(): MockPortBinding {
    const p = this.ports.at(-1);
    if (p === undefined) throw new Error("no port opened yet");
    return p.inner;
  }
  unplug(path: string): void {
    this.plugged.delete(path);
    this.ports.at(-1)?.unplug();
  }
  replug(path: string): void {
    this.plugged.add(path);
  }
  reset(): void {
    MockBinding.reset();
    this.plugged.clear();
  }
}

/** Polls until `cond()` holds (real time, bounded): for I/O through real ptys. */
export async function waitFor(cond: () => boolean, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
