// Canonical GS1 Digital Link URI of an identifier, as the CBV 2.0 event-hash algorithm
// (CBV 2.0 §8.9 / EPCIS 2.0 §7.9, "canonical event hash") needs it: EPC URIs, EPC class and
// id-pattern URIs and GS1 Digital Link URIs on any domain all become
//   https://id.gs1.org/<primary key AI>/<value>[/<qualifier AI>/<value>]
// with numeric AIs, GTINs as 14 digits, only the finest EPC-level qualifier kept (serial,
// else lot; CPV (22) dropped) and no query string. Identifiers that carry no GS1 key
// (urn:uuid:, GID, US DoD, ADI, BIC, IMO, other URLs) have no canonical form: the hash keeps
// them unchanged, which `tryCanonicalDigitalLink` supports by returning null.
//
// The DL side is parsed here rather than through the general Digital Link parser: this runs for
// every identifier of every event, and the event-hash reference implementation (RalphTro's
// dl_normaliser, cited by EPCIS 2.0) accepts DL URIs the strict syntax rejects by default
// (zero-suppressed GTIN-8/12/13, GS1 DL 1.0 short names such as /gtin/, /ser/, /cpv/).
import { SuyuanError } from "../errors.ts";
import { HEX_VAL, isDigits, withCheckDigit } from "./epc/common.ts";
import { type EpcUri, gtinOf, parseEpcUri } from "./epc/uri.ts";

const STEM = "https://id.gs1.org/";

function dlError(code: string, input: string, rule: string, field = "uri"): SuyuanError {
  return new SuyuanError(code, `${input.length > 200 ? input.slice(0, 200) + "…" : input}: ${rule}`, { field });
}

/**
 * Characters written as themselves in canonical AI values. The reference implementation keeps
 * an EPC URI's own escapes and additionally escapes ! ( ) * + , : — so of GS1 character set 82
 * only letters, digits and ' - . ; = _ stay unescaped (the RalphTro event-hash vectors depend on
 * "'" staying as it is).
 */
const KEEP = new Uint8Array(128);
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'-.;=_") KEEP[c.charCodeAt(0)] = 1;

function enc(value: string): string {
  let i = 0;
  for (; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 128 || KEEP[c] === 0) break;
  }
  if (i === value.length) return value;
  let out = value.slice(0, i);
  for (; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 128 && KEEP[c] === 1) out += value[i];
    else out += "%" + "0123456789ABCDEF"[c >> 4] + "0123456789ABCDEF"[c & 15];
  }
  return out;
}

/** Canonical DL of a parsed EPC URI, or null when it has none. */
function fromEpc(e: EpcUri): string | null {
  const v = e.values;
  if (e.kind === "idpat") return fromPattern(e);
  const ais = e.ais;
  if (ais === undefined) return null; // GID, USDOD, ADI, BIC, IMOVN: not GS1 keys
  const a0 = ais[0]!;
  switch (e.scheme) {
    case "sgln": {
      // TDS 2.1 §7.4: extension "0" means "no extension" (the GLN alone).
      const ext = v[2]!;
      return ext === "0" ? STEM + "414/" + a0.value : STEM + "414/" + a0.value + "/254/" + enc(ext);
    }
    case "sgtin":
    case "lgtin":
    case "upui":
    case "itip":
    case "cpi": {
      const a1 = ais[1]!;
      return STEM + a0.ai + "/" + enc(a0.value) + "/" + a1.ai + "/" + enc(a1.value);
    }
    default:
      return STEM + a0.ai + "/" + enc(a0.value);
  }
}

/** Class-level keys of id patterns with a wildcard serial (the ones the reference maps). */
function fromPattern(e: EpcUri): string | null {
  const v = e.values;
  const last = v.length - 1;
  if (v[last] !== "*" || v[last - 1] === "*") return null;
  switch (e.scheme) {
    case "sgtin":
    case "upui":
      return STEM + "01/" + gtinOf(v[0]!, v[1]!);
    case "itip":
      return STEM + "8006/" + gtinOf(v[0]!, v[1]!) + v[2] + v[3];
    case "grai":
      return STEM + "8003/0" + withCheckDigit(v[0]! + v[1]!);
    case "gdti":
      return STEM + "253/" + withCheckDigit(v[0]! + v[1]!);
    case "sgcn":
      return STEM + "255/" + withCheckDigit(v[0]! + v[1]!);
    case "cpi":
      return STEM + "8010/" + enc(v[0]! + v[1]!);
    default:
      return null;
  }
}

