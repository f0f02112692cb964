// EPC pure-identity URIs (TDS 2.1 §6.3), EPC class URIs (§6.4, urn:epc:class:lgtin) and EPC
// id pattern URIs (§13), and their relation to GS1 keys / element strings (TDS 2.1 §7).
import type { AiValue } from "../gs1/types.ts";
import {
  checkCpRefValue,
  checkCset82,
  type DecodedComponent,
  decodeAdiChars,
  decodeCpRef,
  decodeGs3a3,
  encodeCpRef,
  encodeGs3a3,
  epcError,
  gs1CheckDigit,
  isCageOrDodaac,
  isDigits,
  isDigitsOrEmpty,
  isNumericComponent,
  withCheckDigit,
} from "./common.ts";

export type EpcScheme =
  | "sgtin"
  | "sscc"
  | "sgln"
  | "grai"
  | "giai"
  | "gsrn"
  | "gsrnp"
  | "gdti"
  | "sgcn"
  | "cpi"
  | "itip"
  | "gid"
  | "usdod"
  | "adi"
  | "lgtin"
  | "pgln"
  | "gsin"
  | "ginc"
  | "upui"
  | "bic"
  | "imovn";

export type EpcUriKind = "id" | "class" | "idpat";

/** A parsed EPC URI. */
export interface EpcUri {
  scheme: EpcScheme;
  kind: EpcUriKind;
  /** The components in normalised URI form (%-escapes upper case); "*" for pattern wildcards. */
  parts: string[];
  /** The components decoded (escapes resolved); "*" for pattern wildcards. */
  values: string[];
  /** GS1 Company Prefix for the GS1 schemes (digits), when given (not "*"). */
  companyPrefix?: string;
  /** GS1 schemes, id/class kinds: the GS1 key and its qualifiers as AIs, e.g. sgtin → (01),(21). */
  ais?: AiValue[];
  /** The URI in normalised form. */
  uri: string;
}

export type GtinType = "GTIN14" | "GTIN13" | "GTIN12" | "GTIN8";

/** Number of components of each scheme's URI body (TDS 2.1 §6.3, §6.4). */
const COMPONENTS: Record<EpcScheme, number> = {
  sgtin: 3,
  sscc: 2,
  sgln: 3,
  grai: 3,
  giai: 2,
  gsrn: 2,
  gsrnp: 2,
  gdti: 3,
  sgcn: 3,
  cpi: 3,
  itip: 5,
  gid: 3,
  usdod: 2,
  adi: 3,
  lgtin: 3,
  pgln: 2,
  gsin: 2,
  ginc: 2,
  upui: 3,
  bic: 1,
  imovn: 1,
};

/** Total digits of Company Prefix + the reference that follows it, for the partitioned GS1 schemes. */
const CP_REF_DIGITS: Partial<Record<EpcScheme, number>> = {
  sgtin: 13, // indicator/pad digit + item reference
  lgtin: 13,
  upui: 13,
  itip: 13,
  sscc: 17, // extension digit + serial reference
  sgln: 12,
  pgln: 12,
  grai: 12,
  gdti: 12,
  sgcn: 12,
  gsrn: 17,
  gsrnp: 17,
  gsin: 16,
};

const ID_SCHEMES = new Set<string>(Object.keys(COMPONENTS).filter((s) => s !== "lgtin"));
/** TDS 2.1 §13.1: pattern URIs exist for the tag-encodable and GS1 id schemes (not bic, imovn). */
const IDPAT_SCHEMES = new Set<string>([...ID_SCHEMES].filter((s) => s !== "bic" && s !== "imovn"));

const GS1_KEYED = new Set<EpcScheme>([
  "sgtin",
  "lgtin",
  "sscc",
  "sgln",
  "grai",
  "giai",
  "gsrn",
  "gsrnp",
  "gdti",
  "sgcn",
  "pgln",
  "gsin",
  "ginc",
]);

export function isEpcScheme(s: string): s is EpcScheme {
  return Object.hasOwn(COMPONENTS, s);
}

function bad(code: string, uri: string, field: string, rule: string): never {
  throw epcError(code, `${uri}: ${field}: ${rule}`, field);
}

/** Splits the body into n components; the last takes the rest (GS3A3 serials may contain "."). */
function splitBody(body: string, n: number, uri: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < n - 1; i++) {
    const dot = body.indexOf(".", start);
    if (dot < 0) bad("ID_EPC_BAD_SYNTAX", uri, "body", `expected ${n} components separated by "."`);
    out.push(body.slice(start, dot));
    start = dot + 1;
  }
  out.push(body.slice(start));
  return out;
}

