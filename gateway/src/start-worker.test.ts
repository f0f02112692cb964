// `suyuan gateway start` as production runs it (cli/bin/suyuan.mjs → gateway/launch.mjs: the
// transpiled gateway in a worker whose heap is sized for it), with a scanner on a real
// pseudo-terminal: the native serial binding cannot read from a worker, so this checks that
// the scanner's lines reach the gateway through the main thread's serial host, and that
// SIGTERM still stops the whole process cleanly.
import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "../../tests/shared.ts";
import { writeOfflineGatewayConfig } from "./drivers/testing/offline-config.ts";
import { type PtyPair, startPtyPair } from "./drivers/testing/pty.ts";

const CLI_BIN = resolve(dirname(fileURLToPath(import.meta.url)), "../../cli/bin/suyuan.mjs");

let dir: string | undefined;
let child: ChildProcess | undefined;
let pty: PtyPair | undefined;
afterEach(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  child = undefined;
  await pty?.close();
  pty = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

async function until<T>(probe: () => Promise<T | undefined> | T | undefined, what: string, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("suyuan gateway start in its worker (a real process)", () => {
  it("reads a pty-attached scanner through the serial host, and exits 0 on SIGTERM", async () => {
    dir = await mkdtemp(join(tmpdir(), "suyuan-gwworker-"));
    pty = await startPtyPair();
    const port = await freePort();
    const config = await writeOfflineGatewayConfig(dir, {
      gatewayId: "gwworker-test-gw",
      http: { listen: `127.0.0.1:${port}` },
      devices: [{ id: "pos", kind: "serial-barcode", path: pty.a, baud: 9600, suffix: "CR" }],
      readPoints: [
        {
          id: "pos",
          rule: "dispensing",
          readPoint: "urn:epc:id:sgln:4012345.00007.2",
          devices: [{ deviceId: "pos" }],
        },
      ],
    });
    let stderr = "";
    const p = spawn(process.execPath, [CLI_BIN, "gateway", "start", "--config", config], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    child = p;
    p.stderr?.setEncoding("utf8");
    p.stderr?.on("data", (t: string) => {
      stderr += t;
    });
    const exited = new Promise<number | null>((r) => p.on("exit", (code) => r(code)));

    type Health = { devices: Array<{ id: string; connected: boolean; reads: number }> };
    const health = async (): Promise<Health | undefined> => {
      try {
        return (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as Health;
      } catch {
        return undefined;
      }
    };
    await until(async () => ((await health())?.devices[0]?.connected ? true : undefined), "the scanner to open");
    // The device side of the pty: a scanner sends a GS1 DataMatrix read, CR-terminated.
    writeFileSync(pty.b, "]d2010950600013435221SERIAL1\r");
    const reads = await until(
      async () => {
        const n = (await health())?.devices[0]?.reads ?? 0;
        return n > 0 ? n : undefined;
      },
      `the scan to be read (stderr: ${stderr.slice(-400)})`,
    );
    expect(reads).toBe(1);

    p.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(stderr).toContain('"msg":"gateway stopped"');
  }, 60_000);
});
