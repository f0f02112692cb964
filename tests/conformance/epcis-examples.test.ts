// Conformance: EPCIS 2.0 example documents (../shared/conformance/epcis-examples/manifest.json).
//
// - valid documents parse and validate, and round-trip losslessly: JSON→JSON, XML→XML,
//   XML→JSON→XML and JSON→XML→JSON (normalised comparison, proto/src/epcis/compare.ts);
// - documents marked "INVALID: must be rejected" are rejected with a coded error whose code
//   and field match the reason in the file name;
// - XML/JSON-LD pairs parse to equal normalised documents, except the differences listed in
//   epcis-examples.deviations.md, which must be exactly those;
// - capture-job examples (REST binding resources, not EPCIS documents) are refused as
//   documents; master-data documents keep their vocabularies; EPCIS 1.2 XML is upgraded.
import { readFileSync } from "node:fs";
import { dirname } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  type EpcisDocument,
  type NormaliseOptions,
  normaliseDocument,
  parseEpcisDocument,
  parseEpcisJsonLd,
  parseEpcisXml,
  writeEpcisJsonLd,
  writeEpcisXml,
} from "../../proto/src/epcis/index.ts";
import { isSuyuanError } from "../../proto/src/errors.ts";
import { readConformanceJson, readConformanceText } from "../shared.ts";
import { tally } from "./summary.ts";

interface ManifestDoc {
  file: string;
  format: "JSON-LD" | "XML";
  expected: string;
  reason_from_file_name?: string;
}
interface Manifest {
  documents: ManifestDoc[];
  openepcis_xml_json_pairs: Array<{ xml: string; json: string }>;
  gs1_xml_json_pairs: Array<{ xml: string; json: string }>;
  openepcis_1_2_vs_2_0_same_name: Array<{ epcis_1_2_xml: string; epcis_2_0_xml_same_name: string }>;
}

const manifest = readConformanceJson<Manifest>("epcis-examples", "manifest.json");
const deviationsMd = readFileSync(new URL("./epcis-examples.deviations.md", import.meta.url), "utf8");
const read = (file: string) => readConformanceText(file);
const base = (file: string) => file.slice(file.lastIndexOf("/") + 1);

// --- Listed deviations (each also in epcis-examples.deviations.md) ------------------------

/** Valid upstream, but the EPCIS 2.0 rules reject it: validation is skipped for exactly these. */
const VALIDATION_DEVIATIONS: Record<string, string> = {
  "epcis-examples/gs1-epcis/XML/WithSensorData/SensorDataExamples.xml":
    "bizStep https://ref.gs1.org/cbv/Bizstep-sensor_reporting (misspelt CBV URI)",
  "epcis-examples/openepcis/1.2/EPCIS/XML/Capture/Documents/ObjectEvent_all_possible_fields.xml":
    'certificationInfo "test certification" is not a URI',
  "epcis-examples/openepcis/1.2/EPCIS/XML/Capture/Documents/TransactionEvent_all_possible_fields.xml":
    'declarationTime "2006-11-07T13:00Z" has no seconds',
};

/** Documents that follow the XSD element order only loosely: parsed with `elementOrder: "lenient"`. */
const LENIENT_ORDER = new Set(["epcis-examples/openepcis/2.0/EPCIS/XML/Capture/Documents/JumbledFieldsOrder.xml"]);

/**
 * XML/JSON-LD pairs whose content differs upstream: the normalised documents must differ
 * exactly under these paths (every listed path differs, nothing else does).
 */
