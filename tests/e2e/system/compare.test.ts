// The comparisons themselves must be able to fail: a perfect answer made from the truth passes,
// and each kind of wrong answer (a step missing, at the wrong place, out of order, a wrong
// holder count, a duplicated or phantom event) is reported.
import { buildScenario, type ExpectedEvent, groundTruth, type TruthStep } from "@suyuan/firmware-sim";
import { type EpcisEvent, eventHash } from "@suyuan/proto";
import { describe, expect, it } from "vitest";
import type { ChainStep, RecallAnswer } from "../../../core/src/query/types.ts";
import {
  cbvWord,
  chainDiff,
  chainDiffIsEmpty,
  hashCensus,
  type LoggedLike,
  maxMatching,
  recallViewOfAnswer,
  recallViewOfTruth,
  scoreEvents,
  scoreNoisyEvents,
} from "./compare.ts";
import { harvestLots, sampleRetailUnits } from "./helpers.ts";

const scenario = buildScenario("food", { units: 20 });
const truth = groundTruth(scenario);
const runStartMs = Date.parse("2025-03-01T00:00:00Z");
const o = { runStartMs };
// Times a real gateway could give: just after the window opens (so a chain in truth order is sorted).
const mid = (w: { from: number; to: number }) => new Date(runStartMs + w.from + 10).toISOString();

function stepOf(t: TruthStep): ChainStep {
  return {
    eventId: `ni:///sha-256;${t.event}`,
    eventType: t.eventType,
    eventTime: mid(t.window),
    recordTime: mid(t.window),
    bizStep: t.bizStep,
    ...(t.disposition === undefined ? {} : { disposition: t.disposition }),
    ...(t.action === undefined ? {} : { action: t.action }),
    readPoint: t.readPoint,
    bizLocation: t.bizLocation,
    party: { id: t.party },
    via: t.via,
    proof: { kind: "gateway", logIndex: 0, checkpointSize: 1, included: true },
  };
}

function eventOf(e: ExpectedEvent): EpcisEvent {
  const ev: EpcisEvent = {
    type: e.eventType,
    eventTime: mid(e.window),
    eventTimeZoneOffset: "+00:00",
    bizStep: `urn:epcglobal:cbv:bizstep:${e.bizStep}`,
    readPoint: { id: e.readPoint },
    bizLocation: { id: e.bizLocation },
  };
  if (e.action !== undefined) ev.action = e.action;
  if (e.eventType === "ObjectEvent") {
    ev.epcList = e.epcs;
    if (e.quantities.length) ev.quantityList = e.quantities.map((q) => ({ epcClass: q.class, quantity: q.quantity }));
  } else if (e.eventType === "AggregationEvent") {
    if (e.parent !== undefined) ev.parentID = e.parent;
    ev.childEPCs = e.children ?? [];
  } else {
    ev.inputEPCList = e.inputs ?? [];
    ev.outputEPCList = e.outputs ?? [];
    ev.inputQuantityList = (e.inputQuantities ?? []).map((q) => ({ epcClass: q.class, quantity: q.quantity }));
    ev.outputQuantityList = (e.outputQuantities ?? []).map((q) => ({ epcClass: q.class, quantity: q.quantity }));
  }
  return ev;
}

const logOf = (evs: EpcisEvent[]): LoggedLike[] =>
  evs.map((event, index) => ({ index, event, hashId: eventHash(event), recordTime: event.eventTime }));

