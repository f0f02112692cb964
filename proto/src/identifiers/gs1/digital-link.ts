// GS1 Digital Link URIs (GS1 Digital Link URI Syntax 1.4; GS1 General Specifications §4.15):
// https://<any domain>/<optional path prefix>/<primary key AI>/<value>[/<qualifier AI>/<value>…]
// [?<attribute AI>=<value>&…]. Parsing finds the primary key by walking the path backwards;
// building gives the canonical form with the key qualifiers in the order of the dictionary's
// dlpkey= attribute.
import { SuyuanError } from "../../errors.ts";
import { type AiEntry, aiEntries, lookupAi } from "./ai-dictionary.ts";
import { type Gs1SyntaxOptions, validateAis } from "./element-string.ts";
import { percentDecode, percentEncode } from "./percent.ts";
import type { AiValue } from "./types.ts";

export const CANONICAL_DL_STEM = "https://id.gs1.org";

export interface DigitalLinkOptions extends Gs1SyntaxOptions {
  /** Accept GTIN-8/12/13 in AI (01) and pad them to 14 digits (legacy URIs). Default false. */
  permitZeroSuppressedGtin?: boolean;
  /** Accept the deprecated convenience alphas ("gtin", "ser", "lot", …) for AIs in the path. Default true. */
  permitConvenienceAlphas?: boolean;
  /** Allow unknown AIs (with permitUnknownAis) as query attributes. Default false. */
  permitUnknownAiAttributes?: boolean;
}

export interface ParsedDigitalLink {
  /** Scheme, domain and any path prefix before the primary key, e.g. "https://example.com/shop". */
  stem: string;
  /** Primary key, key qualifiers (path order), then data attributes (query order). */
  ais: AiValue[];
  /** How many of `ais` came from the path (primary key + key qualifiers). */
  pathAiCount: number;
}

// GS1 Digital Link URI Syntax §6.x (deprecated convenience alphas for path components).
const CONVENIENCE_ALPHAS: Readonly<Record<string, string>> = {
  cpid: "8010",
  cpsn: "8011",
  cpv: "22",
  gcn: "255",
  gdti: "253",
  giai: "8004",
  ginc: "401",
  gln: "414",
  glnx: "254",
  gmn: "8013",
  grai: "8003",
  gsin: "402",
  gsrn: "8018",
  gsrnp: "8017",
  gtin: "01",
  itip: "8006",
  lot: "10",
  party: "417",
  refno: "8020",
  ser: "21",
  srin: "8019",
  sscc: "00",
};

// Every valid path AI sequence: a primary key followed by an ordered subset of one of its
// dlpkey= qualifier alternatives, as "01 22 10" strings; also per key, the sequences in
// lexical order (the canonical form picks the first that holds the most qualifiers given).
const PATH_SEQUENCES = new Set<string>();
const SEQUENCES_BY_KEY = new Map<string, string[][]>();
for (const e of aiEntries()) {
  if (!e.dlpkey) continue;
  const seqs = new Set<string>();
  for (const alt of e.dlpkey) {
    for (let mask = 0; mask < 1 << alt.length; mask++) {
      const seq = [e.ai, ...alt.filter((_, i) => mask & (1 << i))];
      seqs.add(seq.join(" "));
    }
  }
  for (const s of seqs) PATH_SEQUENCES.add(s);
  SEQUENCES_BY_KEY.set(
    e.ai,
    [...seqs].sort().map((s) => s.split(" ")),
  );
}

const isValidPathSequence = (ais: readonly string[]): boolean => PATH_SEQUENCES.has(ais.join(" "));

// RFC 3986 characters; and those not allowed in the authority of a DL URI.
const URI_CHARS = new Uint8Array(128);
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?#[]@!$&'()*+,;=%") {
  URI_CHARS[c.charCodeAt(0)] = 1;
}
const BAD_DOMAIN_CHARS = "_~?#@!$&'()*+,;=%";

const syntax = (msg: string): SuyuanError => new SuyuanError("ID_DL_SYNTAX", `GS1 Digital Link: ${msg}`);

function padGtin(value: string): string {
  return value.length === 13 || value.length === 12 || value.length === 8 ? value.padStart(14, "0") : value;
}

function allDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function pathEntry(seg: string, opts: DigitalLinkOptions | undefined): AiEntry | undefined {
  if (opts?.permitConvenienceAlphas !== false && seg.length >= 3 && seg.length <= 5) {
    const c = seg.charCodeAt(0);
    if (c < 48 || c > 57) {
      const ai = CONVENIENCE_ALPHAS[seg];
      if (ai) return lookupAi(ai);
    }
  }
  return lookupAi(seg, opts?.permitUnknownAis === true);
}

