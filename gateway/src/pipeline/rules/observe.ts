/**
 * The ObjectEvent OBSERVE family (EPCIS 2.0 §7.4.2): shipping, receiving, storing, inspecting,
 * retail selling, dispensing. RFID: the additions of a cycle (tags that arrived) are observed —
 * all of them in one event (split at MAX_EPCS_PER_EVENT), or one event per unit. Barcode: one
 * event per scan.
 *
 * Shipping context (issue 4 §2): the destination comes from the configuration, or from a scanned
 * ship-to GLN (AI 410, on its own label or on the SSCC label, GS1 General Specifications §3.7.8:
 * the scanned value wins); a scanned despatch document (a GDTI, AI 253) becomes the event's
 * business transaction (CBV 2.0 §7.3 `desadv`). Scanned context holds for `contextTtlMs` or until
 * a close code is scanned.
 */
import { type BizTransaction, type CodeResult, type EpcisEvent, parseCode, type SourceDest } from "@suyuan/proto";
import type { ConfigReader } from "../config.ts";
import type { AttributeScan, CycleReport, ScanObservation } from "../types.ts";
import { baseEvent, checkRecall, chunks, earliest, IdList } from "./common.ts";
import type { Rule, RuleContext } from "./rule.ts";

export interface ObserveOptions {
  bizStep: string;
  disposition: string;
  /** One event per unit (POS, pharmacy) instead of one per cycle. */
  perUnit: boolean;
  /** Disposition of the event recording a recalled unit (receiving: `recalled`); none = alert only. */
  recallDisposition?: string;
  sources?: SourceDest[];
  destinations?: SourceDest[];
  /** Take ship-to (AI 410) and despatch documents from scans. */
  scannedContext: boolean;
  contextTtlMs: number;
}

export interface ObserveDefaults {
  bizStep: string;
  disposition: string;
  perUnit?: boolean;
  recallDisposition?: string;
  scannedContext?: boolean;
}

export function parseObserveOptions(r: ConfigReader, d: ObserveDefaults): ObserveOptions {
  const o: ObserveOptions = {
    bizStep: d.bizStep,
    disposition: d.disposition,
    perUnit: r.bool("perUnit") ?? d.perUnit ?? false,
    scannedContext: r.bool("scannedContext") ?? d.scannedContext ?? false,
    contextTtlMs: r.num("contextTtlMs", { positive: true }) ?? 30 * 60_000,
  };
  const rd = r.vocab("recallDisposition", "disposition") ?? d.recallDisposition;
  if (rd !== undefined) o.recallDisposition = rd;
  const sources = r.sourceDestList("sources");
  if (sources) o.sources = sources;
  const destinations = r.sourceDestList("destinations");
  if (destinations) o.destinations = destinations;
  r.done();
  return o;
}

interface ScannedContext {
  destinations?: SourceDest[];
  bizTransactions?: BizTransaction[];
  /** Gateway clock when scanned. */
  at: number;
}

/** CBV 2.0 §8.4: a location as the canonical Digital Link of its GLN (AI 414). */
function glnLocation(gln: string): string | undefined {
  try {
    return parseCode(`(414)${gln}`).canonical;
  } catch {
    return undefined;
  }
}

function shipToOf(ais: Array<{ ai: string; value: string }> | undefined): SourceDest[] | undefined {
  const shipTo = ais?.find((a) => a.ai === "410");
  const id = shipTo ? glnLocation(shipTo.value) : undefined;
  // CBV 2.0 §7.4 SDT location: the ship-to party's location.
  return id === undefined ? undefined : [{ type: "location", id }];
}

export function createObserveRule(ctx: RuleContext, o: ObserveOptions): Rule {
  let scanned: ScannedContext | undefined;

  function context(): ScannedContext | undefined {
    if (scanned && ctx.now() - scanned.at > o.contextTtlMs) scanned = undefined;
    return scanned;
  }

  function build(ids: CodeResult[], ts: number, disposition: string, shipTo?: SourceDest[]): EpcisEvent {
    const ev = baseEvent(ctx, "ObjectEvent", ts, { bizStep: o.bizStep });
    // `disposition` is the configured one, or a recall disposition that overrides it (a recalled
    // unit must not be recorded as sellable).
    ev.disposition = disposition;
    ev.action = "OBSERVE";
    const list = new IdList();
    for (const id of ids) list.add(id);
    const q = list.quantities;
    if (list.epcs.length > 0 || q.length === 0) ev.epcList = list.epcs;
    if (q.length > 0) ev.quantityList = q;
    const c = context();
    const bt = c?.bizTransactions;
    if (bt) ev.bizTransactionList = bt;
    if (o.sources) ev.sourceList = o.sources;
    const dest = shipTo ?? c?.destinations ?? o.destinations;
    if (dest) ev.destinationList = dest;
    return ev;
  }

  /** Observes units seen together: recalled ones get their own event with the recall disposition. */
  function observe(units: Array<{ id: CodeResult; ts: number }>, shipTo?: SourceDest[]): void {
    const bizStep = ctx.rp.bizStep ?? o.bizStep;
    const normal: Array<{ id: CodeResult; ts: number }> = [];
    const recalled: Array<{ id: CodeResult; ts: number }> = [];
    for (const u of units) {
      const m = checkRecall(ctx, u.id, u.ts, bizStep);
      (m && o.recallDisposition ? recalled : normal).push(u);
    }
    const disposition = ctx.rp.disposition ?? o.disposition;
    for (const [group, disp] of [
      [normal, disposition],
      [recalled, o.recallDisposition ?? disposition],
    ] as const) {
      if (group.length === 0) continue;
      if (o.perUnit) for (const u of group) ctx.emit(build([u.id], u.ts, disp, shipTo));
      else
        for (const part of chunks(group))
          ctx.emit(
            build(
              part.map((u) => u.id),
              earliest(part.map((u) => u.ts)),
              disp,
              shipTo,
            ),
          );
    }
  }

  return {
    onCycle(report: CycleReport) {
      if (report.additions.length === 0) return;
      observe(report.additions.map((t) => ({ id: t.id, ts: t.firstSeen })));
    },
    onScan(scan: ScanObservation) {
      if (o.scannedContext && scan.id.kind === "gdti") {
        // CBV 2.0 §7.3 BTT desadv: the despatch advice the goods leave under.
        scanned = {
          ...context(),
          at: ctx.now(),
          bizTransactions: [{ type: "desadv", bizTransaction: scan.id.canonical }],
        };
        ctx.log("pipeline.rule.context", { readPoint: ctx.rp.id, despatchDocument: scan.id.canonical });
        return;
      }
      const shipTo = o.scannedContext ? shipToOf(scan.id.ais) : undefined;
      if (shipTo) scanned = { ...context(), at: ctx.now(), destinations: shipTo };
      observe([{ id: scan.id, ts: scan.ts }], shipTo);
    },
    onAttributes(scan: AttributeScan) {
      const shipTo = o.scannedContext ? shipToOf(scan.ais) : undefined;
      if (!shipTo) {
        ctx.log("pipeline.rule.attributes_ignored", { readPoint: ctx.rp.id, ais: scan.ais.map((a) => a.ai).join(",") });
        return;
      }
      scanned = { ...context(), at: ctx.now(), destinations: shipTo };
      ctx.log("pipeline.rule.context", { readPoint: ctx.rp.id, shipTo: shipTo[0]?.id });
    },
    onClose() {
      scanned = undefined;
    },
  };
}