describe("chain comparison", () => {
  const units = sampleRetailUnits(scenario, truth);
  const bottle = units.find((u) => u.path.some((p) => p.via.startsWith("input:")) && u.status === "retail_sold")!;

  it("samples sold bottles, sold fresh cases and shelf units", () => {
    expect(units.length).toBeGreaterThanOrEqual(10);
    expect(bottle).toBeDefined();
    expect(units.some((u) => u.status === "retail_sold" && !u.path.some((p) => p.via.startsWith("input:")))).toBe(true);
    expect(units.some((u) => u.status !== "retail_sold")).toBe(true);
  });

  it("passes a chain that is the true path", () => {
    for (const u of units) expect(chainDiffIsEmpty(chainDiff(u.path, u.path.map(stepOf), o))).toBe(true);
  });

  it("finds a missing farm origin, a wrong location, a wrong via and a swapped order", () => {
    const steps = bottle.path.map(stepOf);
    const farm = bottle.path.findIndex((p) => p.site.startsWith("farm"));
    expect(farm).toBeGreaterThanOrEqual(0);
    const dropped = chainDiff(
      bottle.path,
      steps.filter((_, i) => i !== farm),
      o,
    );
    expect(dropped.missing.map((s) => s.event)).toEqual([bottle.path[farm]!.event]);

    const moved = steps.map((s, i) =>
      i === steps.length - 1 ? { ...s, bizLocation: "https://id.gs1.org/414/9506000000005" } : s,
    );
    const d2 = chainDiff(bottle.path, moved, o);
    expect(d2.missing).toHaveLength(1);
    expect(d2.extra).toHaveLength(1);

    const self = steps.findIndex((s) => s.via === "self");
    const wrongVia = steps.map((s, i) => (i === self ? { ...s, via: "lot:x" } : s));
    expect(chainDiffIsEmpty(chainDiff(bottle.path, wrongVia, o))).toBe(false);

    const swapped = [...steps];
    const last = swapped.length - 1;
    [swapped[0], swapped[last]] = [swapped[last]!, swapped[0]!];
    const d4 = chainDiff(bottle.path, swapped, o);
    expect(d4.unsorted || d4.outOfOrder.length > 0).toBe(true);
  });

  it("with fragments on, a second step of the same observation is a fragment, not an extra", () => {
    const steps = bottle.path.map(stepOf);
    const i = steps.findIndex((s) => s.via.startsWith("container:"));
    const twin = { ...steps[i]!, eventId: "ni:///sha-256;twin", via: "self" };
    const withTwin = [...steps.slice(0, i + 1), twin, ...steps.slice(i + 1)];
    const d = chainDiff(bottle.path, withTwin, { ...o, fragments: true });
    expect([d.missing.length, d.extra.length, d.fragments.length]).toEqual([0, 0, 1]);
    expect(chainDiff(bottle.path, withTwin, o).extra).toHaveLength(1);
  });

  it("takes any input via for an input step, but not self", () => {
    const i = bottle.path.findIndex((p) => p.via.startsWith("input:"));
    const steps = bottle.path.map(stepOf);
    const other = steps.map((s, k) => (k === i ? { ...s, via: "input:https://id.gs1.org/01/00000000000000/21/1" } : s));
    expect(chainDiffIsEmpty(chainDiff(bottle.path, other, o))).toBe(true);
    const selfish = steps.map((s, k) => (k === i ? { ...s, via: "self" } : s));
    expect(chainDiffIsEmpty(chainDiff(bottle.path, selfish, o))).toBe(false);
  });

  it("rejects a step outside its time window", () => {
    const steps = bottle.path.map(stepOf);
    const late = steps.map((s, i) =>
      i === 0 ? { ...s, eventTime: new Date(runStartMs + 10 * 3600_000).toISOString() } : s,
    );
    expect(chainDiff(bottle.path, late, o).missing).toHaveLength(1);
  });
});

describe("recall comparison", () => {
  const lot = harvestLots(scenario)[0]!;
  const t = truth.recall([lot]);
  const answer: RecallAnswer = {
    ...t,
    transformations: t.transformations.map((x) => ({ ...x, id: `urn:uuid:${x.id}`, logIndexes: [1] })),
    shipments: [],
    checkpoint: { origin: "o", size: 1, rootHash: "", note: "" },
  };

  it("a mango lot's closure reaches units, containers and a derived juice lot", () => {
    expect(harvestLots(scenario).length).toBeGreaterThan(1);
    expect(t.units.length).toBeGreaterThan(0);
    expect(t.containers.length).toBeGreaterThan(0);
    expect(truth.lots.size).toBe(scenario.lots.length);
  });

  it("equal views for the truth and an answer with the same content", () => {
    expect(recallViewOfAnswer(answer)).toEqual(recallViewOfTruth(t));
  });

  it("differs on a holder count, a status or a missing unit", () => {
    const h = { ...answer, holders: answer.holders.map((x, i) => (i === 0 ? { ...x, units: x.units + 1 } : x)) };
    expect(recallViewOfAnswer(h)).not.toEqual(recallViewOfTruth(t));
    const s = { ...answer, units: answer.units.map((x, i) => (i === 0 ? { ...x, status: "active" } : x)) };
    expect(recallViewOfAnswer(s)).not.toEqual(recallViewOfTruth(t));
    const m = { ...answer, units: answer.units.slice(1) };
    expect(recallViewOfAnswer(m)).not.toEqual(recallViewOfTruth(t));
  });
});

