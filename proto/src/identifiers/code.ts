import { SuyuanError } from "../errors.ts";
import { toCanonicalDigitalLink } from "./canonical-dl.ts";
import { CN_DRUG_CHECK_NOTE, CN_DRUG_URI_PREFIX, isCnDrugCodeShape, parseCnDrugCode } from "./cn/drug-code.ts";
import { decodeEpc, encodeEpcDetailed, epcUriFromAis, parseEpcUri, parseTagUri } from "./epc/index.ts";
import {
  buildDigitalLink,
  formatBracketed,
  parseDigitalLink,
  parseElementString,
  parseScanData,
  validateAis,
} from "./gs1/index.ts";
import type { AiValue } from "./gs1/types.ts";

/** How the input was given. */
export type InputForm =
  | "rfid-hex"
  | "epc-uri"
  | "epc-class-uri"
  | "epc-idpat"
  | "tag-uri"
  | "element-string"
  | "scan-data"
  | "digital-link"
  | "gs1-key"
  | "cn-drug-code";

/** What the code identifies (EPC scheme names, plus plain GS1 keys and China's drug code). */
export type CodeKind =
  | "sgtin"
  | "lgtin"
  | "gtin"
  | "sscc"
  | "sgln"
  | "gln"
  | "pgln"
  | "grai"
  | "giai"
  | "gsrn"
  | "gsrnp"
  | "gdti"
  | "sgcn"
  | "cpi"
  | "itip"
  | "upui"
  | "gsin"
  | "ginc"
  | "gid"
  | "usdod"
  | "adi"
  | "bic"
  | "imovn"
  | "cn-drug-code";

export interface CodeResult {
  valid: true;
  kind: CodeKind;
  form: InputForm;
  /**
   * The one canonical identifier suyuan stores and indexes: the canonical GS1 Digital Link
   * (`https://id.gs1.org/…`, identity AIs only) for GS1 keys, the EPC URI for non-GS1 EPC
   * schemes, `urn:suyuan:cn-drug-code:…` for China's drug code.
   */
  canonical: string;
  digitalLink?: string;
  /**
   * Canonical class-level identifier when the code names one: the LGTIN Digital Link
   * (GTIN + lot) for a unit whose lot is known, or the drug product of a CN drug code.
   */
  classCanonical?: string;
  epcUri?: string;
  epcClassUri?: string;
  /** Bracketed GS1 element string of every AI the input carried. */
  elementString?: string;
  ais?: AiValue[];
  /** RFID tag details (EPC bank input or tag URI input). */
  rfid?: { hex: string; scheme: string; filter?: number; tagUri: string };
  /** The AIM symbology identifier of scan-data input. */
  symbology?: string;
  cnDrugCode?: { productCode: string; serial: string; check: string; checkVerified: false };
  /** Caveats a user should know (e.g. an assumed company prefix length). */
  notes?: string[];
}

export interface ParseCodeOptions {
  /**
   * GS1 Company Prefix length, needed to write an EPC URI for a key read from a barcode or
   * Digital Link (the key itself does not say where the prefix ends). Default 7, with a note.
   */
  companyPrefixLength?: number;
}

const DEFAULT_GCP_LENGTH = 7;

/**
 * The identity AIs of each GS1 key kind (GS1 General Specifications §2/§3; the DL primary key
 * with the key qualifiers that make an instance-level EPC, TDS 2.1 §7). Order is DL path order.
 */
const IDENTITY: Array<{ kind: CodeKind; key: string; with?: string[]; without?: string[] }> = [
  { kind: "upui", key: "01", with: ["235"] },
  { kind: "sgtin", key: "01", with: ["21"] },
  { kind: "lgtin", key: "01", with: ["10"] },
  { kind: "gtin", key: "01" },
  { kind: "sscc", key: "00" },
  { kind: "sgln", key: "414", with: ["254"] },
  { kind: "gln", key: "414" },
  { kind: "pgln", key: "417" },
  { kind: "grai", key: "8003" },
  { kind: "giai", key: "8004" },
  { kind: "gsrn", key: "8018" },
  { kind: "gsrnp", key: "8017" },
  { kind: "gdti", key: "253" },
  { kind: "sgcn", key: "255" },
  { kind: "cpi", key: "8010", with: ["8011"] },
  { kind: "itip", key: "8006", with: ["21"] },
  { kind: "gsin", key: "402" },
  { kind: "ginc", key: "401" },
];

/** EPC schemes that are not GS1 keys: their EPC URI is the canonical identifier. */
const NON_GS1_SCHEMES = new Set(["gid", "usdod", "adi", "bic", "imovn"]);

