/**
 * A real pseudo-terminal pair from socat, the way a USB-serial device appears to a host:
 * `socat -d -d pty,raw,echo=0,link=<host> pty,raw,echo=0,link=<device>`. The gateway opens
 * `hostPath`; the emulator opens `devicePath`; socat copies bytes both ways. The `link=`
 * symlinks keep both paths stable when socat is restarted, which is how an unplugged and
 * replugged USB scanner looks under a udev symlink.
 *
 * socat stays up when the host closes and reopens its side (measured: bytes written while the
 * host side is closed are discarded, as on a real line), so a restarted gateway finds it again.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface PtyPairOptions {
  /** Folder for the two symlinks (default: a fresh temporary folder, removed on close). */
  dir?: string;
  /** Base name of the links: `<name>-host`, `<name>-device` (default "tty"). */
  name?: string;
  /** socat executable (default "socat" on PATH). */
  socat?: string;
  /** How long to wait for socat to report both ptys (default 5000 ms). */
  startTimeoutMs?: number;
}

export interface PtyPair {
  /** The path to give the gateway's serial driver. */
  readonly hostPath: string;
  /** The path the emulator opens. */
  readonly devicePath: string;
  /** The /dev/pts paths of the current socat (host, device). */
  readonly pts: readonly [string, string];
  /** Whether socat is running. */
  readonly running: boolean;
  /** Kills socat (both ends vanish: an unplug). The pair can be `restart()`ed. */
  unplug(): Promise<void>;
  /** Starts socat again at the same link paths (a replug). */
  restart(): Promise<void>;
  /** Kills socat and removes a temporary folder it created. Idempotent. */
  close(): Promise<void>;
}

/** Whether socat can be run (else scenarios fall back to the serial mock binding). */
export function socatAvailable(socat = "socat"): boolean {
  const r = spawnSync(socat, ["-V"], { stdio: "ignore", timeout: 5000 });
  return r.error === undefined && r.status === 0;
}

export async function createPtyPair(o: PtyPairOptions = {}): Promise<PtyPair> {
  const ownDir = o.dir === undefined;
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), "suyuan-pty-"));
  const name = o.name ?? "tty";
  const hostPath = join(dir, `${name}-host`);
  const devicePath = join(dir, `${name}-device`);
  let proc: ChildProcess | undefined;
  let pts: [string, string] = ["", ""];
  let closed = false;

  const start = async () => {
    const started = await startSocat(o.socat ?? "socat", hostPath, devicePath, o.startTimeoutMs ?? 5000);
    proc = started.proc;
    pts = started.pts;
  };
  try {
    await start();
  } catch (e) {
    if (ownDir) rmSync(dir, { recursive: true, force: true });
    throw e;
  }

  return {
    hostPath,
    devicePath,
    get pts() {
      return pts;
    },
    get running() {
      return proc !== undefined && proc.exitCode === null && proc.signalCode === null;
    },
    async unplug() {
      const p = proc;
      proc = undefined;
      if (p) await stopProcess(p);
    },
    async restart() {
      if (closed) throw new Error("pty pair is closed");
      const p = proc;
      proc = undefined;
      if (p) await stopProcess(p);
      await start();
    },
    async close() {
      if (closed) return;
      closed = true;
      const p = proc;
      proc = undefined;
      if (p) await stopProcess(p);
      if (ownDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

function startSocat(
  socat: string,
  hostPath: string,
  devicePath: string,
  timeoutMs: number,
): Promise<{ proc: ChildProcess; pts: [string, string] }> {
  // A link left by a killed socat would make socat fail to create its own.
  for (const p of [hostPath, devicePath]) if (existsSync(p)) rmSync(p, { force: true });
  const side = (link: string) => `pty,raw,echo=0,link=${link}`;
  const proc = spawn(socat, ["-d", "-d", side(hostPath), side(devicePath)], { stdio: ["ignore", "ignore", "pipe"] });
  return new Promise((resolve, reject) => {
    let err = "";
    const found: string[] = [];
    const timer = setTimeout(() => {
      proc.kill("SIGKILL");
      reject(new Error(`socat did not report two ptys within ${timeoutMs} ms: ${err.slice(-500)}`));
    }, timeoutMs);
    proc.on("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot start socat (is it installed?): ${e.message}`));
    });
    proc.on("exit", (code) => {
      clearTimeout(timer);
      if (found.length < 2)
        reject(new Error(`socat exited with ${code} before reporting its ptys: ${err.slice(-500)}`));
    });
    proc.stderr?.setEncoding("utf8");
    proc.stderr?.on("data", (s: string) => {
      if (err.length < 10_000) err += s;
      for (const m of s.matchAll(/PTY is (\/dev\/pts\/\d+)/g)) found.push(m[1] as string);
      // "starting data transfer loop" comes after both ptys and their links exist.
      if (found.length >= 2 && err.includes("starting data transfer loop")) {
        clearTimeout(timer);
        resolve({ proc, pts: [found[0] as string, found[1] as string] });
      }
    });
  });
}

function stopProcess(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    proc.once("exit", () => resolve());
    proc.kill("SIGTERM");
  });
}
