// npm run bench -- proto: throughput of the data standard's hot paths on one core.
import {
  type EpcisEvent,
  eventHash,
  eventHashBytes,
  generateGatewayKey,
  parseCode,
  parseEpcisDocument,
  sealBatch,
  verifyBatch,
  ZERO_HASH,
} from "@suyuan/proto";
import { ratePerSecond, report } from "./report.ts";

const BENCH = "proto";

/** A realistic mix of what scan points send: RFID reads dominate, then 2D codes and labels. */
function identifierInputs(): string[] {
  const out: string[] = [];
  for (let i = 0; i < 200; i++) {
    const serial = 100000 + i;
    out.push(
      // SGTIN-96 EPC bank: header 30, filter 1, partition 5 (GCP 7 digits), GCP 0614141, item 812345.
      sgtin96Hex(serial),
      sgtin96Hex(serial + 1),
      sgtin96Hex(serial + 2),
      `]d20109506000134352\u001d10LOT${i % 7}\u001d21S${serial}`,
      `(00)10614141${String(1000000 + i).padStart(9, "0")}`.slice(0, 21) + "0",
      `https://shop.example.com/01/09506000134352/10/LOT${i % 7}/21/S${serial}`,
      `urn:epc:id:sgtin:0614141.812345.${serial}`,
      `8123456${String(serial).padStart(9, "0")}1234`,
    );
  }
  // Keep only inputs that decode (the SSCC line above is built without its check digit).
  return out.filter((s) => {
    try {
      parseCode(s);
      return true;
    } catch {
      return false;
    }
  });
}

function sgtin96Hex(serial: number): string {
  // TDS 2.1 §14.5.1: header(8) filter(3) partition(3) GCP(24 for 7 digits) item(20) serial(38).
  let v = 0x30n;
  v = (v << 3n) | 1n;
  v = (v << 3n) | 5n;
  v = (v << 24n) | 614141n;
  v = (v << 20n) | 812345n;
  v = (v << 38n) | BigInt(serial);
  return v.toString(16).toUpperCase().padStart(24, "0");
}

function objectEvent(i: number): EpcisEvent {
  return {
    type: "ObjectEvent",
    eventTime: new Date(Date.UTC(2026, 10, 26, 8, 0, 0, i)).toISOString(),
    eventTimeZoneOffset: "+08:00",
    epcList: [
      `urn:epc:id:sgtin:0614141.812345.${10000 + i}`,
      `urn:epc:id:sgtin:0614141.812345.${20000 + i}`,
      `urn:epc:id:sgtin:0614141.812345.${30000 + i}`,
    ],
    action: "OBSERVE",
    bizStep: "receiving",
    disposition: "in_progress",
    readPoint: { id: "urn:epc:id:sgln:0614141.00777.1" },
    bizLocation: { id: "urn:epc:id:sgln:0614141.00777.0" },
  };
}

export async function run(): Promise<void> {
  const inputs = identifierInputs();
  let k = 0;
  report(
    BENCH,
    "identifiers_per_s",
    ratePerSecond(() => {
      for (let j = 0; j < 100; j++) parseCode(inputs[k++ % inputs.length]!);
    }, 100),
    "1/s",
  );

  const events = Array.from({ length: 5000 }, (_, i) => objectEvent(i));
  let e = 0;
  report(
    BENCH,
    "event_hashes_per_s",
    ratePerSecond(() => {
      for (let j = 0; j < 100; j++) eventHash(events[e++ % events.length]!);
    }, 100),
    "1/s",
  );

  const doc = JSON.stringify({
    "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
    type: "EPCISDocument",
    schemaVersion: "2.0",
    creationDate: "2026-11-26T08:00:00.000Z",
    epcisBody: { eventList: events.slice(0, 1000) },
  });
  report(
    BENCH,
    "epcis_jsonld_events_per_s",
    ratePerSecond(() => {
      parseEpcisDocument(doc, { format: "jsonld" });
    }, 1000),
    "1/s",
  );

  const key = generateGatewayKey();
  const digests = events.slice(0, 1000).map((ev) => eventHashBytes(ev));
  const params = {
    gatewayId: "bench-gw",
    keyId: key.keyId,
    algorithm: "ed25519" as const,
    firstSeq: 1n,
    prevBatchHash: ZERO_HASH,
    createdAt: "2026-11-26T00:00:00.000Z",
  };
  report(
    BENCH,
    "batch_sign_per_s",
    ratePerSecond(() => {
      sealBatch(params, digests, key);
    }, 1),
    "1/s",
  );
  const sealed = sealBatch(params, digests, key);
  report(
    BENCH,
    "batch_verify_per_s",
    ratePerSecond(() => {
      verifyBatch(sealed.header, sealed.signature, key, digests);
    }, 1),
    "1/s",
  );
}