/** GS1 DL primary keys and their key qualifiers (GS1 DL 1.2 §4 / Barcode Syntax Dictionary dlpkey). */
const KEY_QUALIFIERS: Record<string, readonly string[]> = {
  "01": ["22", "10", "21", "235"],
  "8006": ["22", "10", "21"],
  "8010": ["8011"],
  "414": ["254", "7040"],
  "417": [],
  "8017": [],
  "8018": ["8019"],
  "255": [],
  "00": [],
  "253": [],
  "401": [],
  "402": [],
  "8003": [],
  "8004": [],
};

/** GS1 Digital Link 1.0 short names (still accepted by the reference normaliser). */
const SHORT_NAMES: Record<string, string> = {
  gtin: "01",
  itip: "8006",
  cpid: "8010",
  gln: "414",
  party: "417",
  gsrnp: "8017",
  gsrn: "8018",
  gcn: "255",
  sscc: "00",
  gdti: "253",
  ginc: "401",
  gsin: "402",
  grai: "8003",
  giai: "8004",
  cpv: "22",
  lot: "10",
  ser: "21",
  glnx: "254",
  srin: "8019",
  cpsn: "8011",
};

function aiOf(segment: string): string | undefined {
  if (Object.hasOwn(KEY_QUALIFIERS, segment)) return segment;
  const s = SHORT_NAMES[segment];
  if (s !== undefined) return s;
  // Qualifier AIs are also numeric; returned as-is and checked against the key's list.
  return isDigits(segment) && segment.length >= 2 && segment.length <= 4 ? segment : undefined;
}

/** RFC 3986 §2.1 percent-decoding of one path segment (bytes > 0x7F are not GS1 characters). */
function pctDecode(s: string, input: string): string {
  if (s.indexOf("%") < 0) return s;
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 37) {
      out += s[i];
      continue;
    }
    const room = i + 2 < s.length;
    const h = room && s.charCodeAt(i + 1) < 128 ? HEX_VAL[s.charCodeAt(i + 1)]! : -1;
    const l = room && s.charCodeAt(i + 2) < 128 ? HEX_VAL[s.charCodeAt(i + 2)]! : -1;
    if (h < 0 || l < 0) throw dlError("ID_DL_BAD_ESCAPE", input, `bad percent-escape in "${s}"`);
    out += String.fromCharCode(h * 16 + l);
    i += 2;
  }
  return out;
}

// GS1 character sets (GS1 GenSpecs §7.11): 82 for X.. values, 39 for the CPID.
const CS82 = new Uint8Array(128);
for (const c of "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz") {
  CS82[c.charCodeAt(0)] = 1;
}
const CS39 = new Uint8Array(128);
for (const c of "#-/0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ") CS39[c.charCodeAt(0)] = 1;

function inSet(v: string, set: Uint8Array, min: number, max: number): boolean {
  if (v.length < min || v.length > max) return false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c >= 128 || set[c] === 0) return false;
  }
  return true;
}

// Check digits are not enforced here: the canonical form is a syntactic normalisation for the
// event hash, which must give every event a hash; identifier validation (parseDigitalLink, the
// EPCIS validator) rejects bad check digits. The reference vectors themselves normalise GTINs
// with wrong check digits (…/01/97803111, …/01/040123451234).
function numDigits(v: string, len: number): boolean {
  return v.length === len && isDigits(v);
}

