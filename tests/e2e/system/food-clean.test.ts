// Issue 5 §4, clean run: the default food scenario played by the device emulators over real
// ptys (socat) and MQTT into one child-process gateway per site, signed batches over gRPC into a
// LevelDB core; then the core's chains and recalls are compared with the scenario's ground
// truth (firmware-sim groundTruth, computed from the timeline alone).
import { credentials, Metadata } from "@grpc/grpc-js";
import type { UnitTruth } from "@suyuan/firmware-sim";
import { parseEventHashId } from "@suyuan/proto";
import { ChainVia, type GetChainResponse, QueryServiceClient } from "@suyuan/proto/gen/suyuan/v1/query.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PlayReport, type RunningSystem, startSystem } from "../../../cli/src/system/run-system.ts";
import {
  chainDiff,
  chainDiffIsEmpty,
  describeChainDiff,
  describeScore,
  hashCensus,
  recallViewOfAnswer,
  recallViewOfTruth,
  scoreEvents,
} from "./compare.ts";
import {
  gatewayEvents,
  harvestLots,
  readLog,
  sampleRetailUnits,
  tempDataDir,
  throughTransformation,
} from "./helpers.ts";

let sys: RunningSystem;
let report: PlayReport;
const data = tempDataDir("clean");

beforeAll(async () => {
  sys = await startSystem({ scenario: "food", dataDir: data.dir, transport: "pty", gatewayMode: "process" });
  report = await sys.play();
}, 240_000);

afterAll(async () => {
  await sys?.stop();
  data.remove();
}, 60_000);

describe("food scenario, clean run (ptys, MQTT, child-process gateways, gRPC)", () => {
  it("played every action without faults", () => {
    expect(sys.transport).toBe("pty");
    expect(sys.gatewayMode).toBe("process");
    expect(report.actions).toBe(sys.scenario.actions.length);
    expect(report.faults).toEqual([]);
    expect(report.eventsAcked).toBeGreaterThan(0);
  });

  it("every logged event is one of the true events, each once (precision 1, recall 1)", async () => {
    const o = { runStartMs: sys.runStartMs };
    const logged = await gatewayEvents(sys.core.ledger);
    const score = scoreEvents(sys.truth.events, logged, o);
    console.log(
      `clean run: ${score.logged} events logged, ${score.expected} expected, precision ${score.precision.toFixed(4)}, recall ${score.recall.toFixed(4)}`,
    );
    expect(score.missing.length + score.unmatched.length + score.impure.length, describeScore(score)).toBe(0);
    expect(hashCensus(await readLog(sys.core.ledger))).toEqual({ repeated: [], wrong: [] });
  });

  it("GetChain of sampled retail units is the true path: every custody, container, lot and farm step, in order", async () => {
    const units = sampleRetailUnits(sys.scenario, sys.truth);
    expect(units.length).toBeGreaterThanOrEqual(10);
    expect(units.filter((u) => u.status === "retail_sold" && throughTransformation(u)).length).toBeGreaterThanOrEqual(
      3,
    );
    const problems: string[] = [];
    for (const u of units) {
      const answer = await sys.core.query.getChain(u.id);
      expect(answer.canonical).toBe(u.id);
      const d = chainDiff(u.path, answer.steps, { runStartMs: sys.runStartMs });
      if (!chainDiffIsEmpty(d)) problems.push(describeChainDiff(u.id, d));
    }
    expect(problems.join("\n")).toBe("");
  });

  it("a bottle's chain reaches the farms' harvests through the juice transformation", async () => {
    const bottle = sampleRetailUnits(sys.scenario, sys.truth).find(
      (u) => u.status === "retail_sold" && throughTransformation(u),
    ) as UnitTruth;
    const farms = sys.scenario.sites.filter((s) => s.role === "farm").map((s) => s.location.canonical);
    const answer = await sys.core.query.getChain(bottle.id);
    const farmSteps = answer.steps.filter((s) => farms.includes(s.bizLocation ?? ""));
    const trueFarmSteps = bottle.path.filter((p) => farms.includes(p.bizLocation));
    expect(trueFarmSteps.length).toBeGreaterThan(0);
    expect(farmSteps.length).toBe(trueFarmSteps.length);
    expect(farmSteps.every((s) => s.via.startsWith("input:"))).toBe(true);
    expect(answer.steps.some((s) => s.eventType === "TransformationEvent")).toBe(true);
  });

  it("the printed example codes (RFID hex, element string, Digital Link) give the true chains", async () => {
    const codes = sys.exampleCodes();
    for (const code of [codes.rfidHex, codes.elementString, codes.digitalLink]) {
      expect(code).not.toBe("");
      const answer = await sys.core.query.getChain(code);
      const truth = sys.truth.units.get(answer.canonical);
      expect(truth, `${code} → ${answer.canonical}`).toBeDefined();
      const d = chainDiff((truth as UnitTruth).path, answer.steps, { runStartMs: sys.runStartMs });
      expect(chainDiffIsEmpty(d), describeChainDiff(code, d)).toBe(true);
    }
  });

  it("GetChain over gRPC answers the same steps as the engine", async () => {
    const u = sampleRetailUnits(sys.scenario, sys.truth)[0] as UnitTruth;
    const client = new QueryServiceClient(sys.core.grpcAddress, credentials.createInsecure());
    try {
      const md = new Metadata();
      md.set("authorization", `Bearer ${sys.tokens.inspector}`);
      const res = await new Promise<GetChainResponse>((resolve, reject) =>
        client.getChain({ identifier: u.id, includeProofs: false }, md, (err, r) => (err ? reject(err) : resolve(r))),
      );
      const local = await sys.core.query.getChain(u.id);
      expect(res.identifier).toBe(u.id);
      const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
      expect(res.steps.map((s) => hex(s.eventHash))).toEqual(local.steps.map((s) => hex(parseEventHashId(s.eventId))));
      const viaWord = {
        [ChainVia.SELF]: "self",
        [ChainVia.CONTAINER]: "container",
        [ChainVia.LOT]: "lot",
        [ChainVia.INPUT]: "input",
      } as Record<number, string>;
      expect(res.steps.map((s) => (s.via === ChainVia.SELF ? "self" : `${viaWord[s.via]}:${s.viaIdentifier}`))).toEqual(
        local.steps.map((s) => s.via),
      );
      expect(res.steps.length).toBe(u.path.length);
    } finally {
      client.close();
    }
  });

  it("Recall of each mango harvest lot is exactly the true forward closure (units with status, containers, derived lots, holders)", async () => {
    const lots = harvestLots(sys.scenario);
    expect(lots.length).toBeGreaterThan(1);
    let throughJuice = 0;
    for (const lot of lots) {
      const truth = sys.truth.lots.get(lot);
      expect(truth).toBeDefined();
      if (!truth) continue;
      if (truth.lotsDerived.length > 0) throughJuice++;
      const answer = await sys.core.query.recall({ lots: [lot] });
      expect(recallViewOfAnswer(answer)).toEqual(recallViewOfTruth(truth));
    }
    expect(throughJuice).toBeGreaterThan(0);
  });
});
