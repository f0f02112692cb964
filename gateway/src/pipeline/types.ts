/**
 * Shapes shared by the pipeline stages: decode → smoothing → scan-point rules.
 *
 * Every stage is pure: it holds an explicit state object, takes time as an argument
 * (`tick(nowMs)`, read timestamps) and does no I/O. Logging is injected.
 */
import type { AiValue, CodeResult } from "@suyuan/proto";
import type { RawRead } from "../drivers/driver.ts";

/** Structured log: constant message, data in fields. */
export type PipelineLog = (msg: string, fields?: Record<string, unknown>) => void;

export const noLog: PipelineLog = () => {};

/** A raw RFID/barcode read whose code parsed (`parseCode`). */
export interface DecodedRead {
  read: RawRead;
  /** Shared between reads of the same tag (decode cache): never mutate. */
  id: CodeResult;
}

/**
 * A barcode scan that carries GS1 data but no identification key (GS1 General Specifications
 * §3: e.g. a ship-to label `(410)…`, a lot/expiry label `(10)…(17)…`). Rules use it as context.
 */
export interface AttributeScan {
  read: RawRead;
  ais: AiValue[];
}

/**
 * One tag seen by an RFID read point: a read-only live view of the smoother's per-tag state (no
 * copy per cycle). Counters and times are current when the report is delivered; a rule that keeps
 * an observation past that should copy what it needs (`id` never changes).
 */
export interface TagObservation {
  readonly id: CodeResult;
  /** Device time (ms) of the first read since the tag became present. */
  readonly firstSeen: number;
  /** Device time (ms) of the first read in the cycle being reported. */
  readonly cycleFirstSeen: number;
  /** Device time (ms) of the last read. */
  readonly lastSeen: number;
  /** Reads of this tag since it became present. */
  readonly reads: number;
  readonly deviceId: string;
  readonly antenna: number | undefined;
}

/** A barcode scan after debouncing: one deliberate scan of one code. */
export interface ScanObservation {
  id: CodeResult;
  read: RawRead;
  /** Device time (ms) of the scan. */
  ts: number;
}

/**
 * ALE 1.1 §8.2-style ECReport of one event cycle of one read point (or zone):
 * `additions` = tags present now and not at the end of the previous cycle, `deletions` = tags
 * that became absent (missed in `missTolerance` consecutive cycles), `current` = present set.
 * `seen` = tags read during this cycle (a subset of `current`).
 */
export interface CycleReport {
  readPoint: string;
  zone: Zone;
  /** Gateway clock (ms). */
  cycleStart: number;
  cycleEnd: number;
  /** Why the cycle ended (ALE §8.2 ECBoundarySpec). */
  reason: "duration" | "stableSet";
  additions: TagObservation[];
  deletions: TagObservation[];
  current: TagObservation[];
  seen: TagObservation[];
}

/** Transformation stations read inputs and outputs in separate zones; other rules have one. */
export type Zone = "main" | "input" | "output";

/** Something an operator at the scan point must see (published to the site broker by the lead). */
export type PipelineAlert =
  | {
      kind: "recall";
      readPoint: string;
      /** Canonical id of the scanned unit. */
      unit: string;
      recallId: string;
      action: string;
      /** ISO time of the observation. */
      time: string;
      bizStep: string;
    }
  | {
      kind: "workflow";
      readPoint: string;
      code: string;
      message: string;
      unit?: string;
      time: string;
    };

/** What a recall check tells about a unit (issue 4 §4). */
export interface RecallMatch {
  recallId: string;
  /** What the operator must do (e.g. "quarantine", "return to supplier"). */
  action: string;
}

export type RecallCheck = (id: CodeResult) => RecallMatch | undefined;
