// The one-command system end to end on a small food scenario: emulated devices → gateways →
// core, over the serial mock with in-process gateways, and over socat ptys with one gateway
// process per site. Expected values come from the scenario's ground truth (firmware-sim's
// own derivation of what a perfect system records), not from the system under test.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildScenario, groundTruth } from "@suyuan/firmware-sim";
import { parseCode } from "@suyuan/proto";
import { afterEach, describe, expect, it } from "vitest";
import { exampleCodesFor, type RunningSystem, type SystemOptions, startSystem } from "./run-system.ts";

// A small, fast food scenario: 2 farms, the packhouse, the DC, the juice factory and 1 store.
const SMALL: Omit<SystemOptions, "dataDir"> = {
  scenario: "food",
  units: 4,
  sites: 2,
  speed: 100_000,
  timing: { rfidDwellMs: 800, cycleMs: 200, settleMs: 600, scanIntervalMs: 10 },
};

let system: RunningSystem | undefined;
let dir: string | undefined;
afterEach(async () => {
  await system?.stop();
  system = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

/** Site id of a canonical location (the site's GLN or one of its read points). */
function siteOfLocation(s: RunningSystem["scenario"], loc: string | undefined): string | undefined {
  if (loc === undefined) return undefined;
  const c = parseCode(loc).canonical;
  for (const site of s.sites) {
    if (site.location.canonical === c) return site.id;
    if (site.readPoints.some((r) => parseCode(r.readPoint).canonical === c)) return site.id;
  }
  return undefined;
}

async function checkRun(sys: RunningSystem): Promise<void> {
  const progress: number[] = [];
  const report = await sys.play({ onProgress: (p) => progress.push(p.length) });
  const s = sys.scenario;
  // A clean run records exactly the events ground truth expects, none rejected.
  expect(report.eventsAcked).toBe(sys.truth.events.length);
  expect(report.deadLetters).toBe(0);
  expect(report.actions).toBe(s.actions.length);
  expect(report.readsSent).toBeGreaterThan(s.actions.length);
  expect(progress.length).toBeGreaterThan(0);
  expect(progress.every((n) => n === s.sites.length)).toBe(true);

  // Events from every site's gateway are in the log.
  const size = sys.core.ledger.size();
  const events = await sys.core.ledger.getEvents(Array.from({ length: size }, (_, i) => i));
  const gateways = new Set(events.map((e) => (e.provenance.kind === "gateway" ? e.provenance.gatewayId : "")));
  expect([...gateways].sort()).toEqual(s.sites.map((x) => `food-${x.id}-gw`).sort());
  // The checkpoint covers the whole log.
  expect(sys.core.ledger.checkpoint().size).toBe(size);

  // A sold bottle's chain reaches back through the store, the factory's transformation and
  // the DC to the farm its mangoes came from.
  const sold = s.actions.find((a) => a.type === "sell");
  expect(sold?.type).toBe("sell");
  const unit = sold?.type === "sell" ? sold.unit : "";
  const chain = await sys.core.query.getChain(unit);
  const roles = new Set(
    chain.steps.map((st) => {
      const site = siteOfLocation(s, st.bizLocation ?? st.readPoint);
      return s.sites.find((x) => x.id === site)?.role;
    }),
  );
  for (const role of ["farm", "distribution-centre", "juice-factory", "store"]) expect(roles).toContain(role);
  const truth = sys.truth.units.get(unit);
  expect(chain.steps.length).toBe(truth?.path.length);

  // Progress after the run: everything acknowledged.
  const after = await sys.progress();
  expect(after.every((p) => p.outboxDepth === 0 && p.events > 0 && p.batchesAcked > 0)).toBe(true);
  expect(after.reduce((n, p) => n + p.events, 0)).toBe(sys.truth.events.length);

  const codes = sys.exampleCodes();
  expect(parseCode(codes.rfidHex).form).toBe("rfid-hex");
  expect(parseCode(codes.elementString).form).toBe("element-string");
  expect(codes.elementString.startsWith("(01)")).toBe(true);
  expect(parseCode(codes.digitalLink).canonical).toBe(codes.digitalLink);
  expect(s.lots.map((l) => l.id)).toContain(codes.lot);
  // Each example code answers a chain.
  for (const code of [codes.rfidHex, codes.elementString, codes.digitalLink]) {
    expect((await sys.core.query.getChain(code)).steps.length).toBeGreaterThan(0);
  }
  const lat = await sys.latencies();
  expect(lat).toHaveLength(size);
  expect(lat.every((ms) => ms >= 0 && ms < 10_000)).toBe(true);
}

describe("exampleCodesFor", () => {
  it.each(["food", "drug"] as const)(
    "%s: three kinds of code for units that reached the end, and a first lot",
    (name) => {
      const s = buildScenario(name, { units: 40 });
      const c = exampleCodesFor(s, groundTruth(s));
      const sold = new Set(s.actions.flatMap((a) => (a.type === "sell" || a.type === "dispense" ? [a.unit] : [])));
      expect(parseCode(c.rfidHex).form).toBe("rfid-hex");
      const es = parseCode(c.elementString);
      expect(es.form).toBe("element-string");
      expect(sold.has(es.canonical)).toBe(true);
      expect(sold.has(c.digitalLink)).toBe(true);
      expect(c.digitalLink).not.toBe(es.canonical);
      const lot = s.lots.find((l) => l.id === c.lot);
      expect(["farm", "manufacturer"]).toContain(s.sites.find((x) => x.id === lot?.origin)?.role);
    },
  );
});

describe("startSystem", () => {
  it("mock serial lines, in-process gateways: the run lands every expected event", async () => {
    dir = await mkdtemp(join(tmpdir(), "suyuan-sys-"));
    system = await startSystem({ ...SMALL, dataDir: dir, transport: "mock", gatewayMode: "process" });
    // The serial mock only exists in this process: gateways run in it too.
    expect(system.transport).toBe("mock");
    expect(system.gatewayMode).toBe("inprocess");
    await checkRun(system);
  }, 60_000);

  it("socat ptys, one gateway process per site", async () => {
    dir = await mkdtemp(join(tmpdir(), "suyuan-sys-"));
    system = await startSystem({ ...SMALL, dataDir: dir, transport: "pty" });
    expect(system.gatewayMode).toBe("process");
    await checkRun(system);
  }, 90_000);
});
