// Test fixture (used by the query tests only): a small mango → juice supply chain as stored
// events, and a ledger built from them through the real VerifiableLog with `indexRecords`,
// inserted in a shuffled order (events arrive late and out of order).
//
//   farm A harvests mango lot M1, farm B lot M2 (class level, quantity in kg)
//   farm A commissions cases CA1–CA3 (ILMD lot M1), farm B cases CB1–CB2 (lot M2)
//   CA1–3 packed on pallet PA at farm A, CB1–2 on pallet PB at farm B; both shipped to the DC
//   DC: PA broken (DELETE without children), CB1 taken off PB, mixed pallet PM = CA1, CA2, CB1
//   (CA3 added to PM by mistake: declared erroneous; the corrective event stores CA3 at the DC)
//   the empty pallet PA goes back to farm A (CA3 must not inherit that)
//   PM shipped to the juice factory and received
//   factory: transformation T1 consumes 200 kg M1 + 150 kg M2 → bottles B1–B4, ILMD juice lot J1
//   lot J1 inspected (class level); bottles packed in shipping case SC, shipped to the store,
//   received, SC unpacked (DELETE without children); B1 sold (retail_sold)
//   a sensor event on lot M1 in farm A's cold room
import {
  type EpcisEvent,
  type ExtensionElement,
  eventHash,
  generateNoteKey,
  parseCode,
  parseSignerKey,
  type QuantityElement,
} from "@suyuan/proto";
import { indexRecords } from "../index/records.ts";
import { VerifiableLog } from "../log/verifiable-log.ts";
import type { IndexRecordsFn, Provenance, StoredEvent } from "../model.ts";
import { MemoryStore } from "../store/memory/memory-store.ts";
import type { QueryMasterData } from "./types.ts";

export const C = (code: string): string => parseCode(code).canonical;

export const ID = {
  M1: "urn:epc:class:lgtin:0614141.107346.M1",
  M2: "urn:epc:class:lgtin:0614141.107346.M2",
  J1: "urn:epc:class:lgtin:0614141.207346.J1",
  CA1: "urn:epc:id:sgtin:0614141.107346.CA1",
  CA2: "urn:epc:id:sgtin:0614141.107346.CA2",
  CA3: "urn:epc:id:sgtin:0614141.107346.CA3",
  CB1: "urn:epc:id:sgtin:0614141.107346.CB1",
  CB2: "urn:epc:id:sgtin:0614141.107346.CB2",
  B1: "urn:epc:id:sgtin:0614141.207346.B1",
  B2: "urn:epc:id:sgtin:0614141.207346.B2",
  B3: "urn:epc:id:sgtin:0614141.207346.B3",
  B4: "urn:epc:id:sgtin:0614141.207346.B4",
  PA: "urn:epc:id:sscc:0614141.1000000001",
  PB: "urn:epc:id:sscc:0614141.1000000002",
  PM: "urn:epc:id:sscc:0614141.1000000003",
  SC: "urn:epc:id:sscc:0614141.1000000004",
  farmA: "urn:epc:id:sgln:0614141.00001.0",
  farmB: "urn:epc:id:sgln:0614141.00002.0",
  dc: "urn:epc:id:sgln:0614141.00003.0",
  factory: "urn:epc:id:sgln:0614141.00004.0",
  store: "urn:epc:id:sgln:0614141.00005.0",
  coldRoom: "urn:epc:id:sgln:0614141.00001.7",
  partyA: "urn:epc:id:pgln:0614141.00001",
  partyB: "urn:epc:id:pgln:0614141.00002",
  partyDc: "urn:epc:id:pgln:0614141.00003",
  partyFactory: "urn:epc:id:pgln:0614141.00004",
  partyStore: "urn:epc:id:pgln:0614141.00005",
} as const;

const MDA = "urn:epcglobal:cbv:mda";
const lotIlmd = (lot: string): ExtensionElement[] => [{ ns: MDA, prefix: "cbvmda", name: "lotNumber", value: lot }];
const at = (day: string, hm: string) => `2024-06-${day}T${hm}:00.000+08:00`;
const loc = (id: string) => ({ id });
const kg = (epcClass: string, quantity: number): QuantityElement => ({ epcClass, quantity, uom: "KGM" });

