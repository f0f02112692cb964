/**
 * Sensor readings (temperature loggers, issue 4 §2) → EPCIS 2.0 §7.3.7 sensorElementList.
 *
 * Readings of the configured loggers (this read point's `devices`) are summarised per logger
 * and measurement type over a window: the last value, min, max and mean (EPCIS 2.0 §7.3.7.2
 * value/minValue/maxValue/meanValue), with the window as sensorMetadata startTime/endTime and the
 * logger as deviceID. The summary is
 * - attached to the events of the goods travelling with the logger: every event emitted by the
 *   read points listed in `attachTo` (e.g. the truck's or cold room's shipping/receiving point)
 *   carries the logger's current window (or the last complete one), and/or
 * - emitted on its own every window (`standalone`, the default without `attachTo`) as an
 *   ObjectEvent OBSERVE, bizStep sensor_reporting (CBV 2.0 §7.1), whose epcList is the goods:
 *   the present tags of the read point named by `goods`, or the configured `epcs`, or none (a
 *   sensor-only observation with a readPoint, allowed by the EPCIS 2.0 JSON schema).
 *
 * Measurement types are written as GS1 Web Vocabulary CURIEs (`gs1:Temperature`, as in the EPCIS
 * 2.0 JSON-LD examples; proto's validator and event hash accept it), units as UN/CEFACT Rec. 20
 * codes (CEL, FAH, KEL, P1 for %).
 */
import { type EpcisEvent, parseCode, type SensorElement, type SensorReport } from "@suyuan/proto";
import type { RawRead } from "../../drivers/driver.ts";
import { formatEventTime } from "../time.ts";
import { baseEvent } from "./common.ts";
import type { Rule, RuleContext, RuleModule } from "./rule.ts";

export interface SensorOptions {
  windowMs: number;
  attachTo: string[];
  standalone: boolean;
  goods?: string;
  epcs: string[];
  deviceUris: Record<string, string>;
}

// UN/CEFACT Rec. 20 codes for the unit spellings devices send.
const UOM: Record<string, string> = {
  C: "CEL",
  "°C": "CEL",
  CELSIUS: "CEL",
  CEL: "CEL",
  F: "FAH",
  "°F": "FAH",
  FAHRENHEIT: "FAH",
  FAH: "FAH",
  K: "KEL",
  KELVIN: "KEL",
  KEL: "KEL",
  "%": "P1",
  "%RH": "P1",
  P1: "P1",
};

/** A device's unit as a UN/CEFACT Rec. 20 code, or undefined. */
export function uomCode(uom: string): string | undefined {
  const u = uom.trim();
  const known = UOM[u.toUpperCase()] ?? UOM[u];
  if (known) return known;
  return /^[A-Z0-9]{2,3}$/.test(u) ? u : undefined;
}

/** A device's measurement type as a GS1 Web Vocabulary CURIE (`temperature` → `gs1:Temperature`). */
export function measurementType(type: string): string | undefined {
  let t = type.trim();
  if (t.startsWith("gs1:")) t = t.slice(4);
  else if (/^https?:\/\/(www\.)?gs1\.org\/voc\//.test(t)) t = t.slice(t.indexOf("/voc/") + 5);
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(t)) return undefined;
  return `gs1:${t[0]?.toUpperCase()}${t.slice(1)}`;
}

interface Agg {
  type: string;
  uom: string;
  count: number;
  min: number;
  max: number;
  sum: number;
  last: number;
  firstTs: number;
  lastTs: number;
}

// Window state: Map ( logger deviceId -> Map ( "type|uom" -> Agg ) )
type Window = Map<string, Map<string, Agg>>;

