// The gateway's signed batch: one signature covers a run of events through the RFC 9162 root
// of their CBV 2.0 event-hash digests, and names the previous batch's hash, so the core can
// detect gaps (firstSeq), replays and forks (prevBatchHash) per gateway.
//
// Canonical header bytes (what is signed and what batchHash hashes), all integers big-endian:
//
//   "suyuan-batch-v1\0"   16 bytes  domain separation: these bytes can never be mistaken for
//                                   another message signed with the same key
//   version               u8        = 1
//   gatewayId             u16 length ‖ UTF-8
//   keyId                 u16 length ‖ UTF-8
//   algorithm             u16 length ‖ ASCII   e.g. "ed25519"
//   firstSeq              u64       sequence number of the batch's first event
//   count                 u32       number of events (≥ 1)
//   prevBatchHash         u8 length (32) ‖ bytes   all zero for the gateway's first batch
//   eventsRoot            u8 length (32) ‖ bytes   MTH over leaves SHA-256(0x00 ‖ digest_i)
//   createdAt             u16 length ‖ ASCII   RFC 3339 UTC with milliseconds, e.g. 2024-05-01T08:00:00.000Z
//
// Every variable field is length-prefixed and the order is fixed, so two different headers
// never share an encoding.
import { createHash, type KeyObject } from "node:crypto";
import { SuyuanError } from "../errors.ts";
import { leafHash } from "../merkle/hash.ts";
import { buildLevels, inclusionProofFromLevels, rootFromLeafHashes } from "../merkle/tree.ts";
import { verifyInclusion } from "../merkle/verify.ts";
import { type AlgorithmName, getAlgorithm } from "./algorithms.ts";
import type { GatewayKey } from "./keys.ts";

export const BATCH_DOMAIN = "suyuan-batch-v1\0";
const DOMAIN_BYTES = Buffer.from(BATCH_DOMAIN, "ascii");
const MAX_U64 = (1n << 64n) - 1n;
const MAX_U32 = 0xffffffff;

export interface BatchHeader {
  version: 1;
  gatewayId: string;
  keyId: string;
  algorithm: AlgorithmName;
  /** Per-event sequence number of the batch's first event; the next batch's firstSeq = firstSeq + count. */
  firstSeq: bigint;
  count: number;
  /** batchHash of the gateway's previous batch; 32 zero bytes for its first batch. */
  prevBatchHash: Uint8Array;
  /** RFC 9162 root over the events' 32-byte CBV event-hash digests as leaves. */
  eventsRoot: Uint8Array;
  /** RFC 3339 UTC with milliseconds. */
  createdAt: string;
}

export interface SealedBatch {
  header: BatchHeader;
  signature: Uint8Array;
}

export const ZERO_HASH: Uint8Array = new Uint8Array(32);

function badHeader(field: string, rule: string): SuyuanError {
  return new SuyuanError("SIGN_BAD_HEADER", `batch header ${field}: ${rule}`, { field });
}

const CONTROL = /[\u0000-\u001f\u007f]/;
const ALGORITHM_RE = /^[a-z0-9][a-z0-9-]{0,63}$/;
const CREATED_AT_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{3})Z$/;

function utf8Field(value: unknown, field: string): Buffer {
  if (typeof value !== "string" || value.length === 0) throw badHeader(field, "must be a non-empty string");
  if (CONTROL.test(value)) throw badHeader(field, "must not contain control characters");
  const b = Buffer.from(value, "utf8");
  if (b.length > 256) throw badHeader(field, `is ${b.length} bytes, at most 256`);
  if (b.toString("utf8") !== value) throw badHeader(field, "must be valid Unicode");
  return b;
}

/** RFC 3339 §5.6 date-time restricted to UTC ("Z") with exactly three fraction digits. */
export function isBatchTimestamp(s: unknown): s is string {
  if (typeof s !== "string") return false;
  const m = CREATED_AT_RE.exec(s);
  if (!m) return false;
  const d = new Date(s);
  // Date normalises impossible dates (Feb 30 → Mar 2); a round trip rejects them.
  return !Number.isNaN(d.getTime()) && d.toISOString() === s;
}

function hashField(value: unknown, field: string): Uint8Array {
  if (!(value instanceof Uint8Array) || value.length !== 32) throw badHeader(field, "must be 32 bytes");
  return value;
}