function obj(time: string, fields: Partial<EpcisEvent>): EpcisEvent {
  return { type: "ObjectEvent", eventTime: time, eventTimeZoneOffset: "+08:00", action: "OBSERVE", ...fields };
}
function agg(
  time: string,
  action: "ADD" | "DELETE",
  parent: string,
  children: string[],
  where: string,
  extra: Partial<EpcisEvent> = {},
): EpcisEvent {
  return {
    type: "AggregationEvent",
    eventTime: time,
    eventTimeZoneOffset: "+08:00",
    action,
    parentID: parent,
    childEPCs: children,
    bizStep: action === "ADD" ? "packing" : "unpacking",
    readPoint: loc(where),
    bizLocation: loc(where),
    ...extra,
  };
}
const ship = (time: string, epcs: string[], from: string, to: string) =>
  obj(time, {
    epcList: epcs,
    bizStep: "shipping",
    disposition: "in_transit",
    readPoint: loc(from),
    bizLocation: loc(from),
    sourceList: [{ type: "location", id: from }],
    destinationList: [{ type: "location", id: to }],
  });
const receive = (time: string, epcs: string[], where: string) =>
  obj(time, {
    epcList: epcs,
    bizStep: "receiving",
    disposition: "in_progress",
    readPoint: loc(where),
    bizLocation: loc(where),
  });

