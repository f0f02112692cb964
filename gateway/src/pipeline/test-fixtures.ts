/**
 * Test fixtures: codes built from the TDS 2.1 / GS1 General Specifications examples, raw reads,
 * and an assertion that events are valid EPCIS 2.0 (proto's `collectEventErrors`). Test-only.
 */
import { collectEventErrors, type EpcisEvent, encodeEpcDetailed, gs1CheckDigit, parseCode } from "@suyuan/proto";
import type { RawRead } from "../drivers/driver.ts";
import { parsePipelineConfig } from "./config.ts";
import { RULES } from "./rules/index.ts";
import type { RuleContext } from "./rules/rule.ts";
import type { CycleReport, PipelineAlert, RecallCheck, ScanObservation, TagObservation, Zone } from "./types.ts";

/** TDS 2.1 §14 example: SGTIN-96 urn:epc:tag:sgtin-96:3.0614141.812345.6789. */
export const TDS_SGTIN_HEX = "3074257BF7194E4000001A85";
/** Its GTIN: indicator 8 + 0614141 + 12345 + check digit 8 (TDS 2.1 §7.1 example). */
export const TDS_GTIN = "80614141123458";

export const sgtinDl = (serial: string | number): string => `https://id.gs1.org/01/${TDS_GTIN}/21/${serial}`;

/** SGTIN-96 hex of GTIN 80614141123458 with the given serial and filter value (TDS 2.1 §10.1). */
export function sgtinHex(serial: number, filter = 1): string {
  return encodeEpcDetailed(`urn:epc:tag:sgtin-96:${filter}.0614141.812345.${serial}`).hex;
}

/** SSCC-96 hex of urn:epc:id:sscc:0614141.<ref> (ref: extension digit + 9 digits). */
export function ssccHex(ref: string): string {
  return encodeEpcDetailed(`urn:epc:tag:sscc-96:0.0614141.${ref}`).hex;
}

/** The 18-digit SSCC of urn:epc:id:sscc:0614141.<ref> (TDS 2.1 §7.2: extension digit first). */
export function sscc(ref: string): string {
  const body = `${ref[0]}0614141${ref.slice(1)}`;
  return `${body}${gs1CheckDigit(body)}`;
}

export const ssccDl = (ref: string): string => `https://id.gs1.org/00/${sscc(ref)}`;

/** GS1-128 scan data (AIM ]C1) of an element string given as unbracketed AIs joined by GS. */
export const gs1128 = (...parts: string[]): string => `]C1${parts.join("\u001d")}`;

export const SGLN_LINE = "urn:epc:id:sgln:0614141.00777.0";
export const SGLN_SITE = "urn:epc:id:sgln:0614141.00888.0";

export function rfid(deviceId: string, hex: string, ts: number, antenna?: number): RawRead {
  return antenna === undefined
    ? { deviceId, kind: "rfid", data: hex, ts }
    : { deviceId, kind: "rfid", data: hex, ts, antenna };
}

export function scan(deviceId: string, data: string, ts: number): RawRead {
  return { deviceId, kind: "barcode", data, ts };
}

/** Throws with every EPCIS 2.0 / CBV 2.0 violation of the events. */
export function expectValidEvents(events: EpcisEvent[]): void {
  const errors = events.flatMap((ev, i) => collectEventErrors(ev, `events[${i}]`).map((e) => e.message));
  if (errors.length > 0) throw new Error(`invalid EPCIS events:\n${errors.join("\n")}`);
}

/** Deterministic pseudo-random numbers (mulberry32) for read-rate noise. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 13-digit GLN with its check digit (GS1 General Specifications §7.9). */
export function gln(body12: string): string {
  return `${body12}${gs1CheckDigit(body12)}`;
}

/** A harness that runs one rule alone: hand-made observations in, events and alerts out. */
export function ruleHarness(
  readPoint: Record<string, unknown>,
  opts: { recallCheck?: RecallCheck; now?: () => number; offset?: string; newId?: () => string } = {},
) {
  const config = parsePipelineConfig({ eventTimeZoneOffset: opts.offset ?? "+08:00", readPoints: [readPoint] });
  const rp = config.readPoints[0];
  if (!rp) throw new Error("no read point");
  const events: EpcisEvent[] = [];
  const alerts: PipelineAlert[] = [];
  let clock = 0;
  let ids = 0;
  const mod = RULES[rp.rule];
  const present = new Map<string, TagObservation[]>();
  const ctx: RuleContext = {
    rp,
    emit: (ev) => events.push(ev),
    alert: (a) => alerts.push(a),
    log: () => {},
    recallCheck: opts.recallCheck,
    now: opts.now ?? (() => clock),
    newId: opts.newId ?? (() => `urn:uuid:00000000-0000-4000-8000-${String(++ids).padStart(12, "0")}`),
    present: (id) => present.get(id) ?? [],
  };
  const rule = mod.create(ctx, mod.parseOptions(rp.options, rp));
  return {
    rp,
    rule,
    events,
    alerts,
    present,
    setClock(ms: number) {
      clock = ms;
    },
    /** A cycle report whose additions/seen/current are the given codes (RFID hex or any code). */
    cycle(c: { additions?: string[]; seen?: string[]; current?: string[]; ts?: number; zone?: Zone }): CycleReport {
      const ts = c.ts ?? 0;
      const obs = (code: string): TagObservation => ({
        id: parseCode(code),
        firstSeen: ts,
        cycleFirstSeen: ts,
        lastSeen: ts,
        reads: 1,
        deviceId: "r1",
        antenna: undefined,
      });
      const additions = (c.additions ?? []).map(obs);
      const seen = [...additions, ...(c.seen ?? []).map(obs)];
      const current = [...seen, ...(c.current ?? []).map(obs)];
      return {
        readPoint: rp.id,
        zone: c.zone ?? "main",
        cycleStart: ts,
        cycleEnd: ts + 1000,
        reason: "duration",
        additions,
        deletions: [],
        current,
        seen,
      };
    },
    scan(code: string, ts: number): ScanObservation {
      return { id: parseCode(code), read: { deviceId: "s1", kind: "barcode", data: code, ts }, ts };
    },
  };
}
