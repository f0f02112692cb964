// Per-gateway capture state, kept in the store's meta entries and written in the SAME
// ledger append as the batch's events, so the sequence position and the events it covers
// can never disagree after a crash.
//
// Layout (meta key → JSON string value):
//   capture:gw:<gatewayId>            → { v: 1, nextSeq: "<dec>", lastBatchHash: "<hex>", lastFirstSeq: "<dec>" }
//       the next sequence number the core expects and the hash its prevBatchHash must name
//   batch:<gatewayId>:<firstSeq dec>  → { v: 1, batchHash: "<hex>", header: {...}, headerBytes: "<b64>",
//                                         signature: "<b64>", eventHashes: "<b64 of count×32 bytes>",
//                                         rejected: [{ index, code, field, message }] }
//       every accepted batch: the seq → batchHash map that tells a resend from a fork, and the
//       gateway's signed header with all event digests, from which a proof bundle derives an
//       event's inclusion proof in its signed batch (proto eventProofInBatch).
import { type BatchHeader, canonicalHeaderBytes, SuyuanError } from "@suyuan/proto";
import type { MetaPut, StoredValue } from "../store/store.ts";

export interface GatewayState {
  nextSeq: bigint;
  lastBatchHash: Uint8Array;
  lastFirstSeq: bigint;
}

export interface RejectedRecord {
  index: number;
  code: string;
  field: string;
  message: string;
}

export interface BatchRecord {
  batchHash: Uint8Array;
  header: BatchHeader;
  signature: Uint8Array;
  /** The batch's CBV 2.0 event-hash digests, in batch order. */
  eventHashes: Uint8Array[];
  /** Events of the batch refused when it was first accepted. */
  rejected: RejectedRecord[];
}

export function stateKey(gatewayId: string): string {
  return `capture:gw:${gatewayId}`;
}

export function batchKey(gatewayId: string, firstSeq: bigint): string {
  return `batch:${gatewayId}:${firstSeq.toString(10)}`;
}

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");
const b64 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64");

function corrupt(key: string, why: string, cause?: unknown): SuyuanError {
  return new SuyuanError("STORE_CORRUPT", `meta ${key}: ${why}`, {
    field: key,
    ...(cause === undefined ? {} : { cause }),
  });
}

function parseJson(key: string, value: StoredValue): Record<string, unknown> {
  const text = typeof value === "string" ? value : Buffer.from(value).toString("utf8");
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch (e) {
    throw corrupt(key, "not JSON", e);
  }
  if (typeof o !== "object" || o === null || (o as { v?: unknown }).v !== 1)
    throw corrupt(key, "not a version-1 record");
  return o as Record<string, unknown>;
}

function hexField(key: string, o: Record<string, unknown>, f: string, len?: number): Uint8Array {
  const v = o[f];
  if (typeof v !== "string" || !/^([0-9a-f]{2})*$/.test(v) || (len !== undefined && v.length !== len * 2)) {
    throw corrupt(key, `${f} is not hex`);
  }
  return new Uint8Array(Buffer.from(v, "hex"));
}

function seqField(key: string, o: Record<string, unknown>, f: string): bigint {
  const v = o[f];
  if (typeof v !== "string" || !/^(0|[1-9][0-9]*)$/.test(v))
    throw corrupt(key, `${f} is not a decimal sequence number`);
  return BigInt(v);
}

export function encodeState(gatewayId: string, s: GatewayState): MetaPut {
  return {
    key: stateKey(gatewayId),
    value: JSON.stringify({
      v: 1,
      nextSeq: s.nextSeq.toString(10),
      lastBatchHash: hex(s.lastBatchHash),
      lastFirstSeq: s.lastFirstSeq.toString(10),
    }),
  };
}

export function decodeState(gatewayId: string, value: StoredValue): GatewayState {
  const key = stateKey(gatewayId);
  const o = parseJson(key, value);
  return {
    nextSeq: seqField(key, o, "nextSeq"),
    lastBatchHash: hexField(key, o, "lastBatchHash", 32),
    lastFirstSeq: seqField(key, o, "lastFirstSeq"),
  };
}

/**
 * A batch header as JSON: the sequence number in decimal, the hashes in hex. The form of the
 * stored batch record and of a proof bundle's batch (export/bundle-format.ts).
 */
export function batchHeaderJson(h: BatchHeader) {
  return {
    version: h.version,
    gatewayId: h.gatewayId,
    keyId: h.keyId,
    algorithm: h.algorithm,
    firstSeq: h.firstSeq.toString(10),
    count: h.count,
    prevBatchHash: hex(h.prevBatchHash),
    eventsRoot: hex(h.eventsRoot),
    createdAt: h.createdAt,
  };
}

export function encodeBatchRecord(r: BatchRecord): MetaPut {
  const h = r.header;
  const digests = Buffer.concat(r.eventHashes.map((d) => Buffer.from(d.buffer, d.byteOffset, d.byteLength)));
  return {
    key: batchKey(h.gatewayId, h.firstSeq),
    value: JSON.stringify({
      v: 1,
      batchHash: hex(r.batchHash),
      header: batchHeaderJson(h),
      // The exact signed bytes, so an auditor can check the signature without our encoder.
      headerBytes: b64(canonicalHeaderBytes(h)),
      signature: b64(r.signature),
      eventHashes: digests.toString("base64"),
      rejected: r.rejected,
    }),
  };
}

export function decodeBatchRecord(gatewayId: string, firstSeq: bigint, value: StoredValue): BatchRecord {
  const key = batchKey(gatewayId, firstSeq);
  const o = parseJson(key, value);
  const h = o.header as Record<string, unknown> | undefined;
  if (typeof h !== "object" || h === null) throw corrupt(key, "header missing");
  const header: BatchHeader = {
    version: 1,
    gatewayId: String(h.gatewayId),
    keyId: String(h.keyId),
    algorithm: String(h.algorithm) as BatchHeader["algorithm"],
    firstSeq: seqField(key, h, "firstSeq"),
    count: Number(h.count),
    prevBatchHash: hexField(key, h, "prevBatchHash", 32),
    eventsRoot: hexField(key, h, "eventsRoot", 32),
    createdAt: String(h.createdAt),
  };
  const digests = Buffer.from(String(o.eventHashes ?? ""), "base64");
  if (digests.length !== header.count * 32) throw corrupt(key, "eventHashes length does not match the header count");
  const eventHashes: Uint8Array[] = [];
  for (let i = 0; i < header.count; i++) eventHashes.push(new Uint8Array(digests.subarray(i * 32, i * 32 + 32)));
  const rejected = Array.isArray(o.rejected) ? (o.rejected as RejectedRecord[]) : [];
  return {
    batchHash: hexField(key, o, "batchHash", 32),
    header,
    signature: new Uint8Array(Buffer.from(String(o.signature ?? ""), "base64")),
    eventHashes,
    rejected,
  };
}

/** The signed batch a gateway event came from (provenance gatewayId + seq − batchIndex = firstSeq), for proof bundles. */
export async function readBatchRecord(
  store: { getMeta(key: string): Promise<StoredValue | undefined> },
  gatewayId: string,
  firstSeq: bigint,
): Promise<BatchRecord | undefined> {
  const v = await store.getMeta(batchKey(gatewayId, firstSeq));
  return v === undefined ? undefined : decodeBatchRecord(gatewayId, firstSeq, v);
}
