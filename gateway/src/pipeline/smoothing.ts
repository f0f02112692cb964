/**
 * Stage 2, smoothing: raw decoded reads of one read point → observations, in the style of
 * EPCglobal ALE 1.1 event cycles (ALE 1.1 §8.2 ECSpec / ECBoundarySpec, §8.3 ECReport).
 *
 * RFID: reads are gathered into event cycles. A cycle ends after `durationMs`, or early when the
 * set of tags read in it has not grown for `stableSetIntervalMs` (ALE §8.2.1 stableSetInterval);
 * the next one starts at `cycleStart + repeatPeriodMs` (ALE repeatPeriod) or, without a repeat
 * period, right away. Reads arriving between two cycles are not part of any cycle (counted).
 * Each ended cycle gives an ECReport with the ALE report sets `additions`, `deletions` and
 * `current`. A tag is present from the end of the first cycle it is read in and absent only after
 * it was missed in `missTolerance` consecutive cycles, so a tag read 40 times in 2 s is one
 * addition, and a tag a reader sees in only 60–70 % of cycles does not flap.
 *
 * Barcodes are not gathered into cycles: a scan is an observation at once, except that repeats
 * of the same code within `barcodeDebounceMs` of the previous read of it (a scanner in
 * continuous mode, a double trigger) are the same observation. The window slides: a code held
 * under a presentation scanner stays one observation; a deliberate re-scan later is a new one.
 *
 * Cycle boundaries follow the gateway clock given to `tick(nowMs)`; read timestamps (device time)
 * are only carried through as observation times, so a device with a skewed clock cannot stretch
 * or cut cycles.
 *
 * Cost: `push` of a tag already seen in the current cycle is one Map lookup and three field
 * writes; no allocation.
 */

import type { CodeResult } from "@suyuan/proto";
import { SuyuanError } from "@suyuan/proto";
import type { RawRead } from "../drivers/driver.ts";
import type { CycleReport, DecodedRead, ScanObservation, TagObservation, Zone } from "./types.ts";

export interface SmootherSpec {
  /** The read point's configured id (carried into reports). */
  readPoint: string;
  zone?: Zone;
  /** ALE `duration`: longest cycle (default 1000 ms). */
  durationMs?: number;
  /** ALE `repeatPeriod`: start-to-start distance of cycles (≥ duration; default: back to back). */
  repeatPeriodMs?: number;
  /** ALE `stableSetInterval`: end a cycle that has tags once no new tag came for this long. */
  stableSetIntervalMs?: number;
  /**
   * Consecutive missed cycles after which a present tag becomes absent. Default: derived from
   * `minReadRate` and `flapProbability` (see `deriveMissTolerance`).
   */
  missTolerance?: number;
  /** Lowest per-cycle read probability of a tag that is really there (default 0.6). */
  minReadRate?: number;
  /** Accepted chance, per cycle, that such a tag is wrongly reported absent (default 1e-3). */
  flapProbability?: number;
  /** Repeats of a barcode within this window are one scan (default 1500 ms). */
  barcodeDebounceMs?: number;
  /** Gateway time the first cycle starts at (default: the first `tick`). */
  startMs?: number;
}

export interface SmootherStats {
  rfidReads: number;
  scans: number;
  debounced: number;
  /** RFID reads that arrived between cycles (repeatPeriod > duration). */
  betweenCycles: number;
  cycles: number;
  additions: number;
  deletions: number;
  present: number;
}

export interface Smoother {
  readonly spec: Readonly<
    Required<Pick<SmootherSpec, "readPoint" | "zone" | "durationMs" | "missTolerance" | "barcodeDebounceMs">>
  >;
  /** RFID reads: gathered, returns undefined. Barcode reads: the scan observation, or undefined when debounced. */
  push(d: DecodedRead): ScanObservation | undefined;
  /** `push` of an RFID read without the DecodedRead wrapper (the pipeline's hot path). */
  pushTag(id: CodeResult, read: RawRead): void;
  /** Tags tracked now: present ones and ones read in the open cycle or not yet deemed absent. */
  tracked(): number;
  /** Advances the gateway clock; returns the report of a cycle that ended, if one did. */
  tick(nowMs: number): CycleReport | undefined;
  /** The present tags (the last report's `current`, plus nothing read since). */
  present(): TagObservation[];
  stats(): SmootherStats;
}

