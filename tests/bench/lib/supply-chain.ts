// A generated juice supply chain for the query bench: ≥ 1M events written straight through
// VerifiableLog.append (with the core's index records) into a LevelDB store.
//
//   farms      harvest raw fruit lots R0..R19 (ObjectEvent ADD, class level, kg)
//   level 1    the concentrate plant turns two raw lots into a concentrate lot:
//              C_j ← R_j + R_(j+1 mod 20)                    (TransformationEvent, class level)
//   level 2    the bottling plant turns two concentrate lots into a juice lot:
//              P_k ← C_(k mod 20) + C_((k+1) mod 20)          (TransformationEvent, class level)
//              and commissions its 20 000 bottles with the lot in ILMD (cbvmda:lotNumber,
//              CBV 2.0 §8.2), 24 per commissioning event
//   packing    24 bottles per case (AggregationEvent), 40 cases per pallet
//   logistics  pallets shipped to the DC and received; pallets broken up; cases shipped to
//              50 stores (10 per shipment) and received; cases unpacked at the store
//   retail     90 % of the bottles sold, one ObjectEvent retail_sold each
//
// Raw lot R0 therefore reaches C0 and C19, which reach P0, P19, P20, P39, P40 and P18, P38
// and so on: a recall of R0 closes over several juice lots of 20 000 bottles each (≥ 100k
// units) across two transformation levels.
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type EpcisEvent,
  eventHashBytes,
  formatEventHashId,
  generateNoteKey,
  parseSignerKey,
  type QuantityElement,
} from "@suyuan/proto";
import { indexRecords } from "../../../core/src/index/records.ts";
import { VerifiableLog } from "../../../core/src/log/verifiable-log.ts";
import type { StoredEvent } from "../../../core/src/model.ts";
import { LevelStore } from "../../../core/src/store/level/level-store.ts";
import { rng } from "./rng.ts";

export const RAW_LOTS = 20;
export const JUICE_LOTS = 50;
export const UNITS_PER_LOT = 20_000;
export const UNITS_PER_CASE = 24;
export const CASES_PER_PALLET = 40;
export const STORES = 50;
export const SOLD_SHARE = 0.9;

const CP = "0614141";
export const rawLot = (i: number) => `urn:epc:class:lgtin:${CP}.107346.R${i}`;
export const concentrateLot = (j: number) => `urn:epc:class:lgtin:${CP}.207346.C${j}`;
export const juiceLot = (k: number) => `urn:epc:class:lgtin:${CP}.307346.P${k}`;
/** Bottle `n` (0-based) of juice lot `k`. */
export const unit = (k: number, n: number) => `urn:epc:id:sgtin:${CP}.307346.${k * 100_000 + n}`;
const caseId = (k: number, c: number) => `urn:epc:id:sscc:${CP}.1${String(k * 10_000 + c).padStart(9, "0")}`;
const palletId = (k: number, p: number) => `urn:epc:id:sscc:${CP}.2${String(k * 1_000 + p).padStart(9, "0")}`;
const sgln = (loc: string, ext = 0) => `urn:epc:id:sgln:${CP}.${loc}.${ext}`;
export const FARM = (i: number) => sgln(String(10 + (i % 10)).padStart(5, "0"));
export const CONCENTRATE = sgln("00100");
export const BOTTLING = sgln("00200");
export const DC = sgln("00300");
export const STORE = (s: number) => sgln(String(1000 + s).padStart(5, "0"));

/** A unit is sold when its position in the lot falls in the sold share (deterministic). */
export const isSold = (n: number) => n % 10 !== 9;

const MDA = "urn:epcglobal:cbv:mda";
const kg = (epcClass: string, quantity: number): QuantityElement => ({ epcClass, quantity, uom: "KGM" });
const at = (loc: string) => ({ id: loc });

function obj(ms: number, fields: Partial<EpcisEvent>): EpcisEvent {
  return {
    type: "ObjectEvent",
    eventTime: new Date(ms).toISOString(),
    eventTimeZoneOffset: "+08:00",
    action: "OBSERVE",
    ...fields,
  };
}

function agg(ms: number, action: "ADD" | "DELETE", parent: string, children: string[] | undefined, where: string) {
  const ev: EpcisEvent = {
    type: "AggregationEvent",
    eventTime: new Date(ms).toISOString(),
    eventTimeZoneOffset: "+08:00",
    action,
    parentID: parent,
    bizStep: action === "ADD" ? "packing" : "unpacking",
    disposition: "in_progress",
    readPoint: at(where),
    bizLocation: at(where),
  };
  if (children !== undefined) ev.childEPCs = children;
  return ev;
}

