// The wire BatchHeader (proto/suyuan/v1/batch.proto) as capture reads it: proto's lossless
// conversion, after refusing what cannot be a signed header at all.
import { type BatchHeader, batchHeaderFromProto, batchHeaderToProto, SuyuanError } from "@suyuan/proto";
import type { BatchHeader as PBatchHeader } from "@suyuan/proto/gen/suyuan/v1/batch.ts";

/**
 * The signed header named by a wire header. Field checks (lengths, algorithm syntax,
 * timestamp) are left to `canonicalHeaderBytes`, which `verifyBatch` calls; only what cannot
 * be represented at all is refused here.
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
  return batchHeaderFromProto(p);
}

/** The wire form of a signed header (what a gateway sends). */
export const headerToProto = batchHeaderToProto;
