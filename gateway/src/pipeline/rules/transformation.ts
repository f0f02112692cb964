/**
 * Transformation stations (EPCIS 2.0 §7.4.5 TransformationEvent): what is read in the input zone
 * (configured devices/antennas) is consumed, what is read in the output zone is produced. A run
 * collects both until it is closed — by a close code or after `closeAfterMs` without a new input
 * or output — and becomes one event with inputEPCList/inputQuantityList, outputEPCList/
 * outputQuantityList and a transformationID (configured, e.g. a production order URI, or a fresh
 * `urn:uuid:` per run). Class-level scans (a lot label on a bulk bin) become quantities, with the
 * configured `inputQuantity` / `outputQuantity` per scan (e.g. 25 KGM of a lot, UN/CEFACT Rec. 20).
 * The outputs' ILMD (lot, dates) comes from configured `ilmd` values.
 */
import type { EpcisEvent } from "@suyuan/proto";
import type { ConfigReader } from "../config.ts";
import type { CycleReport, ScanObservation, Zone } from "../types.ts";
import { baseEvent, IdList, MAX_EPCS_PER_EVENT, workflowAlert } from "./common.ts";
import { type IlmdValues, ilmdElements, parseIlmdOption } from "./ilmd.ts";
import type { Rule, RuleContext, RuleModule } from "./rule.ts";

interface PerScanQuantity {
  quantity: number;
  uom?: string;
}

export interface TransformationOptions {
  closeAfterMs: number;
  transformationId?: string;
  inputQuantity?: PerScanQuantity;
  outputQuantity?: PerScanQuantity;
  ilmd: IlmdValues;
}

function perScan(r: ConfigReader, key: string): PerScanQuantity | undefined {
  const q = r.obj(key);
  if (!q) return undefined;
  const quantity = q.num("quantity", { positive: true });
  if (quantity === undefined) return q.fail("quantity", "is required");
  const uom = q.str("uom");
  // EPCIS 2.0 §7.3.3.3: uom is a UN/CEFACT Rec. 20 code.
  if (uom !== undefined && !/^[A-Z0-9]{2,3}$/.test(uom))
    q.fail("uom", `"${uom}" is not a UN/CEFACT Rec. 20 unit code (e.g. KGM)`);
  q.done();
  return uom === undefined ? { quantity } : { quantity, uom };
}

interface Run {
  id: string;
  inputs: IdList;
  outputs: IdList;
  lastTs: number;
  lastAt: number;
}

function createTransformation(ctx: RuleContext, o: TransformationOptions): Rule {
  let run: Run | undefined;

  function current(ts: number): Run {
    if (!run)
      run = {
        id: o.transformationId ?? ctx.newId(),
        inputs: new IdList(),
        outputs: new IdList(),
        lastTs: ts,
        lastAt: ctx.now(),
      };
    return run;
  }

  function touch(r: Run, ts: number): void {
    if (ts > r.lastTs) r.lastTs = ts;
    r.lastAt = ctx.now();
  }

  function close(ts: number, why: string): void {
    const r = run;
    if (!r) return;
    run = undefined;
    if (r.inputs.empty && r.outputs.empty) return;
    if (r.inputs.epcs.length > MAX_EPCS_PER_EVENT || r.outputs.epcs.length > MAX_EPCS_PER_EVENT)
      ctx.log("pipeline.rule.large_transformation", {
        readPoint: ctx.rp.id,
        inputs: r.inputs.epcs.length,
        outputs: r.outputs.epcs.length,
      });
    const ev: EpcisEvent = baseEvent(ctx, "TransformationEvent", ts, {
      bizStep: "commissioning",
      disposition: "active",
    });
    if (r.inputs.epcs.length > 0) ev.inputEPCList = r.inputs.epcs;
    const iq = r.inputs.quantities;
    if (iq.length > 0) ev.inputQuantityList = iq;
    if (r.outputs.epcs.length > 0) ev.outputEPCList = r.outputs.epcs;
    const oq = r.outputs.quantities;
    if (oq.length > 0) ev.outputQuantityList = oq;
    ev.transformationID = r.id;
    const il = ilmdElements(o.ilmd);
    if (il && !r.outputs.empty) ev.ilmd = il;
    if (r.inputs.empty || r.outputs.empty)
      workflowAlert(
        ctx,
        "RULE_ONE_SIDED_TRANSFORMATION",
        `run closed (${why}) with ${r.inputs.empty ? "no inputs" : "no outputs"}`,
        ts,
      );
    ctx.log("pipeline.rule.transformation_closed", { readPoint: ctx.rp.id, transformationID: r.id, why });
    ctx.emit(ev);
  }

  function add(zone: Zone, ids: Array<{ id: ScanObservation["id"]; ts: number }>): void {
    if (zone === "main") {
      for (const u of ids) ctx.log("pipeline.rule.outside_zones", { readPoint: ctx.rp.id, unit: u.id.canonical });
      return;
    }
    for (const u of ids) {
      const r = current(u.ts);
      if (zone === "input") r.inputs.add(u.id, o.inputQuantity);
      else r.outputs.add(u.id, o.outputQuantity);
      touch(r, u.ts);
    }
  }

  return {
    onCycle(report: CycleReport) {
      if (report.additions.length === 0) return;
      add(
        report.zone,
        report.additions.map((t) => ({ id: t.id, ts: t.firstSeen })),
      );
    },
    onScan(scan: ScanObservation, zone: Zone) {
      add(zone, [{ id: scan.id, ts: scan.ts }]);
    },
    onClose(ts: number) {
      close(ts, "close code");
    },
    tick(now: number) {
      if (run && now - run.lastAt >= o.closeAfterMs) close(run.lastTs, "inactivity");
    },
  };
}

export const transformationRule: RuleModule<TransformationOptions> = {
  name: "transformation",
  parseOptions(r) {
    const o: TransformationOptions = {
      closeAfterMs: r.num("closeAfterMs", { positive: true }) ?? 300_000,
      ilmd: parseIlmdOption(r),
    };
    const id = r.uri("transformationId");
    if (id !== undefined) o.transformationId = id;
    const iq = perScan(r, "inputQuantity");
    if (iq) o.inputQuantity = iq;
    const oq = perScan(r, "outputQuantity");
    if (oq) o.outputQuantity = oq;
    r.done();
    return o;
  },
  create: createTransformation,
};