/**
 * Smallest N with (1 − p)^N ≤ ε: a tag read with per-cycle probability p is missed N cycles in a
 * row with probability at most ε per cycle. p = 0.6, ε = 1e-3 → N = 8 (0.4^8 ≈ 6.6e-4); at
 * p = 0.65 the same N gives ≈ 2.3e-4.
 */
export function deriveMissTolerance(minReadRate = 0.6, flapProbability = 1e-3): number {
  if (!(minReadRate > 0 && minReadRate < 1)) return 1;
  return Math.max(1, Math.ceil(Math.log(flapProbability) / Math.log(1 - minReadRate)));
}

/** Per-tag state: Map ( canonical id -> TagState ). */
class TagState implements TagObservation {
  firstSeen: number;
  cycleFirstSeen: number;
  lastSeen: number;
  reads = 1;
  /** Number of the last cycle the tag was read in. */
  lastCycle: number;
  /** Consecutive ended cycles without a read. */
  missed = 0;
  present = false;
  readonly deviceId: string;
  readonly antenna: number | undefined;

  constructor(
    readonly id: CodeResult,
    read: RawRead,
    cycle: number,
  ) {
    this.firstSeen = read.ts;
    this.cycleFirstSeen = read.ts;
    this.lastSeen = read.ts;
    this.lastCycle = cycle;
    this.deviceId = read.deviceId;
    this.antenna = read.antenna;
  }
}

function positive(
  v: number | undefined,
  name: string,
  readPoint: string,
  dflt: number | undefined,
): number | undefined {
  if (v === undefined) return dflt;
  if (typeof v !== "number" || !Number.isFinite(v) || v <= 0)
    throw new SuyuanError("RULE_BAD_CONFIG", `${readPoint}.cycle.${name}: must be a positive number of ms`, {
      field: `${readPoint}.cycle.${name}`,
    });
  return v;
}

