/**
 * Commissioning (CBV 2.0 §7.1 commissioning, §7.2 active): ObjectEvent ADD (EPCIS 2.0 §7.4.2) for
 * units that come into existence at this point, with their ILMD (lot, expiry, production date).
 *
 * ILMD values, strongest first: the AIs of the unit's own scan ((10), (17), (11), (15), (16)); a
 * lot/date label scanned just before at this point (for RFID-tagged units whose EPC carries no
 * lot); the configured `ilmd` values. EPCIS 2.0 §7.3.6.5: all EPCs of one event share its ILMD,
 * so an RFID cycle's additions form one event with the current ILMD.
 */
import type { CodeResult, EpcisEvent } from "@suyuan/proto";
import type { AttributeScan, CycleReport, ScanObservation } from "../types.ts";
import { baseEvent, chunks, earliest, IdList } from "./common.ts";
import { hasIlmd, type IlmdValues, ilmdElements, ilmdFromAis, parseIlmdOption } from "./ilmd.ts";
import type { Rule, RuleContext, RuleModule } from "./rule.ts";

export interface CommissioningOptions {
  ilmd: IlmdValues;
  /** Take ILMD values from scanned element strings (default true). */
  ilmdFromScans: boolean;
  /** How long a scanned lot/date label stays the context for following units (default 8 h: a shift). */
  contextTtlMs: number;
}

function yearOf(ms: number): number {
  return new Date(ms).getUTCFullYear();
}

function createCommissioning(ctx: RuleContext, o: CommissioningOptions): Rule {
  let scannedIlmd: { values: IlmdValues; at: number } | undefined;

  function contextIlmd(): IlmdValues {
    if (scannedIlmd && ctx.now() - scannedIlmd.at > o.contextTtlMs) scannedIlmd = undefined;
    return { ...o.ilmd, ...scannedIlmd?.values };
  }

  function build(ids: CodeResult[], ts: number, ilmd: IlmdValues): EpcisEvent {
    const ev = baseEvent(ctx, "ObjectEvent", ts, { bizStep: "commissioning", disposition: "active" });
    ev.action = "ADD";
    const list = new IdList();
    for (const id of ids) list.add(id);
    const q = list.quantities;
    if (list.epcs.length > 0 || q.length === 0) ev.epcList = list.epcs;
    if (q.length > 0) ev.quantityList = q;
    const el = ilmdElements(ilmd);
    if (el) ev.ilmd = el;
    return ev;
  }

  return {
    onCycle(report: CycleReport) {
      if (report.additions.length === 0) return;
      const ilmd = contextIlmd();
      for (const part of chunks(report.additions))
        ctx.emit(
          build(
            part.map((t) => t.id),
            earliest(part.map((t) => t.firstSeen)),
            ilmd,
          ),
        );
    },
    onScan(scan: ScanObservation) {
      const own = o.ilmdFromScans ? ilmdFromAis(scan.id.ais, yearOf(scan.ts)) : {};
      ctx.emit(build([scan.id], scan.ts, { ...contextIlmd(), ...own }));
    },
    onAttributes(scan: AttributeScan) {
      if (!o.ilmdFromScans) return;
      const values = ilmdFromAis(scan.ais, yearOf(scan.read.ts));
      if (!hasIlmd(values)) {
        ctx.log("pipeline.rule.attributes_ignored", { readPoint: ctx.rp.id, ais: scan.ais.map((a) => a.ai).join(",") });
        return;
      }
      // A new lot label replaces the previous one entirely (its dates belong to its lot).
      scannedIlmd = { values, at: ctx.now() };
      ctx.log("pipeline.rule.context", { readPoint: ctx.rp.id, lotNumber: values.lotNumber });
    },
    onClose() {
      scannedIlmd = undefined;
    },
  };
}

export const commissioningRule: RuleModule<CommissioningOptions> = {
  name: "commissioning",
  parseOptions(r) {
    const o: CommissioningOptions = {
      ilmd: parseIlmdOption(r),
      ilmdFromScans: r.bool("ilmdFromScans") ?? true,
      contextTtlMs: r.num("contextTtlMs", { positive: true }) ?? 8 * 3600_000,
    };
    r.done();
    return o;
  },
  create: createCommissioning,
};
