/**
 * The pipeline: decode → smoothing → scan-point rules, for every configured read point.
 *
 * `push(read)` takes raw reads from the drivers in arrival order: it routes the read to its read
 * point (by device and antenna), decodes it, and gathers it (RFID) or hands the debounced scan to
 * the rule (barcode). `tick(nowMs)` advances the gateway clock: cycles end, rules time out, and
 * every event produced since the last tick is returned, ready to be hashed and batched. Events
 * are returned only by `tick`; call it often (e.g. every 50–100 ms) — `startTicker` does so.
 *
 * Every emitted event is checked with proto's `collectEventErrors`; an event that fails (a bug or
 * a configuration the rule did not foresee) is still returned — the core will dead-letter it,
 * where people see it — and is counted and logged here.
 */
import { type CodeResult, collectEventErrors, type EpcisEvent, SuyuanError } from "@suyuan/proto";
import type { RawRead } from "../drivers/driver.ts";
import { type DeviceSelector, type PipelineConfig, parsePipelineConfig, type ReadPointConfig } from "./config.ts";
import { createDecoder, type DecoderStats } from "./decode.ts";
import { RULES } from "./rules/index.ts";
import type { Rule, RuleContext } from "./rules/rule.ts";
import { createSmoother, type Smoother } from "./smoothing.ts";
import {
  noLog,
  type PipelineAlert,
  type PipelineLog,
  type RecallCheck,
  type TagObservation,
  type Zone,
} from "./types.ts";

export interface PipelineDeps {
  /** Gateway clock. */
  now: () => number | Date;
  recallCheck?: (id: CodeResult) => ReturnType<RecallCheck>;
  onAlert?: (alert: PipelineAlert) => void;
  log?: PipelineLog;
  /** Fresh identifier URIs (transformationID); default `urn:uuid:` + crypto.randomUUID(). */
  newId?: () => string;
}

export interface PipelineStats {
  reads: number;
  /** Reads from devices (or antennas) no read point is configured for. */
  unrouted: number;
  /** Reads weaker than their read point's `minRssi` (dropped before decode and smoothing). */
  weakReads: number;
  decoded: number;
  /** Keyless GS1 scans used as context (ship-to, lot labels). */
  attributes: number;
  /** Rejected reads by proto error code. */
  rejected: Record<string, number>;
  closeCodes: number;
  sensorReadings: number;
  /** Smoothed observations: RFID additions and debounced barcode scans. */
  observations: number;
  events: Record<string, number>;
  invalidEvents: number;
  alerts: number;
  decodeCacheHits: number;
  /** Current capacity of the RFID decode cache (fixed, or following the tag population). */
  decodeCacheCapacity: number;
}

export interface Pipeline {
  readonly config: PipelineConfig;
  push(read: RawRead): void;
  tick(nowMs?: number): EpcisEvent[];
  stats(): PipelineStats;
  /** Present tags of a read point (all its zones). */
  present(readPointId: string): TagObservation[];
}

interface Target {
  rp: ReadPointState;
  zone: Zone;
  smoother: Smoother;
}

interface ReadPointState {
  config: ReadPointConfig;
  /** `config.minRssi`, or −∞ (every read passes): one comparison per read, no branch on undefined. */
  minRssi: number;
  rule: Rule;
  smoothers: Smoother[];
  closeCodes: ReadonlySet<string>;
  decorators: Rule[];
}

// Map ( deviceId -> { any: target for all antennas, byAntenna: Map ( antenna -> target ) } )
interface DeviceRoute {
  any?: Target;
  byAntenna?: Map<number, Target>;
}

/** Scan data without its AIM symbology identifier (ISO/IEC 15424) and surrounding whitespace. */
function controlText(data: string): string {
  const s = data.trim();
  return s.length >= 3 && s[0] === "]" ? s.slice(3) : s;
}

function failConfig(field: string, message: string): never {
  throw new SuyuanError("RULE_BAD_CONFIG", `${field}: ${message}`, { field });
}

