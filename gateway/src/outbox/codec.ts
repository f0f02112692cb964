// Outbox records are the exact protobuf `SignedBatch` bytes the uplink sends
// (proto/suyuan/v1/batch.proto), so a resend after a restart is byte-for-byte the first send.
import {
  type BatchHeader,
  batchHeaderFromProto,
  batchHeaderToProto,
  type EpcisEvent,
  eventFromProto,
  eventToProto,
} from "@suyuan/proto";
import { SignedBatch } from "@suyuan/proto/gen/suyuan/v1/batch.ts";
import type { SealedOutboxBatch } from "../batcher/batcher.ts";

const buf = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength);
const view = (b: Uint8Array): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

// The wire header conversion is proto's (shared with the core's capture).
export const headerToWire = batchHeaderToProto;
export const headerFromWire = batchHeaderFromProto;

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
