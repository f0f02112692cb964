// Barcode scanner output with AIM symbology identifiers (ISO/IEC 15424; GS1 General
// Specifications §5.1.2 and §5.10, Figure 5.1.2-2): "]C1" GS1-128, "]e0" GS1 DataBar and
// composite components, "]d2" GS1 DataMatrix, "]Q3" GS1 QR Code, "]J1" GS1 DotCode (FNC1 in
// first position: GS1 element strings with GS separators), "]E0" EAN-13/UPC-A/UPC-E, "]E4"
// EAN-8, and plain "]d1"/"]Q1"/"]J0" data, which may be a GS1 Digital Link URI.
//
// `data` uses the GS1 Syntax Engine notation: GS1 element strings start with "^" and use "^"
// for FNC1; a literal "^" in plain data is written "\^"; "|" separates a linear symbol from
// its 2D composite component.
import { SuyuanError } from "../../errors.ts";
import { gs1CheckDigit, hasValidGs1CheckDigit } from "./check-digit.ts";
import { type DigitalLinkOptions, parseDigitalLink } from "./digital-link.ts";
import { formatUnbracketed, GS, parseUnbracketedAis } from "./element-string.ts";
import type { AiValue } from "./types.ts";

export type Symbology =
  | "NONE"
  | "QR"
  | "DM"
  | "DotCode"
  | "DataBarExpanded"
  | "DataBarOmni"
  | "DataBarLimited"
  | "GS1_128_CCA"
  | "GS1_128_CCC"
  | "EAN13"
  | "EAN8"
  | "UPCA"
  | "UPCE";

export interface ScanData {
  /** The AIM symbology identifier, e.g. "]d2". */
  aimId: string;
  symbology: Symbology;
  /** AIs of GS1 data (GS1 modes, EAN/UPC as AI (01) plus any composite AIs). */
  ais?: AiValue[];
  /** The URI when plain data is a GS1 Digital Link. */
  digitalLink?: string;
  /** The data in GS1 Syntax Engine notation (see the file header). */
  data: string;
}

const err = (msg: string): SuyuanError => new SuyuanError("ID_SCAN_DATA", msg);

/** GS1 modes: AIM id → symbology. */
const GS1_AIM: Readonly<Record<string, Symbology>> = {
  "]C1": "GS1_128_CCA",
  "]e0": "DataBarExpanded",
  "]d2": "DM",
  "]Q3": "QR",
  "]J1": "DotCode",
};
const PLAIN_AIM: Readonly<Record<string, Symbology>> = { "]d1": "DM", "]Q1": "QR", "]J0": "DotCode" };

const escapeCaret = (s: string): string => s.replaceAll("^", "\\^");
const unescapeCaret = (s: string): string => s.replaceAll("\\^", "^");

function isDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

// GS1 data after the AIM id: element strings with GS as FNC1 separator, FNC1 in first
// position implied. A literal "^" is not a GS1 AI character.
function gs1Part(content: string, opts: DigitalLinkOptions | undefined, extra: AiValue[] = []): AiValue[] {
  if (content.length === 0) throw err("GS1 data is empty");
  if (content.includes("^")) throw err('"^" is not a valid character in GS1 data');
  const ais = parseUnbracketedAis(content, { ...opts, leadingFnc1: false, associations: false });
  return [...extra, ...ais];
}

const toEngine = (content: string): string => `^${content.replaceAll(GS, "^")}`;

/** Parses scanner output that starts with an AIM symbology identifier. */
export function parseScanData(s: string, opts?: DigitalLinkOptions): ScanData {
  if (typeof s !== "string") throw new TypeError("parseScanData: input must be a string");
  if (s.length < 3 || s.charCodeAt(0) !== 93)
    throw err("scan data must start with an AIM symbology identifier such as ]d2");
  const aimId = s.slice(0, 3);
  const rest = s.slice(3);
  const gs1 = GS1_AIM[aimId];
  if (gs1) {
    const ais = gs1Part(rest, opts);
    if (opts?.associations !== false) parseUnbracketedAis(rest, { ...opts, leadingFnc1: false });
    return { aimId, symbology: gs1, ais, data: toEngine(rest) };
  }
  const plain = PLAIN_AIM[aimId];
  if (plain) {
    if (/^https?:\/\//i.test(rest)) {
      const dl = parseDigitalLink(rest, opts);
      return { aimId, symbology: plain, ais: dl.ais, digitalLink: rest, data: escapeCaret(rest) };
    }
    return { aimId, symbology: plain, data: escapeCaret(rest) };
  }
  if (aimId === "]E0" || aimId === "]E4") {
    // EAN/UPC: 13 (E0) or 8 (E4) digits with a check digit, optionally "|" and the composite
    // component as its own "]e0" transmission.
    const bar = rest.indexOf("|");
    const linear = bar < 0 ? rest : rest.slice(0, bar);
    const want = aimId === "]E0" ? 13 : 8;
    if (linear.length !== want || !isDigits(linear)) throw err(`${aimId} data must be ${want} digits`);
    if (!hasValidGs1CheckDigit(linear)) {
      throw new SuyuanError(
        "ID_BAD_CHECK_DIGIT",
        `GTIN ${linear}: check digit ${linear[want - 1]}, expected ${gs1CheckDigit(linear.slice(0, -1))}`,
      );
    }
    const gtin: AiValue = { ai: "01", value: linear.padStart(14, "0") };
    let ais = [gtin];
    let data = linear;
    if (bar >= 0) {
      const cc = rest.slice(bar + 1);
      if (!cc.startsWith("]e0")) throw err("composite component must start with ]e0");
      ais = gs1Part(cc.slice(3), opts, ais);
      data += `|${toEngine(cc.slice(3))}`;
    }
    return { aimId, symbology: aimId === "]E0" ? "EAN13" : "EAN8", ais, data };
  }
  throw err(`unsupported AIM symbology identifier ${aimId}`);
}

