// A small mango → juice supply chain, captured into a real core the way a partner system does
// (an EPCIS 2.0 JSON-LD document through CaptureProcessor.processDocument), served by the
// core's real HTTP server with the web pages. Used by the browser tests.
//
//   farm: mango lot M1 commissioned (500 kg), kept in the cold room (9–10 °C: the mangoes'
//   own business, not the juice's range), shipped to the factory and received;
//   factory: transformation M1 (200 kg) → bottles B1–B3 of juice lot J1, packed in case SC,
//   shipped to the store and received with the truck's temperature log (one reading 12 °C:
//   an excursion above the juice's 0–8 °C); store: SC unpacked, B1 sold.
import { parseCode } from "@suyuan/proto";
import { startHttp } from "../../core/src/http/server.ts";
import { type RunningCore, startCore } from "../../core/src/server.ts";
import { webRoutes } from "../../core/src/web/routes.ts";

export const EPC = {
  M1: "urn:epc:class:lgtin:9506000.013435.M1",
  J1: "urn:epc:class:lgtin:9506000.013436.J1",
  B1: "urn:epc:id:sgtin:9506000.013436.B1",
  B2: "urn:epc:id:sgtin:9506000.013436.B2",
  B3: "urn:epc:id:sgtin:9506000.013436.B3",
  SC: "urn:epc:id:sscc:9506000.0000000001",
  farm: "urn:epc:id:sgln:9506000.00001.0",
  coldRoom: "urn:epc:id:sgln:9506000.00001.7",
  factory: "urn:epc:id:sgln:9506000.00002.0",
  store: "urn:epc:id:sgln:9506000.00003.0",
  farmParty: "urn:epc:id:pgln:9506000.00001",
  factoryParty: "urn:epc:id:pgln:9506000.00002",
  storeParty: "urn:epc:id:pgln:9506000.00003",
} as const;

export const canonical = (code: string): string => parseCode(code).canonical;

/** GTIN-14 of a unit's canonical Digital Link. */
export function gtinOf(code: string): string {
  const m = /\/01\/(\d{14})/.exec(canonical(code));
  if (m === null) throw new Error(`no GTIN in ${code}`);
  return m[1]!;
}

const at = (day: string, hm: string) => `2024-06-${day}T${hm}:00.000+08:00`;
const place = (id: string) => ({ id });

function ev(type: string, time: string, fields: Record<string, unknown>): Record<string, unknown> {
  return { type, eventTime: time, eventTimeZoneOffset: "+08:00", ...fields };
}

/** The partner document (EPCIS 2.0 §9 JSON-LD). */
export function scenarioDocument(): string {
  const events = [
    ev("ObjectEvent", at("01", "06:00"), {
      action: "ADD",
      quantityList: [{ epcClass: EPC.M1, quantity: 500, uom: "KGM" }],
      bizStep: "commissioning",
      disposition: "active",
      readPoint: place(EPC.farm),
      bizLocation: place(EPC.farm),
    }),
    ev("ObjectEvent", at("01", "20:00"), {
      action: "OBSERVE",
      quantityList: [{ epcClass: EPC.M1, quantity: 500, uom: "KGM" }],
      bizStep: "storing",
      readPoint: place(EPC.coldRoom),
      bizLocation: place(EPC.farm),
      sensorElementList: [
        {
          sensorMetadata: { time: at("01", "20:00") },
          sensorReport: [
            { type: "gs1:Temperature", value: 9, uom: "CEL", time: at("01", "14:00") },
            { type: "gs1:Temperature", value: 10, uom: "CEL", time: at("01", "20:00") },
          ],
        },
      ],
    }),
    ev("ObjectEvent", at("02", "08:00"), {
      action: "OBSERVE",
      quantityList: [{ epcClass: EPC.M1, quantity: 200, uom: "KGM" }],
      bizStep: "shipping",
      disposition: "in_transit",
      readPoint: place(EPC.farm),
      bizLocation: place(EPC.farm),
      sourceList: [{ type: "location", source: EPC.farm }],
      destinationList: [{ type: "location", destination: EPC.factory }],
    }),
    ev("ObjectEvent", at("02", "15:00"), {
      action: "OBSERVE",
      quantityList: [{ epcClass: EPC.M1, quantity: 200, uom: "KGM" }],
      bizStep: "receiving",
      disposition: "in_progress",
      readPoint: place(EPC.factory),
      bizLocation: place(EPC.factory),
    }),
    ev("TransformationEvent", at("03", "09:00"), {
      transformationID: "urn:uuid:4f1c9a52-6b0e-4d7e-9a51-000000000001",
      inputQuantityList: [{ epcClass: EPC.M1, quantity: 200, uom: "KGM" }],
      outputEPCList: [EPC.B1, EPC.B2, EPC.B3],
      bizStep: "commissioning",
      disposition: "active",
      readPoint: place(EPC.factory),
      bizLocation: place(EPC.factory),
      ilmd: { "cbvmda:lotNumber": "J1", "cbvmda:itemExpirationDate": "2099-12-31" },
    }),
    ev("AggregationEvent", at("03", "10:00"), {
      action: "ADD",
      parentID: EPC.SC,
      childEPCs: [EPC.B1, EPC.B2, EPC.B3],
      bizStep: "packing",
      readPoint: place(EPC.factory),
      bizLocation: place(EPC.factory),
    }),
    ev("ObjectEvent", at("04", "08:00"), {
      action: "OBSERVE",
      epcList: [EPC.SC],
      bizStep: "shipping",
      disposition: "in_transit",
      readPoint: place(EPC.factory),
      bizLocation: place(EPC.factory),
      sourceList: [{ type: "location", source: EPC.factory }],
      destinationList: [{ type: "location", destination: EPC.store }],
    }),
    ev("ObjectEvent", at("04", "16:00"), {
      action: "OBSERVE",
      epcList: [EPC.SC],
      bizStep: "receiving",
      disposition: "in_progress",
      readPoint: place(EPC.store),
      bizLocation: place(EPC.store),
      // The truck's logger, read at the dock: one reading above the juice's 0–8 °C.
      sensorElementList: [
        {
          sensorMetadata: { time: at("04", "16:00") },
          sensorReport: [
            { type: "gs1:Temperature", value: 4.5, uom: "CEL", time: at("04", "09:00") },
            { type: "gs1:Temperature", value: 5.5, uom: "CEL", time: at("04", "11:00") },
            { type: "gs1:Temperature", value: 12, uom: "CEL", time: at("04", "13:00") },
            { type: "gs1:Temperature", value: 6, uom: "CEL", time: at("04", "15:00") },
          ],
        },
      ],
    }),
    ev("AggregationEvent", at("04", "17:00"), {
      action: "DELETE",
      parentID: EPC.SC,
      childEPCs: [EPC.B1, EPC.B2, EPC.B3],
      bizStep: "unpacking",
      disposition: "sellable_accessible",
      readPoint: place(EPC.store),
      bizLocation: place(EPC.store),
    }),
    ev("ObjectEvent", at("05", "11:00"), {
      action: "OBSERVE",
      epcList: [EPC.B1],
      bizStep: "retail_selling",
      disposition: "retail_sold",
      readPoint: place(EPC.store),
      bizLocation: place(EPC.store),
    }),
  ];
  return JSON.stringify({
    "@context": ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"],
    type: "EPCISDocument",
    schemaVersion: "2.0",
    creationDate: "2024-06-05T12:00:00.000+08:00",
    epcisBody: { eventList: events },
  });
}

