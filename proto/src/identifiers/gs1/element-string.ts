// GS1 element strings (GS1 General Specifications §3, §5.10, §7.8): bracketed "(01)…(10)…"
// human-readable form and unbracketed FNC1-separated data, with every AI value checked
// against the GS1 Barcode Syntax Dictionary (components, linters, check digits) and the AI
// combination rules (§4.13 invalid pairs, mandatory associations; repeats).
import { SuyuanError } from "../../errors.ts";
import { type AiEntry, lookupAi, lookupAiAt } from "./ai-dictionary.ts";
import { gs1CheckDigit, gs1CheckPair } from "./check-digit.ts";
import { CSET_LINTERS, LINTERS, type LintError } from "./linters.ts";
import type { AiValue } from "./types.ts";

/** Options mirroring the GS1 Syntax Engine settings. Defaults are the strict engine defaults. */
export interface Gs1SyntaxOptions {
  /** Accept AIs not in the dictionary (value checked as X1..90 or the prefix's fixed length). */
  permitUnknownAis?: boolean;
  /** Check req= mandatory associations (default true; off when only part of a label is read). */
  validateRequisites?: boolean;
  /**
   * Apply the AI combination rules (invalid pairs, mandatory associations, repeats) at all
   * (default true). The Syntax Dictionary says pairings "should be evaluated over the combined
   * data received from all GS1 carriers marking a physical item": turn this off when parsing
   * one carrier of several, then call validateAis on the combined AIs.
   */
  associations?: boolean;
}

/** FNC1 in GS1 Syntax Engine notation, and the ASCII GS that scanners transmit for it. */
export const FNC1 = "^";
export const GS = "\u001d";
const CARET = 94;
const GS_CODE = 29;
const isSep = (c: number): boolean => c === CARET || c === GS_CODE;

// Names of the GS1 keys carrying a check digit, for messages (GS1 General Specifications §3.2).
const KEY_NAMES: Readonly<Record<string, string>> = {
  "00": "SSCC",
  "01": "GTIN",
  "02": "GTIN",
  "03": "GTIN",
  "253": "GDTI",
  "255": "GCN",
  "402": "GSIN",
  "410": "GLN",
  "411": "GLN",
  "412": "GLN",
  "413": "GLN",
  "414": "GLN",
  "415": "GLN",
  "416": "GLN",
  "417": "PGLN",
  "8003": "GRAI",
  "8006": "ITIP",
  "8013": "GMN",
  "8014": "MUDI",
  "8017": "GSRN",
  "8018": "GSRN",
  "8026": "ITIP",
};

/** One parsed AI with its dictionary entry (internal). */
interface Element {
  readonly entry: AiEntry;
  readonly ai: string;
  readonly value: string;
}

const field = (ai: string): string => `AI (${ai})`;

function lengthCheck(entry: AiEntry, ai: string, value: string): void {
  if (value.length < entry.minLength) {
    throw new SuyuanError("ID_AI_FORMAT", `${field(ai)} ${value}: value too short (minimum ${entry.minLength})`, {
      field: field(ai),
    });
  }
  if (value.length > entry.maxLength) {
    throw new SuyuanError("ID_AI_FORMAT", `${field(ai)} ${value}: value too long (maximum ${entry.maxLength})`, {
      field: field(ai),
    });
  }
  // "^" would be confused with FNC1 in the engine notation; it is not in CSET 82 either.
  if (value.includes(FNC1)) {
    throw new SuyuanError("ID_AI_FORMAT", `${field(ai)}: value contains "^", which is not an AI character`, {
      field: field(ai),
    });
  }
}