function checkCompanyPrefix(cp: string, uri: string): void {
  if (!isDigits(cp) || cp.length < 6 || cp.length > 12) {
    bad("ID_EPC_BAD_COMPANY_PREFIX", uri, "company prefix", `"${cp}" must be 6 to 12 digits (TDS §6.3)`);
  }
}

function checkRef(cp: string, ref: string, total: number, uri: string, name: string): void {
  if (!isDigitsOrEmpty(ref) || cp.length + ref.length !== total) {
    bad(
      "ID_EPC_BAD_LENGTH",
      uri,
      name,
      `"${ref}" must be ${Math.max(total - cp.length, 0)} digits (company prefix + ${name} = ${total} digits)`,
    );
  }
}

function gs3a3(s: string, min: number, max: number, uri: string, name: string): DecodedComponent {
  const d = decodeGs3a3(s, name);
  if (d.value.length < min || d.value.length > max) {
    bad("ID_EPC_BAD_LENGTH", uri, name, `length ${d.value.length}, must be ${min} to ${max} characters`);
  }
  return d;
}

function numeric(s: string, max: number, uri: string, name: string): DecodedComponent {
  if (!isDigits(s)) bad("ID_EPC_BAD_CHARACTER", uri, name, `"${s}" must be a decimal number`);
  if (!isNumericComponent(s)) bad("ID_EPC_LEADING_ZERO", uri, name, `"${s}" must not have leading zeros (TDS §5)`);
  if (s.length > 16 || Number(s) > max) bad("ID_EPC_OUT_OF_RANGE", uri, name, `${s} exceeds the maximum ${max}`);
  return { value: s, uri: s };
}

function plain(s: string): DecodedComponent {
  return { value: s, uri: s };
}

/** Validates one scheme's components (already split); "*" entries are pattern wildcards. */
const WILDCARD: DecodedComponent = { value: "*", uri: "*" };

/**
 * Validates the components; in patterns (`pattern`) a "*" component is a wildcard, elsewhere
 * "*" is an ordinary GS3A3 character (a serial may be "*").
 */
function validate(
  scheme: EpcScheme,
  c: string[],
  uri: string,
  parts: string[],
  values: string[],
  pattern: boolean,
): void {
  const cp = c[0]!;
  const refTotal = CP_REF_DIGITS[scheme];
  if (refTotal !== undefined || scheme === "giai" || scheme === "ginc" || scheme === "cpi") {
    if (!pattern || cp !== "*") checkCompanyPrefix(cp, uri);
  }
  // Pattern components: once "*" appears, everything after must be "*" (TDS 2.1 §13.1).
  let wild = false;
  for (let i = 0; pattern && i < c.length; i++) {
    if (c[i] === "*") wild = true;
    else if (wild) bad("ID_EPC_BAD_PATTERN", uri, `component ${i + 1}`, `must be "*" after a "*" (TDS §13)`);
  }
  for (let i = 0; i < c.length; i++) {
    const s = c[i]!;
    const d = pattern && s === "*" ? WILDCARD : validateOne(scheme, i, s, cp, refTotal, uri);
    parts.push(d.uri);
    values.push(d.value);
  }
}

