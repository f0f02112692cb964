/**
 * The CBV 2.0 event hash ID (CBV 2.0 §8.9): `ni:///sha-256;<64 hex>?ver=CBV2.0`, an RFC 6920
 * "ni" URI over the SHA-256 of the event's pre-hash string (UTF-8).
 */
import { hash } from "node:crypto";
import type { EpcisEvent } from "../epcis/model.ts";
import { SuyuanError } from "../errors.ts";
import { toCanonicalDigitalLink } from "../identifiers/canonical-dl.ts";
import { createPreHasher, type FieldName } from "./prehash.ts";

export type CbvVersion = "2.0" | "2.1";

export interface PreHashOptions {
  /**
   * Top-level user extensions to leave out (the reference implementation's document-level
   * `ignoreFields` list, e.g. a repository's own `captureID`). Not part of CBV 2.0 itself.
   */
  ignoreFields?: ReadonlyArray<FieldName>;
}

export interface EventHashOptions extends PreHashOptions {
  /** The `ver=` parameter; the pre-hash rules are those of CBV 2.0 in both cases. Default "2.0". */
  cbvVersion?: CbvVersion;
}

const defaultPreHash = createPreHasher({ canonicalId: toCanonicalDigitalLink });

const PREFIX = "ni:///sha-256;";
const SUFFIX: Record<CbvVersion, string> = { "2.0": "?ver=CBV2.0", "2.1": "?ver=CBV2.1" };

/** The pre-hash string of an event (CBV 2.0 §8.9.2). */
export function preHashString(ev: EpcisEvent, opts?: PreHashOptions): string {
  return defaultPreHash(ev, opts?.ignoreFields);
}

/** The 32-byte SHA-256 digest of the event's pre-hash string. */
export function eventHashBytes(ev: EpcisEvent, opts?: PreHashOptions): Uint8Array {
  // One-shot crypto.hash: no Hash object per event (this runs for every event captured).
  const d = hash("sha256", defaultPreHash(ev, opts?.ignoreFields), "buffer");
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

/** The event hash ID, e.g. `ni:///sha-256;6ae9…39d7?ver=CBV2.0`. */
export function eventHash(ev: EpcisEvent, opts?: EventHashOptions): string {
  const suffix = SUFFIX[opts?.cbvVersion ?? "2.0"];
  if (suffix === undefined) throw new TypeError(`eventHash: cbvVersion must be "2.0" or "2.1"`);
  return PREFIX + hash("sha256", defaultPreHash(ev, opts?.ignoreFields), "hex") + suffix;
}

/** Formats a 32-byte digest as an event hash ID. */
export function formatEventHashId(digest: Uint8Array, cbvVersion: CbvVersion = "2.0"): string {
  if (!(digest instanceof Uint8Array) || digest.length !== 32) {
    throw new TypeError("formatEventHashId: digest must be 32 bytes");
  }
  const suffix = SUFFIX[cbvVersion];
  if (suffix === undefined) throw new TypeError(`formatEventHashId: cbvVersion must be "2.0" or "2.1"`);
  return PREFIX + Buffer.from(digest.buffer, digest.byteOffset, digest.byteLength).toString("hex") + suffix;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 32;
  if (l >= 97 && l <= 102) return l - 87;
  return -1;
}

/**
 * Validates an event hash ID and returns its 32-byte digest. Accepted: exactly
 * `ni:///sha-256;` + 64 hex digits + `?ver=CBV<major>.<minor>` (CBV 2.0 §8.9.1, RFC 6920 §3
 * with the hex digest value the CBV prescribes). Hex is case-insensitive; the digest bytes
 * are the identity. Anything else throws `HASH_BAD_ID`.
 */
export function parseEventHashId(id: string): Uint8Array {
  if (typeof id !== "string") throw new SuyuanError("HASH_BAD_ID", "event hash ID: not a string", { field: "eventID" });
  if (!id.startsWith(PREFIX)) {
    const alg = id.startsWith("ni:///") ? id.slice(6, id.indexOf(";") > 0 ? id.indexOf(";") : undefined) : undefined;
    throw new SuyuanError(
      "HASH_BAD_ID",
      alg !== undefined
        ? `event hash ID ${JSON.stringify(id.slice(0, 80))}: digest algorithm "${alg}" not supported, expected sha-256`
        : `event hash ID ${JSON.stringify(id.slice(0, 80))}: must start with "${PREFIX}" (CBV 2.0 §8.9)`,
      { field: "eventID" },
    );
  }
  const start = PREFIX.length;
  const digest = new Uint8Array(32);
  for (let i = 0; i < 32; i++) {
    const hi = hexValue(id.charCodeAt(start + 2 * i));
    const lo = hexValue(id.charCodeAt(start + 2 * i + 1));
    if (hi < 0 || lo < 0) {
      throw new SuyuanError(
        "HASH_BAD_ID",
        `event hash ID ${JSON.stringify(id.slice(0, 80))}: digest must be 64 hexadecimal digits`,
        { field: "eventID" },
      );
    }
    digest[i] = (hi << 4) | lo;
  }
  const rest = id.slice(start + 64);
  if (!isVersionSuffix(rest)) {
    throw new SuyuanError(
      "HASH_BAD_ID",
      `event hash ID ${JSON.stringify(id.slice(0, 120))}: after the 64-digit digest expected "?ver=CBV<major>.<minor>", got ${JSON.stringify(rest.slice(0, 40))}`,
      { field: "eventID" },
    );
  }
  return digest;
}

/** `?ver=CBV` digits `.` digits [`.` digits] (CBV 2.0 §8.9.1: version of the hash algorithm). */
function isVersionSuffix(s: string): boolean {
  // The reference writes "CBV"; the algorithm text spells the letters in lower case: accept both.
  if (!s.startsWith("?ver=") || s.slice(5, 8).toUpperCase() !== "CBV") return false;
  let i = 8;
  let groups = 0;
  while (true) {
    const begin = i;
    while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
    if (i === begin) return false;
    groups++;
    if (i === s.length) return groups >= 2 && groups <= 3;
    if (s.charCodeAt(i) !== 46 || groups === 3) return false;
    i++;
  }
}
