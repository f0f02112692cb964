// Canonical ids of master-data entities. Every id a person or a document gives (EPC URI,
// GS1 element string, Digital Link, bare GS1 key digits) goes through proto's parseCode, so
// master data is keyed by the same canonical form the indexes and answers use.
import { parseCode, SuyuanError } from "@suyuan/proto";

const CN_DRUG_PRODUCT = /^urn:suyuan:cn-drug-product:\d{7}$/;
const GTIN_IN_DL = /^https:\/\/id\.gs1\.org\/01\/(\d{14})(?:\/|$)/;
const IDPAT_SGTIN = /^urn:epc:idpat:sgtin:(\d+)\.(\d+)\.\*$/;

function bad(field: string, input: string, rule: string, cause?: unknown): SuyuanError {
  return new SuyuanError("MASTER_BAD_ID", `${field}: ${JSON.stringify(input)} ${rule}`, {
    field,
    ...(cause === undefined ? {} : { cause }),
  });
}

function parse(input: string, field: string, rule: string) {
  try {
    return parseCode(input);
  } catch (e) {
    const why = e instanceof SuyuanError ? ` (${e.reason})` : "";
    throw bad(field, input, `${rule}${why}`, e);
  }
}

function checkString(input: unknown, field: string): string {
  if (typeof input !== "string" || input.trim() === "") {
    throw new SuyuanError("MASTER_BAD_ID", `${field}: must be a non-empty string`, { field });
  }
  return input.trim();
}

/**
 * A party: GS1 PGLN (AI 417, `urn:epc:id:pgln:…`) or a GLN (AI 414). Thirteen bare digits
 * are read as a PGLN: GS1 GenSpecs §3.7.1 makes AI (417) the party GLN.
 */
export function canonicalPartyId(input: unknown, field = "party"): string {
  const s = checkString(input, field);
  const r = parse(/^\d{13}$/.test(s) ? `(417)${s}` : s, field, "is not a party GLN");
  if (r.kind !== "pgln" && r.kind !== "gln") throw bad(field, s, `is a ${r.kind}, not a party GLN (PGLN or GLN)`);
  return r.canonical;
}

/**
 * A location: SGLN (`urn:epc:id:sgln:…`, with or without extension) or a GLN (AI 414).
 * Thirteen bare digits are read as AI (414), the physical-location GLN (GenSpecs §3.7.9).
 */
export function canonicalLocationId(input: unknown, field = "location"): string {
  const s = checkString(input, field);
  const r = parse(/^\d{13}$/.test(s) ? `(414)${s}` : s, field, "is not a location GLN");
  if (r.kind !== "sgln" && r.kind !== "gln") throw bad(field, s, `is a ${r.kind}, not a location (SGLN or GLN)`);
  return r.canonical;
}

/**
 * A product (trade item class): the GTIN Digital Link `https://id.gs1.org/01/<GTIN-14>`, from
 * any code that carries a GTIN (GTIN digits or element string, SGTIN/LGTIN URIs and DLs,
 * `urn:epc:idpat:sgtin:…` class patterns as used by EPCIS EPCClass master data), or the
 * product of a China drug code (`urn:suyuan:cn-drug-product:…`).
 */
export function canonicalProductId(input: unknown, field = "product"): string {
  const s = checkString(input, field);
  if (CN_DRUG_PRODUCT.test(s)) return s;
  let code = s;
  if (/^\d{8}$|^\d{12,14}$/.test(s)) code = `(01)${s.padStart(14, "0")}`;
  const pat = IDPAT_SGTIN.exec(s);
  // TDS 2.1 §8.1.3: an SGTIN pattern with a '*' serial names the whole GTIN; any serial gives
  // the same GTIN, so parse it with a placeholder serial.
  if (pat !== null) code = `urn:epc:id:sgtin:${pat[1]}.${pat[2]}.0`;
  const r = parse(code, field, "is not a product code (GTIN or drug code)");
  if (r.kind === "cn-drug-code" && r.classCanonical !== undefined) return r.classCanonical;
  const m = GTIN_IN_DL.exec(r.canonical);
  if (m === null) throw bad(field, s, `is a ${r.kind}, which names no GTIN`);
  return `https://id.gs1.org/01/${m[1]}`;
}

/** The 14 GTIN digits of a canonical product id, if it is a GTIN. */
export function gtinOf(productId: string): string | undefined {
  return GTIN_IN_DL.exec(productId)?.[1];
}

/** Any code to its canonical form (parseCode), with a MASTER_BAD_ID naming the field. */
export function canonicalCode(input: unknown, field: string): string {
  const s = checkString(input, field);
  return parse(s, field, "is not a recognised code").canonical;
}

/** Gateway, key and token ids: printable, no spaces, bounded. */
export const SIMPLE_ID = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;

export function checkSimpleId(input: unknown, field: string): string {
  if (typeof input !== "string" || !SIMPLE_ID.test(input)) {
    throw new SuyuanError(
      "MASTER_BAD_ID",
      `${field}: ${JSON.stringify(input)} must be 1-128 chars of [A-Za-z0-9._:@-] starting with a letter or digit`,
      { field },
    );
  }
  return input;
}
