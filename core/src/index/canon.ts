// Canonical identifiers for index keys. Every identifier an event names is reduced to the one
// form `parseCode` gives (a canonical GS1 Digital Link, an EPC URI for non-GS1 schemes, or
// `urn:suyuan:cn-drug-code:…`), so a scan of any code form finds the same records.
// Never throws: a URI that is not a GS1 / EPC / drug code is kept as written.
import { parseCode, toCanonicalDigitalLink } from "@suyuan/proto";

const CACHE_MAX = 20_000;

/**
 * A bounded memo in two generations: when the young one fills, it becomes the old one and
 * the previous old one is dropped. Unlike clearing a single map, the identifiers just seen
 * (a unit commissioned, then packed a few events later) survive the turnover. Values are
 * never undefined (a memoised "none" is null), so a lookup is one `get` per generation.
 */
class Memo<V extends string | null> {
  private young = new Map<string, V>();
  private old = new Map<string, V>();
  /** The memoised value, or undefined when `k` is not memoised. */
  get(k: string): V | undefined {
    const v = this.young.get(k);
    return v !== undefined ? v : this.old.get(k);
  }
  set(k: string, v: V): V {
    if (this.young.size >= CACHE_MAX) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(k, v);
    return v;
  }
}

const cache = new Memo<string>();
const lotCache = new Memo<string | null>();
// gtin14 ␀ lot → LGTIN Digital Link: every unit commissioned with an ILMD lot asks for it.
const lgtinCache = new Memo<string | null>();

// TDS 2.1 §8: `urn:epc:idpat:sgtin:CP.IR.*` names every serial of one GTIN, which is how
// EPCIS 2.0 §7.3.3.3 writes a quantity element without a lot. Its canonical class id is the
// GTIN Digital Link.
const SGTIN_ANY_SERIAL = /^urn:epc:idpat:sgtin:(\d+)\.(\d+)\.\*$/;

/** GTIN Digital Link of an SGTIN pattern with any serial, else undefined. */
export function gtinOfPattern(pattern: string): string | undefined {
  const m = SGTIN_ANY_SERIAL.exec(pattern);
  if (!m) return undefined;
  try {
    const dl = parseCode(`urn:epc:id:sgtin:${m[1]}.${m[2]}.0`).canonical;
    return dl.replace(/\/21\/0$/, "");
  } catch {
    return undefined;
  }
}

/** The canonical identifier of any code form; the input (trimmed) when it does not parse. */
export function canon(raw: string): string {
  const hit = cache.get(raw);
  if (hit !== undefined) return hit;
  const fast = epcIdFast(raw);
  if (fast !== undefined) return cache.set(raw, fast);
  let out: string;
  const g = gtinOfPattern(raw);
  if (g !== undefined) out = g;
  else {
    try {
      const r = parseCode(raw);
      out = r.canonical;
      // The same parse answers lotOfCode, which indexing asks next for most identifiers.
      if (lotCache.get(raw) === undefined) lotCache.set(raw, lotOf(r) ?? null);
    } catch {
      out = raw.trim();
    }
  }
  return cache.set(raw, out);
}

const EPC_ID = "urn:epc:id:";
// TDS 2.1 §6.3: the pure-identity schemes that are no GS1 key; parseCode keeps their EPC URI.
const NON_GS1 = ["gid:", "usdod:", "adi:", "bic:", "imovn:"];

/**
 * The canonical Digital Link of a GS1 EPC pure-identity URI (TDS 2.1 §6.3) straight from
 * `toCanonicalDigitalLink` (which converts SGTIN / SSCC / SGLN without the general parser),
 * instead of the whole `parseCode` result: for these inputs parseCode's canonical IS
 * toCanonicalDigitalLink of the parsed URI (code.ts `fromEpcUri`), and canon.test.ts checks
 * the two agree over generated URIs and the TDS vectors. Undefined (take parseCode) for
 * anything else: surrounding whitespace, non-GS1 schemes, class / pattern URIs, and every
 * input toCanonicalDigitalLink refuses (parseCode then decides, as before).
 */
function epcIdFast(raw: string): string | undefined {
  if (!raw.startsWith(EPC_ID) || raw.charCodeAt(raw.length - 1) <= 32) return undefined;
  for (const p of NON_GS1) if (raw.startsWith(p, EPC_ID.length)) return undefined;
  try {
    return toCanonicalDigitalLink(raw);
  } catch {
    return undefined;
  }
}

function lotOf(r: ReturnType<typeof parseCode>): string | undefined {
  const out = r.kind === "lgtin" ? r.canonical : r.classCanonical;
  return out?.startsWith("urn:suyuan:") ? undefined : out; // drug product class, not a lot
}

/**
 * The lot (LGTIN Digital Link) a code itself names: an SGTIN given as an element string or
 * Digital Link with AI (10) carries its lot (GS1 General Specifications §3.4.1); an LGTIN is
 * its own lot. EPC URIs never carry a lot (TDS 2.1 §6.3.1).
 */
export function lotOfCode(raw: string): string | undefined {
  // An EPC pure-identity URI never names a lot: parseCode gives it no class (code.ts
  // `fromEpcUri`) and there is no `urn:epc:id:lgtin` (TDS 2.1 §6.3; LGTIN is a class URI,
  // §6.4). canon.test.ts checks this against parseCode.
  if (raw.startsWith(EPC_ID)) return undefined;
  const hit = lotCache.get(raw);
  if (hit !== undefined) return hit ?? undefined;
  let out: string | undefined;
  try {
    out = lotOf(parseCode(raw));
  } catch {
    out = undefined;
  }
  return lotCache.set(raw, out ?? null) ?? undefined;
}

const DL_GTIN = /^https:\/\/id\.gs1\.org\/01\/(\d{14})(?:\/|$)/;

/** The GTIN-14 of a canonical GTIN/SGTIN/LGTIN Digital Link. */
export function gtinOf(canonical: string): string | undefined {
  return DL_GTIN.exec(canonical)?.[1];
}

/** The canonical LGTIN Digital Link for a GTIN-14 and a lot number (AI 10), if valid. */
export function lgtin(gtin14: string, lot: string): string | undefined {
  const key = `${gtin14}\u0000${lot}`;
  const hit = lgtinCache.get(key);
  if (hit !== undefined) return hit ?? undefined;
  let out: string | undefined;
  try {
    const r = parseCode(`https://id.gs1.org/01/${gtin14}/10/${encodeURIComponent(lot)}`);
    out = r.kind === "lgtin" ? r.canonical : undefined;
  } catch {
    out = undefined;
  }
  return lgtinCache.set(key, out ?? null) ?? undefined;
}

/** Kind of a canonical id, as far as the graph walks need it. */
export function kindOf(canonical: string): "lot" | "class" | "container" | "unit" {
  if (/^https:\/\/id\.gs1\.org\/01\/\d{14}\/10\//.test(canonical)) return "lot";
  if (/^https:\/\/id\.gs1\.org\/01\/\d{14}$/.test(canonical)) return "class";
  if (canonical.startsWith("https://id.gs1.org/00/")) return "container";
  return "unit";
}