/** Validates (and for GTINs pads) an AI value; returns the canonical raw value or throws. */
function checkValue(ai: string, v: string, input: string): string {
  let ok: boolean;
  switch (ai) {
    case "01": {
      if (isDigits(v) && (v.length === 8 || v.length === 12 || v.length === 13)) v = v.padStart(14, "0");
      ok = numDigits(v, 14);
      break;
    }
    case "00":
    case "8017":
    case "8018":
      ok = numDigits(v, 18);
      break;
    case "414":
    case "417":
      ok = numDigits(v, 13);
      break;
    case "402":
      ok = numDigits(v, 17);
      break;
    case "8006":
      ok = v.length === 18 && isDigits(v);
      break;
    case "8003":
      ok = v.length > 14 && v[0] === "0" && numDigits(v.slice(1, 14), 13) && inSet(v.slice(14), CS82, 1, 16);
      if (!ok && v.length === 14) ok = v[0] === "0" && numDigits(v.slice(1), 13);
      break;
    case "253":
      ok = v.length >= 13 && numDigits(v.slice(0, 13), 13) && inSet(v.slice(13), CS82, 0, 17);
      break;
    case "255":
      ok = v.length >= 13 && v.length <= 25 && isDigits(v);
      break;
    case "8004":
    case "401":
      ok = inSet(v, CS82, 1, 30);
      break;
    case "8010":
      ok = inSet(v, CS39, 1, 30);
      break;
    case "8011":
      ok = v.length <= 12 && isDigits(v);
      break;
    case "235":
      ok = inSet(v, CS82, 1, 28);
      break;
    case "8019":
      ok = v.length <= 10 && isDigits(v);
      break;
    case "7040":
      ok = inSet(v, CS82, 4, 4);
      break;
    default: // 10, 21, 22, 254
      ok = inSet(v, CS82, 1, 20);
  }
  if (!ok) throw dlError("ID_DL_BAD_VALUE", input, `AI (${ai}) value "${v}" does not meet its format`, `AI (${ai})`);
  return v;
}

/** Canonical DL of an http(s) GS1 Digital Link URI; throws when it is not one. */
function fromDigitalLink(input: string): string {
  const schemeEnd = input.startsWith("https://") ? 8 : input.startsWith("http://") ? 7 : -1;
  if (schemeEnd < 0) throw dlError("ID_DL_NOT_GS1", input, "not an EPC URI or http(s) GS1 Digital Link URI");
  let end = input.length;
  const q = input.indexOf("?", schemeEnd);
  if (q >= 0) end = q;
  const h = input.indexOf("#", schemeEnd);
  if (h >= 0 && h < end) end = h;
  const slash = input.indexOf("/", schemeEnd);
  if (slash < 0 || slash >= end || slash === schemeEnd) {
    throw dlError("ID_DL_NOT_GS1", input, "no host and path (GS1 DL 1.2 §4)");
  }
  const segs = input.slice(slash + 1, end).split("/");
  if (segs.length > 0 && segs[segs.length - 1] === "") segs.pop();
  // The primary key is the first key AI followed by an even number of segments; anything
  // before it is the resolver's custom path (GS1 DL 1.2 §4.4).
  for (let i = 0; i + 1 < segs.length; i++) {
    if ((segs.length - i) % 2 !== 0) continue;
    const key = aiOf(segs[i]!);
    if (key === undefined || !Object.hasOwn(KEY_QUALIFIERS, key)) continue;
    const allowed = KEY_QUALIFIERS[key]!;
    const keyValue = checkValue(key, pctDecode(segs[i + 1]!, input), input);
    const quals = new Map<string, string>();
    for (let j = i + 2; j < segs.length; j += 2) {
      const ai = aiOf(segs[j]!);
      if (ai === undefined || !allowed.includes(ai)) {
        throw dlError("ID_DL_BAD_QUALIFIER", input, `"${segs[j]}" is not a key qualifier of AI (${key})`, "path");
      }
      if (quals.has(ai)) throw dlError("ID_DL_BAD_QUALIFIER", input, `AI (${ai}) repeated`, "path");
      quals.set(ai, checkValue(ai, pctDecode(segs[j + 1]!, input), input));
    }
    let out = STEM + key + "/" + enc(keyValue);
    if (key === "01" || key === "8006") {
      // CBV 2.0 §8.9 canonical form: the finest EPC-level qualifier only (serial, else TPX, else lot).
      const ser = quals.get("21");
      const tpx = quals.get("235");
      const lot = quals.get("10");
      if (ser !== undefined) out += "/21/" + enc(ser);
      else if (tpx !== undefined) out += "/235/" + enc(tpx);
      else if (lot !== undefined) out += "/10/" + enc(lot);
    } else if (key === "414") {
      const ext = quals.get("254");
      if (ext !== undefined) out += "/254/" + enc(ext);
    } else if (key === "8010") {
      const ser = quals.get("8011");
      if (ser !== undefined) out += "/8011/" + ser;
    }
    return out;
  }
  throw dlError("ID_DL_NO_PRIMARY_KEY", input, "no GS1 primary key AI in the path (GS1 DL 1.2 §4)", "path");
}