function validateOne(
  scheme: EpcScheme,
  i: number,
  s: string,
  cp: string,
  refTotal: number | undefined,
  uri: string,
): DecodedComponent {
  if (i === 0 && (refTotal !== undefined || scheme === "giai" || scheme === "ginc" || scheme === "cpi"))
    return plain(s);
  if (refTotal !== undefined && i === 1) {
    checkRef(cp, s, refTotal, uri, REF_NAMES[scheme] ?? "reference");
    return plain(s);
  }
  switch (scheme) {
    case "sgtin":
    case "itip":
      if (scheme === "itip" && (i === 2 || i === 3)) {
        if (!isDigits(s) || s.length !== 2)
          bad("ID_EPC_BAD_LENGTH", uri, i === 2 ? "piece" : "total", "must be 2 digits");
        return plain(s);
      }
      return gs3a3(s, 1, 20, uri, "serial");
    case "lgtin":
      return gs3a3(s, 1, 20, uri, "lot");
    case "upui":
      return gs3a3(s, 1, 28, uri, "TPX");
    case "sgln":
      return gs3a3(s, 1, 20, uri, "extension");
    case "grai":
      return gs3a3(s, 1, 16, uri, "serial");
    case "gdti":
      return gs3a3(s, 1, 17, uri, "serial");
    case "sgcn":
      if (!isDigits(s) || s.length > 12) bad("ID_EPC_BAD_LENGTH", uri, "serial", `"${s}" must be 1 to 12 digits`);
      return plain(s);
    case "giai":
    case "ginc": {
      const name = scheme === "giai" ? "asset reference" : "consignment reference";
      return gs3a3(s, 1, 30 - cp.length, uri, name);
    }
    case "cpi": {
      if (i === 1) {
        const d = decodeCpRef(s, "part reference");
        if (d.value.length < 1 || cp.length + d.value.length > 30) {
          bad("ID_EPC_BAD_LENGTH", uri, "part reference", `must be 1 to ${30 - cp.length} characters (AI 8010 ≤ 30)`);
        }
        return d;
      }
      if (!isDigits(s) || s.length > 12) bad("ID_EPC_BAD_LENGTH", uri, "serial", `"${s}" must be 1 to 12 digits`);
      if (!isNumericComponent(s)) bad("ID_EPC_LEADING_ZERO", uri, "serial", `"${s}" must not have leading zeros`);
      return plain(s);
    }
    case "gid":
      // TDS 2.1 §6.3.10: manager 28 bits, class 24 bits, serial 36 bits.
      return numeric(s, i === 0 ? 268435455 : i === 1 ? 16777215 : 68719476735, uri, GID_NAMES[i]!);
    case "usdod":
      if (i === 0) {
        if (!isCageOrDodaac(s))
          bad("ID_EPC_BAD_CHARACTER", uri, "CAGE/DoDAAC", `"${s}" must be 5 or 6 of 0-9 A-Z without I, O`);
        return plain(s);
      }
      return numeric(s, 68719476735, uri, "serial");
    case "adi": {
      if (i === 0) {
        if (!isCageOrDodaac(s))
          bad("ID_EPC_BAD_CHARACTER", uri, "CAGE/DoDAAC", `"${s}" must be 5 or 6 of 0-9 A-Z without I, O`);
        return plain(s);
      }
      if (i === 1) {
        const d = decodeAdiChars(s, "part number");
        if (d.value.length > 32) bad("ID_EPC_BAD_LENGTH", uri, "part number", "must be at most 32 characters");
        return d;
      }
      // TDS 2.1 §6.3.12: the serial may begin with "#" (%23), which marks it unique within the CAGE/DoDAAC.
      const hash = s.slice(0, 3).toUpperCase() === "%23";
      const d = decodeAdiChars(hash ? s.slice(3) : s, "serial");
      const len = d.value.length + (hash ? 1 : 0);
      if (d.value.length < 1 || len > 30) bad("ID_EPC_BAD_LENGTH", uri, "serial", "must be 1 to 30 characters");
      return hash ? { value: "#" + d.value, uri: "%23" + d.uri } : d;
    }
    case "bic": {
      if (!isBic(s)) bad("ID_EPC_BAD_SYNTAX", uri, "BIC code", `"${s}" is not an ISO 6346 container code`);
      return plain(s);
    }
    case "imovn":
      if (!isDigits(s) || s.length !== 7) bad("ID_EPC_BAD_LENGTH", uri, "IMO number", `"${s}" must be 7 digits`);
      return plain(s);
    default:
      bad("ID_EPC_BAD_SYNTAX", uri, "body", "unexpected component");
  }
}

const REF_NAMES: Partial<Record<EpcScheme, string>> = {
  sgtin: "item reference",
  lgtin: "item reference",
  upui: "item reference",
  itip: "item reference",
  sscc: "serial reference",
  sgln: "location reference",
  pgln: "party reference",
  grai: "asset type",
  gdti: "document type",
  sgcn: "coupon reference",
  gsrn: "service reference",
  gsrnp: "service reference",
  gsin: "shipper reference",
};
const GID_NAMES = ["general manager number", "object class", "serial"];

/** ISO 6346 letter values (multiples of 11 skipped). */
const ISO6346 = new Int8Array(128);
{
  let v = 10;
  for (let c = 65; c <= 90; c++) {
    if (v % 11 === 0) v++;
    ISO6346[c] = v++;
  }
}

