/**
 * Driver factory: one validated config object → one driver. The gateway config file's
 * `devices[]` entries are these objects; errors name the key and the rule
 * (`DRIVER_BAD_CONFIG: devices[2].baud: must be one of 1200, 2400, …`).
 */
import { SuyuanError } from "@suyuan/proto";
import type { BackoffOptions, DriverDeps } from "./common/deps.ts";
import type { BindingInterface } from "./common/serialport-types.ts";
import type { Driver } from "./driver.ts";
import { type MockDeviceRegistry, MockDriver } from "./mock/mock-driver.ts";
import { type MqttBrokerOptions, MqttDriver } from "./mqtt/mqtt-driver.ts";
import { PAYLOAD_FORMATS, type PayloadFormat } from "./mqtt/payloads.ts";
import { SUFFIXES, type Suffix } from "./serial-barcode/line-decoder.ts";
import { SerialBarcodeDriver } from "./serial-barcode/serial-barcode-driver.ts";
import { SerialUhfDriver } from "./serial-uhf/serial-uhf-driver.ts";

/** The M100 frame codec, both sides (firmware-sim emulates the module with it). */
export * as uhfFrames from "@suyuan/proto/devices/uhf-m100.ts";
export type { BackoffOptions, DriverDeps, Log, Timers } from "./common/deps.ts";
export { ReadQueue } from "./common/read-queue.ts";
export type { Driver, DriverStats, RawRead } from "./driver.ts";
export * from "./mock/mock-driver.ts";
export { MqttDriver, type MqttDriverOptions, type MqttDriverStats } from "./mqtt/mqtt-driver.ts";
export { aimPrefix, type ParsedMessage, parseMqttPayload } from "./mqtt/payloads.ts";
export { LineDecoder, type Suffix } from "./serial-barcode/line-decoder.ts";
export { SerialBarcodeDriver, type SerialBarcodeOptions } from "./serial-barcode/serial-barcode-driver.ts";
export { SerialUhfDriver, type SerialUhfOptions } from "./serial-uhf/serial-uhf-driver.ts";

export const DRIVER_KINDS = ["mock", "serial-barcode", "serial-uhf", "mqtt"] as const;
export type DriverKind = (typeof DRIVER_KINDS)[number];

/** Baud rates of the POSIX termios set that scanners and UHF modules offer. */
export const BAUD_RATES = [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600] as const;

interface ReconnectConfig {
  initialMs?: number;
  maxMs?: number;
  factor?: number;
}

export type DriverConfig =
  | { id: string; kind: "mock"; deviceId?: string; queueSize?: number }
  | {
      id: string;
      kind: "serial-barcode";
      path: string;
      baud: number;
      /** Default "CR", the factory setting of most scanners in serial mode. */
      suffix?: Suffix;
      maxLineLength?: number;
      reconnect?: ReconnectConfig;
      queueSize?: number;
    }
  | {
      id: string;
      kind: "serial-uhf";
      path: string;
      /** Default 115200. */
      baud?: number;
      antenna?: number;
      rounds?: number;
      watchdogMs?: number;
      reissueMs?: number;
      verifyCrc?: boolean;
      reconnect?: ReconnectConfig;
      queueSize?: number;
    }
  | {
      id: string;
      kind: "mqtt";
      broker: MqttBrokerOptions;
      topics?: string[];
      format?: PayloadFormat;
      qos?: 0 | 1;
      maxPayloadBytes?: number;
      queueSize?: number;
      connectTimeoutMs?: number;
      reconnectPeriodMs?: number;
    };

export interface CreateDriverDeps extends DriverDeps {
  /** Where this config sits in the config file, for error messages (default "device"). */
  at?: string;
  /** Serial binding for serial drivers (tests: `@serialport/binding-mock`); default native. */
  serialBinding?: BindingInterface;
  /** Registry for mock drivers (default: the module-level one). */
  mockRegistry?: MockDeviceRegistry;
}

class ConfigReader {
  constructor(
    private readonly at: string,
    private readonly obj: Record<string, unknown>,
  ) {}

  fail(key: string, rule: string): never {
    const field = key === "" ? this.at : `${this.at}.${key}`;
    throw new SuyuanError("DRIVER_BAD_CONFIG", `${field}: ${rule}`, { field });
  }

  only(keys: string[]): void {
    for (const k of Object.keys(this.obj)) {
      if (!keys.includes(k)) this.fail(k, `unknown key (allowed: ${keys.join(", ")})`);
    }
  }

  has(key: string): boolean {
    return this.obj[key] !== undefined;
  }

