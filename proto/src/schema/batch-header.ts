// Conversion between the signed batch header (proto/src/sign/batch.ts) and its wire form
// (BatchHeader of proto/suyuan/v1/batch.proto). The signature covers the canonical header
// bytes of the former, never the protobuf encoding, so this conversion must be lossless.
import type { BatchHeader as PBatchHeader } from "../../gen/suyuan/v1/batch.ts";
import type { AlgorithmName } from "../sign/algorithms.ts";
import { type BatchHeader, ZERO_HASH } from "../sign/batch.ts";

const view = (b: Uint8Array): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
const buf = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength);

/** The wire form of a signed header (what a gateway sends and its outbox keeps). */
export function batchHeaderToProto(h: BatchHeader): PBatchHeader {
  return {
    version: h.version,
    gatewayId: h.gatewayId,
    keyId: h.keyId,
    algorithm: h.algorithm,
    firstSeq: h.firstSeq,
    count: h.count,
    prevBatchHash: buf(h.prevBatchHash),
    eventsRoot: buf(h.eventsRoot),
    createdAt: h.createdAt,
  };
}

/**
 * The signed header a wire header names. An empty `prev_batch_hash` is a gateway's first batch
 * (batch.proto): the all-zero hash of the signed form. Field checks (version, lengths,
 * algorithm, timestamp) are the caller's and `canonicalHeaderBytes`'s.
 */
export function batchHeaderFromProto(p: PBatchHeader): BatchHeader {
  return {
    version: p.version as 1,
    gatewayId: p.gatewayId,
    keyId: p.keyId,
    algorithm: p.algorithm as AlgorithmName,
    firstSeq: p.firstSeq,
    count: p.count,
    prevBatchHash: p.prevBatchHash.length === 0 ? ZERO_HASH : view(p.prevBatchHash),
    eventsRoot: view(p.eventsRoot),
    createdAt: p.createdAt,
  };
}
