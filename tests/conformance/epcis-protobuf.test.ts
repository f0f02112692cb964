// Every valid EPCIS document of the third-party corpus (epcis-examples/manifest.json) goes
// JSON-LD/XML → model → protobuf binary → model and must come back deep-equal: the protobuf
// schema (proto/suyuan/v1/epcis.proto) carries real-world documents losslessly, extensions,
// sensor data, master data and header fields included.
import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { EpcisDocument as PEpcisDocument } from "../../proto/gen/suyuan/v1/epcis.ts";
import { parseEpcisDocument } from "../../proto/src/epcis/index.ts";
import { documentFromProto, documentToProto } from "../../proto/src/schema/convert.ts";
import { decodeMessage } from "../../proto/src/schema/wire.ts";
import { conformancePath, readConformanceJson } from "../shared.ts";
import { tally } from "./summary.ts";

interface ManifestEntry {
  file: string;
  format: string;
  expected: string;
}

const manifest = readConformanceJson<{ documents: ManifestEntry[] }>("epcis-examples", "manifest.json");
const valid = manifest.documents.filter((d) => d.expected.startsWith("valid"));
// REST-binding capture-job resources (EPCIS 2.0 §12) are valid examples but not EPCIS
// documents: there is nothing for the event schema to carry.
const captureJobs = valid.filter((d) => d.expected.includes("capture-job"));
const documents = valid.filter((d) => !d.expected.includes("capture-job"));

const t = tally("epcis-examples (protobuf round trip)");
afterAll(() => t.print());

describe("EPCIS example documents round-trip through protobuf binary", () => {
  it("covers the manifest: 157 valid entries, 4 of them capture jobs", () => {
    expect(valid).toHaveLength(157);
    expect(captureJobs.map((d) => d.file.split("/").pop())).toEqual([
      "Example-CaptureJobRunning.xml",
      "Example-CaptureJobSuccess.xml",
      "Example-CaptureJobWithErrorFile.xml",
      "Example-CaptureJobWithErrors.xml",
    ]);
  });

  it.each(documents.map((d) => [d.file, d] as const))("%s", (_file, d) => {
    let ok = false;
    try {
      // Validity is the parser's conformance test; here only the wire format is on trial, so
      // element order is not enforced (openepcis JumbledFieldsOrder.xml is upstream-valid).
      const doc = parseEpcisDocument(readFileSync(conformancePath(d.file), "utf8"), {
        validate: false,
        xml: { elementOrder: "lenient" },
      });
      expect(doc.events.length + (doc.vocabularies?.length ?? 0)).toBeGreaterThan(0);
      const bytes = PEpcisDocument.encode(documentToProto(doc)).finish();
      const back = documentFromProto(decodeMessage(PEpcisDocument, bytes, "EpcisDocument"));
      expect(back).toStrictEqual(doc);
      // Deterministic: re-encoding the decoded document gives the same bytes.
      expect(Buffer.from(PEpcisDocument.encode(documentToProto(back)).finish()).equals(Buffer.from(bytes))).toBe(true);
      ok = true;
    } finally {
      t.record(ok);
    }
  });
});
