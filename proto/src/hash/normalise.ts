/**
 * Value normalisations of the CBV 2.0 event hash (CBV 2.0 §8.9.2, "canonical value
 * representation"), written to agree byte for byte with the reference implementation the
 * standard cites (RalphTro/epcis-event-hash-generator), whose published vectors are the
 * contract. Each function is pure and allocation-light: they run on every value of every
 * event.
 */

// ---------------------------------------------------------------------------------------------
// Timestamps
// ---------------------------------------------------------------------------------------------

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function digit(s: string, i: number): number {
  const c = s.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : -1;
}

/** Reads `n` decimal digits at `i`; -1 when any is not a digit. */
function digits(s: string, i: number, n: number): number {
  if (i + n > s.length) return -1;
  let v = 0;
  for (let k = 0; k < n; k++) {
    const d = digit(s, i + k);
    if (d < 0) return -1;
    v = v * 10 + d;
  }
  return v;
}

function pad(n: number, width: number): string {
  const s = String(n);
  return s.length >= width ? s : "0".repeat(width - s.length) + s;
}

/**
 * CBV 2.0 §8.9.2: a timestamp is written in UTC ("Z") with exactly three fractional digits.
 * Input is an xsd:dateTime (`YYYY-MM-DDThh:mm[:ss[.f…]][Z|±hh[:mm]]`; a space separator and a
 * comma decimal mark are also read, as the reference's parser does). Fractions beyond
 * microseconds are truncated, then rounded half-to-even to milliseconds (the reference rounds
 * the microsecond value with Python's `round(us, -3)`, see the TimeStampRoundOff vectors).
 * A time without an offset is taken as UTC (EPCIS requires the offset; the reference would
 * use the host's zone). Returns undefined when the text is not a timestamp: the caller then
 * keeps the text as written, like the reference.
 */
export function normaliseTimestamp(text: string): string | undefined {
  const s = text;
  const year = digits(s, 0, 4);
  if (year < 0 || s.charCodeAt(4) !== 45 /* - */) return undefined;
  const month = digits(s, 5, 2);
  if (month < 1 || month > 12 || s.charCodeAt(7) !== 45) return undefined;
  const day = digits(s, 8, 2);
  const sep = s.charCodeAt(10);
  if (day < 1 || (sep !== 84 /* T */ && sep !== 32 && sep !== 116) /* t */) return undefined;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > DAYS_IN_MONTH[month - 1]! || (month === 2 && day === 29 && !leap)) return undefined;
  const hour = digits(s, 11, 2);
  if (hour < 0 || hour > 23 || s.charCodeAt(13) !== 58 /* : */) return undefined;
  const minute = digits(s, 14, 2);
  if (minute < 0 || minute > 59) return undefined;
  let i = 16;
  let second = 0;
  let micro = 0;
  if (s.charCodeAt(i) === 58) {
    second = digits(s, i + 1, 2);
    if (second < 0 || second > 59) return undefined;
    i += 3;
    const dot = s.charCodeAt(i);
    if (dot === 46 /* . */ || dot === 44 /* , */) {
      i++;
      const start = i;
      while (digit(s, i) >= 0) i++;
      if (i === start) return undefined;
      // Microseconds: first six digits, right-padded (Python dateutil truncates the rest).
      for (let k = 0; k < 6; k++) micro = micro * 10 + (start + k < i ? digit(s, start + k) : 0);
    }
  }
  let offsetMinutes = 0;
  if (i < s.length) {
    const z = s.charCodeAt(i);
    if ((z === 90 /* Z */ || z === 122) && i + 1 === s.length) {
      // UTC
    } else if (z === 43 /* + */ || z === 45 /* - */) {
      const oh = digits(s, i + 1, 2);
      if (oh < 0 || oh > 23) return undefined;
      let j = i + 3;
      let om = 0;
      if (j < s.length) {
        if (s.charCodeAt(j) === 58) j++;
        om = digits(s, j, 2);
        if (om < 0 || om > 59) return undefined;
        j += 2;
      }
      if (j !== s.length) return undefined;
      offsetMinutes = (z === 45 ? -1 : 1) * (oh * 60 + om);
    } else {
      return undefined;
    }
  }
  // Round half to even on the microsecond value (Python 3 round()).
  let ms = Math.floor(micro / 1000);
  const rem = micro - ms * 1000;
  if (rem > 500 || (rem === 500 && ms % 2 === 1)) ms++;
  // A carry to the next second is kept as time (the reference fails on that event instead).
  const utc = new Date(0);
  utc.setUTCFullYear(year, month - 1, day);
  utc.setUTCHours(hour, minute - offsetMinutes, second, ms);
  const y = utc.getUTCFullYear();
  if (y < 0 || y > 9999) return undefined;
  return (
    pad(y, 4) +
    "-" +
    pad(utc.getUTCMonth() + 1, 2) +
    "-" +
    pad(utc.getUTCDate(), 2) +
    "T" +
    pad(utc.getUTCHours(), 2) +
    ":" +
    pad(utc.getUTCMinutes(), 2) +
    ":" +
    pad(utc.getUTCSeconds(), 2) +
    "." +
    pad(utc.getUTCMilliseconds(), 3) +
    "Z"
  );
}

