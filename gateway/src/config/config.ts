// The gateway's ONE configuration file (issue 4 §5), YAML or JSON, validated at start. Every
// error is CONFIG_INVALID and names the key and the rule, e.g.
//   CONFIG_INVALID: readPoints[2].rule: "pakcing" is not a rule (one of commissioning, packing, …)
// Relative file paths are resolved against the config file's folder.
import { readFile } from "node:fs/promises";
import { dirname, isAbsolute, resolve } from "node:path";
import { isSuyuanError, isTimeZoneOffset, parseCode, SuyuanError } from "@suyuan/proto";
import { parse as parseYaml } from "yaml";
import { createDriver } from "../drivers/index.ts";
import { parsePipelineConfig } from "../pipeline/config.ts";
import { createPipeline } from "../pipeline/pipeline.ts";

export const DEVICE_KINDS = ["serial-barcode", "serial-uhf", "mqtt", "mock"] as const;

/** Outbox sizing (issue 4 §3): the quota must hold this many hours of the peak rate offline. */
export const OFFLINE_HOURS = 72;
/**
 * Default estimate of outbox bytes per event: a protobuf ObjectEvent with one EPC, readPoint,
 * bizLocation and ILMD is 250–450 bytes, plus its 32-byte hash and the batch's share of the
 * header and index; 600 leaves room for aggregation events with several children.
 */
export const DEFAULT_BYTES_PER_EVENT = 600;

export interface TlsConfig {
  caFile?: string;
  /** Client certificate and key for mTLS. */
  certFile?: string;
  keyFile?: string;
  /** Override of the server name checked in the core's certificate. */
  serverName?: string;
}

export interface DeviceConfig {
  id: string;
  kind: (typeof DEVICE_KINDS)[number];
  [option: string]: unknown;
}

export interface GatewayConfig {
  gatewayId: string;
  /** The gateway's party: PGLN (urn:epc:id:pgln:…) or GLN. */
  party: string;
  /** Site time zone offset (EPCIS 2.0 §7.3.1 eventTimeZoneOffset), e.g. "+08:00". */
  timezoneOffset: string;
  core: { address: string; tokenFile?: string; tls?: TlsConfig };
  keyFile: string;
  batching: { maxEvents: number; maxDelayMs: number };
  outbox: { path: string; quotaBytes: number; peakEventsPerSecond: number; bytesPerEvent: number };
  uplink: { window: number; ackTimeoutMs: number; backoff: { initialMs: number; maxMs: number } };
  alerts: { path: string; mqttDevice?: string };
  http: { host: string; port: number } | undefined;
  devices: DeviceConfig[];
  /** The pipeline's configuration (createPipeline), as validated by the pipeline. */
  pipeline: Record<string, unknown>;
  readPointIds: string[];
  /** SGLNs of the read points (enrolment: the read points this gateway may report). */
  readPointLocations: string[];
  /** Non-fatal findings the caller MUST log loudly (e.g. a quota under 72 h of peak). */
  warnings: string[];
}

function invalid(field: string, rule: string): SuyuanError {
  return new SuyuanError("CONFIG_INVALID", `${field}: ${rule}`, { field });
}

function typeName(v: unknown): string {
  return v === null ? "null" : Array.isArray(v) ? "a list" : typeof v;
}

