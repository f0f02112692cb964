// GS1 Barcode Syntax Tests ("linters"): content checks for one AI component, named as in the
// GS1 Barcode Syntax Dictionary (e.g. "N14,csum,gcppos2"). Each returns undefined when the
// component is fine, or the GS1 linter error name with the offending span (pos, len) so a
// caller can point at the bad characters.
import { CHECK_PAIR_MAX_DATA, gs1CheckDigit, gs1CheckPair } from "./check-digit.ts";
import { lintCouponCode, lintCouponPosOffer } from "./lint-coupon.ts";
import { ISO3166_ALPHA2, ISO3166_NUMERIC, ISO4217_NUMERIC, PACKAGE_TYPES } from "./lint-tables.ts";

/** A linter failure: the GS1 error name (e.g. "GS1_LINTER_INCORRECT_CHECK_DIGIT") and span. */
export interface LintError {
  readonly error: string;
  readonly pos: number;
  readonly len: number;
}

export type Linter = (s: string) => LintError | undefined;

export const fail = (error: string, pos: number, len: number): LintError => ({ error, pos, len });

const isDigit = (c: number): boolean => c >= 48 && c <= 57;

function firstNonDigit(s: string, from = 0, to = s.length): number {
  for (let i = from; i < to; i++) if (!isDigit(s.charCodeAt(i))) return i;
  return -1;
}

/** Character-class bitmap over ASCII, built once. */
function charClass(chars: string): Uint8Array {
  const t = new Uint8Array(128);
  for (let i = 0; i < chars.length; i++) t[chars.charCodeAt(i)] = 1;
  return t;
}

function firstOutside(s: string, cls: Uint8Array, to = s.length): number {
  for (let i = 0; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || cls[c] === 0) return i;
  }
  return -1;
}

const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const LOWER = "abcdefghijklmnopqrstuvwxyz";
const DIGITS = "0123456789";
// GS1 General Specifications Figure 7.11-1 (CSET 82), 7.11-2 (CSET 39), 7.11-3 (CSET 64).
const CSET82 = charClass(`!"%&'()*+,-./${DIGITS}:;<=>?${UPPER}_${LOWER}`);
const CSET39 = charClass(`#-/${DIGITS}${UPPER}`);
const CSET64 = charClass(`${UPPER}${LOWER}${DIGITS}-_`);
const IBAN_CHARS = charClass(`${DIGITS}${UPPER}`);
const HEX = charClass(`${DIGITS}ABCDEFabcdef`);

const csetnumeric: Linter = (s) => {
  const i = firstNonDigit(s);
  return i < 0 ? undefined : fail("GS1_LINTER_NON_DIGIT_CHARACTER", i, 1);
};

const cset82: Linter = (s) => {
  const i = firstOutside(s, CSET82);
  return i < 0 ? undefined : fail("GS1_LINTER_INVALID_CSET82_CHARACTER", i, 1);
};

const cset39: Linter = (s) => {
  const i = firstOutside(s, CSET39);
  return i < 0 ? undefined : fail("GS1_LINTER_INVALID_CSET39_CHARACTER", i, 1);
};

// CSET 64 is base64url; up to two "=" pads are allowed when they complete a multiple of 3.
const cset64: Linter = (s) => {
  let len = s.length;
  let pads = 0;
  while (len > 0 && s.charCodeAt(len - 1) === 61) {
    len--;
    pads++;
  }
  if (pads > 2 || (pads > 0 && (len + pads) % 3 !== 0)) return fail("GS1_LINTER_INVALID_CSET64_PADDING", len, pads);
  const i = firstOutside(s, CSET64, len);
  return i < 0 ? undefined : fail("GS1_LINTER_INVALID_CSET64_CHARACTER", i, 1);
};