// ---------------------------------------------------------------------------------------------
// Numbers
// ---------------------------------------------------------------------------------------------

const TWO_53 = 2 ** 53;

/**
 * CBV 2.0 §8.9.2: numbers without leading "+", leading zeros or trailing zeros, integral values
 * without a decimal point. Exactly the reference's rule: the value as an IEEE double, written
 * as an integer when integral (exact digits of the double, so 24-digit numeric strings come out
 * as the double's digits), otherwise in Python's shortest-repr form (scientific below 1e-4).
 * Returns undefined for NaN and ±Infinity (the text is then kept as written).
 */
export function formatNumber(x: number): string | undefined {
  if (!Number.isFinite(x)) return undefined;
  if (Number.isInteger(x)) {
    if (x > -TWO_53 && x < TWO_53) return x === 0 ? "0" : String(x);
    return BigInt(x).toString();
  }
  const ax = x < 0 ? -x : x;
  if (ax >= 1e-4) return String(x); // fixed notation, same digits as Python repr
  // Python repr switches to scientific for exponents < -4: d[.ddd]e-XX (two exponent digits min).
  const e = x.toExponential(); // shortest round-trip digits, e.g. "-1.5e-7"
  const k = e.indexOf("e");
  const mant = e.slice(0, k);
  const exp = Number(e.slice(k + 1));
  const ae = exp < 0 ? -exp : exp;
  return mant + "e" + (exp < 0 ? "-" : "+") + (ae < 10 ? "0" : "") + String(ae);
}