class Obj {
  private readonly seen = new Set<string>();
  constructor(
    readonly raw: Record<string, unknown>,
    readonly path: string,
  ) {}
  static of(v: unknown, path: string): Obj {
    if (v === null || typeof v !== "object" || Array.isArray(v)) {
      throw invalid(path || "(config)", `must be an object, got ${typeName(v)}`);
    }
    return new Obj(v as Record<string, unknown>, path);
  }
  key(k: string): string {
    return this.path === "" ? k : `${this.path}.${k}`;
  }
  get(k: string): unknown {
    this.seen.add(k);
    return this.raw[k];
  }
  str(k: string, required: true): string;
  str(k: string, required?: false): string | undefined;
  str(k: string, required = false): string | undefined {
    const v = this.get(k);
    if (v === undefined || v === null) {
      if (required) throw invalid(this.key(k), "is required");
      return undefined;
    }
    if (typeof v !== "string" || v.trim() === "")
      throw invalid(this.key(k), `must be a non-empty string, got ${typeName(v)}`);
    return v;
  }
  num(
    k: string,
    def: number | undefined,
    rule: { min?: number; max?: number; int?: boolean; positive?: boolean },
  ): number {
    const v = this.get(k) ?? def;
    if (v === undefined) throw invalid(this.key(k), "is required");
    if (typeof v !== "number" || !Number.isFinite(v))
      throw invalid(this.key(k), `must be a number, got ${typeName(v)}`);
    if (rule.int && !Number.isInteger(v)) throw invalid(this.key(k), `${v} must be an integer`);
    if (rule.positive && !(v > 0)) throw invalid(this.key(k), `${v} must be > 0`);
    if (rule.min !== undefined && v < rule.min) throw invalid(this.key(k), `${v} must be ≥ ${rule.min}`);
    if (rule.max !== undefined && v > rule.max) throw invalid(this.key(k), `${v} must be ≤ ${rule.max}`);
    return v;
  }
  obj(k: string): Obj | undefined {
    const v = this.get(k);
    return v === undefined || v === null ? undefined : Obj.of(v, this.key(k));
  }
  done(): void {
    for (const k of Object.keys(this.raw)) if (!this.seen.has(k)) throw invalid(this.key(k), "unknown key");
  }
}

const UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
};

/** "4GiB", "500 MB", "1.5e9" or a number → bytes. */
export function parseBytes(v: unknown, field: string): number {
  if (typeof v === "number" && Number.isFinite(v) && v > 0) return Math.floor(v);
  if (typeof v === "string") {
    const m = /^\s*(\d+(?:\.\d+)?(?:e\d+)?)\s*([kmgt]i?b|b)?\s*$/i.exec(v);
    const unit = UNITS[(m?.[2] ?? "").toLowerCase()];
    if (m && unit !== undefined) {
      const n = Number(m[1]) * unit;
      if (n > 0) return Math.floor(n);
    }
  }
  throw invalid(field, `${JSON.stringify(v)} is not a size in bytes (a number, or e.g. "4GiB", "500MB")`);
}

function parseListen(v: string, field: string): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:]+\]|[^:]+):(\d{1,5})$/.exec(v);
  const port = m ? Number(m[2]) : Number.NaN;
  if (!m || !(port >= 0 && port <= 65535)) throw invalid(field, `"${v}" is not host:port (e.g. 127.0.0.1:9464)`);
  return { host: m[1]!.replace(/^\[|\]$/g, ""), port };
}

function checkAddress(v: string, field: string): void {
  // grpc-js target: host:port, [v6]:port, dns:///host:port or unix:path.
  if (/^(dns:|unix:|ipv4:|ipv6:)/.test(v)) return;
  if (!/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(v)) {
    throw invalid(field, `"${v}" is not a gRPC address host:port (e.g. core.example.cn:7443)`);
  }
}