/**
 * TDS 2.1 §6.3.19 BIC (ISO 6346 container code): owner code (3 upper-case letters, without I
 * and O), equipment category U, J or Z, 6-digit serial and a check digit. The check digit is
 * not verified: the TDS vectors (epcpy) accept codes whose ISO 6346 check digit differs, and
 * `bicCheckDigit` is exported for callers that want the stricter test.
 */
function isBic(s: string): boolean {
  if (s.length !== 11) return false;
  for (let i = 0; i < 11; i++) {
    const c = s.charCodeAt(i);
    if (i < 3) {
      if (c < 65 || c > 90 || c === 73 || c === 79) return false;
    } else if (i === 3) {
      if (c !== 85 && c !== 74 && c !== 90) return false;
    } else if (c < 48 || c > 57) return false;
  }
  return true;
}

/** ISO 6346 check digit of the first 10 characters of a container code. */
export function bicCheckDigit(code: string): number {
  let sum = 0;
  for (let i = 0; i < 10; i++) {
    const c = code.charCodeAt(i);
    sum += (c >= 65 ? ISO6346[c]! : c - 48) * 2 ** i;
  }
  return (sum % 11) % 10;
}

const ID_PREFIX = "urn:epc:id:";
const CLASS_PREFIX = "urn:epc:class:";
const IDPAT_PREFIX = "urn:epc:idpat:";

/**
 * Parses and validates an EPC pure-identity URI (`urn:epc:id:<scheme>:…`), class URI
 * (`urn:epc:class:lgtin:…`) or id pattern URI (`urn:epc:idpat:<scheme>:…`).
 * Throws SuyuanError with an `ID_EPC_*` code naming the part and the rule.
 */
export function parseEpcUri(uri: string, opts?: { scheme?: EpcScheme }): EpcUri {
  if (typeof uri !== "string") throw new TypeError("parseEpcUri: uri must be a string");
  let kind: EpcUriKind;
  let rest: string;
  if (uri.startsWith(ID_PREFIX)) {
    kind = "id";
    rest = uri.slice(ID_PREFIX.length);
  } else if (uri.startsWith(CLASS_PREFIX)) {
    kind = "class";
    rest = uri.slice(CLASS_PREFIX.length);
  } else if (uri.startsWith(IDPAT_PREFIX)) {
    kind = "idpat";
    rest = uri.slice(IDPAT_PREFIX.length);
  } else {
    throw epcError(
      "ID_EPC_NOT_EPC_URI",
      `${uri}: must start with urn:epc:id:, urn:epc:class: or urn:epc:idpat: (TDS §6, §13)`,
      "uri",
    );
  }
  const colon = rest.indexOf(":");
  const schemeName = colon < 0 ? rest : rest.slice(0, colon);
  const allowed = kind === "id" ? ID_SCHEMES : kind === "class" ? CLASS_SCHEMES : IDPAT_SCHEMES;
  if (colon < 0 || !allowed.has(schemeName)) {
    throw epcError("ID_EPC_UNKNOWN_SCHEME", `${uri}: unknown EPC ${kind} scheme "${schemeName}"`, "scheme");
  }
  const scheme = schemeName as EpcScheme;
  if (opts?.scheme !== undefined && opts.scheme !== scheme) {
    throw epcError("ID_EPC_UNEXPECTED_SCHEME", `${uri}: scheme "${scheme}", expected "${opts.scheme}"`, "scheme");
  }
  const comps = splitBody(rest.slice(colon + 1), COMPONENTS[scheme], uri);
  const parts: string[] = [];
  const values: string[] = [];
  validate(scheme, comps, uri, parts, values, kind === "idpat");
  let body = parts[0]!;
  for (let i = 1; i < parts.length; i++) body += "." + parts[i];
  const result: EpcUri = {
    scheme,
    kind,
    parts,
    values,
    uri: (kind === "id" ? ID_PREFIX : kind === "class" ? CLASS_PREFIX : IDPAT_PREFIX) + scheme + ":" + body,
  };
  if (GS1_SCHEMES.has(scheme) && values[0] !== "*") result.companyPrefix = values[0]!;
  if (kind !== "idpat") {
    const ais = aisOf(scheme, values);
    if (ais !== undefined) result.ais = ais;
  }
  return result;
}

const CLASS_SCHEMES = new Set<string>(["lgtin"]);
const GS1_SCHEMES = new Set<EpcScheme>([...GS1_KEYED, "cpi", "itip", "upui"]);