const HEADER_ONLY_IN_JSON = ["$.instanceIdentifier", "$.sender", "$.receiver"];
// The GS1 work group's "all possible fields" drafts differ between syntaxes in these fields.
const GS1_DRAFT = [
  ...HEADER_ONLY_IN_JSON,
  "$.events[0].eventID",
  "$.events[0].certificationInfo",
  "$.events[0].errorDeclaration",
  "$.events[0].extensions",
];
const PAIR_DIFFERENCES: Record<string, string[]> = {
  "AggregationEvent_all_possible_fields.json": HEADER_ONLY_IN_JSON,
  "ObjectEvent_all_possible_fields.json": HEADER_ONLY_IN_JSON,
  "TransactionEvent_all_possible_fields.json": HEADER_ONLY_IN_JSON,
  "TransformationEvent_all_possible_fields.json": HEADER_ONLY_IN_JSON,
  "Combination_of_different_event.json": ["$.events[4].errorDeclaration.declarationTime"],
  "ObjectEvent_with_comment.json": ["$.events[0].extensions"],
  "epcisDocWithAllGS1Keys.json": ["$.events[0].epcList"],
  "epcisDocWithSensorComponent.json": ["$.events[0].epcList", "$.events[0].readPoint.id"],
  "aggregation_event_all_possible_fields.jsonld": [
    ...GS1_DRAFT,
    "$.events[0].sensorElementList[0].sensorReport[0].component",
    "$.events[0].sensorElementList[0].extensions",
  ],
  "association_event_all_possible_fields.jsonld": [...GS1_DRAFT, "$.events[0].sensorElementList[0].extensions"],
  "object_event_all_possible_fields.jsonld": [
    ...GS1_DRAFT,
    "$.events[0].action",
    "$.events[0].ilmd",
    "$.events[0].sensorElementList[0].extensions",
  ],
  "transaction_event_all_possible_fields.jsonld": [...GS1_DRAFT, "$.events[0].sensorElementList[0].extensions"],
  "transformation_event_all_possible_fields.jsonld": [
    ...GS1_DRAFT,
    "$.events[0].ilmd",
    "$.events[0].sensorElementList[0].extensions",
  ],
  "ErrorDeclarationAndCorrectiveEvent.jsonld": [
    "$.events[0].inputQuantityList[0]",
    "$.events[0].readPoint.id",
    "$.events[1].inputQuantityList[0]",
    "$.events[1].readPoint.id",
  ],
};

// --- Expected rejections: the code(s) and the field the reason in the file name points at ----

