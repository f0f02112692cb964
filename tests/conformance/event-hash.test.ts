// CBV 2.0 event hash ID against third-party vectors:
// - event-hash/ralphtro/manifest.json (RalphTro/epcis-event-hash-generator, the reference
//   implementation cited by CBV 2.0 §8.9): 45 explicit hashes over JSON-LD and XML documents,
//   their pre-hash strings where upstream flags them current, and expected_equal documents;
// - event-hash/openepcis-parity.json: XML event i hashes like JSON-LD event i.
import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { parseEpcisDocument } from "../../proto/src/epcis/index.ts";
import type { EpcisDocument } from "../../proto/src/epcis/model.ts";
import { eventHash, type FieldName, preHashString } from "../../proto/src/hash/index.ts";
import { conformancePath, readConformanceJson } from "../shared.ts";
import { tally } from "./summary.ts";

interface HashCase {
  id: string;
  documents: string[];
  expected_event_hashes: string[];
  prehashes?: string[];
  prehash_sha256_matches_expected_hash?: boolean[];
}
interface Manifest {
  hash_cases: HashCase[];
  expected_equal_documents: Array<{ document: string }>;
}
interface Parity {
  pairs: Array<{ xml: string; json: string }>;
}

const manifest = readConformanceJson<Manifest>("event-hash", "ralphtro", "manifest.json");
const parity = readConformanceJson<Parity>("event-hash", "openepcis-parity.json");

// event-hash.deviations.md lists no deviations: every case runs.
const hashesTally = tally("event-hash/ralphtro (hashes)");
const prehashTally = tally("event-hash/ralphtro (pre-hash strings)");
const equalTally = tally("event-hash/ralphtro/expected_equal");
const parityTally = tally("event-hash/openepcis-parity");
afterAll(() => {
  hashesTally.print();
  prehashTally.print();
  equalTally.print();
  parityTally.print();
});

function load(...parts: string[]): { doc: EpcisDocument; text: string } {
  const path = conformancePath(...parts);
  const text = readFileSync(path, "utf8");
  const format = path.endsWith(".xml") ? "xml" : "jsonld";
  // Lenient: several vector documents are not XSD-ordered (upstream still hashes them).
  return { doc: parseEpcisDocument(text, { format, validate: false, xml: { elementOrder: "lenient" } }), text };
}

/**
 * The reference implementation's document-level `ignoreFields` declaration (not part of
 * CBV 2.0): JSON-LD `"<prefix>:ignoreFields": ["p:name", …]`, XML
 * `<prefix:ignoreFields><p:name/>…</prefix:ignoreFields>` in the document element. Read here
 * from the source text, resolving prefixes with the document's namespaces.
 */
function ignoreFieldsOf(doc: EpcisDocument, text: string, xml: boolean): FieldName[] {
  // Source text: the parsers do not keep this non-standard declaration everywhere.
  const ns = doc.namespaces ?? {};
  const curies: string[] = [];
  if (xml) {
    const m = /<([\w.-]+):ignoreFields>([\s\S]*?)<\/\1:ignoreFields>/.exec(text);
    if (m) for (const e of m[2]!.matchAll(/<([\w.-]+:[\w.-]+)\s*\/>/g)) curies.push(e[1]!);
  } else {
    // Document header or queryResults: walk the JSON outside the event list.
    const walk = (o: unknown): void => {
      if (o === null || typeof o !== "object" || Array.isArray(o)) return;
      for (const [k, v] of Object.entries(o)) {
        if (k === "eventList") continue;
        if (k.endsWith(":ignoreFields") && Array.isArray(v)) for (const c of v) curies.push(String(c));
        else walk(v);
      }
    };
    walk(JSON.parse(text));
  }
  return curies.map((c) => {
    const i = c.indexOf(":");
    const prefix = c.slice(0, i);
    const iri = ns[prefix];
    if (iri === undefined) throw new Error(`ignoreFields: prefix ${prefix} not declared`);
    return { ns: iri, name: c.slice(i + 1) };
  });
}

describe("event-hash/ralphtro hash_cases", () => {
  const cases = manifest.hash_cases.flatMap((c) => c.documents.map((d) => ({ c, d })));
  it("has the 45 expected hashes and 23 cases the README lists", () => {
    expect(manifest.hash_cases.length).toBe(23);
    expect(manifest.hash_cases.reduce((n, c) => n + c.expected_event_hashes.length, 0)).toBe(45);
  });

  it.each(cases)("$d", ({ c, d }) => {
    const xml = d.endsWith(".xml");
    const { doc, text } = load("event-hash", "ralphtro", d);
    const ignoreFields = ignoreFieldsOf(doc, text, xml);
    expect(doc.events.length).toBe(c.expected_event_hashes.length);
    const failures: string[] = [];
    doc.events.forEach((ev, i) => {
      const got = eventHash(ev, { ignoreFields });
      const ok = got === c.expected_event_hashes[i];
      hashesTally.record(ok);
      if (!ok) failures.push(`event ${i}: ${got}\n  pre-hash: ${preHashString(ev, { ignoreFields })}`);
      // Pre-hash strings, where upstream's file is current (its SHA-256 is the expected hash).
      const expectedPre = c.prehashes?.[i];
      if (expectedPre !== undefined && c.prehash_sha256_matches_expected_hash?.[i] === true) {
        const pre = preHashString(ev, { ignoreFields });
        const same = pre === expectedPre.trimEnd();
        prehashTally.record(same);
        if (!same) failures.push(`event ${i} pre-hash:\n  got  ${pre}\n  want ${expectedPre}`);
      }
    });
    expect(failures).toEqual([]);
  });

  it("gives different events of the XML examples pairwise different hashes (upstream rule)", () => {
    const seen = new Map<string, string>();
    for (const c of manifest.hash_cases) {
      const d = c.documents.find((x) => x.endsWith(".xml"));
      if (d === undefined) continue;
      const { doc } = load("event-hash", "ralphtro", d);
      doc.events.forEach((ev, i) => {
        const h = eventHash(ev);
        expect(seen.get(h), `${d} event ${i}`).toBeUndefined();
        seen.set(h, `${d}#${i}`);
      });
    }
    expect(seen.size).toBe(30);
  });
});

describe("event-hash/ralphtro expected_equal", () => {
  it.each(manifest.expected_equal_documents.map((e) => e.document))("%s: all events hash equal", (d) => {
    const { doc } = load("event-hash", "ralphtro", d);
    expect(doc.events.length).toBeGreaterThan(1);
    const hashes = doc.events.map((ev) => eventHash(ev));
    const ok = hashes.every((h) => h === hashes[0]);
    equalTally.record(ok);
    if (!ok)
      expect(doc.events.map((ev) => preHashString(ev))).toEqual(doc.events.map(() => preHashString(doc.events[0]!)));
  });
});

describe("event-hash/openepcis-parity", () => {
  it("has 35 pairs", () => {
    expect(parity.pairs.length).toBe(35);
  });

  it.each(parity.pairs)("$xml", ({ xml, json }) => {
    const x = load(xml).doc;
    const j = load(json).doc;
    expect(x.events.length).toBe(j.events.length);
    const failures: string[] = [];
    x.events.forEach((ev, i) => {
      const a = preHashString(ev);
      const b = preHashString(j.events[i]!);
      const ok = a === b && eventHash(ev, { cbvVersion: "2.1" }) === eventHash(j.events[i]!, { cbvVersion: "2.1" });
      parityTally.record(ok);
      if (!ok) failures.push(`event ${i}:\n  xml  ${a}\n  json ${b}`);
    });
    expect(failures).toEqual([]);
  });
});