/** The events by name. `late` is not in the main ledger: the late-event test appends it. */
export function events(): Record<string, EpcisEvent> {
  const e: Record<string, EpcisEvent> = {
    harvestA: obj(at("01", "06:00"), {
      action: "ADD",
      quantityList: [kg(ID.M1, 500)],
      bizStep: "commissioning",
      disposition: "active",
      readPoint: loc(ID.farmA),
      bizLocation: loc(ID.farmA),
    }),
    harvestB: obj(at("01", "07:00"), {
      action: "ADD",
      quantityList: [kg(ID.M2, 400)],
      bizStep: "commissioning",
      disposition: "active",
      readPoint: loc(ID.farmB),
      bizLocation: loc(ID.farmB),
    }),
    commissionA: obj(at("01", "10:00"), {
      action: "ADD",
      epcList: [ID.CA1, ID.CA2, ID.CA3],
      bizStep: "commissioning",
      disposition: "active",
      readPoint: loc(ID.farmA),
      bizLocation: loc(ID.farmA),
      ilmd: lotIlmd("M1"),
    }),
    commissionB: obj(at("01", "11:00"), {
      action: "ADD",
      epcList: [ID.CB1, ID.CB2],
      bizStep: "commissioning",
      disposition: "active",
      readPoint: loc(ID.farmB),
      bizLocation: loc(ID.farmB),
      ilmd: lotIlmd("M2"),
    }),
    packPA: agg(at("01", "12:00"), "ADD", ID.PA, [ID.CA1, ID.CA2, ID.CA3], ID.farmA),
    packPB: agg(at("01", "12:30"), "ADD", ID.PB, [ID.CB1, ID.CB2], ID.farmB),
    sensorM1: obj(at("01", "20:00"), {
      quantityList: [kg(ID.M1, 500)],
      bizStep: "storing",
      readPoint: loc(ID.coldRoom),
      bizLocation: loc(ID.farmA),
      sensorElementList: [
        {
          sensorReport: [
            { type: "gs1:Temperature", value: 8.5, uom: "CEL" },
            { type: "gs1:Temperature", value: 11, uom: "CEL" },
          ],
        },
      ],
    }),
    shipPA: ship(at("02", "08:00"), [ID.PA], ID.farmA, ID.dc),
    shipPB: ship(at("02", "09:00"), [ID.PB], ID.farmB, ID.dc),
    receiveDc: receive(at("03", "08:00"), [ID.PA, ID.PB], ID.dc),
    breakPA: {
      type: "AggregationEvent",
      eventTime: at("03", "09:00"),
      eventTimeZoneOffset: "+08:00",
      action: "DELETE",
      parentID: ID.PA,
      bizStep: "unpacking",
      readPoint: loc(ID.dc),
      bizLocation: loc(ID.dc),
    },
    takeCB1: agg(at("03", "09:30"), "DELETE", ID.PB, [ID.CB1], ID.dc),
    packPM: agg(at("03", "10:00"), "ADD", ID.PM, [ID.CA1, ID.CA2, ID.CB1], ID.dc),
    wrongPack: agg(at("03", "10:05"), "ADD", ID.PM, [ID.CA3], ID.dc, {
      eventID: "urn:uuid:6a1e2f3c-0000-4000-8000-000000000001",
    }),
    fixStore: obj(at("03", "10:06"), {
      eventID: "urn:uuid:6a1e2f3c-0000-4000-8000-000000000002",
      epcList: [ID.CA3],
      bizStep: "storing",
      disposition: "in_progress",
      readPoint: loc(ID.dc),
      bizLocation: loc(ID.dc),
    }),
    palletBack: ship(at("05", "07:00"), [ID.PA], ID.dc, ID.farmA),
    shipPM: ship(at("04", "08:00"), [ID.PM], ID.dc, ID.factory),
    receiveFactory: receive(at("05", "08:00"), [ID.PM], ID.factory),
    juice: {
      type: "TransformationEvent",
      eventTime: at("06", "08:00"),
      eventTimeZoneOffset: "+08:00",
      transformationID: "urn:uuid:7b2e0000-0000-4000-8000-0000000000a1",
      inputQuantityList: [kg(ID.M1, 200), kg(ID.M2, 150)],
      outputEPCList: [ID.B1, ID.B2, ID.B3, ID.B4],
      bizStep: "commissioning",
      disposition: "active",
      readPoint: loc(ID.factory),
      bizLocation: loc(ID.factory),
      ilmd: lotIlmd("J1"),
    },
    inspectJ1: obj(at("06", "10:00"), {
      quantityList: [{ epcClass: ID.J1, quantity: 4, uom: "H87" }],
      bizStep: "inspecting",
      disposition: "conformant",
      readPoint: loc(ID.factory),
      bizLocation: loc(ID.factory),
    }),
    packSC: agg(at("06", "12:00"), "ADD", ID.SC, [ID.B1, ID.B2, ID.B3, ID.B4], ID.factory),
    shipSC: ship(at("07", "08:00"), [ID.SC], ID.factory, ID.store),
    receiveStore: receive(at("08", "08:00"), [ID.SC], ID.store),
    unpackSC: {
      type: "AggregationEvent",
      eventTime: at("08", "09:00"),
      eventTimeZoneOffset: "+08:00",
      action: "DELETE",
      parentID: ID.SC,
      bizStep: "unpacking",
      readPoint: loc(ID.store),
      bizLocation: loc(ID.store),
    },
    sellB1: obj(at("09", "15:00"), {
      epcList: [ID.B1],
      bizStep: "retail_selling",
      disposition: "retail_sold",
      readPoint: loc(ID.store),
      bizLocation: loc(ID.store),
      bizTransactionList: [{ type: "inv", bizTransaction: "urn:epcglobal:cbv:bt:0614141000053:R-1001" }],
    }),
  };
  // EPCIS 2.0 §7.4.1.2: the declaration repeats the erroneous event with errorDeclaration.
  e.declareWrongPack = {
    ...e.wrongPack!,
    errorDeclaration: {
      declarationTime: "2024-06-03T11:00:00.000+08:00",
      reason: "incorrect_data",
      correctiveEventIDs: [e.fixStore!.eventID!],
    },
  };
  // Late: B2 taken out of the shipping case at the factory before it was shipped.
  e.late = agg(at("06", "13:00"), "DELETE", ID.SC, [ID.B2], ID.factory, { bizStep: "unpacking" });
  return e;
}

/**
 * The CBV 2.0 hash leaves errorDeclaration out, so a declaration hashes like the event it
 * declares; the ledger needs a distinct identity for it, so the fixture folds the declaration
 * in as an extension before hashing (the capture layer must make the same choice).
 */
/**
 * The CBV 2.0 event hash ID. An error declaration shares its target's hash ID (CBV 2.0 §8.9
 * leaves errorDeclaration out); the log keeps both apart by `logKeyOf` (core/src/model.ts).
 */
export function hashIdOf(ev: EpcisEvent): string {
  return eventHash(ev);
}