// A compressed GS1 Digital Link URI (GS1 Digital Link: Compression) carries all AIs as one
// base64url path segment instead of /AI/value pairs.
function looksCompressed(seg: string): boolean {
  return seg.length >= 10 && /^[A-Za-z0-9_-]+$/.test(seg) && /[0-9]/.test(seg) && /[A-Za-z]/.test(seg);
}

function unescapeValue(ai: string, raw: string, inQuery: boolean): string {
  if (raw.length === 0) {
    throw new SuyuanError("ID_AI_FORMAT", `GS1 Digital Link: AI (${ai}) has an empty value`, { field: `AI (${ai})` });
  }
  const v = percentDecode(raw, inQuery);
  if (v.includes("\u0000")) {
    throw new SuyuanError("ID_AI_FORMAT", `GS1 Digital Link: AI (${ai}) value contains an escaped NUL`, {
      field: `AI (${ai})`,
    });
  }
  return v;
}

/**
 * Parses a GS1 Digital Link URI on any domain into its AIs, checking the key / key-qualifier
 * path, the query attributes, every AI value and (unless `associations: false`) the AI
 * combination rules. Non-AI query parameters are ignored.
 */
export function parseDigitalLink(uri: string, opts?: DigitalLinkOptions): ParsedDigitalLink {
  if (typeof uri !== "string") throw new TypeError("parseDigitalLink: uri must be a string");
  for (let i = 0; i < uri.length; i++) {
    const c = uri.charCodeAt(i);
    if (c >= 128 || !URI_CHARS[c])
      throw syntax(`character ${JSON.stringify(uri[i])} at position ${i + 1} is not allowed in a URI`);
  }
  let p: number;
  if (uri.startsWith("https://") || uri.startsWith("HTTPS://")) p = 8;
  else if (uri.startsWith("http://") || uri.startsWith("HTTP://")) p = 7;
  else throw syntax("URI must start with http:// or https://");
  const slash = uri.indexOf("/", p);
  if (slash < 0 || slash === p) throw syntax("missing domain or path");
  for (let i = p; i < slash; i++) {
    if (BAD_DOMAIN_CHARS.includes(uri[i]!))
      throw syntax(`character ${JSON.stringify(uri[i])} is not allowed in the domain`);
  }
  let end = uri.indexOf("#", slash);
  if (end < 0) end = uri.length;
  let q = uri.indexOf("?", slash);
  if (q < 0 || q > end) q = end;
  const path = uri.slice(slash, q);
  const query = q < end ? uri.slice(q + 1, end) : "";

  // Walk /AI/value pairs back from the end of the path to the rightmost primary key.
  const segs = path.split("/"); // segs[0] === "" (path starts with "/")
  let keyAt = -1;
  for (let i = segs.length - 2; i >= 1; i -= 2) {
    const entry = pathEntry(segs[i]!, opts);
    if (!entry) break;
    if (entry.dlpkey) {
      keyAt = i;
      break;
    }
  }
  if (keyAt < 0) {
    const last = segs[segs.length - 1] ?? "";
    if (looksCompressed(last)) {
      throw new SuyuanError(
        "ID_DL_COMPRESSED",
        "compressed GS1 Digital Link URIs are not supported; use the uncompressed form",
      );
    }
    throw new SuyuanError("ID_DL_NO_PRIMARY_KEY", "GS1 Digital Link: no GS1 primary key AI found in the URI path");
  }

  const ais: AiValue[] = [];
  const pathAis: string[] = [];
  for (let i = keyAt; i < segs.length; i += 2) {
    const entry = pathEntry(segs[i]!, opts)!;
    const ai = entry.unknown ? segs[i]! : entry.ai;
    let value = unescapeValue(ai, segs[i + 1] ?? "", false);
    if (ai === "01" && opts?.permitZeroSuppressedGtin === true) value = padGtin(value);
    ais.push({ ai, value });
    pathAis.push(ai);
  }
  if (!isValidPathSequence(pathAis)) {
    throw new SuyuanError(
      "ID_DL_KEY_QUALIFIERS",
      `GS1 Digital Link: path AIs ${pathAis.map((a) => `(${a})`).join("")} are not a valid primary key and key qualifier sequence`,
    );
  }

  const permitUnknown = opts?.permitUnknownAis === true;
  for (const param of query.split("&")) {
    if (param === "") continue;
    const eq = param.indexOf("=");
    if (eq < 0) continue; // singleton, not an AI
    const key = param.slice(0, eq);
    if (!allDigits(key)) continue; // other (non-AI) parameters are allowed and ignored
    const entry = lookupAi(key, permitUnknown);
    if (!entry) {
      throw new SuyuanError("ID_AI_UNKNOWN", `GS1 Digital Link: query parameter ${key} is not a known AI`, {
        field: `AI (${key})`,
      });
    }
    let value = unescapeValue(key, param.slice(eq + 1), true);
    if (key === "01" && opts?.permitZeroSuppressedGtin === true) value = padGtin(value);
    if (ais.some((a) => a.ai === key)) {
      throw new SuyuanError("ID_AI_REPEAT", `GS1 Digital Link: AI (${key}) given more than once`, {
        field: `AI (${key})`,
      });
    }
    if (!entry.dlAttr && !(entry.unknown && opts?.permitUnknownAiAttributes === true)) {
      throw new SuyuanError("ID_DL_ATTRIBUTE", `GS1 Digital Link: AI (${key}) is not permitted as a data attribute`, {
        field: `AI (${key})`,
      });
    }
    // An AI that would make a valid key-qualifier path belongs in the path, not the query.
    for (let j = 1; j <= pathAis.length; j++) {
      if (isValidPathSequence([...pathAis.slice(0, j), key, ...pathAis.slice(j)])) {
        throw new SuyuanError(
          "ID_DL_ATTRIBUTE",
          `GS1 Digital Link: AI (${key}) is a key qualifier and must be in the path`,
          {
            field: `AI (${key})`,
          },
        );
      }
    }
    ais.push({ ai: key, value });
  }

  validateAis(ais, opts);
  return {
    stem: uri.slice(0, slash + segs.slice(1, keyAt).reduce((n, s) => n + s.length + 1, 0)),
    ais,
    pathAiCount: pathAis.length,
  };
}

