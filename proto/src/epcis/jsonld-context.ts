/**
 * The part of JSON-LD `@context` processing an EPCIS 2.0 document needs (EPCIS 2.0 §9.2,
 * JSON-LD 1.1 §4.1): which namespace IRI each prefix of a user-extension key stands for.
 *
 * We never dereference remote contexts (product code does no I/O). The standard EPCIS
 * context (`https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld`) is assumed
 * and its prefixes are built in; user contexts add `{prefix: iri}` objects, full term
 * definitions (`{"term": "iri"}` / `{"term": {"@id": "iri"}}`) and `@vocab`.
 */
import { SuyuanError } from "../errors.ts";

/** The standard EPCIS 2.0 JSON-LD context URL (EPCIS 2.0 §9.2). */
export const EPCIS_CONTEXT_URL = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld";
/** The EPCIS 2.0 vocabulary namespace (`epcis:` prefix). */
export const EPCIS_NS = "https://ref.gs1.org/epcis/";

/**
 * Prefixes the standard EPCIS context defines (and marks `@protected`).
 */
export const STANDARD_PREFIXES: Readonly<Record<string, string>> = Object.freeze({
  epcis: EPCIS_NS,
  cbv: "https://ref.gs1.org/cbv/",
  cbvmda: "urn:epcglobal:cbv:mda:",
  gs1: "https://gs1.org/voc/",
  rdfs: "http://www.w3.org/2000/01/rdf-schema#",
  owl: "http://www.w3.org/2002/07/owl#",
  xsd: "http://www.w3.org/2001/XMLSchema#",
  dcterms: "http://purl.org/dc/terms/",
});

const STANDARD_PREFIX_MAP = new Map(Object.entries(STANDARD_PREFIXES));

/** A resolved context: prefix → IRI (standard ones included), full terms, `@vocab`. */
export interface ResolvedContext {
  readonly prefixes: ReadonlyMap<string, string>;
  /** Non-prefixed user terms mapped to a full IRI. */
  readonly terms: ReadonlyMap<string, string>;
  readonly vocab: string | undefined;
  /** Prefixes declared by user context objects (not the standard ones), in order. */
  readonly userPrefixes: ReadonlyMap<string, string>;
}

export const STANDARD_CONTEXT: ResolvedContext = {
  prefixes: STANDARD_PREFIX_MAP,
  terms: new Map(),
  vocab: undefined,
  userPrefixes: new Map(),
};

function isAbsoluteIri(s: string): boolean {
  return /^[A-Za-z][A-Za-z0-9+.-]*:/.test(s);
}

/**
 * Resolves `ctx` (string | object | array of those, as JSON-LD allows) on top of `base`.
 * Returns `base` itself when the context adds nothing, so callers can cache cheaply.
 */
