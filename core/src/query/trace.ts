// TraceBackward / TraceForward (issue 3 §4): breadth-first walks over the trace graph with a
// depth limit. Nodes are identifiers, lots and transformations; edges are containment
// (AggregationEvent, EPCIS 2.0 §7.4.3), lot membership (ILMD lotNumber, CBV 2.0 §8) and
// transformation inputs/outputs (EPCIS 2.0 §7.4.4).
import { SuyuanError } from "@suyuan/proto";
import { kindOf } from "../index/canon.ts";
import { IX, SEP } from "../index/records.ts";
import { type QueryContext, Walk } from "./context.ts";
import type { TraceAnswer, TraceEdge, TraceNode } from "./types.ts";

/** Neighbours listed per node at most (a lot may have 100k members). */
const NODE_LIMIT = 10_000;
export const MAX_TRACE_DEPTH = 32;

const isXf = (id: string) => id.startsWith("tid:") || id.startsWith("ev:");

export async function trace(
  ctx: QueryContext,
  root: string,
  direction: "backward" | "forward",
  depth: number,
): Promise<TraceAnswer> {
  if (!Number.isInteger(depth) || depth < 0 || depth > MAX_TRACE_DEPTH) {
    throw new SuyuanError(
      "QUERY_BAD_DEPTH",
      `depth: must be an integer from 0 to ${MAX_TRACE_DEPTH}, got ${String(depth)}`,
      {
        field: "depth",
      },
    );
  }
  const walk = new Walk(ctx);
  const nodes = new Map<string, TraceNode>();
  const edges = new Map<string, TraceEdge>();
  const containers = new Set<string>();
  let truncated = false;
  const nodeKind = (id: string): TraceNode["kind"] =>
    isXf(id) ? "transformation" : containers.has(id) ? "container" : kindOf(id);
  nodes.set(root, { id: root, kind: nodeKind(root), depth: 0 });

  const edge = (
    from: string,
    to: string,
    kind: TraceEdge["kind"],
    idx?: number,
    fromTime?: string,
    toTime?: string,
  ) => {
    const key = `${from}${SEP}${to}${SEP}${kind}${SEP}${fromTime ?? ""}`;
    let e = edges.get(key);
    if (e === undefined) {
      e = { from, to, kind, logIndexes: [] };
      if (fromTime !== undefined) e.since = fromTime;
      if (toTime !== undefined) e.until = toTime;
      edges.set(key, e);
    }
    if (idx !== undefined && !e.logIndexes.includes(idx)) e.logIndexes.push(idx);
  };

  // Neighbours of one node; each returns the ids it reaches.
  const neighbours = async (n: string): Promise<string[]> => {
    const out: string[] = [];
    const reach = (id: string) => out.push(id);
    if (isXf(n)) {
      const hits = await ctx.scanAll(direction === "backward" ? IX.xfIn : IX.xfOut, n + SEP);
      for (const h of hits) {
        const id = h.value.slice(h.value.indexOf(SEP) + 1);
        const idx = Number(h.key.slice(n.length + 1));
        if (direction === "backward") edge(id, n, "input", idx);
        else edge(n, id, "output", idx);
        reach(id);
      }
      return out;
    }
    const k = kindOf(n);
    if (k === "lot" || k === "class") {
      for (const e of await walk.usableClasses(n)) {
        if (direction === "backward" && e.role === "o" && e.link !== "") {
          edge(e.link, n, "output", e.index);
          reach(e.link);
        } else if (direction === "forward" && e.role === "i" && e.link !== "") {
          edge(n, e.link, "input", e.index);
          reach(e.link);
        } else if (direction === "forward" && e.role === "q" && e.link !== "" && e.type === "A") {
          containers.add(e.link);
          edge(e.link, n, "contains", e.index);
          reach(e.link);
        }
      }
      if (direction === "forward" && k === "lot") {
        let count = 0;
        for (const { member, index } of await ctx.lotMemberRecords(n)) {
          if (++count > NODE_LIMIT) {
            truncated = true;
            break;
          }
          edge(n, member, "member", index);
          reach(member);
        }
      }
      return out;
    }
    const own = await walk.usableIds(n);
    for (const e of own) {
      if (e.role === (direction === "backward" ? "o" : "i") && e.link !== "") {
        if (direction === "backward") edge(e.link, n, "output", e.index);
        else edge(n, e.link, "input", e.index);
        reach(e.link);
      }
    }
    if (direction === "backward") {
      const lot = await walk.lotOf(n);
      if (lot !== undefined) {
        edge(lot, n, "member");
        reach(lot);
      }
    }
    // Containers that held it: where it came from (backward) and where it went (forward).
    const held = await walk.containers(n);
    for (const [p, ivs] of held) {
      containers.add(p);
      for (const iv of ivs) edge(p, n, "contains", undefined, iv.from, iv.to === "\uffff" ? undefined : iv.to);
      reach(p);
    }
    if (direction === "forward") {
      let count = 0;
      kids: for (const r of await ctx.childRecords(n)) {
        if (r.action === "DELETE") continue;
        for (const child of r.children) {
          if (child === "*") continue;
          if (++count > NODE_LIMIT) {
            truncated = true;
            break kids;
          }
          containers.add(n);
          edge(n, child, "contains", r.index);
          reach(child);
        }
      }
    }
    return out;
  };

  let frontier = [root];
  for (let d = 1; d <= depth && frontier.length > 0; d++) {
    const next: string[] = [];
    for (const n of frontier) {
      for (const id of await neighbours(n)) {
        if (nodes.has(id)) continue;
        nodes.set(id, { id, kind: "unit", depth: d });
        next.push(id);
      }
    }
    frontier = next;
  }
  for (const node of nodes.values()) node.kind = nodeKind(node.id);
  return {
    root,
    direction,
    depth,
    nodes: [...nodes.values()],
    edges: [...edges.values()].map((e) => ({ ...e, logIndexes: e.logIndexes.sort((a, b) => a - b) })),
    truncated,
  };
}
