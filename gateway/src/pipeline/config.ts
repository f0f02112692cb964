/**
 * Read point configuration: what a scan point is (readPoint, bizLocation — SGLN), why things
 * happen there (bizStep, disposition — CBV 2.0 §7.1/§7.2), which devices feed it and which rule
 * turns its observations into EPCIS events. Validated once at start; every error is
 * `RULE_BAD_CONFIG` and names the key (`readPoints[1].bizLocation: …`).
 */
import {
  type CbvVocabulary,
  checkVocabularyValue,
  isTimeZoneOffset,
  looksLikeUri,
  parseCode,
  SuyuanError,
} from "@suyuan/proto";
import type { SmootherSpec } from "./smoothing.ts";

export const RULE_NAMES = [
  "commissioning",
  "packing",
  "unpacking",
  "shipping",
  "receiving",
  "storing",
  "inspecting",
  "retail-selling",
  "dispensing",
  "transformation",
  "sensor",
] as const;
export type RuleName = (typeof RULE_NAMES)[number];

/** A device, optionally restricted to some antennas (RFID readers with several antennas). */
export interface DeviceSelector {
  deviceId: string;
  antennas?: number[];
}

export interface ReadPointConfig {
  /** Configured id, unique in the gateway (used in logs, alerts, stats). */
  id: string;
  /** JSON path of this entry in the configuration (`readPoints[2]`), for error messages. */
  path: string;
  /** EPCIS 2.0 §7.3.5.3 readPoint id: an SGLN, kept as configured (e.g. `urn:epc:id:sgln:…`). */
  readPoint: string;
  /** EPCIS 2.0 §7.3.5.4 bizLocation id (SGLN); defaults to none. */
  bizLocation?: string;
  /** Overrides the rule's default business step / disposition. */
  bizStep?: string;
  disposition?: string;
  rule: RuleName;
  /** Devices whose reads belong to this read point (zone "main"). */
  devices: DeviceSelector[];
  /** Transformation stations: the input and output zones. */
  zones?: { input: DeviceSelector[]; output: DeviceSelector[] };
  cycle: Omit<SmootherSpec, "readPoint" | "zone">;
  /** EPCIS 2.0 §7.3.1: the site's offset (overrides the pipeline default). */
  eventTimeZoneOffset: string;
  /** Scanned control codes that close an open workflow (aggregation, transformation run, shipment). */
  closeCodes: string[];
  /**
   * Weakest RFID read (dBm) this read point takes: reads with a lower `rssi` are dropped before
   * smoothing and counted (`weakReads`); reads without an rssi pass. Screens out cross-reads of a
   * neighbouring portal, which arrive tens of dB weaker than tags in the portal's own field.
   */
  minRssi?: number;
  /** The rule's own options (validated by the rule). */
  options: ConfigReader;
}

export interface PipelineConfig {
  /** Default EPCIS eventTimeZoneOffset of the site (default "+00:00"). */
  eventTimeZoneOffset: string;
  /** GS1 Company Prefix length for EPC URIs of barcode keys (parseCode option). */
  companyPrefixLength?: number;
  /**
   * RFID decode cache entries, fixed. Absent: the cache follows the tag population the
   * smoothers track (see `Decoder.fitCache`).
   */
  decodeCacheSize?: number;
  readPoints: ReadPointConfig[];
}

function typeName(v: unknown): string {
  return v === null ? "null" : Array.isArray(v) ? "a list" : typeof v;
}

/**
 * Reads one configuration object, remembering which keys were read so that `done()` can name
 * keys nobody understood (a typo in a config must not pass silently).
 */
export class ConfigReader {
  private readonly used = new Set<string>();
  constructor(
    readonly raw: Record<string, unknown>,
    readonly path: string,
  ) {}

  static of(v: unknown, path: string): ConfigReader {
    if (v === null || typeof v !== "object" || Array.isArray(v))
      throw new SuyuanError("RULE_BAD_CONFIG", `${path}: must be an object, got ${typeName(v)}`, { field: path });
    return new ConfigReader(v as Record<string, unknown>, path);
  }

  field(key: string): string {
    return `${this.path}.${key}`;
  }

  fail(key: string, message: string): never {
    throw new SuyuanError("RULE_BAD_CONFIG", `${this.field(key)}: ${message}`, { field: this.field(key) });
  }

  has(key: string): boolean {
    return this.raw[key] !== undefined;
  }