  str(key: string, opts: { required?: boolean; pattern?: RegExp; rule?: string } = {}): string | undefined {
    const v = this.obj[key];
    if (v === undefined) {
      if (opts.required) this.fail(key, "is required");
      return undefined;
    }
    if (typeof v !== "string" || v === "" || (opts.pattern !== undefined && !opts.pattern.test(v))) {
      this.fail(key, opts.rule ?? "must be a non-empty string");
    }
    return v;
  }

  int(key: string, min: number, max: number): number | undefined {
    const v = this.obj[key];
    if (v === undefined) return undefined;
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
      this.fail(key, `must be an integer from ${min} to ${max}`);
    }
    return v;
  }

  oneOf<T extends string | number>(key: string, allowed: readonly T[], required = false): T | undefined {
    const v = this.obj[key];
    if (v === undefined) {
      if (required) this.fail(key, `is required (one of ${allowed.join(", ")})`);
      return undefined;
    }
    if (!allowed.includes(v as T)) this.fail(key, `must be one of ${allowed.join(", ")}`);
    return v as T;
  }

  bool(key: string): boolean | undefined {
    const v = this.obj[key];
    if (v === undefined) return undefined;
    if (typeof v !== "boolean") this.fail(key, "must be true or false");
    return v;
  }

  sub(key: string): ConfigReader | undefined {
    const v = this.obj[key];
    if (v === undefined) return undefined;
    if (typeof v !== "object" || v === null || Array.isArray(v)) this.fail(key, "must be an object");
    return new ConfigReader(`${this.at}.${key}`, v as Record<string, unknown>);
  }

  raw(key: string): unknown {
    return this.obj[key];
  }
}

const ID_RULE = {
  pattern: /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/,
  rule: "must be 1–128 of A–Z a–z 0–9 . _ : - (starting alphanumeric)",
};

function reconnect(r: ConfigReader): BackoffOptions | undefined {
  const s = r.sub("reconnect");
  if (s === undefined) return undefined;
  s.only(["initialMs", "maxMs", "factor"]);
  const initialMs = s.int("initialMs", 10, 600_000) ?? 200;
  const maxMs = s.int("maxMs", 10, 3_600_000) ?? 10_000;
  if (maxMs < initialMs) s.fail("maxMs", "must be ≥ initialMs");
  const factor = s.raw("factor") ?? 2;
  if (typeof factor !== "number" || !(factor >= 1 && factor <= 10))
    return s.fail("factor", "must be a number from 1 to 10");
  return { initialMs, maxMs, factor };
}

/** MQTT topic filter rules (MQTT 3.1.1 §4.7.1): `#` only as the last level, `+` a whole level. */
function validTopicFilter(t: string): boolean {
  if (t === "" || t.length > 65535 || t.includes("\u0000")) return false;
  const levels = t.split("/");
  return levels.every((l, i) =>
    l === "#" ? i === levels.length - 1 : l === "+" || (!l.includes("#") && !l.includes("+")),
  );
}

function mqttBroker(r: ConfigReader): MqttBrokerOptions {
  const b = r.sub("broker");
  if (b === undefined) return r.fail("broker", "is required: { embedded: { port } } or { url }");
  if (b.has("embedded")) {
    b.only(["embedded"]);
    const e = b.sub("embedded") as ConfigReader;
    e.only(["port", "host"]);
    const port = e.int("port", 0, 65535) ?? e.fail("port", "is required (0 picks a free port)");
    const host = e.str("host");
    return { embedded: { port, ...(host === undefined ? {} : { host }) } };
  }
  b.only(["url", "username", "password", "clientId"]);
  const url = b.str("url", {
    required: true,
    pattern: /^(mqtts?|wss?|tcp|ssl):\/\/[^\s/]+/,
    rule: "must be a broker URL (mqtt://host:port, mqtts://…, ws://…)",
  }) as string;
  const username = b.str("username");
  const password = b.str("password");
  const clientId = b.str("clientId");
  return {
    url,
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
    ...(clientId === undefined ? {} : { clientId }),
  };
}

/**
 * Validates `config` and builds its driver (not yet opened). Throws DRIVER_BAD_CONFIG naming
 * the key and the rule.
 */
