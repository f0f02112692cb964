// Issue 5 §4, drug scenario (small): vaccine units with GS1 DataMatrix and, for the China
// market, 20-digit drug traceability codes, aggregated, shipped to a wholesaler, then to
// hospitals and pharmacies and dispensed. A dispensed unit's chain is found by the code a
// pharmacist scans (the 20-digit code; the DataMatrix element string, in parenthesised form and
// as the scanner sends it); a recall of the vaccine lot lists the dispensed units as dispensed.
import type { UnitTruth } from "@suyuan/firmware-sim";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PlayReport, type RunningSystem, startSystem } from "../../../cli/src/system/run-system.ts";
import {
  chainDiff,
  chainDiffIsEmpty,
  describeChainDiff,
  describeScore,
  recallViewOfAnswer,
  recallViewOfTruth,
  scoreEvents,
} from "./compare.ts";
import { gatewayEvents, tempDataDir } from "./helpers.ts";

let sys: RunningSystem;
let report: PlayReport;
const data = tempDataDir("drug");

beforeAll(async () => {
  sys = await startSystem({ scenario: "drug", units: 60, dataDir: data.dir, transport: "pty", gatewayMode: "process" });
  report = await sys.play();
}, 180_000);

afterAll(async () => {
  await sys?.stop();
  data.remove();
}, 60_000);

const dispensed = (pred: (u: UnitTruth) => boolean) =>
  [...sys.truth.units.values()]
    .filter((u) => u.status === "dispensed" && pred(u))
    .sort((a, b) => (a.id < b.id ? -1 : 1));

async function expectTruePath(code: string, u: UnitTruth) {
  const answer = await sys.core.query.getChain(code);
  expect(answer.canonical, code).toBe(u.id);
  const d = chainDiff(u.path, answer.steps, { runStartMs: sys.runStartMs });
  expect(chainDiffIsEmpty(d), describeChainDiff(code, d)).toBe(true);
  // Dispensing at a pharmacy or hospital is the last step.
  expect(answer.steps.at(-1)?.bizStep).toMatch(/dispensing$/);
}

describe("drug scenario (60 units): dispensing at hospitals and pharmacies", () => {
  it("played every action; every event recorded once", async () => {
    expect(report.actions).toBe(sys.scenario.actions.length);
    const score = scoreEvents(sys.truth.events, await gatewayEvents(sys.core.ledger), { runStartMs: sys.runStartMs });
    expect(score.missing.length + score.unmatched.length + score.impure.length, describeScore(score)).toBe(0);
  });

  it("a dispensed China-market unit's chain is found by its 20-digit drug traceability code", async () => {
    const units = dispensed((u) => u.id.startsWith("urn:suyuan:cn-drug-code:"));
    expect(units.length).toBeGreaterThan(0);
    for (const u of [units[0]!, units.at(-1)!]) {
      const code = u.id.slice("urn:suyuan:cn-drug-code:".length);
      expect(code).toMatch(/^\d{20}$/);
      await expectTruePath(code, u);
    }
  });

  it("a dispensed GS1 unit's chain is found by its DataMatrix element string (parenthesised and as scanned)", async () => {
    const units = dispensed((u) => u.id.startsWith("https://id.gs1.org/01/"));
    expect(units.length).toBeGreaterThan(0);
    const u = units[0]!;
    const m = /^https:\/\/id\.gs1\.org\/01\/(\d{14})\/21\/(.+)$/.exec(u.id);
    expect(m).not.toBeNull();
    const [, gtin, serial] = m as RegExpExecArray;
    await expectTruePath(`(01)${gtin}(21)${serial}(10)${sys.scenario.objects.get(u.id)?.lotNumber}`, u);
    // The scanner's data: AIM ]d2 (GS1 DataMatrix), FNC1 as GS (GS1 GS §7.8.5.1).
    const scanned = sys.scenario.objects.get(u.id)?.scans?.[0];
    expect(scanned?.startsWith("]d2")).toBe(true);
    await expectTruePath(scanned as string, u);
  });

  it("Recall of the vaccine lot lists the dispensed units as dispensed, and exactly the true closure", async () => {
    const lot = sys.scenario.lots[0]!.id;
    const truth = sys.truth.lots.get(lot)!;
    expect(truth.statusTotals.dispensed).toBeGreaterThan(0);
    const answer = await sys.core.query.recall({ lots: [lot] });
    const want = new Set(truth.units.filter((u) => u.status === "dispensed").map((u) => u.id));
    expect(
      answer.units
        .filter((u) => u.status === "dispensed")
        .map((u) => u.id)
        .sort(),
    ).toEqual([...want].sort());
    expect(recallViewOfAnswer(answer)).toEqual(recallViewOfTruth(truth));
  });
});