  get(key: string): unknown {
    this.used.add(key);
    return this.raw[key];
  }

  str(key: string): string | undefined {
    const v = this.get(key);
    if (v === undefined) return undefined;
    if (typeof v !== "string" || v === "") this.fail(key, `must be a non-empty string, got ${typeName(v)}`);
    return v;
  }

  reqStr(key: string): string {
    const v = this.str(key);
    if (v === undefined) this.fail(key, "is required");
    return v;
  }

  num(key: string, o: { min?: number; int?: boolean; positive?: boolean } = {}): number | undefined {
    const v = this.get(key);
    if (v === undefined) return undefined;
    if (typeof v !== "number" || !Number.isFinite(v)) this.fail(key, `must be a number, got ${typeName(v)}`);
    if (o.int && !Number.isInteger(v)) this.fail(key, "must be an integer");
    if (o.positive && v <= 0) this.fail(key, "must be > 0");
    if (o.min !== undefined && v < o.min) this.fail(key, `must be ≥ ${o.min}`);
    return v;
  }

  bool(key: string): boolean | undefined {
    const v = this.get(key);
    if (v === undefined) return undefined;
    if (typeof v !== "boolean") this.fail(key, `must be true or false, got ${typeName(v)}`);
    return v;
  }

  strList(key: string): string[] | undefined {
    const v = this.get(key);
    if (v === undefined) return undefined;
    if (!Array.isArray(v)) this.fail(key, `must be a list of strings, got ${typeName(v)}`);
    return v.map((x, i) => {
      if (typeof x !== "string" || x === "") this.fail(`${key}[${i}]`, "must be a non-empty string");
      return x;
    });
  }

  numList(key: string): number[] | undefined {
    const v = this.get(key);
    if (v === undefined) return undefined;
    if (!Array.isArray(v)) this.fail(key, `must be a list of numbers, got ${typeName(v)}`);
    return v.map((x, i) => {
      if (typeof x !== "number" || !Number.isInteger(x) || x < 0) this.fail(`${key}[${i}]`, "must be an integer ≥ 0");
      return x;
    });
  }

  obj(key: string): ConfigReader | undefined {
    const v = this.get(key);
    return v === undefined ? undefined : ConfigReader.of(v, this.field(key));
  }

  list(key: string): ConfigReader[] | undefined {
    const v = this.get(key);
    if (v === undefined) return undefined;
    if (!Array.isArray(v)) this.fail(key, `must be a list, got ${typeName(v)}`);
    return v.map((x, i) => ConfigReader.of(x, `${this.field(key)}[${i}]`));
  }

  /** Any absolute URI (EPCIS identifiers are URIs). */
  uri(key: string): string | undefined {
    const v = this.str(key);
    if (v !== undefined && !looksLikeUri(v)) this.fail(key, `"${v}" is not a URI`);
    return v;
  }

  /** An SGLN or GLN, as an EPC URI or GS1 Digital Link (EPCIS 2.0 §7.3.5.3/§7.3.5.4, CBV 2.0 §8.4). */
  location(key: string): string | undefined {
    const v = this.str(key);
    if (v === undefined) return undefined;
    let kind: string;
    try {
      kind = parseCode(v).kind;
    } catch (e) {
      this.fail(key, `"${v}" is not a location identifier: ${(e as Error).message}`);
    }
    if (kind !== "sgln" && kind !== "gln")
      this.fail(
        key,
        `"${v}" identifies a ${kind}, not a location (expected urn:epc:id:sgln:… or a Digital Link with AI 414)`,
      );
    return v;
  }

  /** A CBV 2.0 vocabulary word or URI (validated with proto's CBV lists). */
  vocab(key: string, vocab: CbvVocabulary): string | undefined {
    const v = this.str(key);
    if (v === undefined) return undefined;
    const r = checkVocabularyValue(vocab, v);
    if (!r.ok) this.fail(key, `"${v}" is not a CBV 2.0 ${vocab} (CBV 2.0 §7) nor a user URI`);
    return v;
  }

  offset(key: string): string | undefined {
    const v = this.str(key);
    if (v !== undefined && !isTimeZoneOffset(v)) this.fail(key, `"${v}" is not ±hh:mm between -14:00 and +14:00`);
    return v;
  }