function find(ais: AiValue[], ai: string): AiValue | undefined {
  for (const a of ais) if (a.ai === ai) return a;
  return undefined;
}

function classify(ais: AiValue[]): { kind: CodeKind; identity: AiValue[] } {
  for (const rule of IDENTITY) {
    const key = find(ais, rule.key);
    if (!key) continue;
    const quals = rule.with?.map((q) => find(ais, q));
    if (quals?.some((q) => q === undefined)) continue;
    return { kind: rule.kind, identity: [key, ...((quals ?? []) as AiValue[])] };
  }
  throw new SuyuanError(
    "ID_NO_PRIMARY_KEY",
    `element string ${formatBracketed(ais)}: carries no GS1 identification key (GS1 General Specifications §3)`,
    { field: "ais" },
  );
}

/** Canonical DL of AIs from a barcode or Digital Link: built, then put in the one canonical form. */
function canonicalDl(ais: AiValue[]): string {
  // TDS 2.1 §7.2: GLN extension "0" means "no extension"; the EPC side writes no AI (254) then.
  if (ais.some((a) => a.ai === "254" && a.value === "0")) ais = ais.filter((a) => a.ai !== "254");
  // toCanonicalDigitalLink is the normaliser the event hash uses (CBV 2.0 §8.9); running every
  // Digital Link through it makes the index key and the hash agree on escaping and key form.
  return toCanonicalDigitalLink(buildDigitalLink(ais));
}

/** Barcode, element-string and Digital Link data: must obey the GS1 AI rules. */
function fromAis(ais: AiValue[], form: InputForm, opts: ParseCodeOptions): CodeResult {
  validateAis(ais);
  const { kind, identity } = classify(ais);
  const digitalLink = canonicalDl(identity);
  const result: CodeResult = {
    valid: true,
    kind,
    form,
    canonical: digitalLink,
    digitalLink,
    elementString: formatBracketed(ais),
    ais,
  };
  const gtin = find(ais, "01");
  const lot = find(ais, "10");
  if (gtin && lot && kind !== "lgtin") result.classCanonical = canonicalDl([gtin, lot]);
  if (kind === "gtin" || kind === "gln") return result;
  const gcp = opts.companyPrefixLength ?? DEFAULT_GCP_LENGTH;
  try {
    const uri = epcUriFromAis(identity, gcp);
    if (kind === "lgtin") result.epcClassUri = uri;
    else result.epcUri = uri;
    if (gtin && lot && kind === "sgtin") result.epcClassUri = epcUriFromAis([gtin, lot], gcp);
    if (opts.companyPrefixLength === undefined) {
      result.notes = [
        `EPC URI written with an assumed GS1 Company Prefix length of ${DEFAULT_GCP_LENGTH} (the key does not say where the prefix ends; pass companyPrefixLength)`,
      ];
    }
  } catch (e) {
    // A key whose serial cannot be an EPC (e.g. characters outside the EPC URI set) still
    // has a valid Digital Link; say why there is no EPC URI instead of failing the code.
    if (!(e instanceof SuyuanError)) throw e;
    result.notes = [...(result.notes ?? []), `no EPC URI: ${e.message}`];
  }
  return result;
}

/**
 * EPC URIs (and what RFID hex and tag URIs decode to). An EPC valid under TDS is taken as it
 * is: TDS admits values some GS1 AI linters refuse (e.g. ITIP piece 00 of 00), and a tag the
 * reader really saw must not be refused for that; the mismatch is reported as a note.
 */
function fromEpcUri(uri: string, form: InputForm): CodeResult {
  const epc = parseEpcUri(uri);
  const scheme = epc.scheme as CodeKind;
  if (epc.kind === "idpat")
    return { valid: true, kind: scheme, form: "epc-idpat", canonical: epc.uri, epcUri: epc.uri };
  if (NON_GS1_SCHEMES.has(epc.scheme) || !epc.ais) {
    return { valid: true, kind: scheme, form, canonical: epc.uri, epcUri: epc.uri };
  }
  const digitalLink = toCanonicalDigitalLink(epc.uri);
  const result: CodeResult = {
    valid: true,
    kind: scheme,
    form,
    canonical: digitalLink,
    digitalLink,
    elementString: formatBracketed(epc.ais),
    ais: epc.ais,
  };
  if (epc.kind === "class") result.epcClassUri = epc.uri;
  else result.epcUri = epc.uri;
  try {
    validateAis(epc.ais);
  } catch (e) {
    if (!(e instanceof SuyuanError)) throw e;
    result.notes = [`valid EPC, but its element string breaks a GS1 AI rule: ${e.message}`];
  }
  return result;
}

