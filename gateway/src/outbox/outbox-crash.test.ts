// Issue 4 §3: a gateway killed with kill -9 at any moment restarts and delivers every event
// it had sealed, exactly once. A child process seals and streams batches to a real grpc-js
// capture server (the fake core: verifies signatures, follows the chain, dedupes by event
// hash), is SIGKILLed mid-stream, and is restarted on the same outbox directory.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { eventHashBytes, exportKey, generateGatewayKey } from "@suyuan/proto";
import { afterEach, describe, expect, it } from "vitest";
import { testEvent } from "../batcher/testing.ts";
import { type FakeCore, startFakeCore } from "../uplink/testing/fake-core.ts";
import { waitFor } from "../uplink/testing/wait.ts";

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, "../../..");
const GW = "gw-crash-test";

function runChild(args: string[]): { child: ChildProcess; lines: string[]; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ["--import", "tsx", join(here, "crash-child.ts"), ...args], {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  let buf = "";
  child.stdout!.on("data", (d: Buffer) => {
    buf += d.toString("utf8");
    const parts = buf.split("\n");
    buf = parts.pop() ?? "";
    lines.push(...parts);
  });
  let err = "";
  child.stderr!.on("data", (d: Buffer) => {
    err += d.toString("utf8");
  });
  const exited = new Promise<number | null>((r) =>
    child.on("exit", (code) => {
      if (code !== 0 && code !== null) process.stderr.write(err);
      r(code);
    }),
  );
  return { child, lines, exited };
}

describe("outbox crash safety (SIGKILL mid-stream, restart)", () => {
  let dir: string | undefined;
  let core: FakeCore | undefined;
  afterEach(async () => {
    await core?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("delivers every sealed event exactly once with an unbroken sequence chain", async () => {
    dir = await mkdtemp(join(tmpdir(), "suyuan-crash-"));
    const key = generateGatewayKey();
    const keyFile = join(dir, "gateway.key");
    await writeFile(keyFile, exportKey(key.privateKey, "pem"));
    core = await startFakeCore({ keys: new Map([[GW, key]]), ackDelayMs: 5 });
    const outboxDir = join(dir, "outbox");

    // Run 1: 40 batches of 10; killed once the core has stored 8 batches.
    const first = runChild([outboxDir, core.address, keyFile, GW, "40", "10", "0"]);
    const c = core;
    await waitFor(() => c.batches.length >= 8, "core to store 8 batches", 30_000);
    first.child.kill("SIGKILL");
    expect(await first.exited).toBe(null);
    const sealedBefore = first.lines.filter((l) => l.startsWith("sealed ")).map((l) => l.split(" ").map(Number));
    expect(sealedBefore.length).toBeGreaterThanOrEqual(8);
    expect(sealedBefore.length).toBeLessThan(40); // really mid-stream
    const storedAtKill = core.stored.length;

    // Run 2 on the same outbox: resumes unacked batches, then seals 3 more batches.
    const second = runChild([outboxDir, core.address, keyFile, GW, "3", "10", "100000"]);
    // A run that cannot drain (e.g. a broken chain → fork) must fail the test, not hang it.
    const guard = setTimeout(() => second.child.kill("SIGKILL"), 20_000);
    const secondExit = await second.exited;
    clearTimeout(guard);
    expect(secondExit).toBe(0);
    expect(second.lines.at(-1)).toBe("drained");
    const resumed = second.lines.find((l) => l.startsWith("resumed "))!.split(" ");
    const sealedAfter = second.lines.filter((l) => l.startsWith("sealed ")).map((l) => l.split(" ").map(Number));

    // Every event reported durable in run 1 (and every event of run 2) is stored once.
    const hex = (i: number) => Buffer.from(eventHashBytes(testEvent(i))).toString("hex");
    const confirmed = [...sealedBefore, ...sealedAfter].flatMap(([, , count, from]) =>
      Array.from({ length: count! }, (_, k) => hex(from! + k)),
    );
    const stored = core.stored.map((s) => s.hash);
    expect(new Set(stored).size).toBe(stored.length); // exactly once
    const storedSet = new Set(stored);
    for (const h of confirmed) expect(storedSet.has(h)).toBe(true);
    // Nothing else: run 1 can have sealed at most one batch it did not get to report.
    const possible = new Set([...Array.from({ length: 400 }, (_, i) => hex(i)), ...confirmed]);
    for (const h of stored) expect(possible.has(h)).toBe(true);
    expect(core.stored.length).toBeGreaterThan(storedAtKill);

    // The chain is unbroken from 0, and run 2 continued it where the outbox left off.
    let next = 0n;
    for (const b of core.batches) {
      expect(b.firstSeq).toBe(next);
      next += BigInt(b.count);
    }
    const runTwoFirst = BigInt(sealedAfter[0]![1]!);
    expect(runTwoFirst).toBe(BigInt(resumed[2]!));
    expect(next).toBe(runTwoFirst + 30n);
  });
});