function xf(ms: number, id: string, inputs: QuantityElement[], outputs: QuantityElement[], where: string) {
  return {
    type: "TransformationEvent",
    eventTime: new Date(ms).toISOString(),
    eventTimeZoneOffset: "+08:00",
    transformationID: id,
    inputQuantityList: inputs,
    outputQuantityList: outputs,
    bizStep: "commissioning",
    disposition: "active",
    readPoint: at(where),
    bizLocation: at(where),
  } satisfies EpcisEvent;
}

const ship = (ms: number, epcs: string[], from: string, to: string) =>
  obj(ms, {
    epcList: epcs,
    bizStep: "shipping",
    disposition: "in_transit",
    readPoint: at(from),
    bizLocation: at(from),
    sourceList: [{ type: "location", id: from }],
    destinationList: [{ type: "location", id: to }],
  });
const receive = (ms: number, epcs: string[], where: string) =>
  obj(ms, {
    epcList: epcs,
    bizStep: "receiving",
    disposition: "in_progress",
    readPoint: at(where),
    bizLocation: at(where),
  });

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);

/** Every event of the chain, in time order per lot. */
export function* supplyChain(): Generator<EpcisEvent> {
  const random = rng(7);
  for (let i = 0; i < RAW_LOTS; i++) {
    yield obj(T0 + i * 3_600_000, {
      action: "ADD",
      quantityList: [kg(rawLot(i), 20_000)],
      bizStep: "commissioning",
      disposition: "active",
      readPoint: at(FARM(i)),
      bizLocation: at(FARM(i)),
    });
  }
  for (let j = 0; j < RAW_LOTS; j++) {
    yield xf(
      T0 + DAY + j * 3_600_000,
      `urn:uuid:00000000-0000-4000-8000-1000000000${String(j).padStart(2, "0")}`,
      [kg(rawLot(j), 10_000), kg(rawLot((j + 1) % RAW_LOTS), 10_000)],
      [kg(concentrateLot(j), 4_000)],
      CONCENTRATE,
    );
  }
  for (let k = 0; k < JUICE_LOTS; k++) {
    const day = T0 + (2 + k) * DAY;
    yield xf(
      day,
      `urn:uuid:00000000-0000-4000-8000-2000000000${String(k).padStart(2, "0")}`,
      [kg(concentrateLot(k % RAW_LOTS), 800), kg(concentrateLot((k + 1) % RAW_LOTS), 800)],
      [kg(juiceLot(k), 10_000)],
      BOTTLING,
    );
    const cases = Math.ceil(UNITS_PER_LOT / UNITS_PER_CASE);
    let t = day + 60_000;
    const tick = () => (t += 1000);
    // Bottling line: commission 24 bottles, pack them into a case; pallets of 40 cases.
    for (let c = 0; c < cases; c++) {
      const units: string[] = [];
      for (let n = c * UNITS_PER_CASE; n < Math.min(UNITS_PER_LOT, (c + 1) * UNITS_PER_CASE); n++)
        units.push(unit(k, n));
      yield obj(tick(), {
        action: "ADD",
        epcList: units,
        bizStep: "commissioning",
        disposition: "active",
        readPoint: at(sgln("00200", 1)),
        bizLocation: at(BOTTLING),
        ilmd: [{ ns: MDA, prefix: "cbvmda", name: "lotNumber", value: `P${k}` }],
      });
      yield agg(tick(), "ADD", caseId(k, c), units, BOTTLING);
      if (c % CASES_PER_PALLET === CASES_PER_PALLET - 1 || c === cases - 1) {
        const p = Math.floor(c / CASES_PER_PALLET);
        const members: string[] = [];
        for (let x = p * CASES_PER_PALLET; x <= c; x++) members.push(caseId(k, x));
        yield agg(tick(), "ADD", palletId(k, p), members, BOTTLING);
      }
    }
    // Pallets to the DC.
    const pallets = Math.ceil(cases / CASES_PER_PALLET);
    const all = Array.from({ length: pallets }, (_, p) => palletId(k, p));
    t = day + DAY / 2;
    yield ship(tick(), all, BOTTLING, DC);
    t = day + DAY;
    yield receive(tick(), all, DC);
    for (const p of all) yield agg(tick(), "DELETE", p, undefined, DC);
    // Cases to stores, 10 per shipment, each shipment to a random store.
    const caseStore: number[] = new Array(cases);
    for (let c0 = 0; c0 < cases; c0 += 10) {
      const s = Math.floor(random() * STORES);
      const batch: string[] = [];
      for (let c = c0; c < Math.min(cases, c0 + 10); c++) {
        batch.push(caseId(k, c));
        caseStore[c] = s;
      }
      t = day + DAY + 3_600_000 + c0 * 1000;
      yield ship(t, batch, DC, STORE(s));
      yield receive(t + DAY / 2, batch, STORE(s));
      for (const c of batch) yield agg(t + DAY / 2 + 60_000, "DELETE", c, undefined, STORE(s));
    }
    // Retail: one sale per sold bottle, over the following days.
    for (let n = 0; n < UNITS_PER_LOT; n++) {
      if (!isSold(n)) continue;
      const s = caseStore[Math.floor(n / UNITS_PER_CASE)]!;
      yield obj(day + 3 * DAY + n * 10_000, {
        epcList: [unit(k, n)],
        bizStep: "retail_selling",
        disposition: "retail_sold",
        readPoint: at(sgln(String(1000 + s).padStart(5, "0"), 1)),
        bizLocation: at(STORE(s)),
      });
    }
  }
}

