// The GS1 Application Identifier dictionary at run time: the generated table from the GS1
// Barcode Syntax Dictionary, expanded once at module load into lookup structures.
import { AI_ROWS } from "./ai-table.generated.ts";

/** Character set of an AI component (Syntax Dictionary "Type"). */
export type AiCset = "N" | "X" | "Y" | "Z";

/** Row of the generated table; see the header of ai-table.generated.ts. */
export type RawAiRow = readonly [
  ai: string,
  fnc1: boolean,
  dlAttr: boolean,
  parts: readonly (readonly [cset: AiCset, min: number, max: number, optional: boolean, linters: readonly string[]])[],
  req: readonly string[],
  ex: readonly string[],
  dlpkey: readonly (readonly string[])[] | null,
  title: string,
];

export interface AiComponent {
  readonly cset: AiCset;
  readonly min: number;
  readonly max: number;
  readonly optional: boolean;
  readonly linters: readonly string[];
}

export interface AiEntry {
  /** The AI, or "" for a vivified unknown AI whose length is not known. */
  readonly ai: string;
  /** True when a variable-length value must be followed by FNC1/GS before another AI. */
  readonly fnc1: boolean;
  /** May appear as a GS1 Digital Link data attribute (query parameter). */
  readonly dlAttr: boolean;
  readonly parts: readonly AiComponent[];
  /** Each req= attribute: alternatives (any one suffices), each a group (all must be present) of AI patterns. */
  readonly req: readonly (readonly (readonly string[])[])[];
  /** Original req= text, for messages. */
  readonly reqText: readonly string[];
  /** ex= patterns: none may be present ("nn"/"n" are wildcard digits). */
  readonly ex: readonly string[];
  /** DL key qualifier sequences when this AI is a DL primary key; null otherwise. */
  readonly dlpkey: readonly (readonly string[])[] | null;
  readonly title: string;
  readonly minLength: number;
  readonly maxLength: number;
  /** True for a pseudo entry vivified for an unknown AI (permitUnknownAIs). */
  readonly unknown: boolean;
}

function build(row: RawAiRow): AiEntry {
  const [ai, fnc1, dlAttr, rawParts, req, ex, dlpkey, title] = row;
  const parts = rawParts.map(([cset, min, max, optional, linters]) => ({ cset, min, max, optional, linters }));
  let minLength = 0;
  let maxLength = 0;
  for (const p of parts) {
    if (!p.optional) minLength += p.min;
    maxLength += p.max;
  }
  return {
    ai,
    fnc1,
    dlAttr,
    parts,
    req: req.map((r) => r.split(",").map((group) => group.split("+"))),
    reqText: req,
    ex,
    dlpkey,
    title,
    minLength,
    maxLength,
    unknown: false,
  };
}

const ENTRIES: readonly AiEntry[] = AI_ROWS.map(build);
const BY_AI = new Map<string, AiEntry>(ENTRIES.map((e) => [e.ai, e]));

// All AIs sharing their first two digits have the same length (GS1 General Specifications
// §3.2 AI table): the prefix decides how many digits to read as the AI.
const AI_LENGTH_BY_PREFIX = new Uint8Array(100);
for (const e of ENTRIES) {
  const p = Number(e.ai.slice(0, 2));
  if (AI_LENGTH_BY_PREFIX[p] !== 0 && AI_LENGTH_BY_PREFIX[p] !== e.ai.length) {
    throw new Error(`AI table broken: AIs starting ${e.ai.slice(0, 2)} differ in length`);
  }
  AI_LENGTH_BY_PREFIX[p] = e.ai.length;
}