const HEX = /^[0-9A-Fa-f]+$/;
const DIGITS = /^[0-9]+$/;

/**
 * Take whatever a person or device gives and return the canonical identifier, or throw a
 * SuyuanError with a stable code naming the part and the rule.
 */
export function parseCode(rawInput: string, opts: ParseCodeOptions = {}): CodeResult {
  if (typeof rawInput !== "string") throw new TypeError("parseCode: input must be a string");
  // Scanners end lines with CR/LF; people paste spaces. GS (0x1D) inside is data (FNC1).
  const input = rawInput.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, "");
  if (input === "") throw new SuyuanError("ID_EMPTY", "no code given", { field: "input" });

  if (input.startsWith("]")) {
    const scan = parseScanData(input);
    const r = scan.digitalLink
      ? fromAis(parseDigitalLink(scan.digitalLink).ais, "scan-data", opts)
      : scan.ais
        ? fromAis(scan.ais, "scan-data", opts)
        : undefined;
    if (!r) {
      throw new SuyuanError(
        "ID_SCAN_NOT_GS1",
        `scan data ${JSON.stringify(input)}: symbology ${scan.aimId} carries no GS1 data`,
        { field: "scanData" },
      );
    }
    r.symbology = scan.aimId;
    return r;
  }
  if (input.startsWith("urn:epc:tag:")) {
    const tag = parseTagUri(input);
    const enc = encodeEpcDetailed(tag.tagUri);
    const r = fromEpcUri(tag.epc.uri, "tag-uri");
    r.rfid = rfidOf(enc.hex, tag.scheme, tag.filter, tag.tagUri);
    return r;
  }
  if (input.startsWith("urn:epc:")) {
    const form: InputForm = input.startsWith("urn:epc:class:")
      ? "epc-class-uri"
      : input.startsWith("urn:epc:idpat:")
        ? "epc-idpat"
        : "epc-uri";
    return fromEpcUri(input, form);
  }
  if (input.startsWith(CN_DRUG_URI_PREFIX)) return fromCnDrug(input);
  if (/^https?:\/\//i.test(input)) return fromAis(parseDigitalLink(input).ais, "digital-link", opts);
  if (input.startsWith("(") || input.startsWith("^") || input.includes("\u001d")) {
    return fromAis(parseElementString(input), "element-string", opts);
  }
  if (DIGITS.test(input)) {
    // A bare GS1 key as printed under a barcode (GTIN-8/12/13/14).
    if (input.length === 8 || input.length === 12 || input.length === 13 || input.length === 14) {
      const r = fromAis([{ ai: "01", value: input.padStart(14, "0") }], "gs1-key", opts);
      return r;
    }
    // 20 digits: an SSCC element string "00"+18 with a valid check digit, else China's drug code.
    if (isCnDrugCodeShape(input)) {
      if (input.startsWith("00")) {
        try {
          return fromAis(parseElementString(input), "element-string", opts);
        } catch {
          // not an SSCC: fall through to the drug code
        }
      }
      return fromCnDrug(input);
    }
    try {
      return fromAis(parseElementString(input), "element-string", opts);
    } catch (e) {
      // Digits only and a multiple of 4 long: could still be an EPC bank read out in hex.
      if (input.length % 4 !== 0 || input.length < 24) throw e;
    }
  }
  if (HEX.test(input) && input.length % 4 === 0 && input.length >= 16) {
    const tag = decodeEpc(input);
    const r = fromEpcUri(tag.epcUri, "rfid-hex");
    r.rfid = rfidOf(input.toUpperCase(), tag.scheme, tag.filter, tag.tagUri);
    return r;
  }
  throw new SuyuanError(
    "ID_UNRECOGNISED",
    `${JSON.stringify(input.length > 80 ? `${input.slice(0, 80)}…` : input)}: not a known code form (RFID hex, EPC/tag URI, GS1 element string, scan data with an AIM prefix, GS1 Digital Link, or 20-digit drug code)`,
    { field: "input" },
  );
}

function rfidOf(hex: string, scheme: string, filter: number | undefined, tagUri: string): CodeResult["rfid"] {
  return filter === undefined ? { hex, scheme, tagUri } : { hex, scheme, filter, tagUri };
}

function fromCnDrug(input: string): CodeResult {
  const d = parseCnDrugCode(input);
  return {
    valid: true,
    kind: "cn-drug-code",
    form: "cn-drug-code",
    canonical: d.uri,
    classCanonical: d.classUri,
    cnDrugCode: { productCode: d.productCode, serial: d.serial, check: d.check, checkVerified: false },
    notes: [CN_DRUG_CHECK_NOTE],
  };
}
