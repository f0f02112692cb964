// What the system tests share: picking units and lots from the ground truth, reading the
// core's whole log, temp data folders.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { GroundTruth, Scenario, UnitTruth } from "@suyuan/firmware-sim";
import type { Ledger } from "../../../core/src/model.ts";
import type { LoggedLike } from "./compare.ts";

export function tempDataDir(name: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `suyuan-e2e-${name}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** `n` items spread evenly over `xs` (deterministic: first, …, last). */
export function spread<T>(xs: readonly T[], n: number): T[] {
  if (xs.length <= n) return [...xs];
  const out: T[] = [];
  for (let k = 0; k < n; k++) out.push(xs[Math.round((k * (xs.length - 1)) / Math.max(1, n - 1))]!);
  return out;
}

const storeSites = (s: Scenario) =>
  new Set(s.sites.filter((x) => x.role === "store" || x.role === "pharmacy" || x.role === "hospital").map((x) => x.id));

/** The unit reached a store (or pharmacy / hospital) in its own custody. */
export function isRetail(s: Scenario, u: UnitTruth): boolean {
  const shops = storeSites(s);
  return u.path.some((p) => shops.has(p.site) && (p.via === "self" || p.via.startsWith("container:")));
}

export function throughTransformation(u: UnitTruth): boolean {
  return u.path.some((p) => p.via.startsWith("input:"));
}

/**
 * Retail units for chain checks: sold units made by the transformation (bottles), sold units
 * that never went through it (fresh-fruit cases), and units still on a shelf — at least
 * `min` in all, spread over the run.
 */
export function sampleRetailUnits(s: Scenario, truth: GroundTruth, min = 12): UnitTruth[] {
  const retail = [...truth.units.values()].filter((u) => isRetail(s, u)).sort((a, b) => (a.id < b.id ? -1 : 1));
  const soldMade = retail.filter((u) => u.status === "retail_sold" && throughTransformation(u));
  const soldFresh = retail.filter((u) => u.status === "retail_sold" && !throughTransformation(u));
  const shelf = retail.filter((u) => u.status !== "retail_sold");
  const picked = new Map<string, UnitTruth>();
  for (const u of [...spread(soldMade, 5), ...spread(soldFresh, 4), ...spread(shelf, 3)]) picked.set(u.id, u);
  for (const u of spread(retail, min)) if (picked.size < min) picked.set(u.id, u);
  return [...picked.values()];
}

/** Lots that came into being at a farm (the mango harvest lots). */
export function harvestLots(s: Scenario): string[] {
  const farms = new Set(s.sites.filter((x) => x.role === "farm").map((x) => x.id));
  return s.lots.filter((l) => farms.has(l.origin)).map((l) => l.id);
}

/** Every record of the core's log, in log order. */
export async function readLog(ledger: Pick<Ledger, "getEvents" | "size">): Promise<LoggedLike[]> {
  const size = ledger.size();
  const out: LoggedLike[] = [];
  for (let from = 0; from < size; from += 1000) {
    const idx: number[] = [];
    for (let i = from; i < Math.min(size, from + 1000); i++) idx.push(i);
    for (const l of await ledger.getEvents(idx))
      out.push({ index: l.index, hashId: l.hashId, event: l.event, recordTime: l.recordTime });
  }
  return out;
}

/** Records a gateway signed (not core-written notices): what the truth's events are compared with. */
export async function gatewayEvents(ledger: Pick<Ledger, "getEvents" | "size">): Promise<LoggedLike[]> {
  const size = ledger.size();
  const out: LoggedLike[] = [];
  for (let from = 0; from < size; from += 1000) {
    const idx: number[] = [];
    for (let i = from; i < Math.min(size, from + 1000); i++) idx.push(i);
    for (const l of await ledger.getEvents(idx))
      if (l.provenance.kind === "gateway")
        out.push({ index: l.index, hashId: l.hashId, event: l.event, recordTime: l.recordTime });
  }
  return out;
}

/** p-th percentile (0..100) of numbers, nearest rank. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const rank = Math.min(s.length, Math.max(1, Math.ceil((p / 100) * s.length)));
  return s[rank - 1]!;
}
