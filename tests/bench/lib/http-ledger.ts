// The ledger the HTTP bench serves: a mango → juice chain of about 50 000 events, captured the
// way partner systems send it (EPCIS 2.0 JSON-LD documents through
// CaptureProcessor.processDocument, each party with its own partner principal, so the
// records carry partner provenance and pass the location-ownership policy).
//
//   farms (4)  mango lots M0..M15 commissioned (class level, kg), kept in the farm's cold room
//              (a storing event with temperature readings), shipped to the plant and received
//   plant      juice lot J_k ← M_k + M_(k+1 mod 16) (TransformationEvent, class level), then
//              3 000 bottles commissioned 24 at a time with the lot and expiry in ILMD
//              (cbvmda:lotNumber, cbvmda:itemExpirationDate, CBV 2.0 §8.2), one case per 24,
//              one pallet per 40 cases; pallets shipped to the DC with the truck's log
//   DC         pallets received and broken up; cases shipped to 12 stores, 10 per shipment
//   stores     cases received (with the truck's log) and unpacked; 90 % of bottles sold, one
//              retail_sold ObjectEvent each
//
// A sold bottle's chain is therefore ~20 steps: its commissioning and sale, its case's and
// pallet's packing, moves and unpacking, its lot's transformation and both mango lots' four
// steps — with record bytes and inclusion proofs for each when asked for proofs.
import { parseCode } from "@suyuan/proto";
import type { Principal } from "../../../core/src/model.ts";
import type { RunningCore } from "../../../core/src/server.ts";
import { rng } from "./rng.ts";

export const MANGO_LOTS = 16;
export const JUICE_LOTS = 16;
export const BOTTLES_PER_LOT = 3000;
const PER_CASE = 24;
const CASES_PER_PALLET = 40;
const CASES_PER_SHIPMENT = 10;
const FARMS = 4;
const STORES = 12;

const CP = "9506000";
const sgln = (loc: string, ext = 0) => `urn:epc:id:sgln:${CP}.${loc}.${ext}`;
const pgln = (p: string) => `urn:epc:id:pgln:${CP}.${p}`;
const mango = (i: number) => `urn:epc:class:lgtin:${CP}.013435.M${i}`;
const juice = (k: number) => `urn:epc:class:lgtin:${CP}.013436.J${k}`;
/** Bottle `n` (0-based) of juice lot `k`. */
export const bottle = (k: number, n: number) => `urn:epc:id:sgtin:${CP}.013436.${k * 100_000 + n + 1}`;
const caseId = (k: number, c: number) => `urn:epc:id:sscc:${CP}.1${String(k * 1000 + c).padStart(9, "0")}`;
const palletId = (k: number, p: number) => `urn:epc:id:sscc:${CP}.2${String(k * 1000 + p).padStart(9, "0")}`;
/** Sold bottles: nine in ten, deterministically. */
export const isSold = (n: number) => n % 10 !== 9;

const FARM = (f: number) => sgln(`0001${f}`);
const COLD_ROOM = (f: number) => sgln(`0001${f}`, 7);
const PLANT = sgln("00020");
const PLANT_LINE = sgln("00020", 1);
const DC = sgln("00030");
const STORE = (s: number) => sgln(String(100 + s).padStart(5, "0"));
const FARM_PARTY = (f: number) => pgln(`0001${f}`);
const PLANT_PARTY = pgln("00020");
const DC_PARTY = pgln("00030");
const RETAIL_PARTY = pgln("00100");

type Json = Record<string, unknown>;
/** An event and the party whose system captures it. */
interface Captured {
  party: string;
  event: Json;
}

const DAY = 86_400_000;
const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();
const place = (id: string) => ({ id });
const kg = (epcClass: string, quantity: number) => ({ epcClass, quantity, uom: "KGM" });

function ev(type: string, ms: number, fields: Json): Json {
  return { type, eventTime: iso(ms), eventTimeZoneOffset: "+08:00", ...fields };
}