const REJECTIONS: Record<string, { codes: string[]; field: RegExp }> = {
  "Combination_of_events_with_missing_mandatory_fields.json": {
    codes: ["EPCIS_MISSING_FIELD"],
    field: /eventList\[[01]\]\.(action|eventTimeZoneOffset)$/,
  },
  "Combination_of_multiple_invalid_fields.json": {
    codes: ["EPCIS_NOT_CBV", "EPCIS_UNKNOWN_FIELD", "EPCIS_BAD_TIME", "EPCIS_BAD_VALUE"],
    field: /eventList\[\d\]\.(bizStep|disposition|sourceList\[0\]\.type|ilmd\.materialType|eventTime|action)$/,
  },
  "Combination_of_non_standard_bizStep_and_disposition.json": {
    codes: ["EPCIS_NOT_CBV"],
    field: /eventList\[[01]\]\.(bizStep|disposition)$/,
  },
  "EPCISDocument_without_context.json": { codes: ["EPCIS_MISSING_FIELD"], field: /^@context$/ },
  "ObjectEvent_with_ilmd_field_without_namespace.json": {
    codes: ["EPCIS_UNKNOWN_FIELD"],
    field: /eventList\[0\]\.ilmd\.materialType$/,
  },
  "ObjectEvent_with_invalid_action.json": { codes: ["EPCIS_BAD_VALUE"], field: /eventList\[0\]\.action$/ },
  "ObjectEvent_with_invalid_certificationInfo.json": {
    codes: ["EPCIS_BAD_TYPE"],
    field: /eventList\[0\]\.certificationInfo(\[\d\])?$/,
  },
  "ObjectEvent_with_invalid_eventTime_format.json": { codes: ["EPCIS_BAD_TIME"], field: /eventList\[0\]\.eventTime$/ },
  "ObjectEvent_with_non_standard_bizStep.json": { codes: ["EPCIS_NOT_CBV"], field: /eventList\[0\]\.bizStep$/ },
  "ObjectEvent_with_non_standard_bizStep_in_second_event.json": {
    codes: ["EPCIS_NOT_CBV"],
    field: /eventList\[1\]\.bizStep$/,
  },
  "ObjectEvent_with_non_standard_disposition.json": { codes: ["EPCIS_NOT_CBV"], field: /eventList\[0\]\.disposition$/ },
  "ObjectEvent_with_quantity_as_text.json": {
    codes: ["EPCIS_BAD_TYPE"],
    field: /eventList\[0\]\.quantityList\[0\]\.quantity$/,
  },
  "ObjectEvent_with_unknown_field_in_quantityList.json": {
    codes: ["EPCIS_UNKNOWN_FIELD"],
    field: /eventList\[0\]\.quantityList\[0\]\.weight$/,
  },
  "ObjectEvent_without_action_and_eventTime.json": {
    codes: ["EPCIS_MISSING_FIELD"],
    field: /eventList\[0\]\.(action|eventTime)$/,
  },
  "ObjectEvent_without_identifier_list.json": {
    codes: ["EPCIS_MISSING_FIELD"],
    field: /eventList\[0\]\.(epcList|quantityList)$/,
  },
  "ObjectEvent_bare_event_without_action.xml": {
    codes: ["EPCIS_MISSING_FIELD", "EPCIS_BAD_ROOT"],
    field: /(eventList\[0\]\.action|^root)$/,
  },
  "ObjectEvent_with_invalid_action.xml": { codes: ["EPCIS_BAD_VALUE"], field: /eventList\[0\]\.action$/ },
  "ObjectEvent_with_invalid_eventTime_format.xml": { codes: ["EPCIS_BAD_TIME"], field: /eventList\[0\]\.eventTime$/ },
  "ObjectEvent_with_near_miss_action.xml": { codes: ["EPCIS_BAD_VALUE"], field: /eventList\[0\]\.action$/ },
  "ObjectEvent_with_unknown_element.xml": { codes: ["EPCIS_UNKNOWN_FIELD"], field: /eventList\[0\]\.madeUpField$/ },
  "ObjectEvent_with_wrong_element_order.xml": {
    codes: ["EPCIS_ELEMENT_ORDER"],
    field: /eventList\[0\]\.(eventTime|action)$/,
  },
  "ObjectEvent_without_eventTime.xml": { codes: ["EPCIS_MISSING_FIELD"], field: /eventList\[0\]\.eventTime$/ },
};

// --- Helpers ---------------------------------------------------------------------------------

/** Every difference (path) between two normalised documents, descending into equal-length lists and objects. */
function differences(a: unknown, b: unknown, path: string, out: string[]): void {
  if (a === b) return;
  if (
    typeof a !== typeof b ||
    a === null ||
    b === null ||
    typeof a !== "object" ||
    Array.isArray(a) !== Array.isArray(b)
  ) {
    out.push(path);
    return;
  }
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) {
      out.push(path);
      return;
    }
    for (let i = 0; i < a.length; i++) differences(a[i], bb[i], `${path}[${i}]`, out);
    return;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  for (const k of new Set([...Object.keys(ao), ...Object.keys(bo)])) differences(ao[k], bo[k], `${path}.${k}`, out);
}

function expectSame(a: EpcisDocument, b: EpcisDocument, options?: NormaliseOptions): void {
  expect(normaliseDocument(b, options)).toEqual(normaliseDocument(a, options));
}

const tallies = new Map<string, ReturnType<typeof tally>>();
function record(folder: string, ok: boolean, deviation = false): void {
  let t = tallies.get(folder);
  if (!t) {
    t = tally(folder);
    tallies.set(folder, t);
  }
  t.record(ok, deviation);
}

/** Runs `fn`, records pass/fail for the document's folder, rethrows failures. */
function counted(file: string, fn: () => void, deviation = false): void {
  const folder = dirname(file);
  try {
    fn();
    record(folder, true, deviation);
  } catch (e) {
    record(folder, false);
    throw e;
  }
}

