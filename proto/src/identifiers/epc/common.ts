// Shared helpers for EPC identifiers: error construction, GS1 check digits and the
// character sets of the EPC Tag Data Standard (TDS 2.1 §5 "Common grammar elements",
// Annex A "Character set for alphanumeric serial numbers").
import { SuyuanError } from "../../errors.ts";

export function epcError(code: string, message: string, field?: string): SuyuanError {
  return new SuyuanError(code, message, field === undefined ? undefined : { field });
}

/** GS1 General Specifications §7.9.1: mod-10 check digit over `digits` (the data digits, without the check digit). */
export function gs1CheckDigit(digits: string): number {
  let sum = 0;
  let weight = 3;
  for (let i = digits.length - 1; i >= 0; i--) {
    sum += (digits.charCodeAt(i) - 48) * weight;
    weight = 4 - weight;
  }
  return (10 - (sum % 10)) % 10;
}

export function withCheckDigit(digits: string): string {
  return digits + String.fromCharCode(48 + gs1CheckDigit(digits));
}

export function isDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Digits or empty. */
export function isDigitsOrEmpty(s: string): boolean {
  return s.length === 0 || isDigits(s);
}

/**
 * GS1 AI encodable character set 82 (TDS 2.1 Annex A, GS1 GenSpecs Figure 7.11-1).
 * URI_SAFE marks the ones written as themselves in an EPC URI; the seven others are
 * written as %-escapes (TDS 2.1 §5, production `Escape`: %22 %25 %26 %2F %3C %3E %3F).
 */
export const CSET82 = new Uint8Array(128);
const URI_SAFE = new Uint8Array(128);
{
  const safe = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!'()*+,-.:;=_";
  for (let i = 0; i < safe.length; i++) {
    CSET82[safe.charCodeAt(i)] = 1;
    URI_SAFE[safe.charCodeAt(i)] = 1;
  }
  for (const c of '"%&/<>?') CSET82[c.charCodeAt(0)] = 1;
}

const HEX_VAL = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) HEX_VAL[48 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX_VAL[65 + i] = 10 + i;
  HEX_VAL[97 + i] = 10 + i;
}

export { HEX_VAL };

const HEX_UPPER = "0123456789ABCDEF";

/** The `%XX` escape of a char code (upper-case hex). */
export function pctEscape(code: number): string {
  return "%" + HEX_UPPER[code >> 4] + HEX_UPPER[code & 15];
}

/** Result of decoding one URI component: the raw value and the component in normalised URI form. */
export interface DecodedComponent {
  value: string;
  uri: string;
}

/**
 * Decodes a GS3A3 component (TDS 2.1 §5: GS3A3Char = unreserved-subset | Escape): the
 * alphanumeric serials, lots, extensions of the GS1 schemes. Returns null-free errors:
 * throws ID_EPC_BAD_CHARACTER / ID_EPC_BAD_ESCAPE naming `field`.
 */
export function decodeGs3a3(s: string, field: string): DecodedComponent {
  let plain = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || URI_SAFE[c] === 0) {
      plain = false;
      break;
    }
  }
  if (plain) return { value: s, uri: s };
  let value = "";
  let uri = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 37) {
      const h = i + 2 < s.length ? HEX_VAL[s.charCodeAt(i + 1) & 127]! : -1;
      const l = i + 2 < s.length ? HEX_VAL[s.charCodeAt(i + 2) & 127]! : -1;
      if (h < 0 || l < 0 || s.charCodeAt(i + 1) >= 128 || s.charCodeAt(i + 2) >= 128) {
        throw epcError("ID_EPC_BAD_ESCAPE", `${field}: "%" must be followed by two hex digits (TDS §5)`, field);
      }
      const code = h * 16 + l;
      if (code >= 128 || CSET82[code] === 0 || URI_SAFE[code] === 1) {
        throw epcError(
          "ID_EPC_BAD_ESCAPE",
          `${field}: escape ${s.slice(i, i + 3)} is not one of %22 %25 %26 %2F %3C %3E %3F (TDS §5 GS3A3)`,
          field,
        );
      }
      value += String.fromCharCode(code);
      uri += pctEscape(code);
      i += 2;
    } else if (c < 128 && URI_SAFE[c] === 1) {
      value += s[i];
      uri += s[i];
    } else {
      throw epcError(
        "ID_EPC_BAD_CHARACTER",
        `${field}: character ${JSON.stringify(s[i])} is not allowed (TDS §5 GS3A3: GS1 character set 82, with " % & / < > ? %-escaped)`,
        field,
      );
    }
  }
  return { value, uri };
}