function temperatures(from: number, hours: number, random: () => number): Json[] {
  const sensorReport: Json[] = [];
  for (let h = 0; h < hours; h += 2) {
    sensorReport.push({
      type: "gs1:Temperature",
      value: Math.round((2 + random() * 5) * 10) / 10,
      uom: "CEL",
      time: iso(from + h * HOUR),
    });
  }
  return [{ sensorMetadata: { time: iso(from + hours * HOUR) }, sensorReport }];
}

/** `what`: `{epcList}` for instances, `{quantityList}` for class-level lots. */
const ship = (ms: number, what: Json, from: string, to: string): Json =>
  ev("ObjectEvent", ms, {
    action: "OBSERVE",
    ...what,
    bizStep: "shipping",
    disposition: "in_transit",
    readPoint: place(from),
    bizLocation: place(from),
    sourceList: [{ type: "location", source: from }],
    destinationList: [{ type: "location", destination: to }],
  });

const receive = (ms: number, what: Json, at: string, sensors?: Json[]): Json =>
  ev("ObjectEvent", ms, {
    action: "OBSERVE",
    ...what,
    bizStep: "receiving",
    disposition: "in_progress",
    readPoint: place(at),
    bizLocation: place(at),
    ...(sensors === undefined ? {} : { sensorElementList: sensors }),
  });

const aggregate = (ms: number, action: "ADD" | "DELETE", parent: string, children: string[] | undefined, at: string) =>
  ev("AggregationEvent", ms, {
    action,
    parentID: parent,
    ...(children === undefined ? {} : { childEPCs: children }),
    bizStep: action === "ADD" ? "packing" : "unpacking",
    disposition: action === "ADD" ? "in_progress" : "sellable_accessible",
    readPoint: place(at),
    bizLocation: place(at),
  });

