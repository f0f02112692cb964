// Outbox records are the exact protobuf `SignedBatch` bytes the uplink sends
// (proto/suyuan/v1/batch.proto), so a resend after a restart is byte-for-byte the first send.
import {
  type AlgorithmName,
  type BatchHeader,
  type EpcisEvent,
  eventFromProto,
  eventToProto,
  ZERO_HASH,
} from "@suyuan/proto";
import { type BatchHeader as PBatchHeader, SignedBatch } from "@suyuan/proto/gen/suyuan/v1/batch.ts";
import type { SealedOutboxBatch } from "../batcher/batcher.ts";

const buf = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength);
const view = (b: Uint8Array): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

export function headerToWire(h: BatchHeader): PBatchHeader {
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

export function headerFromWire(p: PBatchHeader): BatchHeader {
  return {
    version: 1,
    gatewayId: p.gatewayId,
    keyId: p.keyId,
    algorithm: p.algorithm as AlgorithmName,
    firstSeq: p.firstSeq,
    count: p.count,
    // batch.proto: an empty prev_batch_hash is the genesis (all-zero) hash.
    prevBatchHash: p.prevBatchHash.length === 0 ? ZERO_HASH : view(p.prevBatchHash),
    eventsRoot: view(p.eventsRoot),
    createdAt: p.createdAt,
  };
}

export function encodeSignedBatch(b: SealedOutboxBatch): Uint8Array {
  return SignedBatch.encode({
    header: headerToWire(b.header),
    signature: buf(b.signature),
    events: b.events.map(eventToProto),
    eventHashes: b.eventHashes.map(buf),
  }).finish();
}

export interface DecodedBatch {
  header: BatchHeader;
  signature: Uint8Array;
  events: EpcisEvent[];
  eventHashes: Uint8Array[];
}

export function decodeSignedBatch(bytes: Uint8Array): DecodedBatch {
  const p = SignedBatch.decode(bytes);
  if (p.header === undefined) throw new TypeError("outbox record without a header");
  return {
    header: headerFromWire(p.header),
    signature: view(p.signature),
    events: p.events.map(eventFromProto),
    eventHashes: p.eventHashes.map(view),
  };
}

/** Only the header (cheap: used to index the outbox on open). */
export function decodeHeader(bytes: Uint8Array): BatchHeader {
  const p = SignedBatch.decode(bytes);
  if (p.header === undefined) throw new TypeError("outbox record without a header");
  return headerFromWire(p.header);
}