const GATEWAY: Extract<Provenance, { kind: "gateway" }> = {
  kind: "gateway",
  gatewayId: "gw-farm-a",
  keyId: "k1",
  party: ID.partyA,
  batchHash: "ab".repeat(32),
  seq: "1",
  batchIndex: 0,
};

export function storedOf(ev: EpcisEvent, n: number): StoredEvent {
  return {
    v: 1,
    hashId: hashIdOf(ev),
    event: ev,
    provenance:
      n % 2 === 0
        ? { ...GATEWAY, seq: String(n) }
        : { kind: "partner", party: ID.partyDc, principal: "tok-dc", format: "jsonld" },
    // Arrival order: recordTime grows with the log.
    recordTime: new Date(Date.UTC(2024, 5, 20, 0, 0, n)).toISOString(),
  };
}

/** Deterministic shuffle (mulberry32), so a failure reproduces. */
export function shuffle<T>(xs: readonly T[], seed: number): T[] {
  const out = [...xs];
  let a = seed >>> 0;
  const rnd = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export function masterData(): QueryMasterData {
  const locations = new Map<string, { id: string; name: string; party: string }>();
  const parties = new Map<string, { id: string; name: string }>();
  const add = (l: string, name: string, p: string, pname: string) => {
    locations.set(C(l), { id: C(l), name, party: C(p) });
    parties.set(C(p), { id: C(p), name: pname });
  };
  add(ID.farmA, "Farm A packhouse", ID.partyA, "Farm A");
  add(ID.coldRoom, "Farm A cold room", ID.partyA, "Farm A");
  add(ID.farmB, "Farm B packhouse", ID.partyB, "Farm B");
  add(ID.dc, "Guangzhou DC", ID.partyDc, "South DC Ltd");
  add(ID.factory, "Juice factory", ID.partyFactory, "Juice Co");
  add(ID.store, "Store 12", ID.partyStore, "Retail Co");
  const children = new Map<string, string[]>([[C(ID.farmA), [C(ID.coldRoom)]]]);
  return {
    partyOfLocation: (id) => locations.get(id)?.party,
    location: (id) => locations.get(id),
    party: (id) => parties.get(id),
    product: () => undefined,
    gateway: () => undefined,
    childLocations: (id) => children.get(id) ?? [],
  };
}

export interface Built {
  store: MemoryStore;
  log: VerifiableLog;
  verifierKey: string;
  /** name → hashId */
  hashOf: Map<string, string>;
  /** hashId → name */
  nameOf: Map<string, string>;
  /** name → log index */
  indexOf: Map<string, number>;
  /** log index → name (an error declaration shares its target's hashId, not its index) */
  nameAt: Map<number, string>;
}

/**
 * Appends the named events one by one in the given order through the real log (indexed by
 * `index`, the core's `indexRecords` unless a test gives an older layout).
 */
export async function buildLedger(
  names: readonly string[],
  all = events(),
  index: IndexRecordsFn = indexRecords,
): Promise<Built> {
  const store = new MemoryStore();
  await store.open();
  const { signerKey, verifierKey } = generateNoteKey("suyuan.test");
  const log = await VerifiableLog.open({
    store,
    signer: parseSignerKey(signerKey),
    verifierKey,
    origin: "suyuan.test/query",
    indexRecords: index,
    now: () => 0,
  });
  const built: Built = {
    store,
    log,
    verifierKey,
    hashOf: new Map(),
    nameOf: new Map(),
    indexOf: new Map(),
    nameAt: new Map(),
  };
  for (const name of names) await appendNamed(built, name, all);
  await log.signCheckpointNow();
  return built;
}

export async function appendNamed(b: Built, name: string, all = events()): Promise<void> {
  const ev = all[name];
  if (ev === undefined) throw new Error(`fixture: no event ${name}`);
  const s = storedOf(ev, b.log.size());
  const [o] = await b.log.append([s]);
  if (o?.status !== "accepted") throw new Error(`fixture: ${name} not accepted (${o?.status})`);
  b.hashOf.set(name, s.hashId);
  b.nameOf.set(s.hashId, name);
  b.indexOf.set(name, o.index);
  b.nameAt.set(o.index, name);
}

/** Every event of the main ledger (all but `late`), shuffled. */
export function mainOrder(seed = 7): string[] {
  return shuffle(
    Object.keys(events()).filter((n) => n !== "late"),
    seed,
  );
}
