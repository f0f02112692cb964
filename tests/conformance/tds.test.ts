// EPC Tag Data Standard vectors (../shared/conformance/tds/epcpy-vectors.json, from
// nedap/retail-epcpy): pure-identity URI validity, GS1 key / element string, tag URI and
// binary encodings, id patterns, and parser-level rejections. Every field a case gives is checked.
import { afterAll, describe, expect, it } from "vitest";
import { isSuyuanError } from "../../proto/src/errors.ts";
import {
  type BinaryScheme,
  decodeEpc,
  decodeEpcBinary,
  type EpcScheme,
  elementStringFromEpc,
  encodeEpc,
  encodeEpcDetailed,
  epcUriFromAis,
  type GtinType,
  gs1KeyFromEpc,
  parseEpcUri,
  parseTagUri,
} from "../../proto/src/identifiers/epc/index.ts";
import type { AiValue } from "../../proto/src/identifiers/gs1/types.ts";
import { readConformanceJson } from "../shared.ts";
import { tally } from "./summary.ts";

interface TdsCase {
  id: string;
  kind: string;
  valid: boolean;
  scheme?: EpcScheme;
  epc_uri?: string;
  idpat?: string;
  tag_uri?: string;
  hex?: string;
  binary?: string;
  binary_coding_scheme?: BinaryScheme;
  filter?: number;
  gs1_key?: string;
  gs1_element_string?: string;
  company_prefix_length?: number;
  options?: { gtin_type?: GtinType; filter_value?: string; binary_coding_scheme?: string };
  tag_encodable?: boolean;
  gs1_keyed?: boolean;
  has_gs1_element_string?: boolean;
  operation?: string;
  input?: string;
}

const file = readConformanceJson<{ cases: TdsCase[] }>("tds", "epcpy-vectors.json");
const cases = file.cases;
const t = tally("tds");
afterAll(() => t.print());

/** Expects `f` to throw a SuyuanError with an ID_EPC_ code (never a raw TypeError/RangeError). */
function rejects(f: () => unknown): void {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err, "expected a rejection").toBeDefined();
  expect(isSuyuanError(err), `expected SuyuanError, got ${String(err)}`).toBe(true);
  expect((err as { code: string }).code).toMatch(/^ID_EPC_/);
}

/** "(01)…(21)…" → AIs. Values in these vectors never contain "(" + digits + ")". */
function parseBracketed(es: string): AiValue[] {
  const out: AiValue[] = [];
  const re = /\((\d{2,4})\)/g;
  const marks = [...es.matchAll(re)];
  marks.forEach((m, i) => {
    const start = m.index + m[0].length;
    const end = i + 1 < marks.length ? marks[i + 1]!.index : es.length;
    out.push({ ai: m[1]!, value: es.slice(start, end) });
  });
  return out;
}

// Filter names (epcpy enum names) → values, learnt from the valid cases that give both;
// RESERVED_n is n. Used for the must-reject cases, which give only the name.
const filterByName = new Map<string, number>();
for (const c of cases) {
  if (c.options?.filter_value !== undefined && c.filter !== undefined) {
    filterByName.set(`${c.scheme}:${c.options.filter_value}`, c.filter);
  }
}
function filterOf(c: TdsCase): number | undefined {
  if (c.filter !== undefined) return c.filter;
  const name = c.options?.filter_value;
  if (name === undefined) return undefined;
  const m = /^RESERVED_(\d+)$/.exec(name);
  if (m) return Number(m[1]);
  const v = filterByName.get(`${c.scheme}:${name}`);
  if (v === undefined) throw new Error(`${c.id}: unknown filter name ${name}`);
  return v;
}
function binarySchemeOf(c: TdsCase): BinaryScheme | undefined {
  if (c.binary_coding_scheme !== undefined) return c.binary_coding_scheme;
  const o = c.options?.binary_coding_scheme;
  return o === undefined ? undefined : (o.toLowerCase().replace("_", "-") as BinaryScheme);
}

function checkTagEncoding(c: TdsCase): void {
  const scheme = binarySchemeOf(c);
  const filter = filterOf(c);
  const opts = { ...(scheme === undefined ? {} : { scheme }), ...(filter === undefined ? {} : { filter }) };
  const enc = encodeEpcDetailed(c.epc_uri!, opts);
  expect(enc.hex).toBe(c.hex);
  expect(enc.tagUri).toBe(c.tag_uri);
  expect(enc.scheme).toBe(c.binary_coding_scheme);
  const dec = decodeEpc(c.hex!);
  expect(dec.tagUri).toBe(c.tag_uri);
  expect(dec.epcUri).toBe(c.epc_uri);
  expect(dec.scheme).toBe(c.binary_coding_scheme);
  expect(dec.filter).toBe(c.filter);
  expect(decodeEpc(c.hex!.toLowerCase()).tagUri).toBe(c.tag_uri);
  const tag = parseTagUri(c.tag_uri!);
  expect(tag.epc.uri).toBe(c.epc_uri);
  expect(tag.filter).toBe(c.filter);
  expect(tag.tagUri).toBe(c.tag_uri);
  expect(encodeEpc(c.tag_uri!)).toBe(c.hex);
  if (c.binary !== undefined) {
    const d2 = decodeEpcBinary(c.binary);
    expect(d2.tagUri).toBe(c.tag_uri);
    expect(d2.epcUri).toBe(c.epc_uri);
  }
}

