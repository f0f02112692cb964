// The recall's affected graph as a layered SVG drawing (our own layout, no library):
// columns lots → transformations → derived lots → containers → holders, edges as curves.
import { t } from "./i18n.js";
import { nameOf, s, shortId } from "./ui.js";

const COL_W = 200;
const ROW_H = 34;
const NODE_W = 170;
const NODE_H = 24;
const TOP = 34;

const idOf = (x) => (typeof x === "string" ? x : (x?.id ?? ""));

/**
 * Nodes and edges of a recall-scope answer. Edges are only those the answer states: a
 * transformation's inputs and outputs (units mapped to their lot), and a lot's units at a
 * holder's location. Nothing is invented to make the picture tidier.
 */
export function recallGraph(scope) {
  const layers = [[], [], [], [], []];
  const nodes = new Map();
  const edges = new Set();
  const add = (layer, id, label, title) => {
    if (id === "" || nodes.has(id)) return;
    nodes.set(id, { id, layer, label, title });
    layers[layer].push(id);
  };
  const unitLot = new Map((scope.units ?? []).map((u) => [idOf(u), u.lot]));
  const asLot = (id) => (nodes.has(id) ? id : (unitLot.get(id) ?? id));
  for (const l of scope.lots ?? []) add(0, idOf(l), shortId(idOf(l)), idOf(l));
  (scope.transformations ?? []).forEach((tr, i) => {
    add(1, `xf:${idOf(tr)}`, `T${i + 1}`, idOf(tr));
  });
  for (const l of scope.lotsDerived ?? []) add(2, idOf(l), shortId(idOf(l)), idOf(l));
  for (const c of scope.containers ?? []) add(3, idOf(c), shortId(idOf(c)), idOf(c));
  for (const hd of scope.holders ?? []) {
    const key = `holder:${hd.location ?? ""}|${hd.party ?? ""}`;
    const label = `${hd.locationName || shortId(hd.location ?? "")} (${hd.units})`;
    add(4, key, label, hd.partyName || hd.party);
  }
  for (const tr of scope.transformations ?? []) {
    const x = `xf:${idOf(tr)}`;
    for (const i of tr.inputs ?? []) if (nodes.has(asLot(i))) edges.add(`${asLot(i)}\u0000${x}`);
    for (const o of tr.outputs ?? []) if (nodes.has(asLot(o))) edges.add(`${x}\u0000${asLot(o)}`);
  }
  for (const u of scope.units ?? []) {
    if (u.lot === undefined || u.location === undefined || !nodes.has(u.lot)) continue;
    for (const hd of scope.holders ?? []) {
      if (hd.location === u.location) edges.add(`${u.lot}\u0000holder:${hd.location ?? ""}|${hd.party ?? ""}`);
    }
  }
  for (const c of scope.containers ?? []) {
    // A container given as an object may name its lots and location.
    if (typeof c !== "object" || c === null) continue;
    for (const l of c.lots ?? []) if (nodes.has(l)) edges.add(`${l}\u0000${c.id}`);
    for (const hd of scope.holders ?? []) {
      if (c.location !== undefined && hd.location === c.location) {
        edges.add(`${c.id}\u0000holder:${hd.location ?? ""}|${hd.party ?? ""}`);
      }
    }
  }
  return { layers, nodes, edges: [...edges].map((e) => e.split("\u0000")) };
}

export function recallGraphSvg(scope) {
  const { layers, nodes, edges } = recallGraph(scope);
  const used = layers.map((l, i) => ({ l, i })).filter((x) => x.l.length > 0);
  const col = new Map(used.map((x, k) => [x.i, k]));
  const rows = Math.max(1, ...layers.map((l) => l.length));
  const width = Math.max(1, used.length) * COL_W + 20;
  const height = TOP + rows * ROW_H + 10;
  const pos = new Map();
  for (const { l, i } of used) {
    // Centre shorter columns vertically.
    const off = ((rows - l.length) * ROW_H) / 2;
    l.forEach((id, r) => {
      pos.set(id, { x: 10 + col.get(i) * COL_W, y: TOP + off + r * ROW_H });
    });
  }
  const names = ["graph.lots", "graph.transformations", "graph.derived", "graph.containers", "graph.holders"];
  const svg = s("svg", {
    viewBox: `0 0 ${width} ${height}`,
    class: "graph",
    role: "img",
    "aria-label": t("rec.graph"),
    width,
    height,
    "data-nodes": nodes.size,
    "data-edges": edges.length,
  });
  for (const { i } of used) {
    svg.append(s("text", { class: "col-title", x: 10 + col.get(i) * COL_W, y: 16 }, t(names[i])));
  }
  for (const [from, to] of edges) {
    const a = pos.get(from);
    const b = pos.get(to);
    if (a === undefined || b === undefined) continue;
    const x1 = a.x + NODE_W;
    const y1 = a.y + NODE_H / 2;
    const x2 = b.x;
    const y2 = b.y + NODE_H / 2;
    const mx = (x1 + x2) / 2;
    svg.append(s("path", { class: "edge", d: `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`, fill: "none" }));
  }
  for (const n of nodes.values()) {
    const p = pos.get(n.id);
    const label = n.label.length > 26 ? `…${n.label.slice(-25)}` : n.label;
    svg.append(
      s(
        "g",
        { class: `node layer-${n.layer}`, transform: `translate(${p.x},${p.y})`, "data-id": n.id },
        s("rect", { width: NODE_W, height: NODE_H, rx: 4 }),
        s("text", { x: 6, y: 16 }, label),
        s("title", {}, nameOf(n.title) || n.id),
      ),
    );
  }
  return svg;
}