/** The documented canonical encoding above; throws SIGN_BAD_HEADER on an invalid header. */
export function canonicalHeaderBytes(h: BatchHeader): Uint8Array {
  if (h === null || typeof h !== "object") throw badHeader("header", "must be an object");
  if (h.version !== 1) throw badHeader("version", `${String(h.version)} is not supported, expected 1`);
  const gw = utf8Field(h.gatewayId, "gatewayId");
  const kid = utf8Field(h.keyId, "keyId");
  if (typeof h.algorithm !== "string" || !ALGORITHM_RE.test(h.algorithm)) {
    throw badHeader("algorithm", "must be a lowercase algorithm name");
  }
  const alg = Buffer.from(h.algorithm, "ascii");
  if (typeof h.firstSeq !== "bigint" || h.firstSeq < 0n || h.firstSeq > MAX_U64) {
    throw badHeader("firstSeq", "must be a bigint in [0, 2^64)");
  }
  if (!Number.isInteger(h.count) || h.count < 1 || h.count > MAX_U32) {
    throw badHeader("count", `${String(h.count)} is not an integer in [1, 2^32)`);
  }
  if (h.firstSeq + BigInt(h.count) - 1n > MAX_U64) throw badHeader("firstSeq", "firstSeq + count − 1 exceeds 2^64 − 1");
  const prev = hashField(h.prevBatchHash, "prevBatchHash");
  const root = hashField(h.eventsRoot, "eventsRoot");
  if (!isBatchTimestamp(h.createdAt)) throw badHeader("createdAt", "must be RFC 3339 UTC with milliseconds");
  const created = Buffer.from(h.createdAt, "ascii");

  const len =
    DOMAIN_BYTES.length +
    1 +
    (2 + gw.length) +
    (2 + kid.length) +
    (2 + alg.length) +
    8 +
    4 +
    33 +
    33 +
    (2 + created.length);
  const out = Buffer.allocUnsafe(len);
  let o = DOMAIN_BYTES.copy(out, 0);
  o = out.writeUInt8(1, o);
  for (const b of [gw, kid, alg]) {
    o = out.writeUInt16BE(b.length, o);
    o += b.copy(out, o);
  }
  o = out.writeBigUInt64BE(h.firstSeq, o);
  o = out.writeUInt32BE(h.count, o);
  for (const b of [prev, root]) {
    o = out.writeUInt8(32, o);
    out.set(b, o);
    o += 32;
  }
  o = out.writeUInt16BE(created.length, o);
  created.copy(out, o);
  return out;
}

/** SHA-256 of the canonical header bytes: the value the next batch's prevBatchHash names. */
export function batchHash(h: BatchHeader): Uint8Array {
  return createHash("sha256").update(canonicalHeaderBytes(h)).digest();
}

/** What the gateway's next batch must carry to link to `prev`. */
export function nextBatchLink(prev: BatchHeader): { firstSeq: bigint; prevBatchHash: Uint8Array } {
  return { firstSeq: prev.firstSeq + BigInt(prev.count), prevBatchHash: batchHash(prev) };
}

/** RFC 9162 root over the event digests (leaf i = SHA-256(0x00 ‖ digest_i)). */
export function eventsRootOf(eventDigests: readonly Uint8Array[]): Uint8Array {
  return rootFromLeafHashes(eventLeaves(eventDigests));
}

function eventLeaves(eventDigests: readonly Uint8Array[]): Uint8Array[] {
  const leaves: Uint8Array[] = new Array(eventDigests.length);
  for (let i = 0; i < eventDigests.length; i++) {
    const d = eventDigests[i];
    if (!(d instanceof Uint8Array) || d.length !== 32) {
      throw new SuyuanError("SIGN_BAD_EVENT_DIGEST", `event digest ${i}: must be 32 bytes (SHA-256)`, {
        field: `eventDigests[${i}]`,
      });
    }
    leaves[i] = leafHash(d);
  }
  return leaves;
}

type Signer = KeyObject | { privateKey?: KeyObject; keyId?: string; algorithm?: AlgorithmName };

/** Builds the header over `eventDigests` and signs it. */
export function sealBatch(
  params: {
    gatewayId: string;
    keyId: string;
    algorithm: AlgorithmName;
    firstSeq: bigint;
    prevBatchHash: Uint8Array;
    createdAt: string;
  },
  eventDigests: readonly Uint8Array[],
  signer: Signer,
): SealedBatch {
  const alg = getAlgorithm(params.algorithm);
  let privateKey: KeyObject | undefined;
  if (isKeyObject(signer)) {
    privateKey = signer;
  } else {
    privateKey = signer.privateKey;
    if (signer.keyId !== undefined && signer.keyId !== params.keyId) {
      throw new TypeError(`sealBatch: signer key ${signer.keyId} does not match header keyId ${params.keyId}`);
    }
    if (signer.algorithm !== undefined && signer.algorithm !== params.algorithm) {
      throw new TypeError(`sealBatch: signer algorithm ${signer.algorithm} does not match ${params.algorithm}`);
    }
  }
  if (privateKey === undefined || privateKey.type !== "private")
    throw new TypeError("sealBatch: a private key is required");
  if (eventDigests.length === 0)
    throw new SuyuanError("SIGN_EMPTY_BATCH", "a batch needs at least one event", { field: "count" });
  const header: BatchHeader = {
    version: 1,
    gatewayId: params.gatewayId,
    keyId: params.keyId,
    algorithm: params.algorithm,
    firstSeq: params.firstSeq,
    count: eventDigests.length,
    prevBatchHash: params.prevBatchHash,
    eventsRoot: eventsRootOf(eventDigests),
    createdAt: params.createdAt,
  };
  const signature = alg.sign(privateKey, canonicalHeaderBytes(header));
  return { header, signature };
}