export interface Stack {
  core: RunningCore;
  url: string;
  inspectorToken: string;
  recallToken: string;
  accepted: number;
  events: number;
  stop(): Promise<void>;
}

/** A real core (memory store), seeded with master data and the document, behind startHttp. */
export async function startStack(): Promise<Stack> {
  const core = await startCore();
  try {
    await core.master.putParty({ id: EPC.farmParty, name: "Hainan Mango Farm 海南芒果农场" });
    await core.master.putParty({ id: EPC.factoryParty, name: "Sunny Juice Co. 阳光果汁厂" });
    await core.master.putParty({ id: EPC.storeParty, name: "Green Market 绿色超市" });
    await core.master.putLocation({ id: EPC.farm, name: "Sanya orchard 三亚果园", party: EPC.farmParty });
    await core.master.putLocation({ id: EPC.coldRoom, name: "Orchard cold room 果园冷库", party: EPC.farmParty });
    await core.master.putLocation({ id: EPC.factory, name: "Haikou plant 海口工厂", party: EPC.factoryParty });
    await core.master.putLocation({ id: EPC.store, name: "Guangzhou store 广州门店", party: EPC.storeParty });
    await core.master.putProduct({
      id: gtinOf("urn:epc:id:sgtin:9506000.013435.X"),
      name: "Mangoes 芒果",
      category: "food",
    });
    await core.master.putProduct({
      id: gtinOf(EPC.B1),
      name: "Mango juice 芒果汁 1 L",
      category: "food",
      storageTemperature: { minCelsius: 0, maxCelsius: 8 },
    });
    const doc = scenarioDocument();
    const res = await core.capture.processDocument(doc, "jsonld", { id: "test-admin", role: "admin" });
    const rejected = res.events.filter((e) => e.status === "rejected");
    if (rejected.length > 0) throw new Error(`scenario events rejected: ${JSON.stringify(rejected)}`);
    await core.ledger.signCheckpointNow();
    const inspector = await core.auth.issueToken({ role: "inspector", label: "browser-test inspector" });
    const officer = await core.auth.issueToken({ role: "recall_officer", label: "browser-test recall officer" });
    const http = await startHttp({ address: "127.0.0.1:0", core, routes: webRoutes(core) });
    return {
      core,
      url: http.url,
      inspectorToken: inspector.token,
      recallToken: officer.token,
      accepted: res.accepted,
      events: res.events.length,
      async stop() {
        await http.close();
        await core.stop();
      },
    };
  } catch (e) {
    await core.stop();
    throw e;
  }
}