afterAll(() => {
  for (const t of [...tallies.values()].sort((x, y) => x.folder.localeCompare(y.folder))) t.print();
});

// --- Tests -----------------------------------------------------------------------------------

describe("epcis-examples manifest", () => {
  it("lists 179 documents, 35 openepcis pairs, 6 GS1 pairs", () => {
    expect(manifest.documents).toHaveLength(179);
    expect(manifest.openepcis_xml_json_pairs).toHaveLength(35);
    expect(manifest.gs1_xml_json_pairs).toHaveLength(6);
  });

  it("lists every deviation in epcis-examples.deviations.md and in the manifest", () => {
    const files = new Set(manifest.documents.map((d) => d.file));
    for (const f of [...Object.keys(VALIDATION_DEVIATIONS), ...LENIENT_ORDER]) {
      expect(files.has(f), f).toBe(true);
      expect(deviationsMd.includes(f.replace("epcis-examples/", "")), f).toBe(true);
    }
    const pairJson = new Set(
      [...manifest.openepcis_xml_json_pairs, ...manifest.gs1_xml_json_pairs].map((p) => base(p.json)),
    );
    for (const f of Object.keys(PAIR_DIFFERENCES)) {
      expect(pairJson.has(f), f).toBe(true);
      expect(deviationsMd.includes(f), f).toBe(true);
    }
    const invalid = manifest.documents.filter((d) => d.expected.startsWith("INVALID")).map((d) => base(d.file));
    expect(new Set(Object.keys(REJECTIONS))).toEqual(new Set(invalid));
  });
});

describe("epcis-examples documents", () => {
  for (const d of manifest.documents) {
    const name = d.file.replace("epcis-examples/", "");
    const isXml = d.format === "XML";
    const xmlOpts = LENIENT_ORDER.has(d.file) ? { elementOrder: "lenient" as const } : undefined;

    if (d.expected.startsWith("INVALID")) {
      it(`rejects ${name} (${d.reason_from_file_name})`, () => {
        counted(d.file, () => {
          const want = REJECTIONS[base(d.file)];
          expect(want, "expected rejection listed").toBeDefined();
          let err: unknown;
          try {
            parseEpcisDocument(read(d.file));
          } catch (e) {
            err = e;
          }
          expect(isSuyuanError(err), `rejected with a SuyuanError: ${String(err)}`).toBe(true);
          const se = err as { code: string; field?: string; message: string };
          expect(want!.codes, se.message).toContain(se.code);
          expect(se.field ?? "", se.message).toMatch(want!.field);
        });
      });
      continue;
    }

    if (d.expected.includes("capture-job")) {
      // EPCIS 2.0 §12 capture-job resources of the REST binding, not documents: refused as documents.
      it(`refuses capture job ${name} as an EPCIS document`, () => {
        counted(d.file, () => {
          expect(read(d.file)).toMatch(/EPCISCaptureJob/);
          expect(() => parseEpcisDocument(read(d.file))).toThrow(/EPCIS_BAD_ROOT/);
        });
      });
      continue;
    }

    const validationDeviation = VALIDATION_DEVIATIONS[d.file];
    it(`accepts and round-trips ${name}`, () => {
      counted(
        d.file,
        () => {
          const text = read(d.file);
          const doc = parseEpcisDocument(text, { validate: validationDeviation === undefined, xml: xmlOpts });
          if (validationDeviation !== undefined) {
            // Listed deviation: the standard's rules reject it, for the listed reason only.
            expect(() => parseEpcisDocument(text, { xml: xmlOpts })).toThrow(/EPCIS_/);
          }
          if (d.expected.includes("query document")) {
            expect(doc.kind).toBe("EPCISQueryDocument");
            expect(doc.queryName).toBe("SimpleEventQuery");
          } else {
            expect(doc.kind).toBe("EPCISDocument");
          }
          if (d.expected.includes("master-data")) expect(doc.vocabularies?.length).toBeGreaterThan(0);
          else expect(doc.events.length).toBeGreaterThan(0);
          if (d.expected.includes("EPCIS 1.2")) expect(doc.schemaVersion).toBe("2.0");

          if (isXml) {
            // XML → XML, lossless.
            expectSame(doc, parseEpcisXml(writeEpcisXml(doc)));
            // XML → JSON-LD equals the XML (across syntaxes), and back to XML.
            const viaJson = parseEpcisJsonLd(writeEpcisJsonLd(doc));
            expectSame(doc, viaJson, { crossFormat: true });
            expectSame(doc, parseEpcisXml(writeEpcisXml(viaJson)), { crossFormat: true });
          } else {
            // JSON-LD → JSON-LD, lossless.
            expectSame(doc, parseEpcisJsonLd(writeEpcisJsonLd(doc)));
            // JSON-LD → XML → JSON-LD, equal across syntaxes.
            expectSame(doc, parseEpcisXml(writeEpcisXml(doc)), { crossFormat: true });
          }
        },
        validationDeviation !== undefined,
      );
    });
  }
});