/** Every event in capture order (roughly time order), tagged with its capturing party. */
function* juiceChain(t0: number): Generator<Captured> {
  const random = rng(11);
  for (let i = 0; i < MANGO_LOTS; i++) {
    const f = i % FARMS;
    const t = t0 + i * 2 * HOUR;
    const q = [kg(mango(i), 10_000)];
    const party = FARM_PARTY(f);
    yield {
      party,
      event: ev("ObjectEvent", t, {
        action: "ADD",
        quantityList: q,
        bizStep: "commissioning",
        disposition: "active",
        readPoint: place(FARM(f)),
        bizLocation: place(FARM(f)),
      }),
    };
    yield {
      party,
      event: ev("ObjectEvent", t + 8 * HOUR, {
        action: "OBSERVE",
        quantityList: q,
        bizStep: "storing",
        readPoint: place(COLD_ROOM(f)),
        bizLocation: place(FARM(f)),
        sensorElementList: temperatures(t, 8, random),
      }),
    };
    yield { party, event: ship(t + DAY, { quantityList: q }, FARM(f), PLANT) };
    yield { party: PLANT_PARTY, event: receive(t + DAY + 6 * HOUR, { quantityList: q }, PLANT) };
  }
  const cases = Math.ceil(BOTTLES_PER_LOT / PER_CASE);
  const expiry = new Date(t0 + 400 * DAY).toISOString().slice(0, 10);
  for (let k = 0; k < JUICE_LOTS; k++) {
    const day = t0 + (3 + k) * DAY;
    yield {
      party: PLANT_PARTY,
      event: ev("TransformationEvent", day, {
        transformationID: `urn:uuid:6a2e0c1d-0000-4000-8000-${String(k).padStart(12, "0")}`,
        inputQuantityList: [kg(mango(k), 5000), kg(mango((k + 1) % MANGO_LOTS), 5000)],
        outputQuantityList: [{ epcClass: juice(k), quantity: BOTTLES_PER_LOT }],
        bizStep: "commissioning",
        disposition: "active",
        readPoint: place(PLANT),
        bizLocation: place(PLANT),
      }),
    };
    let t = day + HOUR;
    /** The line's clock: two seconds per scan. */
    const tick = () => {
      t += 2000;
      return t;
    };
    for (let c = 0; c < cases; c++) {
      const units: string[] = [];
      for (let n = c * PER_CASE; n < Math.min(BOTTLES_PER_LOT, (c + 1) * PER_CASE); n++) units.push(bottle(k, n));
      yield {
        party: PLANT_PARTY,
        event: ev("ObjectEvent", tick(), {
          action: "ADD",
          epcList: units,
          bizStep: "commissioning",
          disposition: "active",
          readPoint: place(PLANT_LINE),
          bizLocation: place(PLANT),
          ilmd: { "cbvmda:lotNumber": `J${k}`, "cbvmda:itemExpirationDate": expiry },
        }),
      };
      yield { party: PLANT_PARTY, event: aggregate(tick(), "ADD", caseId(k, c), units, PLANT) };
      if (c % CASES_PER_PALLET === CASES_PER_PALLET - 1 || c === cases - 1) {
        const p = Math.floor(c / CASES_PER_PALLET);
        const members: string[] = [];
        for (let x = p * CASES_PER_PALLET; x <= c; x++) members.push(caseId(k, x));
        yield { party: PLANT_PARTY, event: aggregate(tick(), "ADD", palletId(k, p), members, PLANT) };
      }
    }
    const pallets = Array.from({ length: Math.ceil(cases / CASES_PER_PALLET) }, (_, p) => palletId(k, p));
    const out = day + 12 * HOUR;
    yield { party: PLANT_PARTY, event: ship(out, { epcList: pallets }, PLANT, DC) };
    yield { party: DC_PARTY, event: receive(out + 10 * HOUR, { epcList: pallets }, DC, temperatures(out, 10, random)) };
    for (const [i, p] of pallets.entries()) {
      yield { party: DC_PARTY, event: aggregate(out + 11 * HOUR + i * 60_000, "DELETE", p, undefined, DC) };
    }
    const storeOf: number[] = [];
    for (let c0 = 0; c0 < cases; c0 += CASES_PER_SHIPMENT) {
      const s = Math.floor(random() * STORES);
      const batch: string[] = [];
      for (let c = c0; c < Math.min(cases, c0 + CASES_PER_SHIPMENT); c++) {
        batch.push(caseId(k, c));
        storeOf[c] = s;
      }
      const go = day + DAY + c0 * 60_000;
      yield { party: DC_PARTY, event: ship(go, { epcList: batch }, DC, STORE(s)) };
      yield {
        party: RETAIL_PARTY,
        event: receive(go + 5 * HOUR, { epcList: batch }, STORE(s), temperatures(go, 5, random)),
      };
      for (const [i, c] of batch.entries()) {
        yield { party: RETAIL_PARTY, event: aggregate(go + 6 * HOUR + i * 1000, "DELETE", c, undefined, STORE(s)) };
      }
    }
    for (let n = 0; n < BOTTLES_PER_LOT; n++) {
      if (!isSold(n)) continue;
      const s = storeOf[Math.floor(n / PER_CASE)]!;
      yield {
        party: RETAIL_PARTY,
        event: ev("ObjectEvent", day + 2 * DAY + n * 60_000, {
          action: "OBSERVE",
          epcList: [bottle(k, n)],
          bizStep: "retail_selling",
          disposition: "retail_sold",
          readPoint: place(STORE(s)),
          bizLocation: place(STORE(s)),
        }),
      };
    }
  }
}

