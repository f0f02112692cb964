/**
 * What a scanner transmits for a symbol: the AIM symbology identifier (ISO/IEC 15424) and the
 * decoded data, built with proto so check digits and AI syntax are never hand-made.
 *
 * GS1 General Specifications §5.1.2 / Figure 5.1.2-2 (and proto's parseScanData): `]C1` GS1-128,
 * `]d2` GS1 DataMatrix, `]Q3` GS1 QR (element string), `]E0` EAN-13; a GS1 Digital Link URI is
 * plain data in a QR Code, so it carries `]Q1` (GS1 Digital Link standard §4.9: a DL URI is
 * encoded in a QR Code without FNC1), which `parseScanData` resolves via its `digitalLink`.
 * GS (0x1D) separates a variable-length AI from the next (FNC1 as transmitted, §7.8.5.2).
 */
import {
  type AiValue,
  buildDigitalLink,
  type DigitalLinkOptions,
  formatUnbracketed,
  parseBracketedAis,
  toScanData,
  validateAis,
} from "@suyuan/proto";

/** AIs as a list, or a bracketed element string such as "(01)09506000134352(10)LOT1". */
export type AisInput = readonly AiValue[] | string;

function ais(input: AisInput): AiValue[] {
  const list = typeof input === "string" ? parseBracketedAis(input) : [...input];
  validateAis(list);
  return list;
}

/** GS1-128: `]C1` + element string with GS separators. */
export function gs1_128(input: AisInput): string {
  return `]C1${formatUnbracketed(ais(input))}`;
}

/** GS1 DataMatrix: `]d2` + element string with GS separators. */
export function gs1DataMatrix(input: AisInput): string {
  return `]d2${formatUnbracketed(ais(input))}`;
}

/** GS1 QR Code carrying an element string: `]Q3` + element string. */
export function gs1QrElementString(input: AisInput): string {
  return `]Q3${formatUnbracketed(ais(input))}`;
}

/** QR Code carrying a GS1 Digital Link URI: `]Q1https://…`. */
export function digitalLinkQr(input: AisInput, opts?: DigitalLinkOptions & { stem?: string }): string {
  return `]Q1${buildDigitalLink(ais(input), opts)}`;
}

/** EAN-13 of a GTIN-13 (or a GTIN-14 with a leading 0): `]E0` + 13 digits; the check digit is verified. */
export function ean13(gtin: string): string {
  const g14 = gtin.length === 13 ? `0${gtin}` : gtin;
  return toScanData("EAN13", `^01${g14}`);
}

/**
 * China's 20-digit drug traceability code (药品追溯码) as the Code 128 scanners at Chinese
 * pharmacies are set up to send it: the bare digits, no AIM identifier (a `]C0` prefix would be
 * plain, non-GS1 Code 128 data, which proto does not classify).
 */
export function cnDrugCode(code: string): string {
  if (!/^\d{20}$/.test(code)) throw new TypeError("a China drug traceability code is 20 digits");
  return code;
}

/** Zebra's symbology name for an AIM identifier (what its dataEVT reports; gateway payloads.ts maps back). */
export function zebraSymbology(aimId: string): string | undefined {
  return ZEBRA_NAMES[aimId];
}

const ZEBRA_NAMES: Readonly<Record<string, string>> = {
  "]C1": "GS1-128",
  "]C0": "Code 128",
  "]d2": "GS1 Datamatrix",
  "]d1": "Datamatrix",
  "]Q3": "GS1 QR",
  "]Q1": "QR Code",
  "]e0": "GS1 DataBar",
  "]E0": "EAN-13",
  "]E4": "EAN-8",
};