function lintFailure(ai: string, s: string, start: number, compStart: number, comp: string, err: LintError): never {
  const markup = `(${ai})${s.slice(start, compStart + err.pos)}|${comp.slice(err.pos, err.pos + err.len)}|${comp.slice(
    err.pos + err.len,
  )}`;
  const value = s.slice(start, compStart + comp.length);
  const detail = { ai, linterError: err.error, position: compStart - start + err.pos, length: err.len, markup };
  if (err.error === "GS1_LINTER_INCORRECT_CHECK_DIGIT") {
    const expected = gs1CheckDigit(comp.slice(0, -1));
    const name = KEY_NAMES[ai] ?? field(ai);
    throw new SuyuanError(
      "ID_BAD_CHECK_DIGIT",
      `${name} ${comp}: check digit ${comp[comp.length - 1]}, expected ${expected}`,
      { field: field(ai), detail: { ...detail, expected: String(expected) } },
    );
  }
  if (err.error === "GS1_LINTER_INCORRECT_CHECK_PAIR") {
    const expected = gs1CheckPair(comp.slice(0, -2)) ?? "";
    const name = KEY_NAMES[ai] ?? field(ai);
    throw new SuyuanError(
      "ID_BAD_CHECK_DIGIT",
      `${name} ${comp}: check character pair ${comp.slice(-2)}, expected ${expected}`,
      { field: field(ai), detail: { ...detail, expected } },
    );
  }
  const rule = err.error
    .replace(/^GS1_LINTER_/, "")
    .toLowerCase()
    .replaceAll("_", " ");
  throw new SuyuanError("ID_AI_FORMAT", `${field(ai)} ${value}: ${rule} at position ${detail.position + 1}`, {
    field: field(ai),
    detail,
  });
}

/**
 * Checks the value of one AI found in `s` from `start` up to at most `end` against its
 * components (GS1 Barcode Syntax Dictionary: each component consumes up to its maximum
 * length; optional trailing components may be absent). Returns how many characters the value
 * takes, which is less than end - start when a fixed-length AI is followed by another AI.
 */
function checkValue(entry: AiEntry, ai: string, s: string, start: number, end: number): number {
  if (start === end) throw new SuyuanError("ID_AI_FORMAT", `${field(ai)}: value is empty`, { field: field(ai) });
  let p = start;
  for (const part of entry.parts) {
    const complen = Math.min(part.max, end - p);
    if (part.optional && complen === 0) continue;
    if (complen < part.min) {
      throw new SuyuanError("ID_AI_FORMAT", `${field(ai)} ${s.slice(start, end)}: value has the wrong length`, {
        field: field(ai),
      });
    }
    const comp = s.slice(p, p + complen);
    const cs = CSET_LINTERS[part.cset]!(comp);
    if (cs) lintFailure(ai, s, start, p, comp, cs);
    for (const name of part.linters) {
      const err = LINTERS[name]!(comp);
      if (err) lintFailure(ai, s, start, p, comp, err);
    }
    p += complen;
  }
  return p - start;
}

function lookupOrThrow(ai: string, opts: Gs1SyntaxOptions | undefined): AiEntry {
  const entry = lookupAi(ai, opts?.permitUnknownAis === true);
  if (!entry)
    throw new SuyuanError("ID_AI_UNKNOWN", `${field(ai)}: not a known GS1 Application Identifier`, {
      field: field(ai),
    });
  return entry;
}

function parseBracketedElements(s: string, opts: Gs1SyntaxOptions | undefined): Element[] {
  const out: Element[] = [];
  const n = s.length;
  let pos = 0;
  if (n === 0) throw new SuyuanError("ID_AI_SYNTAX", "element string is empty");
  while (pos < n) {
    if (s.charCodeAt(pos) !== 40) {
      throw new SuyuanError("ID_AI_SYNTAX", `bracketed element string: expected "(" at position ${pos + 1}`);
    }
    const close = s.indexOf(")", pos + 1);
    if (close < 0)
      throw new SuyuanError("ID_AI_SYNTAX", `bracketed element string: unterminated AI at position ${pos + 1}`);
    const ai = s.slice(pos + 1, close);
    const entry = lookupOrThrow(ai, opts);
    let r = close + 1;
    if (r >= n) throw new SuyuanError("ID_AI_FORMAT", `${field(ai)}: value is empty`, { field: field(ai) });
    // "\(" is a literal bracket in the data (GS1 Syntax Engine convention).
    let value = "";
    let p: number;
    for (;;) {
      p = s.indexOf("(", r);
      if (p < 0) p = n;
      if (p < n && s.charCodeAt(p - 1) === 92) {
        value += `${s.slice(r, p - 1)}(`;
        r = p + 1;
        continue;
      }
      value += s.slice(r, p);
      break;
    }
    pos = p;
    lengthCheck(entry, ai, value);
    checkValue(entry, ai, value, 0, value.length);
    out.push({ entry, ai, value });
  }
  return out;
}

