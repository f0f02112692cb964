import { parseCode, parseScanData } from "@suyuan/proto";
import { describe, expect, it } from "vitest";
import { buildScenario } from "./index.ts";
import type { Scenario } from "./model.ts";

function snapshot(s: Scenario): string {
  return JSON.stringify({ ...s, objects: [...s.objects.values()] });
}

/** Every identifier parses to itself; tags and labels parse to the object they are on. */
function checkIdentifiers(s: Scenario): void {
  for (const o of s.objects.values()) {
    expect(parseCode(o.id).canonical).toBe(o.id);
    if (o.rfidHex !== undefined) expect(parseCode(o.rfidHex).canonical).toBe(o.id);
    for (const scan of o.scans ?? []) {
      const r = parseCode(scan);
      expect(r.canonical).toBe(o.id);
      if (o.lot !== undefined && r.kind === "sgtin") expect(r.classCanonical).toBe(o.lot);
    }
  }
  for (const a of s.actions)
    for (const ob of a.observations) {
      if (ob.kind === "rfid") for (const t of ob.tags) expect(() => parseCode(t)).not.toThrow();
      if (ob.kind === "scan")
        for (const d of ob.scans) {
          if (d === "]C0CLOSE") continue;
          // Keyed codes parse; keyless labels (lot, ship-to) are GS1 data the gateway takes as context.
          let ok = true;
          try {
            parseCode(d);
          } catch {
            ok = (parseScanData(d, { associations: false }).ais ?? []).length > 0;
          }
          expect(ok, d).toBe(true);
        }
    }
  for (const p of s.products)
    expect(p.id).toMatch(/^(https:\/\/id\.gs1\.org\/01\/\d{14}|urn:suyuan:cn-drug-product:\d{7})$/);
}

describe("food scenario", () => {
  it("is deterministic per seed", () => {
    expect(snapshot(buildScenario("food", { seed: 7 }))).toBe(snapshot(buildScenario("food", { seed: 7 })));
    expect(snapshot(buildScenario("food", { seed: 7 }))).not.toBe(snapshot(buildScenario("food", { seed: 8 })));
  });

  it("has the default size and plays in under a minute", () => {
    const s = buildScenario("food");
    const units = [...s.objects.values()].filter((o) => o.kind === "unit");
    expect(units.filter((u) => u.rfidHex !== undefined)).toHaveLength(60); // mango cases
    expect(units.filter((u) => u.rfidHex === undefined)).toHaveLength(200); // bottles
    expect(s.sites.filter((x) => x.role === "farm")).toHaveLength(3);
    expect(s.sites.filter((x) => x.role === "store")).toHaveLength(2);
    expect(s.durationMs).toBeLessThan(60_000);
    expect(s.actions.filter((a) => a.type === "transform")).toHaveLength(2);
    // Actions are in play order and every read point they name exists.
    for (let i = 1; i < s.actions.length; i++) expect(s.actions[i]!.at).toBeGreaterThanOrEqual(s.actions[i - 1]!.at);
    for (const a of s.actions)
      expect(s.sites.find((x) => x.id === a.site)?.readPoints.some((r) => r.id === a.readPoint)).toBe(true);
  });

  it("uses only valid identifiers", () => {
    checkIdentifiers(buildScenario("food", { seed: 3 }));
  });

  it("scales with --units and --sites", () => {
    const s = buildScenario("food", { units: 120, sites: 5 });
    expect(s.sites.filter((x) => x.role === "farm")).toHaveLength(5);
    expect(s.sites.filter((x) => x.role === "store")).toHaveLength(4);
    expect([...s.objects.values()].filter((o) => o.rfidHex !== undefined && o.kind === "unit")).toHaveLength(120);
    const slow = buildScenario("food", { speed: 2000 });
    expect(slow.durationMs).toBeGreaterThan(buildScenario("food").durationMs);
  });
});

describe("drug scenario", () => {
  it("generates 10 000 units with GS1 and China drug codes", () => {
    const s = buildScenario("drug", { units: 10_000 });
    const units = [...s.objects.values()].filter((o) => o.kind === "unit");
    expect(units).toHaveLength(10_000);
    const cn = units.filter((u) => u.id.startsWith("urn:suyuan:cn-drug-code:"));
    expect(cn).toHaveLength(5000);
    expect(cn.every((u) => u.lot === undefined && u.lotNumber?.startsWith("C"))).toBe(true);
    const containers = [...s.objects.values()].filter((o) => o.kind === "container");
    expect(containers).toHaveLength(500 + 25); // cases of 20, pallets of 20 cases
    expect(s.lots).toHaveLength(2); // GS1 lots (4 lots of 2500, half China-market)
    const commissioned = s.actions.flatMap((a) => (a.type === "commission" ? a.units : []));
    expect(new Set(commissioned).size).toBe(10_000);
    const dispensed = s.actions.filter((a) => a.type === "dispense").length;
    expect(dispensed).toBeGreaterThan(6000);
    expect(dispensed).toBeLessThan(8000);
  });

  it("is deterministic and uses only valid identifiers", () => {
    const a = buildScenario("drug", { seed: 5, units: 300 });
    expect(snapshot(a)).toBe(snapshot(buildScenario("drug", { seed: 5, units: 300 })));
    checkIdentifiers(a);
    // DataMatrix (01)(21)(10)(17) on GS1 units.
    const gs1 = [...a.objects.values()].find((o) => o.kind === "unit" && o.lot !== undefined)!;
    expect(parseCode(gs1.scans![0]!).ais?.map((x) => x.ai)).toEqual(["01", "21", "10", "17"]);
  });
});
