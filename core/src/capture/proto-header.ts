// Conversion between the wire BatchHeader (generated from proto/suyuan/v1/batch.proto) and
// the signed header of proto/src/sign/batch.ts. The signature covers the canonical header
// bytes of the latter, never the protobuf encoding, so this conversion must be lossless.
import { type AlgorithmName, type BatchHeader, SuyuanError, ZERO_HASH } from "@suyuan/proto";
import type { BatchHeader as PBatchHeader } from "@suyuan/proto/gen/suyuan/v1/batch.ts";

function bytes(b: Uint8Array): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * The signed header named by a wire header. `prev_batch_hash` may be empty for a gateway's
 * first batch (batch.proto) — that is the all-zero hash of the signed form (sign/batch.ts).
 * Field checks (lengths, algorithm syntax, timestamp) are left to `canonicalHeaderBytes`,
 * which `verifyBatch` calls; only what cannot be represented at all is refused here.
 */
export function headerFromProto(p: PBatchHeader | undefined): BatchHeader {
  if (p === undefined || p === null) {
    throw new SuyuanError("CAPTURE_BAD_HEADER", "batch header is missing", { field: "header" });
  }
  if (p.version !== 1) {
    throw new SuyuanError("CAPTURE_BAD_HEADER", `batch header version ${p.version} is not supported, expected 1`, {
      field: "header.version",
    });
  }
  return {
    version: 1,
    gatewayId: p.gatewayId,
    keyId: p.keyId,
    algorithm: p.algorithm as AlgorithmName,
    firstSeq: p.firstSeq,
    count: p.count,
    prevBatchHash: p.prevBatchHash.length === 0 ? ZERO_HASH : bytes(p.prevBatchHash),
    eventsRoot: bytes(p.eventsRoot),
    createdAt: p.createdAt,
  };
}

/** The wire form of a signed header (what a gateway sends). */
export function headerToProto(h: BatchHeader): PBatchHeader {
  return {
    version: h.version,
    gatewayId: h.gatewayId,
    keyId: h.keyId,
    algorithm: h.algorithm,
    firstSeq: h.firstSeq,
    count: h.count,
    prevBatchHash: Buffer.from(h.prevBatchHash),
    eventsRoot: Buffer.from(h.eventsRoot),
    createdAt: h.createdAt,
  };
}