function isKeyObject(k: unknown): k is KeyObject {
  return typeof k === "object" && k !== null && "asymmetricKeyType" in k && "export" in k && !("publicKeyRaw" in k);
}

/**
 * Verifies a batch: header well-formed (SIGN_BAD_HEADER), algorithm supported
 * (SIGN_UNSUPPORTED_ALGORITHM), key matches the header (SIGN_KEY_MISMATCH, when a GatewayKey
 * is given), and — when the events are supplied — count (SIGN_COUNT_MISMATCH) and root
 * (SIGN_ROOT_MISMATCH); finally the signature (SIGN_BAD_SIGNATURE). Returns nothing on success.
 * Key status (enrolled, revoked) and chain linkage are the caller's checks.
 */
export function verifyBatch(
  header: BatchHeader,
  signature: Uint8Array,
  publicKey: KeyObject | GatewayKey,
  eventDigests?: readonly Uint8Array[],
): void {
  const bytes = canonicalHeaderBytes(header);
  const alg = getAlgorithm(header.algorithm);
  let key: KeyObject;
  if ("publicKeyRaw" in publicKey) {
    if (publicKey.algorithm !== header.algorithm || publicKey.keyId !== header.keyId) {
      throw new SuyuanError(
        "SIGN_KEY_MISMATCH",
        `batch names key ${header.keyId} (${header.algorithm}); given key ${publicKey.keyId} (${publicKey.algorithm})`,
        { field: "keyId" },
      );
    }
    key = publicKey.publicKey;
  } else {
    key = publicKey;
  }
  if (eventDigests !== undefined) {
    if (eventDigests.length !== header.count) {
      throw new SuyuanError(
        "SIGN_COUNT_MISMATCH",
        `batch header count ${header.count}, but ${eventDigests.length} events`,
        {
          field: "count",
          detail: { header: header.count, events: eventDigests.length },
        },
      );
    }
    const root = eventsRootOf(eventDigests);
    if (!Buffer.from(root).equals(header.eventsRoot)) {
      throw new SuyuanError("SIGN_ROOT_MISMATCH", "batch header eventsRoot is not the Merkle root of its events", {
        field: "eventsRoot",
      });
    }
  }
  if (!(signature instanceof Uint8Array) || !alg.verify(key, bytes, signature)) {
    throw new SuyuanError("SIGN_BAD_SIGNATURE", `batch signature does not verify with key ${header.keyId}`, {
      field: "signature",
    });
  }
}

/** Inclusion proof of event `index` in its batch (RFC 9162 §2.1.3.1). */
export function eventProofInBatch(index: number, eventDigests: readonly Uint8Array[]): Uint8Array[] {
  return inclusionProofFromLevels(buildLevels(eventLeaves(eventDigests)), index);
}

/** Proofs for every event of a batch at once: n − 1 hashes in all, then lookups only. */
export function eventProofsForBatch(eventDigests: readonly Uint8Array[]): Uint8Array[][] {
  const levels = buildLevels(eventLeaves(eventDigests));
  const out: Uint8Array[][] = new Array(eventDigests.length);
  for (let i = 0; i < eventDigests.length; i++) out[i] = inclusionProofFromLevels(levels, i);
  return out;
}

/**
 * True iff `digest` is event `index` of the batch `header` describes. Checks only the Merkle
 * path: the header's signature is verified once per batch with verifyBatch.
 */
export function verifyEventInBatch(
  digest: Uint8Array,
  index: number,
  header: BatchHeader,
  proof: readonly Uint8Array[],
): boolean {
  if (!(digest instanceof Uint8Array) || digest.length !== 32 || header === null || typeof header !== "object")
    return false;
  return verifyInclusion(leafHash(digest), index, header.count, proof, header.eventsRoot);
}
