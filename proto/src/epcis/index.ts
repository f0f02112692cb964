/**
 * EPCIS 2.0 documents, whatever the syntax: one entry point to parse (JSON-LD, EPCIS 2.0 §9;
 * XML, §10, including EPCIS 1.x XML upgraded to the 2.0 model) and validate, one to write.
 */
import { SuyuanError } from "../errors.ts";
import { parseEpcisJsonLd } from "./jsonld-parse.ts";
import { writeEpcisJsonLd } from "./jsonld-write.ts";
import type { EpcisDocument } from "./model.ts";
import { validateEpcisDocument } from "./validate.ts";
import { type ParseXmlOptions, parseEpcisXml } from "./xml-parse.ts";
import { writeEpcisXml } from "./xml-write.ts";

export type EpcisFormat = "jsonld" | "xml";

export interface ParseEpcisOptions {
  /** The syntax; detected from the first non-space character when absent (`{` JSON-LD, `<` XML). */
  format?: EpcisFormat;
  /** Apply the EPCIS 2.0 / CBV 2.0 rules after parsing (default true). */
  validate?: boolean;
  /** XML-only parser options (element order strictness). */
  xml?: ParseXmlOptions;
}

/** Detects the syntax of an EPCIS document from its first non-whitespace character (a BOM is skipped). */
export function detectEpcisFormat(text: string): EpcisFormat {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0xfeff) continue;
    if (c === 0x7b /* { */) return "jsonld";
    if (c === 0x3c /* < */) return "xml";
    break;
  }
  throw new SuyuanError(
    "EPCIS_UNKNOWN_FORMAT",
    "document is neither JSON-LD (starts with '{') nor XML (starts with '<')",
    { field: "(document)" },
  );
}

/**
 * Parses an EPCIS document (EPCISDocument or EPCISQueryDocument, JSON-LD or XML) and, unless
 * `validate: false`, checks it against the EPCIS 2.0 / CBV 2.0 rules. Throws SuyuanError
 * with an `EPCIS_…` code and the offending field.
 */
export function parseEpcisDocument(text: string, opts?: ParseEpcisOptions): EpcisDocument {
  if (typeof text !== "string") throw new TypeError("parseEpcisDocument: text must be a string");
  const format = opts?.format ?? detectEpcisFormat(text);
  const doc = format === "xml" ? parseEpcisXml(text, opts?.xml) : parseEpcisJsonLd(text);
  if (opts?.validate !== false) validateEpcisDocument(doc);
  return doc;
}

/** Writes a document in the given syntax (JSON-LD: EPCIS 2.0 §9; XML: EPCIS 2.0 §10). */
export function writeEpcisDocument(doc: EpcisDocument, format: EpcisFormat): string {
  if (format === "jsonld") return writeEpcisJsonLd(doc);
  if (format === "xml") return writeEpcisXml(doc);
  throw new TypeError(`writeEpcisDocument: unknown format ${String(format)}`);
}

export * from "./cbv.ts";
export { compareDocuments, firstDifference, type NormaliseOptions, normaliseDocument } from "./compare.ts";
export { EPCIS_CONTEXT_URL, EPCIS_NS, STANDARD_PREFIXES } from "./jsonld-context.ts";
export { type JsonLdParseOptions, parseEpcisJsonLd } from "./jsonld-parse.ts";
export { writeEpcisJsonLd, writeEpcisJsonLdObject } from "./jsonld-write.ts";
export type * from "./model.ts";
export {
  ALL_EVENT_FIELDS,
  collectEventErrors,
  EVENT_FIELDS,
  eventListPath,
  isDateTimeStamp,
  isTimeZoneOffset,
  validateEpcisDocument,
} from "./validate.ts";
export { type ParseXmlOptions, parseEpcisXml } from "./xml-parse.ts";
export { writeEpcisXml } from "./xml-write.ts";