// GS1 General Specifications §7.9.1 mod-10 check digit in the last position.
const csum: Linter = (s) => {
  if (s.length === 0) return fail("GS1_LINTER_TOO_SHORT_FOR_CHECK_DIGIT", 0, 0);
  const i = firstNonDigit(s);
  if (i >= 0) return fail("GS1_LINTER_NON_DIGIT_CHARACTER", i, 1);
  const last = s.length - 1;
  return gs1CheckDigit(s.slice(0, last)) === s.charCodeAt(last) - 48
    ? undefined
    : fail("GS1_LINTER_INCORRECT_CHECK_DIGIT", last, 1);
};

// GS1 General Specifications §7.9.5 check character pair in the last two positions.
const csumalpha: Linter = (s) => {
  if (s.length < 2) return fail("GS1_LINTER_TOO_SHORT_FOR_CHECK_PAIR", 0, s.length);
  const n = s.length - 2;
  if (n > CHECK_PAIR_MAX_DATA) return fail("GS1_LINTER_TOO_LONG_FOR_CHECK_PAIR_IMPLEMENTATION", 0, s.length);
  const i = firstOutside(s, CSET82, n);
  if (i >= 0) return fail("GS1_LINTER_INVALID_CSET82_CHARACTER", i, 1);
  return gs1CheckPair(s.slice(0, n)) === s.slice(n) ? undefined : fail("GS1_LINTER_INCORRECT_CHECK_PAIR", n, 2);
};

// The GS1 Company Prefix starts at position 1 (gcppos1) or 2 (gcppos2, after an indicator /
// extension digit) and is at least 4 digits long. Which prefixes are allocated needs a GEPIR
// lookup, which this pure code does not do.
const GCP_MIN_LENGTH = 4;
function gcpAt(offset: number): Linter {
  return (s) => {
    const data = s.length - offset;
    if (data < GCP_MIN_LENGTH) return fail("GS1_LINTER_TOO_SHORT_FOR_GCP", offset, Math.max(data, 0));
    for (let i = offset; i < offset + GCP_MIN_LENGTH; i++) {
      if (!isDigit(s.charCodeAt(i))) return fail("GS1_LINTER_INVALID_GCP_PREFIX", i, 1);
    }
    return undefined;
  };
}

function inList(list: ReadonlySet<string>, error: string): Linter {
  return (s) => (list.has(s) ? undefined : fail(error, 0, s.length));
}

const iso3166 = inList(ISO3166_NUMERIC, "GS1_LINTER_NOT_ISO3166");
const iso3166999: Linter = (s) =>
  s === "999" || ISO3166_NUMERIC.has(s) ? undefined : fail("GS1_LINTER_NOT_ISO3166_OR_999", 0, s.length);
const iso3166alpha2 = inList(ISO3166_ALPHA2, "GS1_LINTER_NOT_ISO3166_ALPHA2");
const iso4217 = inList(ISO4217_NUMERIC, "GS1_LINTER_NOT_ISO4217");
const packagetype = inList(PACKAGE_TYPES, "GS1_LINTER_INVALID_PACKAGE_TYPE");

// ISO 13616 IBAN: 2-letter country, 2 check digits, up to 30 alphanumerics (15–34 in all,
// the shortest national format being 15); mod 97 of the rearranged number must be 1.
const iban: Linter = (s) => {
  if (s.length < 4) return fail("GS1_LINTER_IBAN_TOO_SHORT", 0, s.length);
  if (!ISO3166_ALPHA2.has(s.slice(0, 2))) return fail("GS1_LINTER_ILLEGAL_IBAN_COUNTRY_CODE", 0, 2);
  if (s.length > 34) return fail("GS1_LINTER_IBAN_TOO_LONG", 0, s.length);
  if (s.length < 15) return fail("GS1_LINTER_IBAN_TOO_SHORT", 0, s.length);
  const i = firstOutside(s, IBAN_CHARS);
  if (i >= 0) return fail("GS1_LINTER_INVALID_IBAN_CHARACTER", i, 1);
  let rem = 0;
  const rearranged = s.slice(4) + s.slice(0, 4);
  for (let k = 0; k < rearranged.length; k++) {
    const c = rearranged.charCodeAt(k);
    rem = isDigit(c) ? (rem * 10 + (c - 48)) % 97 : (rem * 100 + (c - 55)) % 97;
  }
  return rem === 1 ? undefined : fail("GS1_LINTER_INCORRECT_IBAN_CHECKSUM", 2, 2);
};