function isDigitCode(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * Parses `text` the way Python's `float()` does (ASCII only): optional sign, digits with
 * single underscores between digits, optional fraction and exponent, or inf/infinity/nan.
 * Returns undefined when it is not a number. Values that are not numbers (URIs, codes) are
 * rejected on their first character, so the common case costs one comparison.
 */
export function parsePythonFloat(text: string): number | undefined {
  const n = text.length;
  if (n === 0) return undefined;
  let i = 0;
  let c = text.charCodeAt(0);
  if (c === 43 || c === 45) {
    i = 1;
    c = text.charCodeAt(1);
  }
  if (!isDigitCode(c) && c !== 46 /* . */) {
    // Only "inf", "infinity" and "nan" (any case) remain; anything else is not a number.
    const lc = c | 32;
    if (lc !== 105 /* i */ && lc !== 110 /* n */) return undefined;
    const word = text.slice(i).toLowerCase();
    if (word === "inf" || word === "infinity") return text.charCodeAt(0) === 45 ? -Infinity : Infinity;
    if (word === "nan") return Number.NaN;
    return undefined;
  }
  let hasUnderscore = false;
  let intDigits = 0;
  let fracDigits = 0;
  // integer part
  while (i < n) {
    c = text.charCodeAt(i);
    if (isDigitCode(c)) {
      intDigits++;
      i++;
    } else if (c === 95 /* _ */ && intDigits > 0 && isDigitCode(text.charCodeAt(i + 1))) {
      hasUnderscore = true;
      i++;
    } else break;
  }
  if (i < n && text.charCodeAt(i) === 46) {
    i++;
    while (i < n) {
      c = text.charCodeAt(i);
      if (isDigitCode(c)) {
        fracDigits++;
        i++;
      } else if (c === 95 && fracDigits > 0 && isDigitCode(text.charCodeAt(i + 1))) {
        hasUnderscore = true;
        i++;
      } else break;
    }
  }
  if (intDigits + fracDigits === 0) return undefined;
  if (i < n && (text.charCodeAt(i) | 32) === 101 /* e */) {
    i++;
    c = text.charCodeAt(i);
    if (c === 43 || c === 45) i++;
    let expDigits = 0;
    while (i < n) {
      c = text.charCodeAt(i);
      if (isDigitCode(c)) {
        expDigits++;
        i++;
      } else if (c === 95 && expDigits > 0 && isDigitCode(text.charCodeAt(i + 1))) {
        hasUnderscore = true;
        i++;
      } else break;
    }
    if (expDigits === 0) return undefined;
  }
  if (i !== n) return undefined;
  return Number(hasUnderscore ? text.replaceAll("_", "") : text);
}

/** The reference's numeric rule on text: numbers re-written by {@link formatNumber}, others undefined. */
export function normaliseNumericText(text: string): string | undefined {
  const x = parsePythonFloat(text);
  return x === undefined ? undefined : formatNumber(x);
}

// ---------------------------------------------------------------------------------------------
// Vocabulary
// ---------------------------------------------------------------------------------------------

/** CBV 2.0 §6 / §8.9.2: URN-form CBV values become web URIs (only these five vocabularies). */
const CBV_URN_REWRITES: ReadonlyArray<readonly [string, string]> = [
  ["urn:epcglobal:cbv:bizstep:", "https://ref.gs1.org/cbv/BizStep-"],
  ["urn:epcglobal:cbv:disp:", "https://ref.gs1.org/cbv/Disp-"],
  ["urn:epcglobal:cbv:btt:", "https://ref.gs1.org/cbv/BTT-"],
  ["urn:epcglobal:cbv:sdt:", "https://ref.gs1.org/cbv/SDT-"],
  ["urn:epcglobal:cbv:er:", "https://ref.gs1.org/cbv/ER-"],
];

/** Rewrites CBV URNs to web URIs wherever they occur in the text (as the reference does). */
export function rewriteCbvUrns(text: string): string {
  if (!text.includes("urn:epcglobal:cbv:")) return text;
  let out = text;
  for (const [from, to] of CBV_URN_REWRITES) if (out.includes(from)) out = out.replaceAll(from, to);
  return out;
}

/**
 * The two standard CURIE prefixes are expanded in values (EPCIS 2.0 JSON-LD context: `gs1:` and
 * `cbv:`; the XML binding uses the same prefixes in attribute values such as
 * `type="gs1:Temperature"`). User prefixes (e.g. `example:z`) stay as written: their expansion
 * is not defined for values.
 */
export function expandStandardCurie(text: string): string {
  const c = text.charCodeAt(0);
  if (c === 103 /* g */ && text.startsWith("gs1:")) return "https://gs1.org/voc/" + text.slice(4);
  if (c === 99 /* c */ && text.startsWith("cbv:")) return "https://ref.gs1.org/cbv/" + text.slice(4);
  return text;
}

/** Which CBV vocabulary a bare word (JSON-LD compact form, e.g. `"bizStep": "shipping"`) belongs to. */
export type VocabularyKind = "bizStep" | "disp" | "btt" | "sdt" | "er" | "measurementType" | "exception" | "component";

/**
 * EPCIS 2.0 JSON-LD context (§9): these properties are `@type: @vocab`, so a bare word is a term
 * of the CBV (or GS1 Web vocabulary) and stands for its full URI. Local rule of the hash; the
 * same table may live in `epcis/cbv.ts` later.
 */
const BARE_WORD_PREFIX: Record<VocabularyKind, string> = {
  bizStep: "https://ref.gs1.org/cbv/BizStep-",
  disp: "https://ref.gs1.org/cbv/Disp-",
  btt: "https://ref.gs1.org/cbv/BTT-",
  sdt: "https://ref.gs1.org/cbv/SDT-",
  er: "https://ref.gs1.org/cbv/ER-",
  measurementType: "https://gs1.org/voc/",
  exception: "https://gs1.org/voc/",
  component: "https://ref.gs1.org/cbv/Comp-",
};

/** A bare vocabulary word (no ':' at all) becomes its URI; anything else is returned unchanged. */
export function expandBareWord(text: string, kind: VocabularyKind): string {
  if (text.length === 0 || text.includes(":")) return text;
  return BARE_WORD_PREFIX[kind] + text;
}