describe("event scoring", () => {
  const expected = truth.events;
  const perfect = expected.map(eventOf);

  it("a perfect log scores precision 1 and recall 1, hashes once each", () => {
    const s = scoreEvents(expected, logOf(perfect), o);
    expect(s.missing.map((x) => x.key)).toEqual([]);
    expect(s.unmatched).toEqual([]);
    expect([s.precision, s.recall]).toEqual([1, 1]);
    expect(hashCensus(logOf(perfect))).toEqual({ repeated: [], wrong: [] });
  });

  it("counts a duplicate, a phantom tag and a lost event", () => {
    const dup = { ...perfect[3]!, eventTime: new Date(Date.parse(perfect[3]!.eventTime) + 1).toISOString() };
    const ghost = "https://id.gs1.org/01/09501101020917/21/999";
    const k = expected.findIndex((e) => e.eventType === "ObjectEvent" && e.epcs.length > 0);
    const phantom = { ...perfect[k]!, epcList: [...(perfect[k]!.epcList ?? []), ghost] };
    const log = logOf([...perfect.slice(0, k), phantom, ...perfect.slice(k + 1, -1), dup]);
    const s = scoreEvents(expected, log, o);
    // The phantom tag does not hide the true observation: recall misses only the lost event.
    expect(s.missing.map((x) => x.key)).toEqual([expected.at(-1)!.key]);
    expect(s.impure.map((x) => x.event.epcList?.includes(ghost))).toEqual([true]);
    expect(s.unmatched.map((x) => x.event.eventTime)).toEqual([dup.eventTime]);
    expect(s.duplicated).toEqual([expected[3]!.key]);
    expect(s.exact).toBe(log.length - 2);
    expect(s.precision).toBeCloseTo((log.length - 2) / log.length, 10);
    expect(s.recall).toBeCloseTo((expected.length - 1) / expected.length, 10);
    expect(s.idPrecision).toBeLessThan(1);
  });

  it("an event missing a true tag does not record it", () => {
    const k = expected.findIndex((e) => e.eventType === "ObjectEvent" && e.epcs.length > 1);
    const short = { ...perfect[k]!, epcList: perfect[k]!.epcList?.slice(1) ?? [] };
    const s = scoreEvents(expected, logOf([...perfect.slice(0, k), short, ...perfect.slice(k + 1)]), o);
    expect(s.missing.map((x) => x.key)).toEqual([expected[k]!.key]);
  });

  it("finds a record stored twice and a hash that is not its event's", () => {
    const log = logOf(perfect.slice(0, 3));
    const twice = [...log, { ...log[1]!, index: 3 }, { ...log[2]!, index: 4, hashId: log[0]!.hashId }];
    const c = hashCensus(twice);
    expect(c.repeated.sort()).toEqual([log[0]!.hashId, log[1]!.hashId].sort());
    expect(c.wrong).toEqual([4]);
  });
});

