// Linters for the North American coupon AIs (GS1 General Specifications §3.9.12: AI (8110)
// coupon code identification for use in North America, AI (8112) paperless coupon code).
// Both are digit strings of fields with variable-length indicators (VLI); optional fields of
// AI (8110) are introduced by their field number 1, 2, 3, 4, 5, 6, 9 in that order.
import { fail, LINTERS, type LintError } from "./linters.ts";

const E = "GS1_LINTER_COUPON_";

/** Walks the digits of one coupon, reporting spans the way the GS1 linters do. */
class Cursor {
  p = 0;
  constructor(readonly s: string) {}
  get atEnd(): boolean {
    return this.p >= this.s.length;
  }
  get digit(): number {
    return this.s.charCodeAt(this.p) - 48;
  }
  /** Whole data when nothing is left, else the truncated remainder. */
  truncated(error: string): LintError {
    return this.atEnd ? fail(E + error, 0, this.s.length) : fail(E + error, this.p, this.s.length - this.p);
  }
  missing(error: string): LintError {
    return fail(E + error, 0, this.s.length);
  }
  here(error: string): LintError {
    return fail(E + error, this.p, 1);
  }
  /** Skips n digits, or reports `error` when fewer remain. */
  take(n: number, error: string): LintError | undefined {
    if (this.s.length - this.p < n) return this.truncated(error);
    this.p += n;
    return undefined;
  }
}

function nonDigit(s: string): LintError | undefined {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return fail("GS1_LINTER_NON_DIGIT_CHARACTER", i, 1);
  }
  return undefined;
}

/** A VLI digit in [min, max] (or `alt`), then its field of vli + offset digits. */
function vliField(
  c: Cursor,
  min: number,
  max: number,
  offset: number,
  names: { missing: string; invalid: string; truncated: string },
  alt?: { digit: number; length: number },
): LintError | undefined {
  if (c.atEnd) return c.missing(names.missing);
  const d = c.digit;
  let len: number;
  if (alt && d === alt.digit) len = alt.length;
  else if (d < min || d > max) return c.here(names.invalid);
  else len = d + offset;
  c.p++;
  return c.take(len, names.truncated);
}

/** Requirement code 0–4 or 9, then a 3-digit family code. */
function requirementCodeAndFamily(c: Cursor, nth: string): LintError | undefined {
  if (c.atEnd) return c.missing(`MISSING_${nth}_PURCHASE_REQUIREMENT_CODE`);
  if (c.digit > 4 && c.digit !== 9) return c.here(`INVALID_${nth}_PURCHASE_REQUIREMENT_CODE`);
  c.p++;
  return c.take(3, `TRUNCATED_${nth}_PURCHASE_FAMILY_CODE`);
}

function requirement(c: Cursor, nth: string): LintError | undefined {
  return (
    vliField(c, 1, 5, 0, {
      missing: `MISSING_${nth}_PURCHASE_REQUIREMENT_VLI`,
      invalid: `INVALID_${nth}_PURCHASE_REQUIREMENT_LENGTH`,
      truncated: `TRUNCATED_${nth}_PURCHASE_REQUIREMENT`,
    }) ?? requirementCodeAndFamily(c, nth)
  );
}

// An additional purchase's company prefix: VLI 0–6 (6 + VLI digits) or 9 (none given).
function purchaseGcp(c: Cursor, nth: string): LintError | undefined {
  return vliField(
    c,
    0,
    6,
    6,
    {
      missing: `MISSING_${nth}_PURCHASE_GCP_VLI`,
      invalid: `INVALID_${nth}_PURCHASE_GCP_LENGTH`,
      truncated: `TRUNCATED_${nth}_PURCHASE_GCP`,
    },
    { digit: 9, length: 0 },
  );
}

