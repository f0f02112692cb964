import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { credentials } from "@grpc/grpc-js";
import { type GatewayKey, generateGatewayKey } from "@suyuan/proto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Batcher, type SealedOutboxBatch } from "../batcher/batcher.ts";
import { testEvents } from "../batcher/testing.ts";
import { Outbox } from "../outbox/outbox.ts";
import { type FakeCore, type FakeCoreOptions, startFakeCore } from "./testing/fake-core.ts";
import { waitFor } from "./testing/wait.ts";
import { Uplink, type UplinkOptions } from "./uplink.ts";

const GW = "gw-uplink-test";
const key = generateGatewayKey();
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("Uplink", () => {
  let dir: string;
  let core: FakeCore | undefined;
  let outbox: Outbox | undefined;
  let uplink: Uplink | undefined;
  const sealed: SealedOutboxBatch[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "suyuan-uplink-"));
    sealed.length = 0;
  });
  afterEach(async () => {
    await uplink?.stop();
    await core?.close();
    await outbox?.close();
    uplink = undefined;
    core = undefined;
    outbox = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  async function setup(coreOpts: FakeCoreOptions, upOpts: Partial<UplinkOptions> = {}, keys?: Map<string, GatewayKey>) {
    core = await startFakeCore({ keys: keys ?? new Map([[GW, key]]), ...coreOpts });
    outbox = await Outbox.open(dir, { quotaBytes: 1e9 });
    uplink = new Uplink({
      address: core.address,
      credentials: credentials.createInsecure(),
      token: "t0ken",
      outbox,
      backoff: { initialMs: 10, maxMs: 40 },
      ...upOpts,
    });
    return { core, outbox, uplink };
  }

  async function seal(ob: Outbox, batches: number, size: number, from = 0) {
    const b = new Batcher({
      gatewayId: GW,
      key,
      chain: ob.chainState(),
      sink: { append: (x) => ob.append(x).then(() => void sealed.push(x)) },
    });
    for (let k = 0; k < batches; k++) {
      for (const ev of testEvents(from + k * size, size)) b.push(ev);
      b.seal();
    }
    await b.close();
  }

  /** Every sealed event is stored exactly once and the core's batch chain is unbroken. */
  function expectExactlyOnce(c: FakeCore) {
    const want = sealed.flatMap((s) => s.eventHashes.map(hex)).sort();
    const got = c.stored.map((s) => s.hash);
    expect(new Set(got).size).toBe(got.length);
    expect([...got].sort()).toEqual(want);
    let next = 0n;
    for (const b of c.batches) {
      expect(b.firstSeq).toBe(next);
      next += BigInt(b.count);
    }
  }

  it("streams every batch with the bearer token, clears acked batches, keeps the window", async () => {
    const { core, outbox, uplink } = await setup({ ackDelayMs: 30 }, { window: 2 });
    await seal(outbox, 6, 5);
    let maxInFlight = 0;
    uplink.start();
    await waitFor(() => {
      maxInFlight = Math.max(maxInFlight, core.received - core.batches.length, uplink.status().inFlight);
      return outbox.list().length === 0;
    }, "outbox drained");
    expect(maxInFlight).toBeLessThanOrEqual(2);
    expect(core.tokens[0]).toBe("Bearer t0ken");
    expectExactlyOnce(core);
    expect(uplink.status().lastAckAt).toBeDefined();
  });

  it("sends batches sealed while connected", async () => {
    const { core, outbox, uplink } = await setup({});
    uplink.start();
    await seal(outbox, 2, 3);
    await waitFor(() => outbox.list().length === 0, "first drain");
    await seal(outbox, 2, 3, 100);
    await waitFor(() => outbox.list().length === 0, "second drain");
    expectExactlyOnce(core);
  });

  it("puts per-event rejections in the dead-letter store and delivers the rest", async () => {
    const { core, outbox, uplink } = await setup({
      rejectEvent: (_h, index) =>
        index === 1
          ? { code: "CAPTURE_READ_POINT_NOT_ALLOWED", message: "not enrolled", field: "readPoint" }
          : undefined,
    });
    await seal(outbox, 2, 3);
    uplink.start();
    await waitFor(() => outbox.list().length === 0, "outbox drained");
    const dl = await outbox.deadLetters();
    expect(dl.map((d) => [d.seq, d.code, d.field])).toEqual([
      ["1", "CAPTURE_READ_POINT_NOT_ALLOWED", "readPoint"],
      ["4", "CAPTURE_READ_POINT_NOT_ALLOWED", "readPoint"],
    ]);
    expect(core.stored).toHaveLength(4);
  });

  it("answers a gap by resending from the core's expected sequence", async () => {
    // The core loses the 2nd batch it receives: the 3rd then shows a gap at seq 3.
    const { core, outbox, uplink } = await setup({ hook: (_b, n) => (n === 1 ? { ignore: true } : undefined) });
    await seal(outbox, 4, 3);
    uplink.start();
    await waitFor(() => outbox.list().length === 0, "outbox drained");
    expectExactlyOnce(core);
    expect(core.received).toBeGreaterThan(4);
  });

  it("waits for a pushback ack's retry_after_ms, then resends", async () => {
    const { core, outbox, uplink } = await setup({ hook: (_b, n) => (n === 0 ? { pushback: 150 } : undefined) });
    await seal(outbox, 2, 2);
    const t0 = Date.now();
    uplink.start();
    await waitFor(() => outbox.list().length === 0, "outbox drained");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(150);
    expectExactlyOnce(core);
  });

  it("waits for RESOURCE_EXHAUSTED's retry-after-ms metadata, then resends", async () => {
    const { core, outbox, uplink } = await setup({
      hook: (_b, n) => (n === 0 ? { grpcError: 8, retryAfterMs: 150 } : undefined),
    });
    await seal(outbox, 2, 2);
    const t0 = Date.now();
    uplink.start();
    await waitFor(() => outbox.list().length === 0, "outbox drained");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(150);
    expectExactlyOnce(core);
  });

  it("resends after a dropped stream; the core's dedupe keeps every event exactly once", async () => {
    let dropped = false;
    const { core, outbox, uplink } = await setup({ ackDelayMs: 20 }, { window: 4 });
    await seal(outbox, 8, 4);
    uplink.start();
    await waitFor(() => {
      if (!dropped && core.batches.length >= 2) {
        dropped = true;
        core.dropStreams();
      }
      return dropped && outbox.list().length === 0;
    }, "outbox drained after a drop");
    expect(uplink.status().reconnects).toBeGreaterThanOrEqual(1);
    // Batches the core held but whose acks were lost came again: answered as duplicates.
    expect(core.duplicates).toBeGreaterThan(0);
    expectExactlyOnce(core);
  });

  it("on a fork: alarms, stops sending and keeps the outbox", async () => {
    const alarms: string[] = [];
    const { core, outbox, uplink } = await setup({}, { onAlarm: (k) => alarms.push(k) });
    // Another history under the same gateway id reaches the core first.
    const otherDir = await mkdtemp(join(tmpdir(), "suyuan-uplink-other-"));
    const other = await Outbox.open(otherDir, { quotaBytes: 1e9 });
    await seal(other, 1, 2, 500);
    const otherUp = new Uplink({ address: core.address, credentials: credentials.createInsecure(), outbox: other });
    otherUp.start();
    await waitFor(() => other.list().length === 0, "other history stored");
    await otherUp.stop();
    await other.close();
    await rm(otherDir, { recursive: true, force: true });

    sealed.length = 0;
    await seal(outbox, 2, 2);
    uplink.start();
    await waitFor(() => uplink.status().halted !== undefined, "halt");
    expect(uplink.status().halted).toBe("fork");
    expect(alarms).toContain("fork");
    expect(outbox.list()).toHaveLength(2);
    const received = core.received;
    await new Promise((r) => setTimeout(r, 100));
    expect(core.received).toBe(received);
  });

  it("on a whole-batch rejection (unknown key): alarms, keeps the outbox and retries", async () => {
    const alarms: string[] = [];
    const other = generateGatewayKey();
    const { core, outbox, uplink } = await setup({}, { onAlarm: (k) => alarms.push(k) }, new Map([[GW, other]]));
    await seal(outbox, 1, 2);
    uplink.start();
    await waitFor(() => core.received >= 2, "a retry");
    expect(alarms[0]).toBe("batch_rejected");
    expect(uplink.status().lastError).toMatch(/CAPTURE_BAD_SIGNATURE/);
    expect(outbox.list()).toHaveLength(1);
    expect(core.stored).toHaveLength(0);
  });

  it("keeps retrying with jittered backoff while the core is down, keeping the outbox", async () => {
    const { core, outbox } = await setup({});
    const address = core.address;
    await core.close();
    const randoms: number[] = [];
    const up = new Uplink({
      address,
      credentials: credentials.createInsecure(),
      outbox,
      backoff: { initialMs: 10, maxMs: 40 },
      random: () => {
        randoms.push(0.5);
        return 0.5;
      },
    });
    uplink = up;
    await seal(outbox, 1, 2);
    up.start();
    await waitFor(() => randoms.length >= 2, "two backoff waits");
    expect(outbox.list()).toHaveLength(1);
    expect(up.status().connected).toBe(false);
  });

  it("reopens a stream whose acks stall (ack timeout)", async () => {
    // The core swallows the first batch: no ack, no error — a half-dead stream.
    const { core, outbox, uplink } = await setup(
      { hook: (_b, n) => (n === 0 ? { ignore: true } : undefined) },
      { ackTimeoutMs: 100 },
    );
    await seal(outbox, 1, 2); // one batch: only the timeout can recover it (no later batch shows a gap)
    uplink.start();
    await waitFor(() => outbox.list().length === 0, "outbox drained after the ack timeout");
    expectExactlyOnce(core);
  });
});