/** GTIN-14 from company prefix and indicator+item reference (TDS 2.1 §7.1.2). */
export function gtinOf(cp: string, itemRef: string): string {
  return withCheckDigit(itemRef[0] + cp + itemRef.slice(1));
}

/** The GS1 element string AIs of a GS1 scheme's URI components (TDS 2.1 §7). */
function aisOf(scheme: EpcScheme, v: string[]): AiValue[] | undefined {
  const cp = v[0]!;
  const ref = v[1]!;
  switch (scheme) {
    case "sgtin":
      return [
        { ai: "01", value: gtinOf(cp, ref) },
        { ai: "21", value: v[2]! },
      ];
    case "lgtin":
      return [
        { ai: "01", value: gtinOf(cp, ref) },
        { ai: "10", value: v[2]! },
      ];
    case "upui":
      return [
        { ai: "01", value: gtinOf(cp, ref) },
        { ai: "235", value: v[2]! },
      ];
    case "itip":
      return [
        { ai: "8006", value: gtinOf(cp, ref) + v[2] + v[3] },
        { ai: "21", value: v[4]! },
      ];
    case "sscc":
      return [{ ai: "00", value: withCheckDigit(ref[0] + cp + ref.slice(1)) }];
    case "sgln":
      return [
        { ai: "414", value: withCheckDigit(cp + ref) },
        { ai: "254", value: v[2]! },
      ];
    case "pgln":
      return [{ ai: "417", value: withCheckDigit(cp + ref) }];
    case "grai":
      return [{ ai: "8003", value: "0" + withCheckDigit(cp + ref) + v[2] }];
    case "giai":
      return [{ ai: "8004", value: cp + ref }];
    case "gsrn":
      return [{ ai: "8018", value: withCheckDigit(cp + ref) }];
    case "gsrnp":
      return [{ ai: "8017", value: withCheckDigit(cp + ref) }];
    case "gdti":
      return [{ ai: "253", value: withCheckDigit(cp + ref) + v[2] }];
    case "sgcn":
      return [{ ai: "255", value: withCheckDigit(cp + ref) + v[2] }];
    case "cpi":
      return [
        { ai: "8010", value: cp + ref },
        { ai: "8011", value: v[2]! },
      ];
    case "gsin":
      return [{ ai: "402", value: withCheckDigit(cp + ref) }];
    case "ginc":
      return [{ ai: "401", value: cp + ref }];
    default:
      return undefined;
  }
}

function asParsed(input: string | EpcUri): EpcUri {
  return typeof input === "string" ? parseEpcUri(input) : input;
}

/** Shortens a GTIN-14 to GTIN-13/12/8 (GS1 GenSpecs §3.3.2: the dropped leading digits must be zeros). */
export function formatGtin(gtin14: string, type: GtinType | undefined): string {
  const len = type === "GTIN13" ? 13 : type === "GTIN12" ? 12 : type === "GTIN8" ? 8 : 14;
  const drop = 14 - len;
  for (let i = 0; i < drop; i++) {
    if (gtin14.charCodeAt(i) !== 48) {
      throw epcError(
        "ID_EPC_GTIN_TYPE",
        `GTIN ${gtin14} cannot be written as ${type}: its first ${drop} digit(s) must be 0`,
        "gtin",
      );
    }
  }
  return gtin14.slice(drop);
}

/**
 * The GS1 key of an EPC URI (TDS 2.1 §7): e.g. the GTIN of an SGTIN/LGTIN (GTIN-14, or the
 * shorter form `gtinType` asks for), the SSCC, the GLN of an SGLN, the GRAI (key form without
 * the AI's leading zero pad), the full GDTI/SGCN/GIAI/GINC. For id patterns the key must be
 * fully given, except that a wildcard serial of GRAI/GDTI/GIAI/GINC yields the key prefix
 * followed by "*" (following the epcpy vectors). CPI, ITIP, UPUI and the non-GS1 schemes have
 * no single GS1 key: ID_EPC_NO_GS1_KEY.
 */
export function gs1KeyFromEpc(input: string | EpcUri, opts?: { gtinType?: GtinType }): string {
  const e = asParsed(input);
  if (!GS1_KEYED.has(e.scheme)) {
    throw epcError("ID_EPC_NO_GS1_KEY", `${e.uri}: scheme ${e.scheme} has no single GS1 key`, "scheme");
  }
  if (e.kind === "idpat") return patternKey(e, opts?.gtinType);
  const first = e.ais![0]!;
  switch (e.scheme) {
    case "sgtin":
    case "lgtin":
      return formatGtin(first.value, opts?.gtinType);
    case "grai":
      return first.value.slice(1);
    default:
      return first.value;
  }
}