export function createSmoother(spec: SmootherSpec): Smoother {
  const rp = spec.readPoint;
  const duration = positive(spec.durationMs, "durationMs", rp, 1000) as number;
  const repeat = positive(spec.repeatPeriodMs, "repeatPeriodMs", rp, undefined);
  if (repeat !== undefined && repeat < duration)
    throw new SuyuanError("RULE_BAD_CONFIG", `${rp}.cycle.repeatPeriodMs: must be ≥ durationMs (ALE 1.1 §8.2.1)`, {
      field: `${rp}.cycle.repeatPeriodMs`,
    });
  const stable = positive(spec.stableSetIntervalMs, "stableSetIntervalMs", rp, undefined);
  const missTolerance = spec.missTolerance ?? deriveMissTolerance(spec.minReadRate, spec.flapProbability);
  if (!Number.isInteger(missTolerance) || missTolerance < 1)
    throw new SuyuanError("RULE_BAD_CONFIG", `${rp}.cycle.missTolerance: must be an integer ≥ 1`, {
      field: `${rp}.cycle.missTolerance`,
    });
  const debounceMs = spec.barcodeDebounceMs ?? 1500;
  if (!(debounceMs >= 0))
    throw new SuyuanError("RULE_BAD_CONFIG", `${rp}.barcodeDebounceMs: must be ≥ 0`, {
      field: `${rp}.barcodeDebounceMs`,
    });
  const zone = spec.zone ?? "main";

  const tags = new Map<string, TagState>();
  // Map ( canonical id -> device time of the last read of that barcode )
  const lastScan = new Map<string, number>();
  let cycle = 0;
  let open = true;
  let cycleStart: number | undefined = spec.startMs;
  let nextStart = 0;
  let seen: TagState[] = [];
  let grew = false;
  let lastGrowth: number | undefined;
  let lastPrune = 0;
  const stats: SmootherStats = {
    rfidReads: 0,
    scans: 0,
    debounced: 0,
    betweenCycles: 0,
    cycles: 0,
    additions: 0,
    deletions: 0,
    present: 0,
  };

  function endCycle(now: number, reason: CycleReport["reason"]): CycleReport {
    const additions: TagState[] = [];
    const deletions: TagState[] = [];
    const current: TagState[] = [];
    // values(), not entries(): no [key, value] pair per tag per cycle; the key is id.canonical.
    for (const t of tags.values()) {
      if (t.lastCycle === cycle) {
        t.missed = 0;
        if (!t.present) {
          t.present = true;
          additions.push(t);
        }
        current.push(t);
      } else if (++t.missed >= missTolerance) {
        // Deleting the entry being visited is safe in a Map iteration (ECMA-262 §24.1.3.5).
        tags.delete(t.id.canonical);
        if (t.present) deletions.push(t);
        t.present = false;
      } else if (t.present) current.push(t);
    }
    stats.cycles++;
    stats.additions += additions.length;
    stats.deletions += deletions.length;
    stats.present = current.length;
    const report: CycleReport = {
      readPoint: rp,
      zone,
      cycleStart: cycleStart ?? now,
      cycleEnd: now,
      reason,
      additions,
      deletions,
      current,
      seen,
    };
    seen = [];
    grew = false;
    lastGrowth = undefined;
    return report;
  }

  function pushTag(id: CodeResult, read: RawRead): void {
    stats.rfidReads++;
    if (!open) {
      stats.betweenCycles++;
      return;
    }
    const ts = read.ts;
    const t = tags.get(id.canonical);
    if (t === undefined) {
      const n = new TagState(id, read, cycle);
      tags.set(id.canonical, n);
      seen.push(n);
      grew = true;
      return;
    }
    if (t.lastCycle !== cycle) {
      t.lastCycle = cycle;
      t.cycleFirstSeen = ts;
      seen.push(t);
      grew = true;
    }
    if (ts > t.lastSeen) t.lastSeen = ts;
    t.reads++;
  }

  return {
    spec: { readPoint: rp, zone, durationMs: duration, missTolerance, barcodeDebounceMs: debounceMs },
    push(d) {
      if (d.read.kind !== "barcode") {
        pushTag(d.id, d.read);
        return undefined;
      }
      const ts = d.read.ts;
      const key = d.id.canonical;
      const last = lastScan.get(key);
      lastScan.set(key, ts);
      if (last !== undefined && Math.abs(ts - last) < debounceMs) {
        stats.debounced++;
        return undefined;
      }
      stats.scans++;
      return { id: d.id, read: d.read, ts };
    },
    pushTag,
    tracked() {
      return tags.size;
    },
    tick(now) {
      // Forget debounce entries that can no longer suppress anything (bounded memory).
      if (lastScan.size > 0 && now - lastPrune >= debounceMs) {
        lastPrune = now;
        for (const [k, ts] of lastScan) if (now - ts >= debounceMs) lastScan.delete(k);
      }
      if (!open) {
        if (now < nextStart) return undefined;
        open = true;
        cycle++;
        cycleStart = now;
      }
      if (cycleStart === undefined) cycleStart = now;
      if (grew) {
        grew = false;
        lastGrowth = now;
      }
      let reason: CycleReport["reason"];
      if (now - cycleStart >= duration) reason = "duration";
      else if (stable !== undefined && seen.length > 0 && lastGrowth !== undefined && now - lastGrowth >= stable)
        reason = "stableSet";
      else return undefined;
      const started = cycleStart;
      const report = endCycle(now, reason);
      // A late tick (stalled process) does not produce a run of empty cycles that would count
      // as misses: the next cycle starts now at the latest.
      const next = repeat === undefined ? now : Math.max(now, started + repeat);
      if (next <= now) {
        cycle++;
        cycleStart = now;
      } else {
        open = false;
        nextStart = next;
      }
      return report;
    },
    present() {
      const out: TagObservation[] = [];
      for (const t of tags.values()) if (t.present) out.push(t);
      return out;
    },
    stats() {
      return { ...stats };
    },
  };
}
