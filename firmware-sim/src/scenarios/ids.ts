/**
 * Identifier construction for scenarios: GS1 keys with valid check digits (GS1 General
 * Specifications §7.9.1), EPC URIs and RFID EPC-bank hex (TDS 2.1 §7, §14), barcode scan data
 * exactly as a scanner sends it (AIM symbology identifier, ISO/IEC 15424; GS as FNC1), and
 * China's 20-digit drug traceability code. Everything goes through `@suyuan/proto`, so an
 * identifier built here is one the gateway and the core parse to the same canonical form.
 */
import {
  buildDigitalLink,
  encodeEpc,
  epcUriFromAis,
  formatUnbracketed,
  GS,
  gs1CheckDigit,
  parseCode,
  toScanData,
} from "@suyuan/proto";

function digits(n: number | string, width: number, what: string): string {
  const s = String(n);
  if (!/^\d+$/.test(s) || s.length > width) throw new TypeError(`${what}: ${s} does not fit ${width} digits`);
  return s.padStart(width, "0");
}

function withCheck(body: string): string {
  return body + String(gs1CheckDigit(body));
}

/** GTIN-14 (indicator 0) from a GS1 Company Prefix and an item reference (GS1 GS §2.1.2). */
export function makeGtin(companyPrefix: string, itemRef: number): string {
  return withCheck(`0${companyPrefix}${digits(itemRef, 12 - companyPrefix.length, "item reference")}`);
}

/** SSCC (18 digits, extension digit 0) from a company prefix and serial reference (GS1 GS §2.2.1). */
export function makeSscc(companyPrefix: string, serialRef: number, extension = 0): string {
  return withCheck(`${extension}${companyPrefix}${digits(serialRef, 16 - companyPrefix.length, "serial reference")}`);
}

/** 13-digit GLN from a company prefix and a location reference (GS1 GS §2.4.4). */
export function makeGln(companyPrefix: string, locationRef: number): string {
  return withCheck(`${companyPrefix}${digits(locationRef, 12 - companyPrefix.length, "location reference")}`);
}

/** SGLN EPC URI (TDS 2.1 §6.3.3); extension "0" means the GLN itself. */
export function sglnUri(companyPrefix: string, locationRef: number, extension: string | number = 0): string {
  return `urn:epc:id:sgln:${companyPrefix}.${digits(locationRef, 12 - companyPrefix.length, "location reference")}.${extension}`;
}

/** PGLN EPC URI (TDS 2.1 §6.3.21): the party GLN. */
export function pglnUri(companyPrefix: string, partyRef: number): string {
  return `urn:epc:id:pgln:${companyPrefix}.${digits(partyRef, 12 - companyPrefix.length, "party reference")}`;
}

/** The canonical identifier (proto `parseCode(...).canonical`) of any code form. */
export function canonicalOf(code: string): string {
  return parseCode(code).canonical;
}

/** A GS1 Digital Link for a GLN location (AI 414), as the core and the observe rule write it. */
export function glnLocation(gln: string): string {
  return canonicalOf(`(414)${gln}`);
}

/** A serialised trade item: canonical id, EPC URI and the RFID EPC bank (SGTIN-96). */
export interface SgtinIds {
  gtin: string;
  serial: string;
  canonical: string;
  epcUri: string;
  /** EPC bank hex (SGTIN-96, the given filter value — TDS 2.1 §10.1: 1 POS item, 2 case). */
  rfidHex: string;
}

export function makeSgtin(gtin: string, serial: number, companyPrefixLength: number, filter = 1): SgtinIds {
  const s = String(serial);
  const ais = [
    { ai: "01", value: gtin },
    { ai: "21", value: s },
  ];
  const epcUri = epcUriFromAis(ais, companyPrefixLength);
  return {
    gtin,
    serial: s,
    canonical: canonicalOf(`(01)${gtin}(21)${s}`),
    epcUri,
    rfidHex: encodeEpc(epcUri, { filter }),
  };
}

export interface SsccIds {
  sscc: string;
  canonical: string;
  epcUri: string;
  /** SSCC-96 EPC bank hex, filter 2 (TDS 2.1 §10.2: full case for transport) — or 0 "all others". */
  rfidHex: string;
}

export function makeSsccIds(sscc: string, companyPrefixLength: number, filter = 0): SsccIds {
  const epcUri = epcUriFromAis([{ ai: "00", value: sscc }], companyPrefixLength);
  return { sscc, canonical: canonicalOf(`(00)${sscc}`), epcUri, rfidHex: encodeEpc(epcUri, { filter }) };
}

/** The canonical LGTIN Digital Link of a GTIN and a lot (AI 10): the id of a lot in answers. */
export function lgtinOf(gtin: string, lot: string): string {
  return canonicalOf(`(01)${gtin}(10)${lot}`);
}

type Ai = { ai: string; value: string };

/** GS1 DataMatrix scan data (`]d2`, FNC1 as GS — GS1 GS §5.1.2, Figure 5.1.2-2). */
export function dataMatrixScan(ais: Ai[]): string {
  return toScanData("DM", `^${formatUnbracketed(ais).replaceAll(GS, "^")}`);
}

/** GS1-128 scan data (`]C1`). */
export function gs1128Scan(ais: Ai[]): string {
  return toScanData("GS1_128_CCA", `^${formatUnbracketed(ais).replaceAll(GS, "^")}`);
}

/** A QR code carrying a GS1 Digital Link URI (`]Q1` plain data, GS1 Digital Link §4). */
export function digitalLinkQrScan(ais: Ai[], stem: string): string {
  return toScanData("QR", buildDigitalLink(ais, { stem }));
}

/**
 * YYMMDD (GS1 GS §7.12) of a date.
 */
export function gs1Date(d: Date): string {
  const y = String(d.getUTCFullYear() % 100).padStart(2, "0");
  const m = String(d.getUTCMonth() + 1).padStart(2, "0");
  const day = String(d.getUTCDate()).padStart(2, "0");
  return `${y}${m}${day}`;
}

/** ISO date (YYYY-MM-DD) of a date, as CBV master data dates are written. */
export function isoDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/**
 * China's 20-digit drug traceability code: 7-digit drug identification code, 9-digit serial,
 * 4 verification digits. NMPA does not publish the verification rule (see proto's
 * cn/drug-code.ts), so these digits are a deterministic function of the first 16 — the codes
 * are structurally valid, which is all any verifier outside the issuing platform can check.
 * Product codes must not start with "00" (a 20-digit "00…" string is an SSCC element string).
 */
export function makeCnDrugCode(productCode: string, serial: number): string {
  if (!/^\d{7}$/.test(productCode) || productCode.startsWith("00"))
    throw new TypeError(`drug identification code ${productCode}: 7 digits, not starting with 00`);
  const body = productCode + digits(serial, 9, "drug code serial");
  let h = 0;
  for (let i = 0; i < body.length; i++) h = (h * 31 + body.charCodeAt(i) * (i + 7)) % 10007;
  return body + String(h % 10000).padStart(4, "0");
}