export function createPipeline(rawConfig: unknown, deps: PipelineDeps): Pipeline {
  const config = parsePipelineConfig(rawConfig);
  const log = deps.log ?? noLog;
  const nowMs = (): number => {
    const n = deps.now();
    return typeof n === "number" ? n : n.getTime();
  };
  const newId = deps.newId ?? (() => `urn:uuid:${crypto.randomUUID()}`);
  const decoder = createDecoder({
    ...(config.decodeCacheSize === undefined ? {} : { cacheSize: config.decodeCacheSize }),
    log,
    ...(config.companyPrefixLength === undefined ? {} : { companyPrefixLength: config.companyPrefixLength }),
  });
  const stats: PipelineStats = {
    reads: 0,
    unrouted: 0,
    weakReads: 0,
    decoded: 0,
    attributes: 0,
    rejected: {},
    closeCodes: 0,
    sensorReadings: 0,
    observations: 0,
    events: {},
    invalidEvents: 0,
    alerts: 0,
    decodeCacheHits: 0,
    decodeCacheCapacity: 0,
  };
  let out: EpcisEvent[] = [];
  const routes = new Map<string, DeviceRoute>();
  const byId = new Map<string, ReadPointState>();
  const states: ReadPointState[] = [];
  const unroutedLogged = new Set<string>();

  function present(id: string): TagObservation[] {
    const s = byId.get(id);
    if (!s) return [];
    return s.smoothers.flatMap((m) => m.present());
  }

  // Build read points and their rules.
  for (const rp of config.readPoints) {
    const mod = RULES[rp.rule];
    const options = mod.parseOptions(rp.options, rp);
    const state: ReadPointState = {
      config: rp,
      minRssi: rp.minRssi ?? Number.NEGATIVE_INFINITY,
      rule: undefined as unknown as Rule,
      smoothers: [],
      closeCodes: new Set(rp.closeCodes.map(controlText)),
      decorators: [],
    };
    const ctx: RuleContext = {
      rp,
      emit(ev) {
        for (const d of state.decorators) d.decorate?.(ev);
        const errors = collectEventErrors(ev, `readPoints.${rp.id}`);
        if (errors.length > 0) {
          stats.invalidEvents++;
          log("pipeline.event.invalid", { readPoint: rp.id, rule: rp.rule, errors: errors.map((e) => e.message) });
        }
        stats.events[rp.rule] = (stats.events[rp.rule] ?? 0) + 1;
        out.push(ev);
      },
      alert(a) {
        stats.alerts++;
        try {
          deps.onAlert?.(a);
        } catch (e) {
          log("pipeline.alert.handler_failed", { readPoint: rp.id, error: String(e) });
        }
      },
      log,
      recallCheck: deps.recallCheck,
      now: nowMs,
      newId,
      present,
    };
    state.rule = mod.create(ctx, options);
    states.push(state);
    byId.set(rp.id, state);

    const addRoutes = (list: DeviceSelector[], zone: Zone, key: string): void => {
      if (list.length === 0) return;
      const smoother = createSmoother({ ...rp.cycle, readPoint: rp.id, zone });
      state.smoothers.push(smoother);
      const target: Target = { rp: state, zone, smoother };
      list.forEach((d, j) => {
        const field = `${rp.path}.${key}[${j}]`;
        let route = routes.get(d.deviceId);
        if (!route) {
          route = {};
          routes.set(d.deviceId, route);
        }
        const clash = (): never =>
          failConfig(
            field,
            `device "${d.deviceId}"${d.antennas ? ` antennas ${d.antennas.join(",")}` : ""} already feeds another read point or zone`,
          );
        if (d.antennas === undefined) {
          if (route.any || route.byAntenna) clash();
          route.any = target;
        } else {
          if (route.any) clash();
          route.byAntenna ??= new Map();
          for (const a of d.antennas) {
            if (route.byAntenna.has(a)) clash();
            route.byAntenna.set(a, target);
          }
        }
      });
    };
    addRoutes(rp.devices, "main", "devices");
    if (rp.zones) {
      addRoutes(rp.zones.input, "input", "zones.input");
      addRoutes(rp.zones.output, "output", "zones.output");
    }
  }
  // Sensor rules decorate the events of the read points their loggers travel with.
  for (const s of states) {
    const targets = s.rule.attachTo ?? [];
    targets.forEach((id, i) => {
      const t = byId.get(id);
      if (!t) failConfig(`${s.config.path}.attachTo[${i}]`, `"${id}" is not the id of a configured read point`);
      t.decorators.push(s.rule);
    });
    const goods = (s.config.options.raw as { goods?: unknown }).goods;
    if (typeof goods === "string" && !byId.has(goods))
      failConfig(`${s.config.path}.goods`, `"${goods}" is not the id of a configured read point`);
  }

  function route(read: RawRead): Target | undefined {
    const r = routes.get(read.deviceId);
    if (r === undefined) return undefined;
    if (r.any) return r.any;
    return read.antenna === undefined ? undefined : r.byAntenna?.get(read.antenna);
  }

  return {
    config,
    push(read) {
      stats.reads++;
      const target = route(read);
      if (target === undefined) {
        stats.unrouted++;
        const key = `${read.deviceId}#${read.antenna ?? ""}`;
        if (!unroutedLogged.has(key) && unroutedLogged.size < 1000) {
          unroutedLogged.add(key);
          log("pipeline.read.unrouted", { deviceId: read.deviceId, antenna: read.antenna, kind: read.kind });
        }
        return;
      }
      const rule = target.rp.rule;
      if (read.kind === "sensor") {
        if (rule.onSensor) {
          stats.sensorReadings++;
          rule.onSensor(read);
        } else {
          stats.unrouted++;
          log("pipeline.sensor.no_sensor_rule", { deviceId: read.deviceId, readPoint: target.rp.config.id });
        }
        return;
      }
      // Before decode and smoothing: a cross-read from the next portal must not become an
      // observation (nor cost a decode). Reads without an rssi pass (`undefined < x` is false).
      if ((read.rssi as number) < target.rp.minRssi) {
        stats.weakReads++;
        return;
      }
      if (
        read.kind === "barcode" &&
        target.rp.closeCodes.size > 0 &&
        target.rp.closeCodes.has(controlText(read.data))
      ) {
        stats.closeCodes++;
        rule.onClose?.(read.ts);
        return;
      }
      if (read.kind === "rfid") {
        // The hot path (20 000 reads/s at issue 4 §6's load): no per-read wrapper objects.
        const r = decoder.decodeRfid(read);
        if ("valid" in r) {
          stats.decoded++;
          target.smoother.pushTag(r, read);
        } else stats.rejected[r.code] = (stats.rejected[r.code] ?? 0) + 1;
        return;
      }
      const r = decoder.decode(read);
      if (r.ok === true) {
        stats.decoded++;
        const scan = target.smoother.push(r.decoded);
        if (scan !== undefined) {
          stats.observations++;
          rule.onScan?.(scan, target.zone);
        }
      } else if (r.ok === "attributes") {
        stats.attributes++;
        rule.onAttributes?.(r.scan, target.zone);
      } else stats.rejected[r.code] = (stats.rejected[r.code] ?? 0) + 1;
    },
    tick(now = nowMs()) {
      let tracked = 0;
      for (const s of states) {
        for (const m of s.smoothers) {
          const report = m.tick(now);
          if (report === undefined) continue;
          stats.observations += report.additions.length;
          s.rule.onCycle?.(report);
        }
        s.rule.tick?.(now);
      }
      for (const s of states) for (const m of s.smoothers) tracked += m.tracked();
      decoder.fitCache(tracked);
      const events = out;
      out = [];
      return events;
    },
    stats() {
      const d: DecoderStats = decoder.stats();
      return {
        ...stats,
        rejected: { ...stats.rejected },
        events: { ...stats.events },
        decodeCacheHits: d.cacheHits,
        decodeCacheCapacity: d.cacheCapacity,
      };
    },
    present,
  };
}