function gtinOpts(c: TdsCase): { gtinType?: GtinType } | undefined {
  return c.options?.gtin_type === undefined ? undefined : { gtinType: c.options.gtin_type };
}

const PARSER_OPS: Record<string, (input: string) => unknown> = {
  epc_pure_identity_to_gs1_element: elementStringFromEpc,
  epc_pure_identity_to_gs1_element_string: elementStringFromEpc,
  epc_pure_identity_to_gs1_key: (s) => gs1KeyFromEpc(s),
  epc_pure_identity_to_gs1_keyed: (s) => gs1KeyFromEpc(s),
  epc_pure_identity_to_scheme: (s) => parseEpcUri(s),
  epc_pure_identity_to_tag_encodable: (s) => encodeEpc(s),
  hex_to_tag_encodable: decodeEpc,
};

function runCase(c: TdsCase): void {
  switch (c.kind) {
    case "pure_identity_uri_validity":
      // The upstream test constructs a given scheme's class from the URI: a URI of another
      // scheme is a rejection there too (scheme option).
      if (c.valid) expect(parseEpcUri(c.epc_uri!, { scheme: c.scheme! }).uri).toBe(c.epc_uri);
      else rejects(() => parseEpcUri(c.epc_uri!, { scheme: c.scheme! }));
      return;
    case "gs1_key_and_element_string":
      expect(parseEpcUri(c.epc_uri!).uri).toBe(c.epc_uri);
      if (!c.valid) {
        rejects(() => gs1KeyFromEpc(c.epc_uri!, gtinOpts(c)));
        return;
      }
      if (c.gs1_key !== undefined) expect(gs1KeyFromEpc(c.epc_uri!, gtinOpts(c))).toBe(c.gs1_key);
      expect(elementStringFromEpc(c.epc_uri!)).toBe(c.gs1_element_string);
      expect(epcUriFromAis(parseBracketed(c.gs1_element_string!), c.company_prefix_length!)).toBe(c.epc_uri);
      return;
    case "tag_encoding":
      if (c.valid) {
        checkTagEncoding(c);
      } else {
        expect(parseEpcUri(c.epc_uri!).uri).toBe(c.epc_uri);
        const scheme = binarySchemeOf(c);
        const filter = filterOf(c);
        rejects(() =>
          encodeEpc(c.epc_uri!, {
            ...(scheme === undefined ? {} : { scheme }),
            ...(filter === undefined ? {} : { filter }),
          }),
        );
      }
      return;
    case "all_representations": {
      expect(parseEpcUri(c.epc_uri!).uri).toBe(c.epc_uri);
      if (c.tag_encodable) checkTagEncoding(c);
      else rejects(() => encodeEpc(c.epc_uri!));
      if (c.gs1_keyed) expect(gs1KeyFromEpc(c.epc_uri!, gtinOpts(c))).toBe(c.gs1_key);
      else rejects(() => gs1KeyFromEpc(c.epc_uri!));
      if (c.has_gs1_element_string) {
        expect(elementStringFromEpc(c.epc_uri!)).toBe(c.gs1_element_string);
        if (c.company_prefix_length !== undefined) {
          expect(epcUriFromAis(parseBracketed(c.gs1_element_string!), c.company_prefix_length)).toBe(c.epc_uri);
        }
      } else {
        rejects(() => elementStringFromEpc(c.epc_uri!));
      }
      return;
    }
    case "id_pattern_gs1_key":
      if (c.valid) {
        expect(parseEpcUri(c.idpat!).uri).toBe(c.idpat);
        expect(gs1KeyFromEpc(c.idpat!, gtinOpts(c))).toBe(c.gs1_key);
      } else {
        rejects(() => gs1KeyFromEpc(c.idpat!, gtinOpts(c)));
      }
      return;
    case "parser_rejects": {
      const op = PARSER_OPS[c.operation!];
      expect(op, `operation ${c.operation}`).toBeDefined();
      rejects(() => op!(c.input!));
      return;
    }
    default:
      throw new Error(`${c.id}: unknown kind ${c.kind}`);
  }
}

describe("conformance: EPC TDS (epcpy vectors)", () => {
  it("has the 475 cases the README announces", () => {
    expect(cases.length).toBe(475);
  });
  for (const c of cases) {
    it(`${c.id} (${c.kind}, ${c.valid ? "valid" : "reject"})`, () => {
      try {
        runCase(c);
        t.record(true);
      } catch (e) {
        t.record(false);
        throw e;
      }
    });
  }
});