const DAYS_IN_MONTH = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const num2 = (s: string, i: number): number => (s.charCodeAt(i) - 48) * 10 + (s.charCodeAt(i + 1) - 48);

// GS1 General Specifications §7.12: dates as YYMMDD / YYYYMMDD; "d0" variants allow day 00
// (no specific day). YY years take the leap rule YY % 4 = 0 (the 50-year window of §7.12
// never reaches 2100 from today).
function dateLinter(yearDigits: 2 | 4, allowDayZero: boolean): Linter {
  const len = yearDigits + 4;
  return (s) => {
    if (s.length < len) return fail("GS1_LINTER_DATE_TOO_SHORT", 0, s.length);
    if (s.length > len) return fail("GS1_LINTER_DATE_TOO_LONG", 0, s.length);
    const i = firstNonDigit(s);
    if (i >= 0) return fail("GS1_LINTER_NON_DIGIT_CHARACTER", i, 1);
    const year = yearDigits === 2 ? num2(s, 0) : num2(s, 0) * 100 + num2(s, 2);
    const month = num2(s, yearDigits);
    const day = num2(s, yearDigits + 2);
    if (month < 1 || month > 12) return fail("GS1_LINTER_ILLEGAL_MONTH", yearDigits, 2);
    const leap = yearDigits === 2 ? year % 4 === 0 : (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    const max = month === 2 && !leap ? 28 : DAYS_IN_MONTH[month]!;
    if ((day === 0 && !allowDayZero) || day > max) return fail("GS1_LINTER_ILLEGAL_DAY", yearDigits + 2, 2);
    return undefined;
  };
}

function twoDigit(max: number, short: string, long: string, illegal: string): Linter {
  return (s) => {
    if (s.length < 2) return fail(short, 0, s.length);
    if (s.length > 2) return fail(long, 0, s.length);
    const i = firstNonDigit(s);
    if (i >= 0) return fail("GS1_LINTER_NON_DIGIT_CHARACTER", i, 1);
    return num2(s, 0) > max ? fail(illegal, 0, 2) : undefined;
  };
}

const hh = twoDigit(23, "GS1_LINTER_HOUR_TOO_SHORT", "GS1_LINTER_HOUR_TOO_LONG", "GS1_LINTER_ILLEGAL_HOUR");
const mi = twoDigit(59, "GS1_LINTER_MINUTE_TOO_SHORT", "GS1_LINTER_MINUTE_TOO_LONG", "GS1_LINTER_ILLEGAL_MINUTE");
const ss = twoDigit(59, "GS1_LINTER_SECOND_TOO_SHORT", "GS1_LINTER_SECOND_TOO_LONG", "GS1_LINTER_ILLEGAL_SECOND");

const hhmi: Linter = (s) => {
  if (s.length !== 4) {
    return fail(
      s.length < 4 ? "GS1_LINTER_HOUR_WITH_MINUTE_TOO_SHORT" : "GS1_LINTER_HOUR_WITH_MINUTE_TOO_LONG",
      0,
      s.length,
    );
  }
  const i = firstNonDigit(s);
  if (i >= 0) return fail("GS1_LINTER_NON_DIGIT_CHARACTER", i, 1);
  if (num2(s, 0) > 23) return fail("GS1_LINTER_ILLEGAL_HOUR", 0, 2);
  if (num2(s, 2) > 59) return fail("GS1_LINTER_ILLEGAL_MINUTE", 2, 2);
  return undefined;
};

const nonzero: Linter = (s) => {
  const i = firstNonDigit(s);
  if (i >= 0) return fail("GS1_LINTER_NON_DIGIT_CHARACTER", i, 1);
  for (let k = 0; k < s.length; k++) if (s.charCodeAt(k) !== 48) return undefined;
  return fail("GS1_LINTER_ILLEGAL_ZERO_VALUE", 0, s.length);
};

const zero: Linter = (s) => (s.length > 0 && /^0+$/.test(s) ? undefined : fail("GS1_LINTER_NOT_ZERO", 0, s.length));

const nozeroprefix: Linter = (s) => {
  const i = firstNonDigit(s);
  if (i >= 0) return fail("GS1_LINTER_NON_DIGIT_CHARACTER", i, 1);
  return s.charCodeAt(0) === 48 ? fail("GS1_LINTER_ILLEGAL_ZERO_PREFIX", 0, 1) : undefined;
};

const hasnondigit: Linter = (s) =>
  firstNonDigit(s) >= 0 ? undefined : fail("GS1_LINTER_REQUIRES_NON_DIGIT_CHARACTER", 0, s.length);

const yesno: Linter = (s) => (s === "0" || s === "1" ? undefined : fail("GS1_LINTER_NOT_ZERO_OR_ONE", 0, s.length));

// GS1 General Specifications §3.9.11 (AI 8001): winding direction 0 face out, 1 face in, 9 undetermined.
const winding: Linter = (s) =>
  s === "0" || s === "1" || s === "9" ? undefined : fail("GS1_LINTER_INVALID_WINDING_DIRECTION", 0, s.length);

// ISO/IEC 5218 (AI 7252): 0 not known, 1 male, 2 female, 9 not applicable.
const iso5218: Linter = (s) =>
  s === "0" || s === "1" || s === "2" || s === "9"
    ? undefined
    : fail("GS1_LINTER_INVALID_BIOLOGICAL_SEX_CODE", 0, s.length);

const hyphen: Linter = (s) => (/^-+$/.test(s) ? undefined : fail("GS1_LINTER_NOT_HYPHEN", 0, s.length));

// GS1 General Specifications §3.8.x (AI 7241): AIDC media type 01–10, 80–99 (company internal).
const mediatype: Linter = (s) => {
  if (s.length === 2 && firstNonDigit(s) < 0) {
    const n = num2(s, 0);
    if ((n >= 1 && n <= 10) || n >= 80) return undefined;
  }
  return fail("GS1_LINTER_INVALID_MEDIA_TYPE", 0, s.length);
};

// AI 8006/8026: piece number and total count, each half the digits; 0 < piece ≤ total.
const pieceoftotal: Linter = (s) => {
  if (s.length === 0 || s.length % 2 !== 0) return fail("GS1_LINTER_INVALID_LENGTH_FOR_PIECE_OF_TOTAL", 0, s.length);
  const i = firstNonDigit(s);
  if (i >= 0) return fail("GS1_LINTER_NON_DIGIT_CHARACTER", i, 1);
  const h = s.length / 2;
  const piece = Number(s.slice(0, h));
  const total = Number(s.slice(h));
  if (piece === 0) return fail("GS1_LINTER_ZERO_PIECE_NUMBER", 0, h);
  if (total === 0) return fail("GS1_LINTER_ZERO_TOTAL_PIECES", h, h);
  return piece > total ? fail("GS1_LINTER_PIECE_NUMBER_EXCEEDS_TOTAL", 0, s.length) : undefined;
};

// AI 7258 birth sequence "<pos>/<end>", no leading zeros, pos ≤ end.
const posinseqslash: Linter = (s) => {
  const slash = s.indexOf("/");
  const malformed = fail("GS1_LINTER_POSITION_IN_SEQUENCE_MALFORMED", 0, s.length);
  if (slash <= 0 || slash === s.length - 1 || s.indexOf("/", slash + 1) >= 0) return malformed;
  if (firstNonDigit(s, 0, slash) >= 0 || firstNonDigit(s, slash + 1) >= 0) return malformed;
  if (s.charCodeAt(0) === 48) return fail("GS1_LINTER_ILLEGAL_ZERO_PREFIX", 0, slash);
  if (s.charCodeAt(slash + 1) === 48) return fail("GS1_LINTER_ILLEGAL_ZERO_PREFIX", slash + 1, s.length - slash - 1);
  return Number(s.slice(0, slash)) > Number(s.slice(slash + 1))
    ? fail("GS1_LINTER_POSITION_EXCEEDS_END", 0, s.length)
    : undefined;
};

// AI 4309: latitude and longitude as 10 digits, offset by 90° / 180° in units of 1e-7°.
const latitude: Linter = (s) => {
  if (s.length !== 10) return fail("GS1_LINTER_LATITUDE_INVALID_LENGTH", 0, s.length);
  const i = firstNonDigit(s);
  if (i >= 0) return fail("GS1_LINTER_NON_DIGIT_CHARACTER", i, 1);
  return s > "1800000000" ? fail("GS1_LINTER_INVALID_LATITUDE", 0, 10) : undefined;
};

const longitude: Linter = (s) => {
  if (s.length !== 10) return fail("GS1_LINTER_LONGITUDE_INVALID_LENGTH", 0, s.length);
  const i = firstNonDigit(s);
  if (i >= 0) return fail("GS1_LINTER_NON_DIGIT_CHARACTER", i, 1);
  return s > "3600000000" ? fail("GS1_LINTER_INVALID_LONGITUDE", 0, 10) : undefined;
};

// Percent-encoded text (AIs 4300 etc.): every "%" starts two hex digits.
const pcenc: Linter = (s) => {
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) !== 37) continue;
    const a = s.charCodeAt(i + 1);
    const b = s.charCodeAt(i + 2);
    if (!(a < 128 && HEX[a]) || !(b < 128 && HEX[b])) {
      return fail("GS1_LINTER_INVALID_PERCENT_SEQUENCE", i, Math.min(3, s.length - i));
    }
    i += 2;
  }
  return undefined;
};