export interface GeneratedLedger {
  version: string;
  events: number;
  generateS: number;
  signerKey: string;
  verifierKey: string;
  origin: string;
}

const ORIGIN = "suyuan.bench/query";

/**
 * Opens the cached ledger in `dir` (built by an earlier run of the same `version`), or builds
 * it. Returns the ledger's description; the store is closed.
 */
/** Bump when the generated chain changes: the cache is keyed by it. */
const LEDGER_VERSION = "v5";

/**
 * The ≥ 1M-event ledger the query and backup benches read, cached in the OS temp folder
 * (generated on first use); `location` is its LevelDB directory.
 */
export async function ensureBenchLedger(): Promise<{ info: GeneratedLedger; fresh: boolean; location: string }> {
  const dir = join(tmpdir(), "suyuan-bench-query");
  const { info, fresh } = await ensureLedger(dir, LEDGER_VERSION);
  return { info, fresh, location: join(dir, `ledger-${LEDGER_VERSION}`) };
}

export async function ensureLedger(dir: string, version: string): Promise<{ info: GeneratedLedger; fresh: boolean }> {
  const infoFile = join(dir, "ledger.json");
  try {
    const info = JSON.parse(await readFile(infoFile, "utf8")) as GeneratedLedger;
    if (info.version === version) return { info, fresh: false };
  } catch {
    // not built yet
  }
  await mkdir(dir, { recursive: true });
  // A ledger of this version left by a run that did not finish, or one whose ledger.json was
  // since overwritten by another version's: signed by a key nobody has any more. Start over.
  await rm(join(dir, `ledger-${version}`), { recursive: true, force: true });
  const t0 = performance.now();
  const { signerKey, verifierKey } = generateNoteKey("suyuan.bench");
  // A fixture, not capture: unsynced writes (the close flushes them).
  const store = new LevelStore(join(dir, `ledger-${version}`), { sync: false });
  await store.open();
  const log = await VerifiableLog.open({
    store,
    signer: parseSignerKey(signerKey),
    verifierKey,
    origin: ORIGIN,
    indexRecords,
    checkpointIntervalMs: 60_000,
  });
  const recordTime = new Date(Date.UTC(2026, 6, 1)).toISOString();
  let batch: StoredEvent[] = [];
  let events = 0;
  let inFlight: Promise<unknown> = Promise.resolve();
  let seq = 0;
  const flush = async () => {
    const items = batch;
    batch = [];
    // One append in flight while the next batch is built and hashed.
    await inFlight;
    inFlight = log.append(items);
  };
  for (const ev of supplyChain()) {
    batch.push({
      v: 1,
      hashId: formatEventHashId(eventHashBytes(ev)),
      event: ev,
      provenance: {
        kind: "gateway",
        gatewayId: "bench-gw",
        keyId: "bench",
        party: "https://id.gs1.org/417/0614141000005",
        batchHash: "00".repeat(32),
        seq: String(seq),
        batchIndex: seq % 1000,
      },
      recordTime,
    });
    seq++;
    events++;
    if (batch.length === 1000) await flush();
  }
  if (batch.length > 0) await flush();
  await inFlight;
  await log.close();
  await store.close();
  const info: GeneratedLedger = {
    version,
    events,
    generateS: (performance.now() - t0) / 1000,
    signerKey,
    verifierKey,
    origin: ORIGIN,
  };
  await writeFile(infoFile, JSON.stringify(info));
  return { info, fresh: true };
}