/** AI (8110) coupon code (North American Coupon Application Guideline, extended code). */
export function lintCouponCode(s: string): LintError | undefined {
  const bad = nonDigit(s);
  if (bad) return bad;
  const c = new Cursor(s);
  const err =
    vliField(c, 0, 6, 6, { missing: "MISSING_GCP_VLI", invalid: "INVALID_GCP_LENGTH", truncated: "TRUNCATED_GCP" }) ??
    c.take(6, "TRUNCATED_OFFER_CODE") ??
    vliField(c, 1, 5, 0, {
      missing: "MISSING_SAVE_VALUE_VLI",
      invalid: "INVALID_SAVE_VALUE_LENGTH",
      truncated: "TRUNCATED_SAVE_VALUE",
    }) ??
    requirement(c, "1ST");
  if (err) return err;

  // Optional field 1: additional purchase rules code 0–3, 2nd purchase requirement and GCP.
  if (!c.atEnd && c.digit === 1) {
    c.p++;
    if (c.atEnd) return c.missing("MISSING_ADDITIONAL_PURCHASE_RULES_CODE");
    if (c.digit > 3) return c.here("INVALID_ADDITIONAL_PURCHASE_RULES_CODE");
    c.p++;
    const e = requirement(c, "2ND") ?? purchaseGcp(c, "2ND");
    if (e) return e;
  }
  // Optional field 2: 3rd purchase requirement and GCP.
  if (!c.atEnd && c.digit === 2) {
    c.p++;
    const e = requirement(c, "3RD") ?? purchaseGcp(c, "3RD");
    if (e) return e;
  }
  // Optional fields 3 and 4: expiration and start dates (YYMMDD); start must not be later.
  let expiry: string | undefined;
  if (!c.atEnd && c.digit === 3) {
    c.p++;
    const e = c.take(6, "TOO_SHORT_FOR_EXPIRATION_DATE");
    if (e) return e;
    expiry = s.slice(c.p - 6, c.p);
    if (LINTERS.yymmdd!(expiry)) return fail(`${E}INVALID_EXIPIRATION_DATE`, c.p - 6, 6);
  }
  if (!c.atEnd && c.digit === 4) {
    c.p++;
    const e = c.take(6, "TOO_SHORT_FOR_START_DATE");
    if (e) return e;
    const start = s.slice(c.p - 6, c.p);
    if (LINTERS.yymmdd!(start)) return fail(`${E}INVALID_START_DATE`, c.p - 6, 6);
    if (expiry !== undefined && start > expiry) return fail(`${E}EXPIRATION_BEFORE_START`, c.p - 14, 14);
  }
  // Optional field 5: serial number, 6 + VLI digits.
  if (!c.atEnd && c.digit === 5) {
    c.p++;
    if (c.atEnd) return c.missing("MISSING_SERIAL_NUMBER_VLI");
    const len = c.digit + 6;
    c.p++;
    const e = c.take(len, "TRUNCATED_SERIAL_NUMBER");
    if (e) return e;
  }
  // Optional field 6: retailer GCP or GLN, VLI 1–7 (6 + VLI digits).
  if (!c.atEnd && c.digit === 6) {
    c.p++;
    const e = vliField(c, 1, 7, 6, {
      missing: "MISSING_RETAILER_GCP_OR_GLN_VLI",
      invalid: "INVALID_RETAILER_GCP_OR_GLN_LENGTH",
      truncated: "TRUNCATED_RETAILER_GCP_OR_GLN",
    });
    if (e) return e;
  }
  // Optional field 9: save value code (0, 1, 2, 5, 6), applies-to-item (0–2), store coupon
  // flag, don't-multiply flag (0/1).
  if (!c.atEnd && c.digit === 9) {
    c.p++;
    if (c.atEnd) return c.missing("MISSING_SAVE_VALUE_CODE");
    const code: number = c.digit;
    if (code !== 0 && code !== 1 && code !== 2 && code !== 5 && code !== 6) return c.here("INVALID_SAVE_VALUE_CODE");
    c.p++;
    if (c.atEnd) return c.missing("MISSING_SAVE_VALUE_APPLIES_TO_ITEM");
    if (c.digit > 2) return c.here("INVALID_SAVE_VALUE_APPLIES_TO_ITEM");
    c.p++;
    if (c.atEnd) return c.missing("MISSING_STORE_COUPON_FLAG");
    c.p++;
    if (c.atEnd) return c.missing("MISSING_DONT_MULTIPLY_FLAG");
    if (c.digit > 1) return c.here("INVALID_DONT_MULTIPLY_FLAG");
    c.p++;
  }
  return c.atEnd ? undefined : fail(`${E}EXCESS_DATA`, c.p, s.length - c.p);
}

/** AI (8112) positive offer file coupon code. */
export function lintCouponPosOffer(s: string): LintError | undefined {
  const bad = nonDigit(s);
  if (bad) return bad;
  const c = new Cursor(s);
  if (c.atEnd) return c.missing("MISSING_FORMAT_CODE");
  if (c.digit > 1) return c.here("INVALID_FORMAT_CODE");
  c.p++;
  const err =
    vliField(c, 0, 6, 6, {
      missing: "MISSING_FUNDER_VLI",
      invalid: "INVALID_FUNDER_LENGTH",
      truncated: "TRUNCATED_FUNDER",
    }) ??
    c.take(6, "TRUNCATED_OFFER_CODE") ??
    vliField(c, 0, 9, 6, {
      missing: "MISSING_SERIAL_NUMBER_VLI",
      invalid: "MISSING_SERIAL_NUMBER_VLI",
      truncated: "TRUNCATED_SERIAL_NUMBER",
    });
  if (err) return err;
  return c.atEnd ? undefined : fail(`${E}EXCESS_DATA`, c.p, s.length - c.p);
}