export function resolveContext(ctx: unknown, base: ResolvedContext, field: string): ResolvedContext {
  if (ctx === null || ctx === undefined) return base;
  const entries = Array.isArray(ctx) ? ctx : [ctx];
  let prefixes: Map<string, string> | undefined;
  let terms: Map<string, string> | undefined;
  let userPrefixes: Map<string, string> | undefined;
  let vocab = base.vocab;
  for (let i = 0; i < entries.length; i++) {
    const entry: unknown = entries[i];
    const at = Array.isArray(ctx) ? `${field}[${i}]` : field;
    if (typeof entry === "string") continue; // a remote context: the standard one is built in, others are not fetched
    if (entry === null) continue;
    if (typeof entry !== "object" || Array.isArray(entry)) {
      throw new SuyuanError("EPCIS_BAD_TYPE", `${at}: a context entry must be a URL string or an object`, {
        field: at,
      });
    }
    for (const [key, value] of Object.entries(entry as Record<string, unknown>)) {
      if (key === "@vocab") {
        if (typeof value === "string" && isAbsoluteIri(value)) vocab = value;
        continue;
      }
      if (key.startsWith("@")) continue; // @version, @protected, @base…: no effect on key expansion here
      const iri =
        typeof value === "string"
          ? value
          : value !== null && typeof value === "object" && typeof (value as { "@id"?: unknown })["@id"] === "string"
            ? ((value as { "@id": string })["@id"] as string)
            : undefined;
      if (key.includes(":")) continue; // a definition for a compact IRI (type coercion): keys still expand by prefix
      if (iri === undefined || !isAbsoluteIri(iri)) continue; // keyword aliases, relative IRIs: not namespaces
      // JSON-LD 1.1 §4.1.11 forbids redefining a protected prefix of the EPCIS context, but
      // upstream-valid documents redefine `cbvmda` (GS1 "all possible fields" examples): the
      // user's mapping wins (a documented leniency).
      if (typeof value === "string") {
        prefixes ??= new Map(base.prefixes);
        prefixes.set(key, iri);
        userPrefixes ??= new Map(base.userPrefixes);
        userPrefixes.set(key, iri);
      } else {
        // Expanded term definition {"@id": iri}: a full term, also usable as a prefix (JSON-LD 1.0 rules).
        terms ??= new Map(base.terms);
        terms.set(key, iri);
        prefixes ??= new Map(base.prefixes);
        prefixes.set(key, iri);
      }
      if (typeof value === "string") {
        terms ??= new Map(base.terms);
        terms.set(key, iri);
      }
    }
  }
  if (!prefixes && !terms && vocab === base.vocab) return base;
  return {
    prefixes: prefixes ?? base.prefixes,
    terms: terms ?? base.terms,
    vocab,
    userPrefixes: userPrefixes ?? base.userPrefixes,
  };
}

/** An expanded key: namespace IRI + local name, and the prefix it was written with. */
export interface ExpandedKey {
  ns: string;
  name: string;
  prefix?: string;
}

/** Splits an absolute IRI after its last `#`, `/` or `:` into namespace and local name. */
export function splitIri(iri: string): ExpandedKey | undefined {
  let i = iri.length - 1;
  for (; i >= 0; i--) {
    const c = iri.charCodeAt(i);
    if (c === 0x23 /* # */ || c === 0x2f /* / */ || c === 0x3a /* : */) break;
  }
  if (i < 0 || i === iri.length - 1) return undefined;
  return { ns: iri.slice(0, i + 1), name: iri.slice(i + 1) };
}

// Schemes that make an undeclared "scheme:rest" key an absolute IRI rather than a CURIE
// with a missing prefix declaration.
const IRI_SCHEMES = new Set(["http", "https", "urn", "tag", "ni", "uuid"]);

/**
 * Expands a JSON key to (ns, name). `undefined` for a plain key the context does not
 * define; throws EPCIS_UNKNOWN_PREFIX for `p:x` whose prefix `p` is not declared (such a key
 * would expand to the meaningless IRI "p:x", almost always a missing declaration).
 */
export function expandKey(key: string, ctx: ResolvedContext, field: string): ExpandedKey | undefined {
  const colon = key.indexOf(":");
  if (colon > 0) {
    const prefix = key.slice(0, colon);
    const local = key.slice(colon + 1);
    if (local.startsWith("//")) return splitIri(key) ?? badKey(key, field);
    const ns = ctx.prefixes.get(prefix);
    if (ns !== undefined) {
      if (local === "") return badKey(key, field);
      return { ns, name: local, prefix };
    }
    if (IRI_SCHEMES.has(prefix.toLowerCase())) return splitIri(key) ?? badKey(key, field);
    throw new SuyuanError(
      "EPCIS_UNKNOWN_PREFIX",
      `${field}: namespace prefix "${prefix}" of "${key}" is not declared in @context`,
      { field },
    );
  }
  const iri = ctx.terms.get(key);
  if (iri !== undefined) {
    const k = splitIri(iri);
    if (k) return k;
  }
  if (ctx.vocab !== undefined && !key.startsWith("@")) return { ns: ctx.vocab, name: key };
  return undefined;
}

function badKey(key: string, field: string): never {
  throw new SuyuanError("EPCIS_BAD_VALUE", `${field}: "${key}" is not a usable extension name`, { field });
}
