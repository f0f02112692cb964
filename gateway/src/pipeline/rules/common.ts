/** Building blocks shared by the rules: event skeletons, identifier lists, recall checks. */
import type { CodeResult, EpcisEvent, EventType, QuantityElement } from "@suyuan/proto";
import { formatEventTime } from "../time.ts";
import type { RecallMatch } from "../types.ts";
import type { RuleContext } from "./rule.ts";

/** Most identifiers in one event's list (keeps events and their hashing bounded). */
export const MAX_EPCS_PER_EVENT = 1000;

/**
 * The skeleton every event of a read point shares: when (EPCIS 2.0 §7.3.1, the observation time
 * in the site's offset), where (§7.3.5 readPoint / bizLocation as configured) and why (§7.3.6
 * bizStep / disposition: configured, else the rule's CBV 2.0 default).
 */
export function baseEvent(
  ctx: RuleContext,
  type: EventType,
  ts: number,
  defaults: { bizStep?: string; disposition?: string },
): EpcisEvent {
  const rp = ctx.rp;
  const ev: EpcisEvent = {
    type,
    eventTime: formatEventTime(ts, rp.eventTimeZoneOffset),
    eventTimeZoneOffset: rp.eventTimeZoneOffset,
  };
  const bizStep = rp.bizStep ?? defaults.bizStep;
  const disposition = rp.disposition ?? defaults.disposition;
  if (bizStep !== undefined) ev.bizStep = bizStep;
  if (disposition !== undefined) ev.disposition = disposition;
  ev.readPoint = { id: rp.readPoint };
  if (rp.bizLocation !== undefined) ev.bizLocation = { id: rp.bizLocation };
  return ev;
}

/**
 * Class-level codes (a GTIN or GTIN+lot without serial, an EPC class URI) name a quantity of
 * something, not an instance: they go to a quantityList (EPCIS 2.0 §7.3.3.3), instances to an
 * EPC list.
 */
export function isClassLevel(id: CodeResult): boolean {
  return id.kind === "gtin" || id.kind === "lgtin" || id.form === "epc-class-uri" || id.form === "epc-idpat";
}

/**
 * Identifier lists of an event. Entries are `CodeResult.canonical`: the GS1 Digital Link for GS1
 * keys (exact for barcodes, whose company-prefix length the code does not carry, so an EPC URI
 * would be a guess), the EPC URI for non-GS1 EPC schemes, `urn:suyuan:cn-drug-code:` for China's
 * drug code — the same form the core indexes and the CBV 2.0 §8.9 event hash normalises to, so
 * the gateway's choice never changes an event's hash.
 */
export class IdList {
  readonly epcs: string[] = [];
  private readonly seen = new Set<string>();
  private readonly qty = new Map<string, QuantityElement>();

  /** Adds an identifier; returns false when the instance was already there. */
  add(id: CodeResult, quantity?: { quantity: number; uom?: string }): boolean {
    if (isClassLevel(id)) {
      const q = this.qty.get(id.canonical);
      const n = quantity?.quantity ?? 1;
      if (q) q.quantity = (q.quantity ?? 0) + n;
      else {
        const el: QuantityElement = { epcClass: id.canonical, quantity: n };
        if (quantity?.uom !== undefined) el.uom = quantity.uom;
        this.qty.set(id.canonical, el);
      }
      return true;
    }
    if (this.seen.has(id.canonical)) return false;
    this.seen.add(id.canonical);
    this.epcs.push(id.canonical);
    return true;
  }

  has(id: CodeResult): boolean {
    return this.seen.has(id.canonical);
  }

  get quantities(): QuantityElement[] {
    return [...this.qty.values()];
  }

  get empty(): boolean {
    return this.epcs.length === 0 && this.qty.size === 0;
  }
}

export function chunks<T>(list: T[], size = MAX_EPCS_PER_EVENT): T[][] {
  if (list.length <= size) return [list];
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/**
 * Issue 4 §4: a scanned unit that matches an active recall raises an alert at the scan point.
 * Returns the match so the rule can record the event with the recall in mind.
 */
export function checkRecall(ctx: RuleContext, id: CodeResult, ts: number, bizStep: string): RecallMatch | undefined {
  if (!ctx.recallCheck) return undefined;
  let m: RecallMatch | undefined;
  try {
    m = ctx.recallCheck(id);
  } catch (e) {
    ctx.log("pipeline.recall.check_failed", { readPoint: ctx.rp.id, unit: id.canonical, error: String(e) });
    return undefined;
  }
  if (m === undefined) return undefined;
  ctx.alert({
    kind: "recall",
    readPoint: ctx.rp.id,
    unit: id.canonical,
    recallId: m.recallId,
    action: m.action,
    time: formatEventTime(ts, ctx.rp.eventTimeZoneOffset),
    bizStep,
  });
  ctx.log("pipeline.recall.match", { readPoint: ctx.rp.id, unit: id.canonical, recallId: m.recallId });
  return m;
}

export function workflowAlert(ctx: RuleContext, code: string, message: string, ts: number, unit?: string): void {
  ctx.alert({
    kind: "workflow",
    readPoint: ctx.rp.id,
    code,
    message,
    time: formatEventTime(ts, ctx.rp.eventTimeZoneOffset),
    ...(unit === undefined ? {} : { unit }),
  });
  ctx.log("pipeline.rule.workflow", { readPoint: ctx.rp.id, code, unit });
}

/** Earliest of a list of times (observation time of a group). */
export function earliest(times: Iterable<number>): number {
  let m = Number.POSITIVE_INFINITY;
  for (const t of times) if (t < m) m = t;
  return m;
}