describe("noisy event scoring", () => {
  const expected = truth.events;
  const perfect = expected.map(eventOf);
  // An RFID observation with several tags (a pallet shipped through a dock door).
  const k = expected.findIndex((e) => e.eventType === "ObjectEvent" && e.epcs.length > 3);
  const split = (ev: EpcisEvent): EpcisEvent[] => {
    const l = ev.epcList ?? [];
    const later = new Date(Date.parse(ev.eventTime) + 400).toISOString();
    return [
      { ...ev, epcList: l.slice(0, 2) },
      { ...ev, eventTime: later, epcList: l.slice(2) },
    ];
  };

  it("an observation split over two event cycles is recorded, as one true event and one fragment", () => {
    const s = scoreNoisyEvents(
      expected,
      logOf([...perfect.slice(0, k), ...split(perfect[k]!), ...perfect.slice(k + 1)]),
      o,
    );
    expect(s.missing).toEqual([]);
    expect([s.recall, s.precision, s.fragments, s.duplicatedIds]).toEqual([1, 1, 1, 0]);
  });

  it("a fragment short of a tag leaves the observation unrecorded; a tag in two fragments is a duplicate", () => {
    const [a, b] = split(perfect[k]!) as [EpcisEvent, EpcisEvent];
    const lost = scoreNoisyEvents(
      expected,
      logOf([...perfect.slice(0, k), a, { ...b, epcList: b.epcList?.slice(1) ?? [] }, ...perfect.slice(k + 1)]),
      o,
    );
    expect(lost.missing.map((m) => [m.event.key, m.lacking])).toEqual([[expected[k]!.key, [perfect[k]!.epcList?.[2]]]]);
    const twice = scoreNoisyEvents(
      expected,
      logOf([
        ...perfect.slice(0, k),
        a,
        { ...b, epcList: [...(a.epcList ?? []), ...(b.epcList ?? [])] },
        ...perfect.slice(k + 1),
      ]),
      o,
    );
    expect(twice.duplicatedIds).toBe(2);
  });

  it("a tag read again at the read point after the observation ended is a phantom, not a fragment", () => {
    const ends = new Map(scenario.actions.map((a) => [a.seq, a.end] as const));
    const e = expected[k]!;
    const after = new Date(runStartMs + (ends.get(e.actionSeq) as number) + 900).toISOString();
    const again: EpcisEvent = { ...perfect[k]!, eventTime: after, epcList: [perfect[k]!.epcList?.[0] as string] };
    const log = logOf([...perfect, again]);
    expect(scoreNoisyEvents(expected, log, o).duplicatedIds).toBe(1);
    const s = scoreNoisyEvents(expected, log, { ...o, observedUntil: (x) => ends.get(x.actionSeq) });
    expect([s.duplicatedIds, s.phantomEvents.length, s.recall]).toEqual([0, 1, 1]);
  });

  it("a cross-read phantom event and a phantom tag lower precision and are named", () => {
    const ghost = "https://id.gs1.org/01/09501101020917/21/999";
    const phantomEv: EpcisEvent = {
      ...perfect[k]!,
      readPoint: { id: "https://id.gs1.org/414/9506000000005/254/9" },
      epcList: [ghost],
    };
    const impure = { ...perfect[k]!, epcList: [...(perfect[k]!.epcList ?? []), ghost] };
    const log = logOf([...perfect.slice(0, k), impure, ...perfect.slice(k + 1), phantomEv]);
    const s = scoreNoisyEvents(expected, log, o);
    expect(s.recall).toBe(1);
    expect(s.phantomEvents).toHaveLength(1);
    expect(s.impure).toHaveLength(1);
    expect(s.precision).toBeCloseTo((log.length - 2) / log.length, 10);
    expect(s.phantomIds).toEqual([ghost]);
  });
});

describe("helpers", () => {
  it("cbvWord reads the three CBV forms", () => {
    expect(cbvWord("urn:epcglobal:cbv:bizstep:retail_selling")).toBe("retail_selling");
    expect(cbvWord("https://ref.gs1.org/cbv/Disp-in_transit")).toBe("in_transit");
    expect(cbvWord("shipping")).toBe("shipping");
  });

  it("maxMatching finds the full matching a first fit misses", () => {
    // left 0 may take 0 or 1, left 1 only 0: first fit gives 0→0 and leaves 1 unmatched.
    const m = maxMatching(2, 2, (i, j) => (i === 0 ? true : j === 0));
    expect(m).toEqual([1, 0]);
  });
});