/** Validates a parsed config object; `baseDir` resolves relative paths. */
export function validateConfig(raw: unknown, options: { baseDir?: string } = {}): GatewayConfig {
  const base = options.baseDir ?? process.cwd();
  const abs = (p: string): string => (isAbsolute(p) ? p : resolve(base, p));
  const top = Obj.of(raw, "");
  const warnings: string[] = [];

  const gatewayId = top.str("gatewayId", true);
  if (!/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/.test(gatewayId)) {
    throw invalid("gatewayId", `"${gatewayId}" must be 1–128 letters, digits, '.', '_', ':' or '-'`);
  }
  const party = top.str("party", true);
  let partyKind: string | undefined;
  try {
    partyKind = parseCode(party).kind;
  } catch (e) {
    throw invalid("party", `"${party}" is not a party identifier: ${(e as Error).message}`);
  }
  if (partyKind !== "pgln" && partyKind !== "gln") {
    throw invalid("party", `"${party}" identifies a ${partyKind}, expected a PGLN (urn:epc:id:pgln:…) or GLN`);
  }
  const timezoneOffset = top.str("timezoneOffset") ?? "+00:00";
  if (!isTimeZoneOffset(timezoneOffset)) {
    throw invalid("timezoneOffset", `"${timezoneOffset}" is not ±hh:mm between -14:00 and +14:00`);
  }
  const companyPrefixLength = top.get("companyPrefixLength");

  const c = top.obj("core");
  if (!c) throw invalid("core", "is required (address, tokenFile, tls)");
  const address = c.str("address", true);
  checkAddress(address, c.key("address"));
  const tokenFile = c.str("tokenFile");
  const core: GatewayConfig["core"] = { address };
  if (tokenFile !== undefined) core.tokenFile = abs(tokenFile);
  const t = c.obj("tls");
  if (t) {
    const tls: TlsConfig = {};
    const ca = t.str("caFile");
    const cert = t.str("certFile");
    const key = t.str("keyFile");
    const sn = t.str("serverName");
    if ((cert === undefined) !== (key === undefined)) {
      throw invalid(t.key(cert === undefined ? "certFile" : "keyFile"), "mTLS needs both certFile and keyFile");
    }
    if (ca !== undefined) tls.caFile = abs(ca);
    if (cert !== undefined) tls.certFile = abs(cert);
    if (key !== undefined) tls.keyFile = abs(key);
    if (sn !== undefined) tls.serverName = sn;
    t.done();
    core.tls = tls;
  }
  c.done();

  const keyFile = abs(top.str("keyFile", true));

  const b = top.obj("batching") ?? Obj.of({}, "batching");
  const batching = {
    maxEvents: b.num("maxEvents", 1000, { int: true, min: 1, max: 1000 }),
    maxDelayMs: b.num("maxDelayMs", 200, { min: 1, max: 200 }),
  };
  b.done();

  const o = top.obj("outbox");
  if (!o) throw invalid("outbox", "is required (path, quotaBytes, peakEventsPerSecond)");
  const outboxPath = abs(o.str("path", true));
  const quotaRaw = o.get("quotaBytes");
  if (quotaRaw === undefined) throw invalid(o.key("quotaBytes"), "is required");
  const quotaBytes = parseBytes(quotaRaw, o.key("quotaBytes"));
  const peakEventsPerSecond = o.num("peakEventsPerSecond", undefined, { positive: true });
  const bytesPerEvent = o.num("bytesPerEvent", DEFAULT_BYTES_PER_EVENT, { min: 1 });
  const allowShort = o.get("allowShortQuota");
  if (allowShort !== undefined && typeof allowShort !== "boolean") {
    throw invalid(o.key("allowShortQuota"), "must be true or false");
  }
  // Issue 4 §3: the outbox holds ≥ 72 h of the configured peak rate offline.
  const need = Math.ceil(peakEventsPerSecond * OFFLINE_HOURS * 3600 * bytesPerEvent);
  if (quotaBytes < need) {
    const hours = (Math.floor((quotaBytes / (peakEventsPerSecond * bytesPerEvent * 3600)) * 10) / 10).toFixed(1);
    const rule = `${quotaBytes} bytes hold only ${hours} h at the peak of ${peakEventsPerSecond} events/s × ${bytesPerEvent} bytes; ${OFFLINE_HOURS} h needs ≥ ${need} bytes`;
    if (allowShort === true) warnings.push(`outbox.quotaBytes: ${rule} (allowShortQuota: true)`);
    else throw invalid(o.key("quotaBytes"), rule);
  }
  o.done();
  const outbox = { path: outboxPath, quotaBytes, peakEventsPerSecond, bytesPerEvent };

  const u = top.obj("uplink") ?? Obj.of({}, "uplink");
  const ub = u.obj("backoff") ?? Obj.of({}, "uplink.backoff");
  const uplink = {
    window: u.num("window", 8, { int: true, min: 1, max: 1024 }),
    ackTimeoutMs: u.num("ackTimeoutMs", 30_000, { min: 100 }),
    backoff: {
      initialMs: ub.num("initialMs", 1000, { min: 1 }),
      maxMs: ub.num("maxMs", 120_000, { min: 1 }),
    },
  };
  if (uplink.backoff.maxMs < uplink.backoff.initialMs) {
    throw invalid("uplink.backoff.maxMs", `${uplink.backoff.maxMs} must be ≥ initialMs ${uplink.backoff.initialMs}`);
  }
  ub.done();
  u.done();

  const h = top.obj("http");
  let http: GatewayConfig["http"];
  if (h) {
    const listen = h.str("listen", true);
    http = parseListen(listen, h.key("listen"));
    h.done();
  }

  const devRaw = top.get("devices");
  if (!Array.isArray(devRaw) || devRaw.length === 0) throw invalid("devices", "must be a non-empty list of devices");
  const ids = new Set<string>();
  const devices: DeviceConfig[] = devRaw.map((d, i) => {
    const path = `devices[${i}]`;
    const r = Obj.of(d, path);
    const id = r.str("id", true);
    if (ids.has(id)) throw invalid(`${path}.id`, `"${id}" is used by another device`);
    ids.add(id);
    const kind = r.str("kind", true);
    if (!(DEVICE_KINDS as readonly string[]).includes(kind)) {
      throw invalid(`${path}.kind`, `unknown device kind "${kind}" (expected one of ${DEVICE_KINDS.join(", ")})`);
    }
    if ((kind === "serial-barcode" || kind === "serial-uhf") && r.str("path") === undefined) {
      throw invalid(`${path}.path`, `is required for a ${kind} device (e.g. /dev/ttyUSB0)`);
    }
    // The rest is the driver's: a dry build (no port opened) applies its own rules.
    try {
      createDriver(r.raw, { at: path });
    } catch (e) {
      if (isSuyuanError(e)) throw new SuyuanError("CONFIG_INVALID", e.reason, { field: e.field ?? path, cause: e });
      throw e;
    }
    return { ...r.raw, id, kind } as DeviceConfig;
  });

  const a = top.obj("alerts") ?? Obj.of({}, "alerts");
  const alerts: GatewayConfig["alerts"] = { path: abs(a.str("path") ?? `${outboxPath}-recalls`) };
  const mqttDevice = a.str("mqttDevice");
  if (mqttDevice !== undefined) {
    const dev = devices.find((d) => d.id === mqttDevice);
    if (dev?.kind !== "mqtt") throw invalid(a.key("mqttDevice"), `"${mqttDevice}" is not an mqtt device in devices`);
    alerts.mqttDevice = mqttDevice;
  }
  a.done();

  // Read points and rules: the pipeline's own validation, errors reported as CONFIG_INVALID.
  const pipeline: Record<string, unknown> = { eventTimeZoneOffset: timezoneOffset, readPoints: top.get("readPoints") };
  if (companyPrefixLength !== undefined) pipeline.companyPrefixLength = companyPrefixLength;
  let parsed: ReturnType<typeof parsePipelineConfig>;
  try {
    parsed = parsePipelineConfig(pipeline);
    // A dry build checks each rule's own options (they are the rule's to validate).
    createPipeline(pipeline, { now: () => 0 });
  } catch (e) {
    if (isSuyuanError(e))
      throw new SuyuanError("CONFIG_INVALID", e.reason, { field: e.field ?? "readPoints", cause: e });
    throw e;
  }
  top.done();

  return {
    gatewayId,
    party,
    timezoneOffset,
    core,
    keyFile,
    batching,
    outbox,
    uplink,
    alerts,
    http,
    devices,
    pipeline,
    readPointIds: parsed.readPoints.map((r) => r.id),
    readPointLocations: [...new Set(parsed.readPoints.map((r) => r.readPoint))],
    warnings,
  };
}

/** Reads and validates a YAML or JSON config file (JSON is YAML 1.2). */
export async function loadConfig(file: string): Promise<GatewayConfig> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    throw new SuyuanError("CONFIG_INVALID", `${file}: cannot be read (${(e as Error).message})`, {
      field: "(file)",
      cause: e,
    });
  }
  return parseConfigText(text, dirname(resolve(file)), file);
}

export function parseConfigText(text: string, baseDir: string, name = "(config)"): GatewayConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text, { prettyErrors: true });
  } catch (e) {
    throw new SuyuanError("CONFIG_INVALID", `${name}: not valid YAML/JSON: ${(e as Error).message}`, {
      field: "(file)",
      cause: e,
    });
  }
  return validateConfig(raw, { baseDir });
}
