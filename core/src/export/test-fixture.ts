// Test support for the export tests: a real core (startCore, memory store) seeded with a
// small leafy-greens supply chain through the real capture paths —
//
//   farm (gateway gw-farm, two signed batches):
//     06-01 06:00  harvest lot L1, 500 kg (commissioning, quantity)          → FSMA Harvesting
//     06-01 09:00  cooling L1 in the cold room (bizStep urn:suyuan:bizstep:cooling) → Cooling
//     06-01 10:00  cases C1–C3 commissioned, ILMD lot L1                      → Initial Packing
//     06-01 11:00  C1–C3 packed on pallet P1 (not a CTE)
//     06-02 08:00  P1 shipped farm → DC, PO-1001 and ASN-77                   → Shipping
//   DC (partner document, JSON-LD):
//     06-03 08:00  P1 received at the DC, PO-1001                              → Receiving
//     06-04 08:00  transformation: 100 kg of L1 → 80 kg of salad lot S1, WO-9   → Transformation
import { type EpcisEvent, type ExtensionElement, encodeBase64, parseCode, writeEpcisDocument } from "@suyuan/proto";
import { TestGateway } from "../capture/test-fixtures.ts";
import type { Principal } from "../model.ts";
import { type RunningCore, startCore } from "../server.ts";

export const C = (code: string): string => parseCode(code).canonical;

export const ID = {
  farmParty: "urn:epc:id:pgln:0614141.00001",
  dcParty: "urn:epc:id:pgln:0012345.00003",
  farm: "urn:epc:id:sgln:0614141.00001.0",
  coldRoom: "urn:epc:id:sgln:0614141.00001.7",
  dc: "urn:epc:id:sgln:0012345.00003.0",
  L1: "urn:epc:class:lgtin:0614141.107346.L1",
  S1: "urn:epc:class:lgtin:0614141.207346.S1",
  C1: "urn:epc:id:sgtin:0614141.107346.C1",
  C2: "urn:epc:id:sgtin:0614141.107346.C2",
  C3: "urn:epc:id:sgtin:0614141.107346.C3",
  P1: "urn:epc:id:sscc:0614141.1000000001",
  po: "urn:epcglobal:cbv:bt:0012345000034:PO-1001",
  asn: "urn:epcglobal:cbv:bt:0614141000012:ASN-77",
  wo: "urn:epcglobal:cbv:bt:0012345000034:WO-9",
} as const;

const MDA = "urn:epcglobal:cbv:mda";
const lotIlmd = (lot: string): ExtensionElement[] => [{ ns: MDA, prefix: "cbvmda", name: "lotNumber", value: lot }];
const at = (day: string, hm: string) => `2024-06-${day}T${hm}:00.000+08:00`;
const loc = (id: string) => ({ id });

export function farmEvents(): EpcisEvent[] {
  const base = { eventTimeZoneOffset: "+08:00" };
  return [
    {
      ...base,
      type: "ObjectEvent",
      eventTime: at("01", "06:00"),
      action: "ADD",
      quantityList: [{ epcClass: ID.L1, quantity: 500, uom: "KGM" }],
      bizStep: "commissioning",
      disposition: "active",
      readPoint: loc(ID.farm),
      bizLocation: loc(ID.farm),
    },
    {
      ...base,
      type: "ObjectEvent",
      eventTime: at("01", "09:00"),
      action: "OBSERVE",
      quantityList: [{ epcClass: ID.L1, quantity: 500, uom: "KGM" }],
      bizStep: "urn:suyuan:bizstep:cooling",
      readPoint: loc(ID.coldRoom),
      bizLocation: loc(ID.coldRoom),
    },
    {
      ...base,
      type: "ObjectEvent",
      eventTime: at("01", "10:00"),
      action: "ADD",
      epcList: [ID.C1, ID.C2, ID.C3],
      bizStep: "commissioning",
      disposition: "active",
      readPoint: loc(ID.farm),
      bizLocation: loc(ID.farm),
      ilmd: lotIlmd("L1"),
    },
    {
      ...base,
      type: "AggregationEvent",
      eventTime: at("01", "11:00"),
      action: "ADD",
      parentID: ID.P1,
      childEPCs: [ID.C1, ID.C2, ID.C3],
      bizStep: "packing",
      disposition: "in_progress",
      readPoint: loc(ID.farm),
      bizLocation: loc(ID.farm),
    },
    {
      ...base,
      type: "ObjectEvent",
      eventTime: at("02", "08:00"),
      action: "OBSERVE",
      epcList: [ID.P1],
      bizStep: "shipping",
      disposition: "in_transit",
      readPoint: loc(ID.farm),
      bizLocation: loc(ID.farm),
      bizTransactionList: [
        { type: "po", bizTransaction: ID.po },
        { type: "desadv", bizTransaction: ID.asn },
      ],
      sourceList: [{ type: "location", id: ID.farm }],
      destinationList: [{ type: "location", id: ID.dc }],
    },
  ];
}