describe("epcis-examples XML/JSON-LD pairs", () => {
  const pairs = [
    ...manifest.openepcis_xml_json_pairs.map((p) => ({ ...p, folder: "epcis-examples/openepcis_xml_json_pairs" })),
    ...manifest.gs1_xml_json_pairs.map((p) => ({ ...p, folder: "epcis-examples/gs1_xml_json_pairs" })),
  ];
  for (const p of pairs) {
    const listed = PAIR_DIFFERENCES[base(p.json)];
    it(`${base(p.xml)} ≡ ${base(p.json)}${listed ? " (listed differences)" : ""}`, () => {
      const folder = p.folder;
      try {
        const xml = parseEpcisXml(read(p.xml), LENIENT_ORDER.has(p.xml) ? { elementOrder: "lenient" } : undefined);
        const json = parseEpcisJsonLd(read(p.json));
        const diffs: string[] = [];
        differences(
          normaliseDocument(xml, { crossFormat: true }),
          normaliseDocument(json, { crossFormat: true }),
          "$",
          diffs,
        );
        if (!listed) expect(diffs).toEqual([]);
        else {
          // Every difference lies under a listed path, and every listed path does differ.
          const under = (d: string, l: string) => d === l || d.startsWith(`${l}.`) || d.startsWith(`${l}[`);
          for (const d of diffs)
            expect(
              listed.some((l) => under(d, l)),
              `unlisted difference ${d}`,
            ).toBe(true);
          for (const l of listed)
            expect(
              diffs.some((d) => under(d, l)),
              `listed path ${l} no longer differs`,
            ).toBe(true);
        }
        record(folder, true, listed !== undefined);
      } catch (e) {
        record(folder, false);
        throw e;
      }
    });
  }
});

describe("epcis-examples EPCIS 1.2 files named like 2.0 files (smoke only)", () => {
  for (const p of manifest.openepcis_1_2_vs_2_0_same_name) {
    it(`${base(p.epcis_1_2_xml)}: 1.2 and 2.0 versions both parse to 2.0 documents`, () => {
      const folder = "epcis-examples/openepcis_1_2_vs_2_0_same_name";
      try {
        const old = parseEpcisDocument(read(p.epcis_1_2_xml), { validate: !VALIDATION_DEVIATIONS[p.epcis_1_2_xml] });
        const cur = parseEpcisDocument(read(p.epcis_2_0_xml_same_name));
        expect(old.schemaVersion).toBe("2.0");
        expect(cur.schemaVersion).toBe("2.0");
        // Not a conversion pair upstream: only the first event's type is expected to match.
        expect(old.events[0]?.type).toBe(cur.events[0]?.type);
        record(folder, true);
      } catch (e) {
        record(folder, false);
        throw e;
      }
    });
  }
});