// GS1 General Specifications §5.10.1 (Figure 5.10.1-2): AI prefixes with predefined value
// lengths, which never need an FNC1 separator even for AIs not yet allocated. 0 = variable.
const FIXED_VALUE_LENGTH_BY_PREFIX = new Uint8Array(100);
for (const [p, n] of [
  [0, 18],
  [1, 14],
  [2, 14],
  [3, 14],
  [4, 16],
  [11, 6],
  [12, 6],
  [13, 6],
  [14, 6],
  [15, 6],
  [16, 6],
  [17, 6],
  [18, 6],
  [19, 6],
  [20, 2],
  [31, 6],
  [32, 6],
  [33, 6],
  [34, 6],
  [35, 6],
  [36, 6],
  [41, 13],
] as const) {
  FIXED_VALUE_LENGTH_BY_PREFIX[p] = n;
}

function unknownEntry(ai: string, fixedLength: number): AiEntry {
  const min = fixedLength || 1;
  const max = fixedLength || 90;
  return {
    ai,
    fnc1: fixedLength === 0,
    dlAttr: false,
    parts: [{ cset: "X", min, max, optional: false, linters: [] }],
    req: [],
    reqText: [],
    ex: [],
    dlpkey: null,
    title: "UNKNOWN",
    minLength: min,
    maxLength: max,
    unknown: true,
  };
}

function isDigits(s: string, from: number, to: number): boolean {
  if (to > s.length) return false;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Every dictionary entry, in AI order. */
export function aiEntries(): readonly AiEntry[] {
  return ENTRIES;
}

/** The dictionary entry of exactly this AI, if allocated. */
export function getAiEntry(ai: string): AiEntry | undefined {
  return BY_AI.get(ai);
}

/** Is `ai` a prefix of an allocated AI, or an allocated AI a prefix of it (e.g. "800" vs "8001")? */
function clashesWithKnown(ai: string): boolean {
  for (let n = 2; n <= 4; n++) {
    if (n < ai.length && BY_AI.has(ai.slice(0, n))) return true;
  }
  const p = AI_LENGTH_BY_PREFIX[Number(ai.slice(0, 2))]!;
  return p > ai.length && ENTRIES.some((e) => e.ai.startsWith(ai));
}

/**
 * Entry for an AI given explicitly (bracketed syntax, DL path/query). With `permitUnknown`, an
 * unallocated AI of plausible length is "vivified" as X1..90 (or fixed length where the prefix
 * defines one), as the GS1 Syntax Engine does; an AI clashing with allocated AIs never is.
 */
export function lookupAi(ai: string, permitUnknown = false): AiEntry | undefined {
  const known = BY_AI.get(ai);
  if (known) return known;
  if (!permitUnknown || ai.length < 2 || ai.length > 4 || !isDigits(ai, 0, ai.length)) return undefined;
  const prefix = Number(ai.slice(0, 2));
  const byPrefix = AI_LENGTH_BY_PREFIX[prefix]!;
  if (byPrefix !== 0 && byPrefix !== ai.length) return undefined;
  if (clashesWithKnown(ai)) return undefined;
  return unknownEntry(ai, FIXED_VALUE_LENGTH_BY_PREFIX[prefix]!);
}

/**
 * Entry for the AI at the start of unbracketed data `s` from `pos` (GS1 General
 * Specifications §5.10: the AI length follows from its first two digits). Unknown AIs are
 * vivified only when their length is known from the prefix.
 */
export function lookupAiAt(s: string, pos: number, permitUnknown = false): AiEntry | undefined {
  if (!isDigits(s, pos, pos + 2)) return undefined;
  const prefix = (s.charCodeAt(pos) - 48) * 10 + (s.charCodeAt(pos + 1) - 48);
  const len = AI_LENGTH_BY_PREFIX[prefix]!;
  if (len !== 0) {
    const e = BY_AI.get(s.slice(pos, pos + len));
    if (e) return e;
    if (!permitUnknown || !isDigits(s, pos, pos + len)) return undefined;
    return lookupAi(s.slice(pos, pos + len), true);
  }
  return undefined;
}

/** True when `ai` is a GS1 Digital Link primary key. */
export function isDlPrimaryKey(ai: string): boolean {
  return BY_AI.get(ai)?.dlpkey != null;
}