async function seedMaster(core: RunningCore): Promise<void> {
  const m = core.master;
  for (let f = 0; f < FARMS; f++) {
    await m.putParty({ id: FARM_PARTY(f), name: `Mango farm ${f + 1} 芒果农场${f + 1}` });
    await m.putLocation({ id: FARM(f), name: `Orchard ${f + 1} 果园${f + 1}`, party: FARM_PARTY(f) });
    await m.putLocation({ id: COLD_ROOM(f), name: `Orchard ${f + 1} cold room 冷库`, party: FARM_PARTY(f) });
  }
  await m.putParty({ id: PLANT_PARTY, name: "Sunny Juice Co. 阳光果汁厂" });
  await m.putLocation({ id: PLANT, name: "Haikou plant 海口工厂", party: PLANT_PARTY });
  await m.putLocation({ id: PLANT_LINE, name: "Haikou plant line 1 一号线", party: PLANT_PARTY });
  await m.putParty({ id: DC_PARTY, name: "South Logistics 南方物流" });
  await m.putLocation({ id: DC, name: "Guangzhou DC 广州配送中心", party: DC_PARTY });
  await m.putParty({ id: RETAIL_PARTY, name: "Green Market 绿色超市" });
  for (let s = 0; s < STORES; s++) {
    await m.putLocation({ id: STORE(s), name: `Store ${s + 1} 门店${s + 1}`, party: RETAIL_PARTY });
  }
  const gtin = (code: string) => /\/01\/(\d{14})/.exec(parseCode(code).canonical)?.[1] ?? "";
  await m.putProduct({ id: gtin(`urn:epc:id:sgtin:${CP}.013435.X`), name: "Mangoes 芒果", category: "food" });
  await m.putProduct({
    id: gtin(bottle(0, 0)),
    name: "Mango juice 芒果汁 1 L",
    category: "food",
    storageTemperature: { minCelsius: 0, maxCelsius: 8 },
  });
}

function document(events: Json[]): string {
  return JSON.stringify({
    "@context": ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"],
    type: "EPCISDocument",
    schemaVersion: "2.0",
    creationDate: new Date().toISOString(),
    epcisBody: { eventList: events },
  });
}

export interface SeedResult {
  accepted: number;
  rejected: number;
  documents: number;
  firstRejection?: string;
}

/**
 * Master data, then every event through capture: runs of one party's events become that
 * party's documents of at most `perDocument` events (as a partner system would batch them).
 */
export async function seedJuiceLedger(core: RunningCore, perDocument = 1000): Promise<SeedResult> {
  await seedMaster(core);
  const principals = new Map<string, Principal>();
  const principalOf = (party: string): Principal => {
    let p = principals.get(party);
    if (p === undefined) {
      p = { id: `bench-partner-${principals.size}`, role: "partner", party: parseCode(party).canonical };
      principals.set(party, p);
    }
    return p;
  };
  const result: SeedResult = { accepted: 0, rejected: 0, documents: 0 };
  let party = "";
  let pending: Json[] = [];
  const flush = async () => {
    if (pending.length === 0) return;
    const res = await core.capture.processDocument(document(pending), "jsonld", principalOf(party));
    result.documents++;
    result.accepted += res.accepted + res.duplicates;
    result.rejected += res.rejected;
    const bad = res.events.find((e) => e.status === "rejected");
    if (bad !== undefined && result.firstRejection === undefined) result.firstRejection = JSON.stringify(bad);
    pending = [];
  };
  // Times relative to today, so nothing is in the future or (yet) past its expiry date.
  const t0 = Math.floor(Date.now() / DAY) * DAY - 40 * DAY;
  for (const c of juiceChain(t0)) {
    if (c.party !== party || pending.length >= perDocument) {
      await flush();
      party = c.party;
    }
    pending.push(c.event);
  }
  await flush();
  await core.ledger.signCheckpointNow();
  return result;
}

/** `count` distinct sold bottles, chosen by a seeded generator. */
export function randomSoldBottles(count: number, seed: number): string[] {
  const random = rng(seed);
  const picks = new Set<string>();
  while (picks.size < count) {
    const k = Math.floor(random() * JUICE_LOTS);
    const n = Math.floor(random() * BOTTLES_PER_LOT);
    if (isSold(n)) picks.add(bottle(k, n));
  }
  return [...picks];
}