function createSensor(ctx: RuleContext, o: SensorOptions): Rule {
  let win: Window = new Map();
  let lastComplete: Window = new Map();
  let windowStart: number | undefined;

  function deviceUri(deviceId: string): string {
    return o.deviceUris[deviceId] ?? `urn:suyuan:sensor:${encodeURIComponent(deviceId)}`;
  }

  function elements(w: Window): SensorElement[] {
    const out: SensorElement[] = [];
    for (const [dev, byType] of w) {
      let start = Number.POSITIVE_INFINITY;
      let end = Number.NEGATIVE_INFINITY;
      const reports: SensorReport[] = [];
      for (const a of byType.values()) {
        if (a.firstTs < start) start = a.firstTs;
        if (a.lastTs > end) end = a.lastTs;
        reports.push({
          type: a.type,
          value: a.last,
          minValue: a.min,
          maxValue: a.max,
          // Rounded to 1e-4: the sum of decimal readings carries binary noise (21.300000000000004).
          meanValue: Math.round((a.sum / a.count) * 1e4) / 1e4,
          uom: a.uom,
        });
      }
      if (reports.length === 0) continue;
      const off = ctx.rp.eventTimeZoneOffset;
      out.push({
        sensorMetadata: {
          deviceID: deviceUri(dev),
          startTime: formatEventTime(start, off),
          endTime: formatEventTime(end, off),
        },
        sensorReport: reports,
      });
    }
    return out;
  }

  function lastTs(w: Window): number {
    let t = Number.NEGATIVE_INFINITY;
    for (const byType of w.values()) for (const a of byType.values()) if (a.lastTs > t) t = a.lastTs;
    return t;
  }

  function goods(): string[] {
    if (o.goods !== undefined) return ctx.present(o.goods).map((t) => t.id.canonical);
    return o.epcs;
  }

  function emitStandalone(w: Window): void {
    const els = elements(w);
    if (els.length === 0) return;
    const ev: EpcisEvent = baseEvent(ctx, "ObjectEvent", lastTs(w), { bizStep: "sensor_reporting" });
    ev.action = "OBSERVE";
    const g = goods();
    if (g.length > 0) ev.epcList = g.slice(0, 1000);
    ev.sensorElementList = els;
    ctx.emit(ev);
  }

  return {
    attachTo: o.attachTo,
    onSensor(read: RawRead) {
      const s = read.sensor;
      const type = s ? measurementType(s.type) : undefined;
      const uom = s ? uomCode(s.uom) : undefined;
      if (!s || type === undefined || uom === undefined || !Number.isFinite(s.value)) {
        ctx.log("pipeline.sensor.bad_reading", { readPoint: ctx.rp.id, deviceId: read.deviceId, sensor: s });
        return;
      }
      let byType = win.get(read.deviceId);
      if (!byType) {
        byType = new Map();
        win.set(read.deviceId, byType);
      }
      const key = `${type}|${uom}`;
      const a = byType.get(key);
      if (!a)
        byType.set(key, {
          type,
          uom,
          count: 1,
          min: s.value,
          max: s.value,
          sum: s.value,
          last: s.value,
          firstTs: read.ts,
          lastTs: read.ts,
        });
      else {
        a.count++;
        if (s.value < a.min) a.min = s.value;
        if (s.value > a.max) a.max = s.value;
        a.sum += s.value;
        if (read.ts >= a.lastTs) {
          a.last = s.value;
          a.lastTs = read.ts;
        }
        if (read.ts < a.firstTs) a.firstTs = read.ts;
      }
    },
    tick(now: number) {
      if (windowStart === undefined) windowStart = now;
      if (now - windowStart < o.windowMs) return;
      windowStart = now;
      if (win.size === 0) return;
      if (o.standalone) emitStandalone(win);
      lastComplete = win;
      win = new Map();
    },
    decorate(ev: EpcisEvent) {
      const els = elements(win.size > 0 ? win : lastComplete);
      if (els.length === 0) return;
      ev.sensorElementList = [...(ev.sensorElementList ?? []), ...els];
    },
  };
}

export const sensorRule: RuleModule<SensorOptions> = {
  name: "sensor",
  parseOptions(r) {
    const attachTo = r.strList("attachTo") ?? [];
    const epcs = (r.strList("epcs") ?? []).map((e, i) => {
      try {
        return parseCode(e).canonical;
      } catch (err) {
        return r.fail(`epcs[${i}]`, `"${e}" is not an identifier: ${(err as Error).message}`);
      }
    });
    const m = r.obj("deviceUris");
    const deviceUris: Record<string, string> = {};
    if (m) {
      for (const k of Object.keys(m.raw)) {
        const v = m.uri(k);
        if (v !== undefined) deviceUris[k] = v;
      }
      m.done();
    }
    const o: SensorOptions = {
      windowMs: r.num("windowMs", { positive: true }) ?? 300_000,
      attachTo,
      standalone: r.bool("standalone") ?? attachTo.length === 0,
      epcs,
      deviceUris,
    };
    const g = r.str("goods");
    if (g !== undefined) o.goods = g;
    r.done();
    return o;
  },
  create: createSensor,
};