function parseUnbracketedElements(s: string, opts: Gs1SyntaxOptions | undefined, leadingFnc1: boolean): Element[] {
  const n = s.length;
  let pos = 0;
  if (leadingFnc1) {
    if (n === 0 || !isSep(s.charCodeAt(0))) {
      throw new SuyuanError("ID_AI_SYNTAX", "unbracketed element string: missing FNC1 in first position");
    }
    pos = 1;
  }
  if (pos >= n) throw new SuyuanError("ID_AI_SYNTAX", "element string is empty");
  const out: Element[] = [];
  const permit = opts?.permitUnknownAis === true;
  while (pos < n) {
    const entry = lookupAiAt(s, pos, permit);
    if (!entry) {
      throw new SuyuanError("ID_AI_UNKNOWN", `no known AI at position ${pos + 1} ("${s.slice(pos, pos + 4)}…")`);
    }
    const ai = entry.unknown ? s.slice(pos, pos + entry.ai.length) : entry.ai;
    pos += ai.length;
    let r = pos;
    while (r < n && !isSep(s.charCodeAt(r))) r++;
    const len = checkValue(entry, ai, s, pos, r);
    const value = s.slice(pos, pos + len);
    pos += len;
    if (entry.fnc1 && pos < n && !isSep(s.charCodeAt(pos))) {
      throw new SuyuanError("ID_AI_FORMAT", `${field(ai)} ${s.slice(pos - len, r)}: value too long`, {
        field: field(ai),
      });
    }
    if (pos < n && isSep(s.charCodeAt(pos))) pos++; // also tolerated after fixed-length values
    out.push({ entry, ai, value });
  }
  return out;
}

// Does any element match the AI pattern ("31nn", "394n", "8006")? An AI never matches a
// pattern on its own behalf (Syntax Dictionary: "an AI is not exclusive of itself").
function findMatch(els: readonly Element[], pattern: string, self: string): Element | undefined {
  let fixed = 0;
  while (fixed < pattern.length && pattern.charCodeAt(fixed) >= 48 && pattern.charCodeAt(fixed) <= 57) fixed++;
  const prefix = pattern.slice(0, fixed);
  for (const e of els) {
    if (e.ai.length === pattern.length && e.ai.startsWith(prefix) && e.ai !== self) return e;
  }
  return undefined;
}

function checkCombinations(els: readonly Element[], opts: Gs1SyntaxOptions | undefined): void {
  if (opts?.associations === false) return;
  // GS1 General Specifications §4.13.1 invalid AI pairs (ex=).
  for (const e of els) {
    for (const pattern of e.entry.ex) {
      const m = findMatch(els, pattern, e.ai);
      if (m) {
        throw new SuyuanError("ID_AI_EXCLUSIVE", `${field(e.ai)} must not be used together with ${field(m.ai)}`, {
          field: field(e.ai),
          detail: { ai: e.ai, with: m.ai },
        });
      }
    }
  }
  // §4.13.2 mandatory associations (req=): each req attribute needs one wholly present group.
  if (opts?.validateRequisites !== false) {
    for (const e of els) {
      e.entry.req.forEach((alternatives, k) => {
        const ok = alternatives.some((group) => group.every((pattern) => findMatch(els, pattern, e.ai) !== undefined));
        if (!ok) {
          const need = e.entry.reqText[k]!.replaceAll(",", " or ").replaceAll("+", " with ");
          throw new SuyuanError("ID_AI_REQUISITE", `${field(e.ai)} requires AI ${need}`, {
            field: field(e.ai),
            detail: { ai: e.ai, req: e.entry.reqText[k] },
          });
        }
      });
    }
  }
  // Repeated AIs (e.g. from two carriers on one label) must carry the same value.
  for (let i = 0; i < els.length; i++) {
    for (let j = i + 1; j < els.length; j++) {
      const a = els[i]!;
      const b = els[j]!;
      if (a.ai === b.ai && a.value !== b.value) {
        throw new SuyuanError(
          "ID_AI_REPEAT",
          `${field(a.ai)} appears twice with different values (${a.value}, ${b.value})`,
          {
            field: field(a.ai),
          },
        );
      }
    }
  }
  // §3.9.x AI (8030) digital signature: GDTI, GCN and GRAI must carry their serial component.
  if (els.some((e) => e.ai === "8030")) {
    for (const e of els) {
      if ((e.ai === "253" || e.ai === "255" || e.ai === "8003") && e.value.length === e.entry.minLength) {
        throw new SuyuanError(
          "ID_AI_REQUISITE",
          `${field(e.ai)} must include its serial component when used with AI (8030)`,
          {
            field: field(e.ai),
          },
        );
      }
    }
  }
}