/**
 * Builds the GS1 Digital Link URI of a set of AIs (GS1 Digital Link URI Syntax §4.x canonical
 * form): the first AI that is a primary key, then the key qualifiers present, in dlpkey order,
 * in the path; all other AIs as query attributes in the order given, fixed-length AIs first.
 * The default stem is https://id.gs1.org.
 */
export function buildDigitalLink(ais: readonly AiValue[], opts?: DigitalLinkOptions & { stem?: string }): string {
  validateAis(ais, opts);
  const key = ais.find((a) => SEQUENCES_BY_KEY.has(a.ai));
  if (!key) {
    throw new SuyuanError("ID_DL_NO_PRIMARY_KEY", "GS1 Digital Link: the AIs include no GS1 primary key");
  }
  // Choose the qualifier sequence that holds the most of the given AIs.
  let best: string[] = [key.ai];
  let bestCount = 0;
  for (const seq of SEQUENCES_BY_KEY.get(key.ai)!) {
    let count = 0;
    for (let i = 1; i < seq.length; i++) for (const a of ais) if (a.ai === seq[i]) count++;
    if (count > bestCount) {
      bestCount = count;
      best = seq;
    }
  }
  let stem = opts?.stem ?? CANONICAL_DL_STEM;
  if (stem.endsWith("/")) stem = stem.slice(0, -1);
  let out = stem;
  for (const ai of best) {
    const a = ais.find((x) => x.ai === ai);
    if (a) out += `/${ai}/${percentEncode(a.value)}`;
  }
  const inPath = new Set(best);
  const params: string[] = [];
  const seen = new Set<string>();
  for (const fixedPass of [true, false]) {
    for (const a of ais) {
      if (inPath.has(a.ai) || seen.has(a.ai)) continue;
      const entry = lookupAi(a.ai, opts?.permitUnknownAis === true)!;
      if (entry.fnc1 === fixedPass) continue;
      seen.add(a.ai);
      if (!entry.dlAttr && !(entry.unknown && opts?.permitUnknownAiAttributes === true)) {
        throw new SuyuanError(
          "ID_DL_ATTRIBUTE",
          `GS1 Digital Link: AI (${a.ai}) is not permitted as a data attribute`,
          {
            field: `AI (${a.ai})`,
          },
        );
      }
      params.push(`${a.ai}=${percentEncode(a.value, true)}`);
    }
  }
  return params.length ? `${out}?${params.join("&")}` : out;
}