  /** An xsd:date (YYYY-MM-DD), as CBV master data dates are written. */
  date(key: string): string | undefined {
    const v = this.str(key);
    if (v !== undefined && (!/^\d{4}-\d{2}-\d{2}$/.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00Z`))))
      this.fail(key, `"${v}" is not a date YYYY-MM-DD`);
    return v;
  }

  /** EPCIS 2.0 §7.3.6.3 source/destination list: [{type, id}]. */
  sourceDestList(key: string): Array<{ type: string; id: string }> | undefined {
    return this.list(key)?.map((r) => {
      const type = r.vocab("type", "sourceDestType");
      if (type === undefined)
        return r.fail("type", "is required (CBV 2.0 §7.4: owning_party, possessing_party or location)");
      const id = r.uri("id");
      if (id === undefined) return r.fail("id", "is required");
      r.done();
      return { type, id };
    });
  }

  /** Throws on keys nobody read. */
  done(): void {
    for (const k of Object.keys(this.raw))
      if (!this.used.has(k) && this.raw[k] !== undefined) this.fail(k, "unknown key");
  }
}

function devices(r: ConfigReader, key: string): DeviceSelector[] | undefined {
  return r.list(key)?.map((d) => {
    const deviceId = d.reqStr("deviceId");
    const antennas = d.numList("antennas");
    d.done();
    return antennas === undefined ? { deviceId } : { deviceId, antennas };
  });
}

const COMMON_KEYS = new Set([
  "id",
  "readPoint",
  "bizLocation",
  "bizStep",
  "disposition",
  "rule",
  "devices",
  "zones",
  "cycle",
  "barcodeDebounceMs",
  "eventTimeZoneOffset",
  "closeCodes",
  "minRssi",
]);

/**
 * Plausible reader RSSI range in dBm: UHF readers report about −100 (sensitivity limit) to
 * 0 dBm; the EPC Gen2 readers this gateway drives report a signed byte (−128…127), and no
 * passive tag backscatters above +20 dBm. A threshold outside this range is a unit mistake
 * (mW, or a positive number meant as negative dBm would drop or keep everything).
 */
export const MIN_RSSI_RANGE = [-128, 20] as const;

function readPointConfig(r: ConfigReader, defaultOffset: string): ReadPointConfig {
  const id = r.reqStr("id");
  const readPoint = r.location("readPoint");
  if (readPoint === undefined) r.fail("readPoint", "is required (an SGLN, e.g. urn:epc:id:sgln:0614141.00777.0)");
  const bizLocation = r.location("bizLocation");
  const bizStep = r.vocab("bizStep", "bizStep");
  const disposition = r.vocab("disposition", "disposition");
  const rule = r.reqStr("rule");
  if (!(RULE_NAMES as readonly string[]).includes(rule))
    r.fail("rule", `"${rule}" is not a rule (one of ${RULE_NAMES.join(", ")})`);
  const devs = devices(r, "devices") ?? [];
  const z = r.obj("zones");
  let zones: ReadPointConfig["zones"];
  if (z) {
    zones = { input: devices(z, "input") ?? [], output: devices(z, "output") ?? [] };
    z.done();
  }
  if (rule === "transformation" && (!zones || zones.input.length === 0 || zones.output.length === 0))
    r.fail("zones", "a transformation read point needs zones.input and zones.output device lists");
  if (rule !== "transformation" && zones) r.fail("zones", `only the transformation rule has zones, not ${rule}`);
  if (devs.length === 0 && !zones) r.fail("devices", "at least one device is required");
  const c = r.obj("cycle");
  const cycle: ReadPointConfig["cycle"] = {};
  if (c) {
    for (const k of ["durationMs", "repeatPeriodMs", "stableSetIntervalMs"] as const) {
      const v = c.num(k, { positive: true });
      if (v !== undefined) cycle[k] = v;
    }
    const mt = c.num("missTolerance", { int: true, min: 1 });
    if (mt !== undefined) cycle.missTolerance = mt;
    const mr = c.num("minReadRate");
    if (mr !== undefined) {
      if (!(mr > 0 && mr < 1)) c.fail("minReadRate", "must be between 0 and 1 (exclusive)");
      cycle.minReadRate = mr;
    }
    const fp = c.num("flapProbability");
    if (fp !== undefined) {
      if (!(fp > 0 && fp < 1)) c.fail("flapProbability", "must be between 0 and 1 (exclusive)");
      cycle.flapProbability = fp;
    }
    const d = cycle.durationMs ?? 1000;
    if (cycle.repeatPeriodMs !== undefined && cycle.repeatPeriodMs < d)
      c.fail("repeatPeriodMs", "must be ≥ durationMs (ALE 1.1 §8.2.1)");
    c.done();
  }
  const debounce = r.num("barcodeDebounceMs", { min: 0 });
  if (debounce !== undefined) cycle.barcodeDebounceMs = debounce;
  const eventTimeZoneOffset = r.offset("eventTimeZoneOffset") ?? defaultOffset;
  const closeCodes = r.strList("closeCodes") ?? [];
  const minRssi = r.num("minRssi");
  if (minRssi !== undefined && (minRssi < MIN_RSSI_RANGE[0] || minRssi > MIN_RSSI_RANGE[1]))
    r.fail(
      "minRssi",
      `must be a signal strength in dBm from ${MIN_RSSI_RANGE[0]} to ${MIN_RSSI_RANGE[1]}, got ${minRssi}`,
    );
  // Everything else belongs to the rule; it is checked by the rule's parseOptions.
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r.raw)) if (!COMMON_KEYS.has(k)) rest[k] = v;
  const out: ReadPointConfig = {
    id,
    path: r.path,
    readPoint,
    rule: rule as RuleName,
    devices: devs,
    cycle,
    eventTimeZoneOffset,
    closeCodes,
    options: new ConfigReader(rest, r.path),
  };
  if (bizLocation !== undefined) out.bizLocation = bizLocation;
  if (bizStep !== undefined) out.bizStep = bizStep;
  if (disposition !== undefined) out.disposition = disposition;
  if (zones) out.zones = zones;
  if (minRssi !== undefined) out.minRssi = minRssi;
  return out;
}

/**
 * Validates the pipeline part of the gateway configuration (`{eventTimeZoneOffset?,
 * companyPrefixLength?, decodeCacheSize?, readPoints: […]}`). `path` is where that part sits in
 * the whole configuration file, so errors name keys in the file's terms (`pipeline.readPoints[1]…`).
 */
export function parsePipelineConfig(raw: unknown, path = ""): PipelineConfig {
  const field = (k: string) => (path === "" ? k : `${path}.${k}`);
  const fail = (k: string, m: string): never => {
    throw new SuyuanError("RULE_BAD_CONFIG", `${field(k)}: ${m}`, { field: field(k) });
  };
  if (raw === null || typeof raw !== "object" || Array.isArray(raw))
    throw new SuyuanError("RULE_BAD_CONFIG", `${path || "(config)"}: must be an object, got ${typeName(raw)}`, {
      field: path || "(config)",
    });
  const r = raw as Record<string, unknown>;
  for (const k of Object.keys(r))
    if (!["eventTimeZoneOffset", "companyPrefixLength", "decodeCacheSize", "readPoints"].includes(k))
      fail(k, "unknown key");
  const offset = r.eventTimeZoneOffset ?? "+00:00";
  if (typeof offset !== "string" || !isTimeZoneOffset(offset))
    return fail("eventTimeZoneOffset", `"${String(offset)}" is not ±hh:mm between -14:00 and +14:00`);
  const gcp = r.companyPrefixLength;
  if (gcp !== undefined && (typeof gcp !== "number" || !Number.isInteger(gcp) || gcp < 6 || gcp > 12))
    fail("companyPrefixLength", "must be an integer from 6 to 12 (GS1 Company Prefix length)");
  const cache = r.decodeCacheSize;
  if (cache !== undefined && (typeof cache !== "number" || !Number.isInteger(cache) || cache < 2))
    return fail("decodeCacheSize", "must be an integer ≥ 2");
  const list = r.readPoints;
  if (!Array.isArray(list)) return fail("readPoints", "must be a list of read point configurations");
  const readPoints = list.map((x, i) => readPointConfig(ConfigReader.of(x, field(`readPoints[${i}]`)), offset));
  const ids = new Set<string>();
  readPoints.forEach((rp, i) => {
    if (ids.has(rp.id)) fail(`readPoints[${i}].id`, `"${rp.id}" is used by another read point`);
    ids.add(rp.id);
  });
  const out: PipelineConfig = { eventTimeZoneOffset: offset, readPoints };
  if (typeof gcp === "number") out.companyPrefixLength = gcp;
  if (typeof cache === "number") out.decodeCacheSize = cache;
  return out;
}