const AIM_FOR: Partial<Record<Symbology, [gs1: string, plain: string]>> = {
  QR: ["]Q3", "]Q1"],
  DM: ["]d2", "]d1"],
  DotCode: ["]J1", "]J0"],
};

// Linear part of a GS1 data string → AIs (validated), from "^…" engine notation.
function engineAis(data: string, opts: DigitalLinkOptions | undefined): AiValue[] {
  return parseUnbracketedAis(data, { ...opts, associations: false });
}

function withComposite(linear: string, cc: string | undefined, opts: DigitalLinkOptions | undefined): string {
  if (cc === undefined) return linear;
  if (!cc.startsWith("^")) throw err("composite component must be GS1 data");
  return linear + formatUnbracketed(engineAis(cc, opts));
}

/** GTIN-14 from "^01…" or bare digits for a one-GTIN symbol; `lengths` are the bare forms. */
function gtinOf(linear: string, bare: number, addCheckDigit: boolean, sym: string): string {
  if (linear.startsWith("^")) {
    const ais = parseUnbracketedAis(linear, { associations: false });
    if (ais.length !== 1 || ais[0]!.ai !== "01") throw err(`${sym} carries exactly one AI (01)`);
    return ais[0]!.value;
  }
  let digits = linear;
  if (addCheckDigit && isDigits(digits) && digits.length === bare - 1) digits += String(gs1CheckDigit(digits));
  if (digits.length !== bare || !isDigits(digits)) throw err(`${sym} data must be ${bare} digits`);
  if (!hasValidGs1CheckDigit(digits)) throw new SuyuanError("ID_BAD_CHECK_DIGIT", `GTIN ${digits}: bad check digit`);
  return digits.padStart(14, "0");
}

/**
 * Scanner output for `data` (GS1 Syntax Engine notation) encoded in `symbology`: the inverse
 * of parseScanData. Throws when the data cannot be carried by that symbology.
 */
export function toScanData(
  symbology: Symbology,
  data: string,
  opts?: DigitalLinkOptions & { addCheckDigit?: boolean },
): string {
  const bar = data.indexOf("|");
  const linear = bar < 0 ? data : data.slice(0, bar);
  const cc = bar < 0 ? undefined : data.slice(bar + 1);
  const pair = AIM_FOR[symbology];
  if (pair) {
    if (data.startsWith("^")) {
      engineAis(data.slice(0), opts); // validates; keeps a trailing FNC1 as sent
      return pair[0] + data.slice(1).replaceAll("^", GS);
    }
    return pair[1] + unescapeCaret(data);
  }
  switch (symbology) {
    case "DataBarExpanded":
    case "GS1_128_CCA":
    case "GS1_128_CCC": {
      if (!linear.startsWith("^")) throw err(`${symbology} carries GS1 data only`);
      const ais = engineAis(linear, opts);
      const aim = cc === undefined && symbology !== "DataBarExpanded" ? "]C1" : "]e0";
      const body = formatUnbracketed(ais);
      if (cc === undefined) return aim + body;
      const ccAis = engineAis(cc, opts);
      return aim + formatUnbracketed([...ais, ...ccAis]);
    }
    case "DataBarOmni":
    case "DataBarLimited": {
      const gtin = gtinOf(linear, 14, opts?.addCheckDigit === true, symbology);
      // GS1 DataBar Limited encodes only GTINs with indicator digit 0 or 1 (GS1 General Specifications §5.5.2.1).
      if (symbology === "DataBarLimited" && gtin[0] !== "0" && gtin[0] !== "1")
        throw err("DataBar Limited needs indicator digit 0 or 1");
      return withComposite(`]e001${gtin}`, cc, opts);
    }
    case "EAN13":
    case "UPCA":
    case "UPCE":
    case "EAN8": {
      const bare = symbology === "EAN13" ? 13 : symbology === "EAN8" ? 8 : symbology === "UPCA" ? 12 : 8;
      const gtin = gtinOf(linear, bare, opts?.addCheckDigit === true, symbology);
      const zeros = symbology === "EAN13" ? 1 : symbology === "EAN8" ? 6 : 2;
      if (!gtin.startsWith("0".repeat(zeros))) throw err(`GTIN ${gtin} cannot be carried in ${symbology}`);
      const main = symbology === "EAN8" ? `]E4${gtin.slice(6)}` : `]E0${gtin.slice(1)}`;
      if (cc === undefined) return main;
      if (!cc.startsWith("^")) throw err("composite component must be GS1 data");
      return `${main}|]e0${formatUnbracketed(engineAis(cc, opts))}`;
    }
    default:
      throw err(`cannot encode data in symbology ${symbology}`);
  }
}
