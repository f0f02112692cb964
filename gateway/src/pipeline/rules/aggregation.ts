/**
 * AggregationEvent ADD (packing) / DELETE (unpacking), EPCIS 2.0 §7.4.3, CBV 2.0 §7.1.
 *
 * RFID: the container tag (by `container` filter: an SSCC by default, or GRAI/GIAI, or an SGTIN
 * with a case filter value, TDS 2.1 §10.1) and the items that arrive in the same cycle make one
 * event per container per cycle, with the new items as children. When the container's tag is
 * missed in the items' cycle (read rates of 60–70 %), the items wait `pendingCycles` cycles for
 * it; a cycle with several candidate containers cannot say which items went where, so those items
 * are reported (alert `RULE_AMBIGUOUS_CONTAINER`) rather than guessed; items with no container
 * are reported too (`RULE_NO_CONTAINER`).
 *
 * Barcode workflow — "scan the container label, scan the items, scan close": a container scan
 * opens an aggregation (closing the open one), item scans add children (a repeated serial is
 * ignored; a class-level scan adds 1 to its quantity), and a close code, the next container label
 * or `closeAfterMs` without a scan closes it and emits the event. An item scanned with no open
 * container is reported (`RULE_NO_OPEN_CONTAINER`), never dropped silently. An unpacking closed
 * with no item scans is a DELETE without children: the whole content was taken out (§7.4.3).
 *
 * Nested packing (`childContainers: true`, barcode workflow) — a palletizing station where the
 * operator scans the pallet's SSCC label, then the cases' SSCC labels, then close: the first
 * container label opens the aggregation and every further container label is a CHILD, until the
 * close code or `closeAfterMs` closes it. One AggregationEvent ADD with parentID = the pallet and
 * childEPCs = the cases (EPCIS 2.0 §7.4.3: a child may itself be a parent of other objects, the
 * containment is hierarchical). The rule an operator follows is simply "first label = the
 * container being built; close when done": the next container label can no longer close the open
 * one, so such a read point needs a close code (or relies on the timeout). RFID read points tell
 * pallets from cases by `container.rfidFilters` (TDS 2.1 §10.1) instead: a tag whose filter is not
 * a container filter is an item, whatever its kind.
 */
import type { CodeKind, CodeResult, EpcisEvent } from "@suyuan/proto";
import type { ConfigReader, ReadPointConfig } from "../config.ts";
import type { CycleReport, ScanObservation, TagObservation } from "../types.ts";
import { baseEvent, checkRecall, chunks, IdList, workflowAlert } from "./common.ts";
import type { Rule, RuleContext } from "./rule.ts";

export interface AggregationOptions {
  action: "ADD" | "DELETE";
  bizStep: string;
  disposition: string;
  containerKinds: ReadonlySet<string>;
  /** RFID filter values (TDS 2.1 §10.1) a container tag must have, when given. */
  containerFilters?: ReadonlySet<number>;
  closeAfterMs: number;
  pendingCycles: number;
  /** Barcode workflow: container labels scanned while an aggregation is open are its children. */
  childContainers: boolean;
}

const CODE_KINDS: readonly CodeKind[] = [
  "sgtin",
  "sscc",
  "grai",
  "giai",
  "gdti",
  "sgcn",
  "cpi",
  "itip",
  "upui",
  "gid",
  "usdod",
  "adi",
  "bic",
  "imovn",
  "cn-drug-code",
];

export function parseAggregationOptions(
  r: ConfigReader,
  _rp: ReadPointConfig,
  d: { action: "ADD" | "DELETE"; bizStep: string; disposition: string },
): AggregationOptions {
  const c = r.obj("container");
  let kinds: string[] = ["sscc"];
  let filters: number[] | undefined;
  if (c) {
    kinds = c.strList("kinds") ?? kinds;
    kinds.forEach((k, i) => {
      if (!(CODE_KINDS as readonly string[]).includes(k))
        c.fail(`kinds[${i}]`, `"${k}" is not an instance-level code kind (${CODE_KINDS.join(", ")})`);
    });
    filters = c.numList("rfidFilters");
    c.done();
  }
  const o: AggregationOptions = {
    ...d,
    containerKinds: new Set(kinds),
    closeAfterMs: r.num("closeAfterMs", { positive: true }) ?? 120_000,
    pendingCycles: r.num("pendingCycles", { int: true, min: 0 }) ?? 2,
    childContainers: r.bool("childContainers") ?? false,
  };
  if (filters) o.containerFilters = new Set(filters);
  r.done();
  return o;
}

interface OpenAggregation {
  parent: ScanObservation;
  children: IdList;
  /** Device time of the last scan. */
  lastTs: number;
  /** Gateway time of the last scan (for closeAfterMs). */
  lastAt: number;
}

