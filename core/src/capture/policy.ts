// Write policy (issue 3 §1 "Policy"): a gateway or partner may only write events whose read
// point and business location belong to its own party, per master data; a gateway enrolled
// with allowed read points may only name those.
import { type EpcisEvent, parseCode, SuyuanError } from "@suyuan/proto";
import type { MasterDataReader } from "../model.ts";

// A GS1 Digital Link SGLN: GLN (AI 414) with a GLN extension (AI 254). The extension names
// a sub-location of the GLN's place (GS1 GenSpecs §3.7.6 / CBV 2.0 §8.4.2), so master data
// that knows only the GLN still decides who owns it.
const SGLN_WITH_EXTENSION = /^(https:\/\/id\.gs1\.org\/414\/\d{13})\/254\/[^/?#]+$/;

/**
 * Canonical location ids, memoised: EPCIS documents repeat the same handful of locations
 * across thousands of events, and parsing an identifier costs far more than a map lookup.
 */
export class LocationCanonicaliser {
  private readonly cache = new Map<string, string[]>();
  constructor(private readonly maxEntries = 10_000) {}

  /**
   * The ids master data may know the location by, most specific first: its canonical id
   * (parseCode; a URI that is no GS1 or drug code stays as written) and, for an SGLN with an
   * extension, the GLN it extends.
   */
  candidates(id: string): string[] {
    const hit = this.cache.get(id);
    if (hit !== undefined) return hit;
    let canonical = id;
    try {
      canonical = parseCode(id).canonical;
    } catch {
      // Not a GS1 / drug code (e.g. a private URI): master data may still know it as written.
    }
    const m = SGLN_WITH_EXTENSION.exec(canonical);
    const out = m?.[1] !== undefined ? [canonical, m[1]] : [canonical];
    if (this.cache.size >= this.maxEntries) this.cache.clear();
    this.cache.set(id, out);
    return out;
  }
}

export interface WriterScope {
  /** The party the writer acts for. */
  party: string;
  /** Canonical ids the writer may name (empty or absent: any location of its party). */
  allowedLocations?: readonly string[];
  /** Who the writer is, for messages ("gateway gw-1", "partner token t-9"). */
  who: string;
}

/** The allowed-location list as a set of the ids master data uses. */
export function allowedSet(list: readonly string[] | undefined, canon: LocationCanonicaliser): Set<string> | undefined {
  if (list === undefined || list.length === 0) return undefined;
  const s = new Set<string>();
  for (const id of list) s.add(canon.candidates(id)[0]!);
  return s;
}

/**
 * The first policy violation of `ev`, or undefined. An event naming neither a readPoint nor a
 * bizLocation (EPCIS 2.0 §7.4.1: both optional) has nothing to check and passes.
 */
export function checkLocationPolicy(
  ev: Pick<EpcisEvent, "readPoint" | "bizLocation">,
  path: string,
  master: Pick<MasterDataReader, "partyOfLocation">,
  scope: WriterScope,
  allowed: Set<string> | undefined,
  canon: LocationCanonicaliser,
): SuyuanError | undefined {
  for (const f of ["readPoint", "bizLocation"] as const) {
    const loc = ev[f];
    if (loc === undefined) continue;
    const field = `${path}.${f}`;
    if (typeof loc.id !== "string" || loc.id.length === 0) continue; // the standard validation reports it
    const ids = canon.candidates(loc.id);
    let owner: string | undefined;
    for (const id of ids) {
      owner = master.partyOfLocation(id);
      if (owner !== undefined) break;
    }
    if (owner === undefined) {
      return new SuyuanError(
        "POLICY_FORBIDDEN",
        `${field} ${ids[0]} is not a location known to master data, so ${scope.who} may not write it`,
        { field },
      );
    }
    if (owner !== scope.party) {
      return new SuyuanError(
        "POLICY_FORBIDDEN",
        `${field} ${ids[0]} belongs to party ${owner}, not to ${scope.who}'s party ${scope.party}`,
        { field },
      );
    }
    if (allowed !== undefined && !ids.some((id) => allowed.has(id))) {
      return new SuyuanError("POLICY_FORBIDDEN", `${field} ${ids[0]} is not among ${scope.who}'s allowed read points`, {
        field,
      });
    }
  }
  return undefined;
}