const SGTIN = "urn:epc:id:sgtin:";
const SSCC = "urn:epc:id:sscc:";
const SGLN = "urn:epc:id:sgln:";

/** True when input[from, to) is all ASCII digits (empty: true). */
function digitsIn(input: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = input.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** True when input[from..] is 1–20 ASCII letters and digits (a GS3A3 value needing no escapes). */
function alnumTail(input: string, from: number): boolean {
  const n = input.length - from;
  if (n < 1 || n > 20) return false;
  for (let i = from; i < input.length; i++) {
    const c = input.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122))) return false;
  }
  return true;
}

/**
 * The plain forms of the three identifiers nearly every event carries (SGTIN, SSCC, SGLN: TDS
 * 2.1 §6.3.1, §6.3.2, §6.3.3), converted without the general EPC parser: company prefix of 6–12
 * digits, the reference filling the scheme's digit count, and a serial / extension of letters
 * and digits only (so it has no escapes to decode and none to add). Anything else (patterns,
 * escapes, wrong lengths, other schemes) returns undefined and takes the general path, which
 * also produces every error. The result is the one the general path gives (TDS 2.1 §7.1–§7.3).
 */
function fastEpc(input: string): string | undefined {
  let start: number;
  let total: number;
  if (input.startsWith(SGTIN)) {
    start = SGTIN.length;
    total = 13;
  } else if (input.startsWith(SSCC)) {
    start = SSCC.length;
    total = 17;
  } else if (input.startsWith(SGLN)) {
    start = SGLN.length;
    total = 12;
  } else {
    return undefined;
  }
  const d1 = input.indexOf(".", start);
  const cpLen = d1 - start;
  if (cpLen < 6 || cpLen > 12 || !digitsIn(input, start, d1)) return undefined;
  const cp = input.slice(start, d1);
  if (total === 17) {
    // SSCC: company prefix . extension digit + serial reference, no further component.
    const ref = input.slice(d1 + 1);
    if (cpLen + ref.length !== total || !digitsIn(ref, 0, ref.length)) return undefined;
    return STEM + "00/" + withCheckDigit(ref[0] + cp + ref.slice(1));
  }
  const d2 = input.indexOf(".", d1 + 1);
  if (d2 < 0 || cpLen + (d2 - d1 - 1) !== total || !digitsIn(input, d1 + 1, d2) || !alnumTail(input, d2 + 1)) {
    return undefined;
  }
  const ref = input.slice(d1 + 1, d2);
  const last = input.slice(d2 + 1);
  if (total === 13) return STEM + "01/" + withCheckDigit(ref[0] + cp + ref.slice(1)) + "/21/" + last;
  // SGLN: extension "0" means the GLN alone (TDS 2.1 §7.4).
  const gln = withCheckDigit(cp + ref);
  return last === "0" ? STEM + "414/" + gln : STEM + "414/" + gln + "/254/" + last;
}

/**
 * The canonical GS1 Digital Link URI (`https://id.gs1.org/…`) of an EPC pure-identity URI,
 * `urn:epc:class:lgtin:` URI, `urn:epc:idpat:` URI with a wildcard serial, or any GS1 Digital
 * Link URI. Throws SuyuanError (`ID_EPC_*`, `ID_DL_*`) when the input has no canonical form.
 */
export function toCanonicalDigitalLink(input: string): string {
  if (typeof input !== "string") throw new TypeError("toCanonicalDigitalLink: input must be a string");
  if (input.startsWith("urn:epc:")) {
    const fast = fastEpc(input);
    if (fast !== undefined) return fast;
    const out = fromEpc(parseEpcUri(input));
    if (out === null) {
      throw dlError("ID_DL_NOT_GS1", input, "this EPC carries no GS1 key (no Digital Link form, CBV 2.0 §8.9)");
    }
    return out;
  }
  return fromDigitalLink(input);
}

/**
 * Like {@link toCanonicalDigitalLink} but returns null instead of throwing, for identifiers the
 * event-hash algorithm keeps unchanged (non-GS1 URIs, malformed codes, non-strings).
 */
export function tryCanonicalDigitalLink(input: unknown): string | null {
  if (typeof input !== "string") return null;
  try {
    return toCanonicalDigitalLink(input);
  } catch (e) {
    if (e instanceof SuyuanError) return null;
    throw e;
  }
}
