import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadConfig, parseBytes, parseConfigText, validateConfig } from "./config.ts";

const deployDir = resolve(dirname(fileURLToPath(import.meta.url)), "../../../deploy/gateway");

/** A minimal valid config; tests break one key at a time. */
function base(): Record<string, unknown> {
  return {
    gatewayId: "gw-test-01",
    party: "urn:epc:id:pgln:0614141.00001",
    timezoneOffset: "+08:00",
    core: { address: "127.0.0.1:7443", tokenFile: "gateway.token" },
    keyFile: "gateway.key",
    outbox: { path: "outbox", quotaBytes: "1GiB", peakEventsPerSecond: 5 },
    devices: [{ id: "scanner", kind: "serial-barcode", path: "/dev/ttyUSB0", baud: 9600, suffix: "CR" }],
    readPoints: [
      {
        id: "receiving",
        rule: "receiving",
        readPoint: "urn:epc:id:sgln:0614141.00777.0",
        devices: [{ deviceId: "scanner" }],
      },
    ],
  };
}

function errorOf(raw: unknown): string {
  try {
    validateConfig(raw, { baseDir: "/etc/suyuan" });
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error("expected CONFIG_INVALID");
}

describe("gateway config", () => {
  it.each(["packhouse", "dc-dock-door", "store-pos", "pharmacy"])("example %s.yaml is valid", async (name) => {
    const c = await loadConfig(join(deployDir, `${name}.yaml`));
    expect(c.warnings).toEqual([]);
    expect(c.devices.length).toBeGreaterThan(0);
    expect(c.readPointIds.length).toBeGreaterThan(0);
    for (const loc of c.readPointLocations) expect(loc).toMatch(/^urn:epc:id:sgln:(0614141|9506000|4012345)\./);
    expect(c.devices.some((d) => d.kind === "serial-barcode" || d.kind === "serial-uhf")).toBe(true);
    expect(c.devices.some((d) => d.kind === "mqtt")).toBe(true);
    expect(c.alerts.mqttDevice).toBeDefined();
  });

  it("fills defaults and resolves paths against the config's folder", () => {
    const c = validateConfig(base(), { baseDir: "/etc/suyuan" });
    expect(c.batching).toEqual({ maxEvents: 1000, maxDelayMs: 200 });
    expect(c.keyFile).toBe("/etc/suyuan/gateway.key");
    expect(c.core.tokenFile).toBe("/etc/suyuan/gateway.token");
    expect(c.outbox).toEqual({
      path: "/etc/suyuan/outbox",
      quotaBytes: 2 ** 30,
      peakEventsPerSecond: 5,
      bytesPerEvent: 600,
    });
    expect(c.alerts.path).toBe("/etc/suyuan/outbox-recalls");
    expect(c.pipeline.eventTimeZoneOffset).toBe("+08:00");
    expect(c.http).toBeUndefined();
  });

  it("accepts JSON as well as YAML", () => {
    const c = parseConfigText(JSON.stringify(base()), "/etc/suyuan");
    expect(c.gatewayId).toBe("gw-test-01");
  });

  it("names the key and the rule of a misspelt read point rule", () => {
    const raw = base();
    const rps = raw.readPoints as Array<Record<string, unknown>>;
    rps.push({ ...rps[0], id: "b" }, { ...rps[0], id: "c", rule: "pakcing" });
    const msg = errorOf(raw);
    expect(msg).toMatch(/^CONFIG_INVALID: readPoints\[2\]\.rule: /);
    expect(msg).toContain('"pakcing"');
    expect(msg).toContain("packing");
  });

  it.each<[string, (r: Record<string, unknown>) => void, RegExp]>([
    ["missing gateway id", (r) => delete r.gatewayId, /^CONFIG_INVALID: gatewayId: is required/],
    ["party not a PGLN", (r) => (r.party = "urn:epc:id:sgtin:0614141.107346.2017"), /^CONFIG_INVALID: party: .*sgtin/],
    ["bad time zone", (r) => (r.timezoneOffset = "+8"), /^CONFIG_INVALID: timezoneOffset: "\+8" is not ±hh:mm/],
    [
      "bad core address",
      (r) => ((r.core as Record<string, unknown>).address = "core"),
      /^CONFIG_INVALID: core\.address: /,
    ],
    [
      "mTLS with cert but no key",
      (r) => ((r.core as Record<string, unknown>).tls = { caFile: "ca.pem", certFile: "gw.crt" }),
      /^CONFIG_INVALID: core\.tls\.keyFile: mTLS needs both/,
    ],
    ["unknown top-level key", (r) => (r.outbx = {}), /^CONFIG_INVALID: outbx: unknown key/],
    [
      "batch too big",
      (r) => (r.batching = { maxEvents: 5000 }),
      /^CONFIG_INVALID: batching\.maxEvents: 5000 must be ≤ 1000/,
    ],
    [
      "unknown device kind",
      (r) => ((r.devices as Array<Record<string, unknown>>)[0]!.kind = "llrp"),
      /^CONFIG_INVALID: devices\[0\]\.kind: unknown device kind "llrp" \(expected one of serial-barcode, serial-uhf, mqtt, mock\)/,
    ],
    [
      "serial device without a path",
      (r) => delete (r.devices as Array<Record<string, unknown>>)[0]!.path,
      /^CONFIG_INVALID: devices\[0\]\.path: is required/,
    ],
    [
      "read point location not an SGLN",
      (r) => ((r.readPoints as Array<Record<string, unknown>>)[0]!.readPoint = "urn:epc:id:sgtin:0614141.107346.1"),
      /^CONFIG_INVALID: readPoints\[0\]\.readPoint: /,
    ],
    [
      "a driver option the driver refuses",
      (r) => ((r.devices as Array<Record<string, unknown>>)[0]!.baud = 9601),
      /^CONFIG_INVALID: devices\[0\]\.baud: must be one of 1200, 2400/,
    ],
    [
      "bad quota",
      (r) => ((r.outbox as Record<string, unknown>).quotaBytes = "lots"),
      /^CONFIG_INVALID: outbox\.quotaBytes: "lots" is not a size/,
    ],
    ["bad listen", (r) => (r.http = { listen: "9464" }), /^CONFIG_INVALID: http\.listen: "9464" is not host:port/],
    [
      "alerts on a non-MQTT device",
      (r) => (r.alerts = { mqttDevice: "scanner" }),
      /^CONFIG_INVALID: alerts\.mqttDevice: "scanner" is not an mqtt device/,
    ],
  ])("rejects %s", (_name, breakIt, want) => {
    const raw = base();
    breakIt(raw);
    expect(errorOf(raw)).toMatch(want);
  });

  it("requires the outbox quota to hold 72 h of the peak rate (or warns loudly when allowed)", () => {
    const raw = base();
    // 5 events/s × 72 h × 600 B = 777,600,000 B.
    (raw.outbox as Record<string, unknown>).quotaBytes = 777_599_999;
    expect(errorOf(raw)).toMatch(
      /^CONFIG_INVALID: outbox\.quotaBytes: 777599999 bytes hold only 71\.9 h .* needs ≥ 777600000 bytes/,
    );
    (raw.outbox as Record<string, unknown>).quotaBytes = 777_600_000;
    expect(validateConfig(raw).warnings).toEqual([]);
    (raw.outbox as Record<string, unknown>).quotaBytes = "100MB";
    (raw.outbox as Record<string, unknown>).allowShortQuota = true;
    const c = validateConfig(raw);
    expect(c.warnings).toHaveLength(1);
    expect(c.warnings[0]).toMatch(/^outbox\.quotaBytes: 100000000 bytes hold only 9\.2 h/);
  });

  it("parses sizes with SI and IEC units", () => {
    expect(parseBytes("4GiB", "q")).toBe(4 * 2 ** 30);
    expect(parseBytes("500 MB", "q")).toBe(500e6);
    expect(parseBytes(1234, "q")).toBe(1234);
    expect(() => parseBytes(-1, "q")).toThrow(/CONFIG_INVALID: q:/);
  });
});