function patternKey(e: EpcUri, gtinType: GtinType | undefined): string {
  const v = e.values;
  const wildAt = v.indexOf("*");
  const reject = (): never => {
    throw epcError(
      "ID_EPC_PATTERN_WILDCARD",
      `${e.uri}: the GS1 key of a ${e.scheme} pattern needs every key component given`,
      "idpat",
    );
  };
  if (wildAt === 0) reject();
  switch (e.scheme) {
    case "sgtin":
      if (wildAt === 1) reject();
      return formatGtin(gtinOf(v[0]!, v[1]!), gtinType);
    case "sgln":
      if (wildAt === 1) reject();
      return withCheckDigit(v[0]! + v[1]!);
    case "grai":
    case "gdti": {
      if (wildAt === 1) reject();
      const base = withCheckDigit(v[0]! + v[1]!);
      return wildAt === 2 ? base + "*" : base + v[2];
    }
    case "giai":
    case "ginc":
      return wildAt === 1 ? v[0] + "*" : v[0]! + v[1];
    default: {
      if (wildAt >= 0) reject();
      const ais = aisOf(e.scheme, v)!;
      return ais[0]!.value;
    }
  }
}

/** The GS1 element string, bracketed, e.g. "(01)…(21)…" (TDS 2.1 §7). */
export function elementStringFromEpc(input: string | EpcUri): string {
  const e = asParsed(input);
  if (e.ais === undefined) {
    throw epcError(
      "ID_EPC_NO_ELEMENT_STRING",
      `${e.uri}: ${e.kind} URI of scheme ${e.scheme} has no GS1 element string`,
    );
  }
  let s = "";
  for (const a of e.ais) s += "(" + a.ai + ")" + a.value;
  return s;
}

function aiMap(ais: AiValue[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const a of ais) {
    if (m.has(a.ai)) throw epcError("ID_EPC_AI_REPEATED", `AI (${a.ai}) appears more than once`, `AI (${a.ai})`);
    m.set(a.ai, a.value);
  }
  return m;
}

function needDigitsWithCheck(ai: string, value: string, len: number): void {
  if (!isDigits(value) || value.length !== len) {
    throw epcError("ID_EPC_BAD_LENGTH", `AI (${ai}) "${value}": must be ${len} digits`, `AI (${ai})`);
  }
  const expected = gs1CheckDigit(value.slice(0, len - 1));
  if (value.charCodeAt(len - 1) - 48 !== expected) {
    throw epcError(
      "ID_EPC_BAD_CHECK_DIGIT",
      `AI (${ai}) ${value}: check digit ${value[len - 1]}, expected ${expected}`,
      `AI (${ai})`,
    );
  }
}

/**
 * Builds the EPC URI of a GS1 element string given as AIs (TDS 2.1 §7, "GS1 element string
 * to EPC"): (01)+(21) → sgtin, (01)+(10) → class lgtin, (01)+(235) → upui, (00) → sscc,
 * (414)[+(254)] → sgln, (8003) → grai, (8004) → giai, (8018) → gsrn, (8017) → gsrnp, (253) → gdti,
 * (255) → sgcn, (8010)+(8011) → cpi, (8006)+(21) → itip, (417) → pgln, (402) → gsin, (401) → ginc.
 * `companyPrefixLength` (6–12) says where the company prefix ends; it is not in the data.
 */