const toAiValues = (els: readonly Element[]): AiValue[] => els.map((e) => ({ ai: e.ai, value: e.value }));

/** Parses and validates a bracketed element string such as "(01)09506000134352(10)ABC". */
export function parseBracketedAis(s: string, opts?: Gs1SyntaxOptions): AiValue[] {
  const els = parseBracketedElements(s, opts);
  checkCombinations(els, opts);
  return toAiValues(els);
}

/**
 * Parses and validates unbracketed element string data: FNC1 in first position ("^" or GS),
 * then AIs and values, with "^" or GS after each variable-length value that is followed by
 * another AI. Pass `leadingFnc1: false` for data whose symbology identifier already implies
 * FNC1 in first position (scanner output after "]C1", "]d2", …).
 */
export function parseUnbracketedAis(s: string, opts?: Gs1SyntaxOptions & { leadingFnc1?: boolean }): AiValue[] {
  const els = parseUnbracketedElements(s, opts, opts?.leadingFnc1 !== false);
  checkCombinations(els, opts);
  return toAiValues(els);
}

/**
 * Parses any element string form: bracketed ("(01)…"), unbracketed with a leading FNC1 ("^01…"
 * or GS), or bare digits-first data as a keyboard-wedge scanner types it ("0109506…<GS>10…").
 */
export function parseElementString(input: string, opts?: Gs1SyntaxOptions): AiValue[] {
  if (typeof input !== "string") throw new TypeError("parseElementString: input must be a string");
  const c = input.charCodeAt(0);
  if (c === 40) return parseBracketedAis(input, opts);
  if (isSep(c)) return parseUnbracketedAis(input, opts);
  return parseUnbracketedAis(input, { ...opts, leadingFnc1: false });
}

/** Validates AIs built or received elsewhere: each value, then the combination rules. */
export function validateAis(ais: readonly AiValue[], opts?: Gs1SyntaxOptions): void {
  const els: Element[] = ais.map(({ ai, value }) => {
    if (typeof ai !== "string" || typeof value !== "string")
      throw new TypeError("validateAis: ai and value must be strings");
    const entry = lookupOrThrow(ai, opts);
    lengthCheck(entry, ai, value);
    checkValue(entry, ai, value, 0, value.length);
    return { entry, ai, value };
  });
  checkCombinations(els, opts);
}

/** Checks one AI value (components, linters, check digits) without combination rules. */
export function validateAiValue(ai: string, value: string, opts?: Gs1SyntaxOptions): void {
  const entry = lookupOrThrow(ai, opts);
  lengthCheck(entry, ai, value);
  checkValue(entry, ai, value, 0, value.length);
}

/** "(01)09506000134352(10)ABC"; a "(" inside a value is written "\(". */
export function formatBracketed(ais: readonly AiValue[]): string {
  let out = "";
  for (const { ai, value } of ais) out += `(${ai})${value.replaceAll("(", "\\(")}`;
  return out;
}

/** Does a value of this AI need a separator before a following AI? Unknown AIs: assume yes. */
export function needsSeparator(ai: string): boolean {
  return lookupAi(ai, true)?.fnc1 ?? true;
}

/**
 * Unbracketed data without the leading FNC1: AI and value pairs, with `separator` (GS by
 * default, "^" for the engine notation) only after variable-length values that are followed
 * by another AI (GS1 General Specifications §5.10.1).
 */
export function formatUnbracketed(ais: readonly AiValue[], separator: string = GS): string {
  let out = "";
  for (let i = 0; i < ais.length; i++) {
    const { ai, value } = ais[i]!;
    out += ai + value;
    if (i < ais.length - 1 && needsSeparator(ai)) out += separator;
  }
  return out;
}
