import {
  eventHash,
  eventHashBytes,
  eventProofInBatch,
  generateGatewayKey,
  generateNoteKey,
  inclusionProofSync,
  isSuyuanError,
  leafArrayReader,
  leafHash,
  openCheckpoint,
  parseCode,
  parseEpcisDocument,
  parseSignerKey,
  parseVerifierKey,
  rootFromLeafHashes,
  sealBatch,
  signCheckpoint,
  verifyBatch,
  verifyEventInBatch,
  verifyInclusion,
  ZERO_HASH,
} from "@suyuan/proto";
import type { Command, CommandIo } from "../io.ts";

/** Codes of every form a gateway or an inspector meets (public examples; check digits valid). */
const SAMPLE_CODES: Array<[string, string]> = [
  ["RFID EPC bank, SGTIN-96 (TDS 2.1 example)", "3074257BF7194E4000001A85"],
  ["GS1 element string on a pallet label (SSCC)", "(00)106141411234567897"],
  ["GS1 DataMatrix scan, AIM ]d2 with GS separators", "]d20109506000134352\u001d10MANGO-L7\u001d21S0001"],
  [
    "GS1 Digital Link from a QR code, shop domain",
    "https://shop.example.com/01/09506000134352/10/MANGO-L7/21/S0002?17=271231",
  ],
  ["China 20-digit drug traceability code", "81234560123456789012"],
  ["a GTIN with a wrong check digit", "(01)09506000134353"],
];

/** A packhouse morning in EPCIS 2.0 JSON-LD: commission two cases of a mango lot, pack, ship. */
const SAMPLE_DOCUMENT = JSON.stringify({
  "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
  type: "EPCISDocument",
  schemaVersion: "2.0",
  creationDate: "2026-11-26T08:00:00.000+08:00",
  epcisBody: {
    eventList: [
      {
        type: "ObjectEvent",
        eventTime: "2026-11-26T07:58:12.000+08:00",
        eventTimeZoneOffset: "+08:00",
        epcList: ["urn:epc:id:sgtin:9506000.013435.S0001", "urn:epc:id:sgtin:9506000.013435.S0002"],
        action: "ADD",
        bizStep: "commissioning",
        disposition: "active",
        readPoint: { id: "urn:epc:id:sgln:9506000.00001.1" },
        bizLocation: { id: "urn:epc:id:sgln:9506000.00001.0" },
        ilmd: { "cbvmda:lotNumber": "MANGO-L7", "cbvmda:itemExpirationDate": "2027-12-31" },
      },
      {
        type: "AggregationEvent",
        eventTime: "2026-11-26T07:59:40.000+08:00",
        eventTimeZoneOffset: "+08:00",
        parentID: "urn:epc:id:sscc:0614141.1234567890",
        childEPCs: ["urn:epc:id:sgtin:9506000.013435.S0001", "urn:epc:id:sgtin:9506000.013435.S0002"],
        action: "ADD",
        bizStep: "packing",
        disposition: "in_progress",
        readPoint: { id: "urn:epc:id:sgln:9506000.00001.2" },
        bizLocation: { id: "urn:epc:id:sgln:9506000.00001.0" },
      },
      {
        type: "ObjectEvent",
        eventTime: "2026-11-26T08:20:05.000+08:00",
        eventTimeZoneOffset: "+08:00",
        epcList: ["urn:epc:id:sscc:0614141.1234567890"],
        action: "OBSERVE",
        bizStep: "shipping",
        disposition: "in_transit",
        readPoint: { id: "urn:epc:id:sgln:9506000.00001.3" },
        bizLocation: { id: "urn:epc:id:sgln:9506000.00001.0" },
        destinationList: [{ type: "location", destination: "urn:epc:id:sgln:0614141.00777.0" }],
      },
    ],
  },
});

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString("hex");
}

