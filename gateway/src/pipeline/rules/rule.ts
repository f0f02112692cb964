/**
 * The scan-point rule contract. A rule turns one read point's observations (cycle reports of
 * RFID zones, debounced barcode scans, keyless GS1 attribute scans, control scans, sensor
 * readings) into EPCIS 2.0 events, which it hands to `ctx.emit`. Rules are pure state machines:
 * time comes from the observations and from `tick(nowMs)` / `ctx.now()` (gateway clock).
 */
import type { EpcisEvent } from "@suyuan/proto";
import type { RawRead } from "../../drivers/driver.ts";
import type { ConfigReader, ReadPointConfig, RuleName } from "../config.ts";
import type {
  AttributeScan,
  CycleReport,
  PipelineAlert,
  PipelineLog,
  RecallCheck,
  ScanObservation,
  TagObservation,
  Zone,
} from "../types.ts";

export interface RuleContext {
  readonly rp: ReadPointConfig;
  /** Hands an event to the pipeline (which validates it and collects it for `tick`). */
  emit(ev: EpcisEvent): void;
  alert(a: PipelineAlert): void;
  log: PipelineLog;
  recallCheck: RecallCheck | undefined;
  /** Gateway clock (ms). */
  now(): number;
  /** A fresh URI (e.g. `urn:uuid:…`) for generated identifiers such as transformationID. */
  newId(): string;
  /** The present tags of another read point (sensor rule: the goods travelling with a logger). */
  present(readPointId: string): TagObservation[];
}

export interface Rule {
  onCycle?(report: CycleReport): void;
  onScan?(scan: ScanObservation, zone: Zone): void;
  onAttributes?(scan: AttributeScan, zone: Zone): void;
  /** A configured close code was scanned at this read point (device time `ts`). */
  onClose?(ts: number): void;
  onSensor?(read: RawRead): void;
  tick?(nowMs: number): void;
  /** Read points whose events this rule decorates (sensor rule), and how. */
  readonly attachTo?: readonly string[];
  decorate?(ev: EpcisEvent): void;
}

export interface RuleModule<O> {
  name: RuleName;
  /** Reads and validates the rule's options; MUST call `r.done()` so unknown keys are refused. */
  parseOptions(r: ConfigReader, rp: ReadPointConfig): O;
  create(ctx: RuleContext, options: O): Rule;
}