export function createDriver(config: unknown, deps: CreateDriverDeps = {}): Driver {
  const at = deps.at ?? "device";
  if (typeof config !== "object" || config === null || Array.isArray(config)) {
    throw new SuyuanError("DRIVER_BAD_CONFIG", `${at}: must be an object`, { field: at });
  }
  const r = new ConfigReader(at, config as Record<string, unknown>);
  const id = r.str("id", { required: true, ...ID_RULE }) as string;
  const kind = r.oneOf("kind", DRIVER_KINDS, true) as DriverKind;
  const common: DriverDeps = {
    ...(deps.log ? { log: deps.log } : {}),
    ...(deps.now ? { now: deps.now } : {}),
    ...(deps.timers ? { timers: deps.timers } : {}),
  };
  const queueSize = r.int("queueSize", 1, 10_000_000);
  const q = queueSize === undefined ? {} : { queueSize };
  const binding = deps.serialBinding === undefined ? {} : { binding: deps.serialBinding };

  switch (kind) {
    case "mock": {
      r.only(["id", "kind", "deviceId", "queueSize"]);
      const deviceId = r.str("deviceId");
      return new MockDriver({
        id,
        ...common,
        ...q,
        ...(deviceId === undefined ? {} : { deviceId }),
        ...(deps.mockRegistry ? { registry: deps.mockRegistry } : {}),
      });
    }
    case "serial-barcode": {
      r.only(["id", "kind", "path", "baud", "suffix", "maxLineLength", "reconnect", "queueSize"]);
      const path = r.str("path", { required: true }) as string;
      const baud = r.oneOf("baud", BAUD_RATES, true) as number;
      const suffix = r.oneOf("suffix", SUFFIXES) ?? "CR";
      const maxLineLength = r.int("maxLineLength", 16, 65_536);
      const rc = reconnect(r);
      return new SerialBarcodeDriver({
        id,
        path,
        baud,
        suffix,
        ...common,
        ...q,
        ...binding,
        ...(maxLineLength === undefined ? {} : { maxLineLength }),
        ...(rc === undefined ? {} : { reconnect: rc }),
      });
    }
    case "serial-uhf": {
      r.only([
        "id",
        "kind",
        "path",
        "baud",
        "antenna",
        "rounds",
        "watchdogMs",
        "reissueMs",
        "verifyCrc",
        "reconnect",
        "queueSize",
      ]);
      const path = r.str("path", { required: true }) as string;
      const baud = r.oneOf("baud", BAUD_RATES);
      const antenna = r.int("antenna", 1, 256);
      const rounds = r.int("rounds", 1, 65535);
      const watchdogMs = r.int("watchdogMs", 100, 600_000);
      const reissueMs = r.int("reissueMs", 0, 86_400_000);
      if (reissueMs !== undefined && reissueMs > 0 && reissueMs < (watchdogMs ?? 2000)) {
        r.fail("reissueMs", "must be 0 (never) or ≥ watchdogMs");
      }
      const verifyCrc = r.bool("verifyCrc");
      const rc = reconnect(r);
      const opt = <K extends string, V>(k: K, v: V | undefined) => (v === undefined ? {} : { [k]: v });
      return new SerialUhfDriver({
        id,
        path,
        ...common,
        ...q,
        ...binding,
        ...opt("baud", baud),
        ...opt("antenna", antenna),
        ...opt("rounds", rounds),
        ...opt("watchdogMs", watchdogMs),
        ...opt("reissueMs", reissueMs),
        ...opt("verifyCrc", verifyCrc),
        ...opt("reconnect", rc),
      });
    }
    case "mqtt": {
      r.only([
        "id",
        "kind",
        "broker",
        "topics",
        "format",
        "qos",
        "maxPayloadBytes",
        "queueSize",
        "connectTimeoutMs",
        "reconnectPeriodMs",
      ]);
      const broker = mqttBroker(r);
      const topics = r.raw("topics");
      if (topics !== undefined) {
        if (!Array.isArray(topics) || topics.length === 0) {
          return r.fail("topics", "must be a non-empty array of topic filters");
        }
        topics.forEach((t: unknown, i) => {
          if (typeof t !== "string" || !validTopicFilter(t)) {
            r.fail(`topics[${i}]`, "must be an MQTT topic filter (# only as the last level, + a whole level)");
          }
        });
      }
      const format = r.oneOf("format", PAYLOAD_FORMATS);
      const qos = r.oneOf("qos", [0, 1] as const);
      const maxPayloadBytes = r.int("maxPayloadBytes", 64, 16 * 1024 * 1024);
      const connectTimeoutMs = r.int("connectTimeoutMs", 100, 600_000);
      const reconnectPeriodMs = r.int("reconnectPeriodMs", 10, 600_000);
      const opt = <K extends string, V>(k: K, v: V | undefined) => (v === undefined ? {} : { [k]: v });
      return new MqttDriver({
        id,
        broker,
        ...common,
        ...q,
        ...opt("topics", topics as string[] | undefined),
        ...opt("format", format),
        ...opt("qos", qos),
        ...opt("maxPayloadBytes", maxPayloadBytes),
        ...opt("connectTimeoutMs", connectTimeoutMs),
        ...opt("reconnectPeriodMs", reconnectPeriodMs),
      });
    }
  }
}