/** Writes a cset82 value in EPC URI form (TDS §5: the seven URI-unsafe characters %-escaped). */
export function encodeGs3a3(value: string): string {
  let out = "";
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 128 && URI_SAFE[c] === 1) continue;
    out += value.slice(start, i) + pctEscape(c);
    start = i + 1;
  }
  return start === 0 ? value : out + value.slice(start);
}

/** Validates a raw (unescaped) value against cset82; throws naming `field`. */
export function checkCset82(value: string, field: string): void {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 128 || CSET82[c] === 0) {
      throw epcError(
        "ID_EPC_BAD_CHARACTER",
        `${field}: character ${JSON.stringify(value[i])} is not in GS1 character set 82`,
        field,
      );
    }
  }
}

/**
 * Component/Part Reference characters (TDS 2.1 §6.3.13 CPI: digits, upper-case letters,
 * "-", and "#" and "/" written %23 and %2F; GS1 character set 39).
 */
const CSET39_PLAIN = new Uint8Array(128);
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") CSET39_PLAIN[c.charCodeAt(0)] = 1;

export function decodeCpRef(s: string, field: string): DecodedComponent {
  let value = "";
  let uri = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 37) {
      const esc = s.slice(i, i + 3).toUpperCase();
      if (esc === "%23" || esc === "%2F") {
        value += esc === "%23" ? "#" : "/";
        uri += esc;
        i += 2;
        continue;
      }
      throw epcError(
        "ID_EPC_BAD_ESCAPE",
        `${field}: only %23 (#) and %2F (/) are allowed escapes (TDS §6.3.13)`,
        field,
      );
    }
    if (c >= 128 || CSET39_PLAIN[c] === 0) {
      throw epcError(
        "ID_EPC_BAD_CHARACTER",
        `${field}: character ${JSON.stringify(s[i])} is not allowed (TDS §6.3.13: 0-9 A-Z - %23 %2F)`,
        field,
      );
    }
    value += s[i];
    uri += s[i];
  }
  return { value, uri };
}

export function encodeCpRef(value: string): string {
  return value.replace(/[#/]/g, (m) => (m === "#" ? "%23" : "%2F"));
}

/** Raw-value check for the CPI part reference (cset39 subset used by TDS). */
export function checkCpRefValue(value: string, field: string): void {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 35 || c === 47) continue;
    if (c >= 128 || CSET39_PLAIN[c] === 0) {
      throw epcError("ID_EPC_BAD_CHARACTER", `${field}: character ${JSON.stringify(value[i])} is not allowed`, field);
    }
  }
}

/** CAGE code (5) or DoDAAC (6): digits and upper-case letters except I and O (TDS 2.1 §6.3.9, §6.3.12). */
export function isCageOrDodaac(s: string): boolean {
  if (s.length !== 5 && s.length !== 6) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const digit = c >= 48 && c <= 57;
    const upper = c >= 65 && c <= 90 && c !== 73 && c !== 79;
    if (!digit && !upper) return false;
  }
  return true;
}

/** ADI characters (TDS 2.1 §6.3.12): A-Z, 0-9, "-", and "/" as %2F. */
export function decodeAdiChars(s: string, field: string): DecodedComponent {
  let value = "";
  let uri = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 37) {
      if (s.slice(i, i + 3).toUpperCase() === "%2F") {
        value += "/";
        uri += "%2F";
        i += 2;
        continue;
      }
      throw epcError("ID_EPC_BAD_ESCAPE", `${field}: only %2F is allowed here (TDS §6.3.12 ADI)`, field);
    }
    const ok = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || c === 45;
    if (!ok) {
      throw epcError(
        "ID_EPC_BAD_CHARACTER",
        `${field}: character ${JSON.stringify(s[i])} is not allowed (TDS §6.3.12 ADI: A-Z 0-9 - %2F)`,
        field,
      );
    }
    value += s[i];
    uri += s[i];
  }
  return { value, uri };
}

/** Decimal without leading zeros ("0" | [1-9][0-9]*), TDS §5 NumericComponent. */
export function isNumericComponent(s: string): boolean {
  if (!isDigits(s)) return false;
  return s.length === 1 || s.charCodeAt(0) !== 48;
}