// AI 7040 (UIC with extension): the importer index is one CSET 64 character other than "=".
const importeridx: Linter = (s) => {
  if (s.length !== 1) return fail("GS1_LINTER_IMPORTER_IDX_MUST_BE_ONE_CHARACTER", 0, s.length);
  const c = s.charCodeAt(0);
  return c < 128 && CSET64[c] ? undefined : fail("GS1_LINTER_INVALID_IMPORT_IDX_CHARACTER", 0, 1);
};

/** Every linter named in the Syntax Dictionary, by name. */
export const LINTERS: Readonly<Record<string, Linter>> = {
  csetnumeric,
  cset82,
  cset39,
  cset64,
  csum,
  csumalpha,
  gcppos1: gcpAt(0),
  gcppos2: gcpAt(1),
  iso3166,
  iso3166999,
  iso3166alpha2,
  iso4217,
  iban,
  yymmdd: dateLinter(2, false),
  yymmd0: dateLinter(2, true),
  yyyymmdd: dateLinter(4, false),
  yyyymmd0: dateLinter(4, true),
  hh,
  mi,
  ss,
  hhmi,
  nonzero,
  zero,
  nozeroprefix,
  hasnondigit,
  yesno,
  winding,
  iso5218,
  hyphen,
  mediatype,
  pieceoftotal,
  posinseqslash,
  latitude,
  longitude,
  pcenc,
  importeridx,
  packagetype,
  couponcode: lintCouponCode,
  couponposoffer: lintCouponPosOffer,
};

/** Linter for a component character set ("N", "X", "Y", "Z"). */
export const CSET_LINTERS: Readonly<Record<string, Linter>> = { N: csetnumeric, X: cset82, Y: cset39, Z: cset64 };

/** Runs the named linter; unknown names are a programmer error. */
export function lint(name: string, value: string): LintError | undefined {
  const l = LINTERS[name];
  if (!l) throw new TypeError(`unknown GS1 linter ${name}`);
  return l(value);
}
