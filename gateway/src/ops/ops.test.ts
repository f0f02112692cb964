import { Registry, readExposition } from "@suyuan/proto";
import { describe, expect, it } from "vitest";
import { assessHealth, type HealthInput } from "./health.ts";
import { createGatewayMetrics } from "./metrics.ts";
import { startOpsServer } from "./server.ts";

describe("metrics registry", () => {
  it("renders the gateway metrics in text format 0.0.4 that parses back", () => {
    const sources = {
      outboxBatches: () => 3,
      outboxBytes: () => 4096,
      outboxOldestUnackedSeconds: () => 12.5,
      deadLetters: () => 1,
    };
    const m = createGatewayMetrics(sources);
    m.reads.inc({ driver: "serial-barcode" }, 5);
    m.reads.inc({ driver: "mqtt" });
    m.events.inc({}, 4);
    m.batchesSealed.inc();
    m.errors.inc({ kind: 'decode "bad"\nline' });
    const { types, help, samples } = readExposition(m.registry.render());
    const p = "suyuan_gateway";
    for (const n of [
      "reads_total",
      "events_total",
      "batches_sealed_total",
      "batches_acked_total",
      "errors_total",
      "alerts_total",
    ]) {
      expect(types.get(`${p}_${n}`)).toBe("counter");
      expect(help.get(`${p}_${n}`)).toBeTruthy();
    }
    for (const n of ["outbox_batches", "outbox_bytes", "outbox_oldest_unacked_seconds", "dead_letters"]) {
      expect(types.get(`${p}_${n}`)).toBe("gauge");
    }
    const v = (name: string, labels: Record<string, string> = {}) =>
      samples.find((s) => s.name === name && JSON.stringify(s.labels) === JSON.stringify(labels))?.value;
    expect(v(`${p}_reads_total`, { driver: "serial-barcode" })).toBe(5);
    expect(v(`${p}_reads_total`, { driver: "mqtt" })).toBe(1);
    expect(v(`${p}_events_total`)).toBe(4);
    expect(v(`${p}_batches_acked_total`)).toBe(0);
    expect(v(`${p}_errors_total`, { kind: 'decode "bad"\nline' })).toBe(1);
    expect(v(`${p}_outbox_bytes`)).toBe(4096);
    expect(v(`${p}_outbox_oldest_unacked_seconds`)).toBe(12.5);
    expect(v(`${p}_dead_letters`)).toBe(1);
  });

  it("refuses bad names, unknown labels and negative counter increments", () => {
    const r = new Registry();
    expect(() => r.counter("bad-name", "x")).toThrow(TypeError);
    const c = r.counter("ok_total", "x", ["a"]);
    expect(() => c.inc({ b: "1" })).toThrow(TypeError);
    expect(() => c.inc({ a: "1" }, -1)).toThrow(TypeError);
    expect(() => r.counter("ok_total", "again")).toThrow(TypeError);
  });
});

describe("health and the ops HTTP server", () => {
  const healthy: HealthInput = {
    core: { connected: true },
    outbox: { batches: 0, bytes: 0, quotaBytes: 1000, full: false, oldestUnackedSeconds: 0, deadLetters: 0 },
    devices: [{ id: "scanner", kind: "serial-barcode", connected: true, reads: 3, errors: 0 }],
  };

  it("is ok when all is well, degraded with a reason per problem", () => {
    expect(assessHealth(healthy)).toMatchObject({ status: "ok", reasons: [] });
    const bad = assessHealth({
      ...healthy,
      core: { connected: false, lastError: "connect ECONNREFUSED" },
      outbox: { ...healthy.outbox, bytes: 900, deadLetters: 2 },
      devices: [{ id: "scanner", kind: "serial-barcode", connected: false, reads: 0, errors: 1 }],
    });
    expect(bad.status).toBe("degraded");
    expect(bad.reasons).toEqual([
      "core: not connected (connect ECONNREFUSED)",
      "outbox: 90% of quota used",
      "dead letters: 2 events rejected by the core",
      "device scanner (serial-barcode): not connected",
    ]);
    expect(assessHealth({ ...healthy, outbox: { ...healthy.outbox, full: true } }).reasons).toEqual([
      "outbox: FULL — devices held back (backpressure)",
    ]);
    expect(assessHealth({ ...healthy, core: { connected: false, halted: "fork" } }).reasons[0]).toMatch(
      /halted \(fork\)/,
    );
  });

  it("serves /healthz and /metrics", async () => {
    const m = createGatewayMetrics();
    m.alerts.inc();
    const ops = await startOpsServer({
      host: "127.0.0.1",
      port: 0,
      registry: m.registry,
      health: () => assessHealth(healthy),
    });
    try {
      const base = `http://127.0.0.1:${ops.port}`;
      const h = await fetch(`${base}/healthz`);
      expect(h.status).toBe(200);
      expect(await h.json()).toMatchObject({ status: "ok", devices: [{ id: "scanner" }] });
      const r = await fetch(`${base}/metrics`);
      expect(r.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
      const parsed = readExposition(await r.text());
      expect(parsed.samples.find((s) => s.name === "suyuan_gateway_alerts_total")?.value).toBe(1);
      expect((await fetch(`${base}/nope`)).status).toBe(404);
    } finally {
      await ops.close();
    }
  });
});