export function dcEvents(): EpcisEvent[] {
  const base = { eventTimeZoneOffset: "+08:00" };
  return [
    {
      ...base,
      type: "ObjectEvent",
      eventTime: at("03", "08:00"),
      action: "OBSERVE",
      epcList: [ID.P1],
      bizStep: "receiving",
      disposition: "in_progress",
      readPoint: loc(ID.dc),
      bizLocation: loc(ID.dc),
      bizTransactionList: [{ type: "po", bizTransaction: ID.po }],
      sourceList: [{ type: "location", id: ID.farm }],
      destinationList: [{ type: "location", id: ID.dc }],
    },
    {
      ...base,
      type: "TransformationEvent",
      eventTime: at("04", "08:00"),
      transformationID: "urn:uuid:5d0e0000-0000-4000-8000-0000000000b1",
      inputQuantityList: [{ epcClass: ID.L1, quantity: 100, uom: "KGM" }],
      outputQuantityList: [{ epcClass: ID.S1, quantity: 80, uom: "KGM" }],
      bizStep: "commissioning",
      disposition: "active",
      readPoint: loc(ID.dc),
      bizLocation: loc(ID.dc),
      bizTransactionList: [{ type: "prodorder", bizTransaction: ID.wo }],
    },
  ];
}

export interface Seeded {
  core: RunningCore;
  gateway: TestGateway;
  /** Admin, inspector and partner principals. */
  admin: Principal;
  inspector: Principal;
  dcPartner: Principal;
}

/** Starts a memory-store core and seeds the chain above; the caller stops it. */
export async function seedCore(): Promise<Seeded> {
  const core = await startCore({ now: () => new Date("2024-06-05T00:00:00.000Z") });
  const m = core.master;
  await m.putParty({
    id: ID.farmParty,
    name: "Green Valley Farm",
    address: { countryCode: "US", province: "CA", city: "Salinas", street: "1 Field Rd", postalCode: "93901" },
  });
  await m.putParty({ id: ID.dcParty, name: "Fresh Cuts DC" });
  await m.putLocation({
    id: ID.farm,
    name: "Green Valley Farm, Field 7",
    party: ID.farmParty,
    address: { countryCode: "US", province: "CA", city: "Salinas", street: "1 Field Rd", postalCode: "93901" },
  });
  await m.putLocation({ id: ID.coldRoom, name: "Farm cold room", party: ID.farmParty, parent: C(ID.farm) });
  await m.putLocation({
    id: ID.dc,
    name: "Fresh Cuts DC",
    party: ID.dcParty,
    address: { countryCode: "US", province: "NV", city: "Reno", street: "9 Dock St", postalCode: "89501" },
  });
  await m.putProduct({
    id: "urn:epc:idpat:sgtin:0614141.107346.*",
    name: "Romaine lettuce, whole head",
    category: "food",
  });
  await m.putProduct({ id: "urn:epc:idpat:sgtin:0614141.207346.*", name: "Chopped romaine salad", category: "food" });

  const gateway = new TestGateway("gw-farm", C(ID.farmParty));
  await m.enrollGateway({
    gatewayId: gateway.id,
    party: C(ID.farmParty),
    keys: [{ publicKey: encodeBase64(gateway.key.publicKeyRaw) }],
  });
  const gwPrincipal: Principal = { id: "tok-gw", role: "gateway", party: C(ID.farmParty), gatewayId: gateway.id };
  const ev = farmEvents();
  for (const batchEvents of [ev.slice(0, 2), ev.slice(2)]) {
    const ack = await core.capture.processBatch(gateway.seal(batchEvents).batch, gwPrincipal);
    if (ack.status?.$case !== "accepted") throw new Error(`fixture batch not accepted: ${JSON.stringify(ack.status)}`);
    for (const o of ack.events) {
      if (o.outcome?.$case !== "accepted") throw new Error(`fixture event not accepted: ${JSON.stringify(o.outcome)}`);
    }
  }
  const dcPartner: Principal = { id: "tok-dc", role: "partner", party: C(ID.dcParty) };
  const doc = writeEpcisDocument(
    { kind: "EPCISDocument", schemaVersion: "2.0", creationDate: "2024-06-04T09:00:00.000Z", events: dcEvents() },
    "jsonld",
  );
  const res = await core.capture.processDocument(doc, "jsonld", dcPartner);
  for (const o of res.events ?? []) {
    if (o.status !== "accepted") throw new Error(`fixture partner event not accepted: ${JSON.stringify(o)}`);
  }
  await core.ledger.signCheckpointNow();
  return {
    core,
    gateway,
    admin: { id: "tok-admin", role: "admin" },
    inspector: { id: "tok-insp", role: "inspector" },
    dcPartner,
  };
}
