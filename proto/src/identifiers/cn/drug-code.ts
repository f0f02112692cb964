import { SuyuanError } from "../../errors.ts";

/**
 * China's 20-digit drug traceability code (药品追溯码) in the form issued by the national
 * drug code platform (the former 中国药品电子监管码, printed in Code 128):
 *
 *   digits 1–7   药品标识码  drug identification code (MAH, generic name, dosage form,
 *                              strength and package specification)
 *   digits 8–16  单品序列号  serial number of the unit
 *   digits 17–20 校验位      verification digits
 *
 * NMPA's coding requirements (药品追溯码编码要求, NMPA/T 2002-2019, and the marking spec
 * NMPAB/T 1011-2022) fix the structure above but do not publish the rule that produces the
 * four verification digits (they are assigned by the issuing agency). We therefore check the
 * structure only and say so in every result (`checkVerified: false`), rather than pretend.
 * A code that also parses as a GS1 SSCC element string ("00" + 18 digits with a valid check
 * digit) is treated as an SSCC by `parseCode`, never as a drug code.
 */
export interface CnDrugCode {
  code: string;
  productCode: string;
  serial: string;
  check: string;
  /** Always false: the verification-digit rule is not public (see above). */
  checkVerified: false;
  /** Canonical URI for the unit (suyuan's namespace; no standard URI scheme exists). */
  uri: string;
  /** Canonical URI for the product (class level): all units of one drug package spec. */
  classUri: string;
}

export const CN_DRUG_URI_PREFIX = "urn:suyuan:cn-drug-code:";
export const CN_DRUG_CLASS_URI_PREFIX = "urn:suyuan:cn-drug-product:";
export const CN_DRUG_CHECK_NOTE =
  "structure checked (7-digit drug identification code, 9-digit serial, 4 verification digits); NMPA does not publish the verification-digit rule, so it was not verified";

export function isCnDrugCodeShape(s: string): boolean {
  if (s.length !== 20) return false;
  for (let i = 0; i < 20; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Parse a 20-digit drug traceability code, or its canonical URI form. */
export function parseCnDrugCode(input: string): CnDrugCode {
  let s = input.trim();
  if (s.startsWith(CN_DRUG_URI_PREFIX)) s = s.slice(CN_DRUG_URI_PREFIX.length);
  if (s.length !== 20) {
    throw new SuyuanError(
      "ID_CN_DRUG_LENGTH",
      `drug traceability code ${JSON.stringify(s)}: ${s.length} characters, expected 20 digits`,
      { field: "code" },
    );
  }
  if (!isCnDrugCodeShape(s)) {
    const bad = [...s].findIndex((c) => c < "0" || c > "9");
    throw new SuyuanError(
      "ID_CN_DRUG_CHARSET",
      `drug traceability code ${s}: character ${JSON.stringify(s[bad])} at position ${bad + 1} is not a digit`,
      { field: "code" },
    );
  }
  const productCode = s.slice(0, 7);
  return {
    code: s,
    productCode,
    serial: s.slice(7, 16),
    check: s.slice(16),
    checkVerified: false,
    uri: CN_DRUG_URI_PREFIX + s,
    classUri: CN_DRUG_CLASS_URI_PREFIX + productCode,
  };
}