export function epcUriFromAis(ais: AiValue[], companyPrefixLength: number): string {
  if (!Array.isArray(ais)) throw new TypeError("epcUriFromAis: ais must be an array");
  if (!Number.isInteger(companyPrefixLength))
    throw new TypeError("epcUriFromAis: companyPrefixLength must be an integer");
  const L = companyPrefixLength;
  if (L < 6 || L > 12) {
    throw epcError("ID_EPC_BAD_COMPANY_PREFIX", `company prefix length ${L} must be 6 to 12`, "companyPrefixLength");
  }
  const m = aiMap(ais);
  const gtinParts = (ai: string, gtin: string) => {
    needDigitsWithCheck(ai, gtin, 14);
    return gtin.slice(1, 1 + L) + "." + gtin[0] + gtin.slice(1 + L, 13);
  };
  const glnParts = (ai: string, v13: string) => {
    needDigitsWithCheck(ai, v13, 13);
    return v13.slice(0, L) + "." + v13.slice(L, 12);
  };
  const out = (scheme: string, body: string, kind = "id") => parseEpcUri(`urn:epc:${kind}:${scheme}:${body}`).uri;
  const s = (v: string, ai: string) => {
    checkCset82(v, `AI (${ai})`);
    return encodeGs3a3(v);
  };
  const gtin = m.get("01");
  if (gtin !== undefined) {
    const ser = m.get("21");
    const lot = m.get("10");
    const tpx = m.get("235");
    if (ser !== undefined) return out("sgtin", gtinParts("01", gtin) + "." + s(ser, "21"));
    if (tpx !== undefined) return out("upui", gtinParts("01", gtin) + "." + s(tpx, "235"));
    if (lot !== undefined) return out("lgtin", gtinParts("01", gtin) + "." + s(lot, "10"), "class");
    throw epcError("ID_EPC_NO_EPC", "AI (01) needs (21), (10) or (235) to form an EPC", "AI (01)");
  }
  const sscc = m.get("00");
  if (sscc !== undefined) {
    needDigitsWithCheck("00", sscc, 18);
    return out("sscc", sscc.slice(1, 1 + L) + "." + sscc[0] + sscc.slice(1 + L, 17));
  }
  const gln = m.get("414");
  if (gln !== undefined) return out("sgln", glnParts("414", gln) + "." + s(m.get("254") ?? "0", "254"));
  const pgln = m.get("417");
  if (pgln !== undefined) return out("pgln", glnParts("417", pgln));
  const grai = m.get("8003");
  if (grai !== undefined) {
    if (grai[0] !== "0" || grai.length < 15) {
      throw epcError("ID_EPC_BAD_LENGTH", `AI (8003) "${grai}": must be "0" + 13 digits + serial (1–16)`, "AI (8003)");
    }
    return out("grai", glnParts("8003", grai.slice(1, 14)) + "." + s(grai.slice(14), "8003"));
  }
  const gdti = m.get("253");
  if (gdti !== undefined) return out("gdti", glnParts("253", gdti.slice(0, 13)) + "." + s(gdti.slice(13), "253"));
  const gcn = m.get("255");
  if (gcn !== undefined) return out("sgcn", glnParts("255", gcn.slice(0, 13)) + "." + gcn.slice(13));
  const giai = m.get("8004");
  if (giai !== undefined) return out("giai", giai.slice(0, L) + "." + s(giai.slice(L), "8004"));
  const ginc = m.get("401");
  if (ginc !== undefined) return out("ginc", ginc.slice(0, L) + "." + s(ginc.slice(L), "401"));
  for (const [ai, scheme] of [
    ["8018", "gsrn"],
    ["8017", "gsrnp"],
  ] as const) {
    const v = m.get(ai);
    if (v !== undefined) {
      needDigitsWithCheck(ai, v, 18);
      return out(scheme, v.slice(0, L) + "." + v.slice(L, 17));
    }
  }
  const gsin = m.get("402");
  if (gsin !== undefined) {
    needDigitsWithCheck("402", gsin, 17);
    return out("gsin", gsin.slice(0, L) + "." + gsin.slice(L, 16));
  }
  const itip = m.get("8006");
  if (itip !== undefined) {
    const ser = m.get("21");
    if (ser === undefined || itip.length !== 18) {
      throw epcError("ID_EPC_NO_EPC", "AI (8006) must be 18 digits and needs (21) to form an ITIP EPC", "AI (8006)");
    }
    return out(
      "itip",
      gtinParts("8006", itip.slice(0, 14)) + "." + itip.slice(14, 16) + "." + itip.slice(16) + "." + s(ser, "21"),
    );
  }
  const cpid = m.get("8010");
  if (cpid !== undefined) {
    const ser = m.get("8011");
    if (ser === undefined) throw epcError("ID_EPC_NO_EPC", "AI (8010) needs (8011) to form a CPI EPC", "AI (8010)");
    checkCpRefValue(cpid, "AI (8010)");
    return out("cpi", cpid.slice(0, L) + "." + encodeCpRef(cpid.slice(L)) + "." + ser);
  }
  throw epcError("ID_EPC_NO_EPC", "no AI that forms an EPC (TDS §7)", "ais");
}