export const tourCommand: Command = {
  name: "tour",
  summary: "a short tour of the data standard (what `npm start` runs for now)",
  usage: "usage: suyuan tour",
  async run(_args: string[], io: CommandIo): Promise<number> {
    const say = (s = "") => io.stdout(`${s}\n`);
    say("suyuan 溯源 — a tour of the data standard");
    say("=========================================");
    say();
    say("1. Any code a scanner or a person gives → one canonical identifier");
    for (const [what, input] of SAMPLE_CODES) {
      say(`   ${what}`);
      say(`     in : ${JSON.stringify(input)}`);
      try {
        const r = parseCode(input);
        say(`     out: ${r.kind}  ${r.canonical}`);
        if (r.epcUri) say(`          EPC ${r.epcUri}`);
        if (r.classCanonical) say(`          class ${r.classCanonical}`);
        if (r.rfid) say(`          tag ${r.rfid.tagUri} (filter ${r.rfid.filter ?? "none"})`);
        if (r.cnDrugCode) say(`          product ${r.cnDrugCode.productCode}, serial ${r.cnDrugCode.serial}`);
      } catch (e) {
        if (!isSuyuanError(e)) throw e;
        say(`     err: ${e.message}`);
      }
    }
    say();
    say("2. An EPCIS 2.0 document from a packhouse → validated events with CBV 2.0 event hash IDs");
    const doc = parseEpcisDocument(SAMPLE_DOCUMENT);
    const digests = doc.events.map((ev) => eventHashBytes(ev));
    for (const ev of doc.events) say(`   ${ev.type.padEnd(16)} ${String(ev.bizStep).padEnd(13)} ${eventHash(ev)}`);
    say();
    say("3. The gateway seals the events in a batch and signs the header once (Ed25519)");
    const key = generateGatewayKey();
    const sealed = sealBatch(
      {
        gatewayId: "packhouse-line-1",
        keyId: key.keyId,
        algorithm: "ed25519",
        firstSeq: 1n,
        prevBatchHash: ZERO_HASH,
        createdAt: "2026-11-26T00:20:06.000Z",
      },
      digests,
      key,
    );
    verifyBatch(sealed.header, sealed.signature, key, digests);
    say(
      `   batch of ${sealed.header.count} events, root ${hex(sealed.header.eventsRoot).slice(0, 16)}…, signature verifies`,
    );
    const proof = eventProofInBatch(1, digests);
    say(
      `   event 2 is proven in the batch with ${proof.length} hashes: ${verifyEventInBatch(digests[1]!, 1, sealed.header, proof)}`,
    );
    const tampered = { ...sealed.header, count: sealed.header.count + 1 };
    try {
      verifyBatch(tampered, sealed.signature, key);
      say("   a tampered header verified — this must not happen");
      return 1;
    } catch (e) {
      if (!isSuyuanError(e)) throw e;
      say(`   a header with a changed count is refused: ${e.code}`);
    }
    say();
    say("4. The core appends them to its RFC 9162 log and signs a C2SP checkpoint");
    const leaves = digests.map((d) => leafHash(d));
    const root = rootFromLeafHashes(leaves);
    const noteKey = generateNoteKey("core.suyuan.example");
    const note = signCheckpoint(
      { origin: "core.suyuan.example/log", size: leaves.length, rootHash: root },
      parseSignerKey(noteKey.signerKey),
    );
    for (const line of note.trimEnd().split("\n")) say(`   │ ${line}`);
    const opened = openCheckpoint(note, [parseVerifierKey(noteKey.verifierKey)]);
    const inc = inclusionProofSync(2, leaves.length, leafArrayReader(leaves));
    say(
      `   checkpoint verifies with the core's public key; event 3 included at index 2: ${verifyInclusion(leaves[2]!, 2, opened.size, inc, opened.rootHash)}`,
    );
    say();
    say("Try: npx suyuan code '(01)09506000134352(10)LOT1(21)42'   npx suyuan --help");
    return 0;
  },
};