export function createAggregationRule(ctx: RuleContext, o: AggregationOptions): Rule {
  const bizStep = ctx.rp.bizStep ?? o.bizStep;
  let open: OpenAggregation | undefined;
  // RFID items waiting for their container: { tag, cycles waited }
  let pending: Array<{ tag: TagObservation; age: number }> = [];

  function isContainer(id: CodeResult): boolean {
    if (!o.containerKinds.has(id.kind)) return false;
    if (o.containerFilters && id.rfid) return id.rfid.filter !== undefined && o.containerFilters.has(id.rfid.filter);
    return true;
  }

  function build(parent: string, children: IdList | undefined, ts: number, childSlice?: string[]): EpcisEvent {
    const ev = baseEvent(ctx, "AggregationEvent", ts, { bizStep: o.bizStep, disposition: o.disposition });
    ev.action = o.action;
    ev.parentID = parent;
    if (childSlice && childSlice.length > 0) ev.childEPCs = childSlice;
    const q = children?.quantities ?? [];
    if (q.length > 0) ev.childQuantityList = q;
    return ev;
  }

  function emitAggregation(parent: string, children: IdList, ts: number): void {
    if (children.epcs.length === 0) {
      ctx.emit(build(parent, children, ts));
      return;
    }
    // Very large containers are split: each event is valid on its own (same parent).
    chunks(children.epcs).forEach((slice, i) => {
      ctx.emit(build(parent, i === 0 ? children : undefined, ts, slice));
    });
  }

  function pickContainer(r: CycleReport): TagObservation | "ambiguous" | undefined {
    for (const list of [r.additions, r.seen, r.current]) {
      let found: TagObservation | undefined;
      let n = 0;
      for (const t of list)
        if (isContainer(t.id)) {
          found = t;
          n++;
        }
      if (n === 1) return found;
      if (n > 1) return "ambiguous";
    }
    return undefined;
  }

  function closeOpen(ts: number, why: string): void {
    const a = open;
    if (!a) return;
    open = undefined;
    ctx.log("pipeline.rule.aggregation_closed", { readPoint: ctx.rp.id, parent: a.parent.id.canonical, why });
    if (a.children.empty && o.action === "ADD") {
      workflowAlert(
        ctx,
        "RULE_EMPTY_AGGREGATION",
        `container closed (${why}) with no items scanned: nothing recorded`,
        ts,
        a.parent.id.canonical,
      );
      return;
    }
    emitAggregation(a.parent.id.canonical, a.children, ts);
  }

  return {
    onCycle(r: CycleReport) {
      for (const t of r.additions)
        if (!isContainer(t.id)) {
          checkRecall(ctx, t.id, t.firstSeen, bizStep);
          pending.push({ tag: t, age: 0 });
        }
      if (pending.length === 0) return;
      const c = pickContainer(r);
      if (c !== undefined && c !== "ambiguous") {
        const children = new IdList();
        let ts = c.cycleFirstSeen;
        for (const p of pending) {
          children.add(p.tag.id);
          if (p.tag.firstSeen > ts) ts = p.tag.firstSeen;
        }
        pending = [];
        emitAggregation(c.id.canonical, children, ts);
        return;
      }
      const keep: typeof pending = [];
      for (const p of pending) {
        if (p.age >= o.pendingCycles) {
          workflowAlert(
            ctx,
            c === "ambiguous" ? "RULE_AMBIGUOUS_CONTAINER" : "RULE_NO_CONTAINER",
            c === "ambiguous"
              ? "item read with several containers in the same cycle: cannot tell which one it went into"
              : "item read with no container tag in the same cycle",
            p.tag.firstSeen,
            p.tag.id.canonical,
          );
        } else keep.push({ tag: p.tag, age: p.age + 1 });
      }
      pending = keep;
    },
    onScan(scan: ScanObservation) {
      if (isContainer(scan.id) && !(o.childContainers && open)) {
        closeOpen(scan.ts, "next container");
        open = { parent: scan, children: new IdList(), lastTs: scan.ts, lastAt: ctx.now() };
        checkRecall(ctx, scan.id, scan.ts, bizStep);
        return;
      }
      if (!open) {
        workflowAlert(
          ctx,
          "RULE_NO_OPEN_CONTAINER",
          "item scanned with no open container: scan the container label first",
          scan.ts,
          scan.id.canonical,
        );
        return;
      }
      open.lastTs = scan.ts;
      open.lastAt = ctx.now();
      // childContainers: the open container's own label scanned again is not its own child.
      if (scan.id.canonical === open.parent.id.canonical || !open.children.add(scan.id)) {
        ctx.log("pipeline.rule.duplicate_item", { readPoint: ctx.rp.id, unit: scan.id.canonical });
        return;
      }
      checkRecall(ctx, scan.id, scan.ts, bizStep);
    },
    onClose(ts: number) {
      if (!open) {
        workflowAlert(ctx, "RULE_NOTHING_OPEN", "close scanned with no open container", ts);
        return;
      }
      closeOpen(ts, "close code");
    },
    tick(now: number) {
      if (open && now - open.lastAt >= o.closeAfterMs) closeOpen(open.lastTs, "timeout");
    },
  };
}
