// The per-event half of checking a signed gateway batch (issue 3 §1), the part that needs no
// state of the core: read every event, recompute its CBV 2.0 hash and the batch root, verify
// the one Ed25519 signature, check every event against the standard, and lay out the stored
// record, Merkle leaf (and, on a worker, packed index records) of each event that passed.
// It is a pure function of the batch, the header the event loop read from it and accepted
// (the signature is verified over that header, never over one read here), the enrolled key
// and the batch's provenance, so it runs on capture worker threads (check-worker.ts) in
// parallel with the event loop that sequences and stores batches — or on the event loop
// itself when the core runs without workers; both take this code.
//
// The answer is packed into a few flat buffers (one copy per batch, transferable between
// threads; the index records too, see index/packed.ts) plus the location ids the write policy
// needs, instead of thousands of objects: the event loop unpacks only what it stores.
import {
  type AlgorithmName,
  type BatchHeader,
  batchHash,
  collectEventErrors,
  type EpcisEvent,
  eventFromProto,
  eventHashBytes,
  formatEventHashId,
  type GatewayKey,
  gatewayPublicKey,
  isSuyuanError,
  leafHash,
  SuyuanError,
  verifyBatch,
} from "@suyuan/proto";
import { SignedBatch } from "@suyuan/proto/gen/suyuan/v1/batch.ts";
import { type PackedIndexBlock, PackedIndexWriter } from "../index/packed.ts";
import { logKeyFromDigest, recordBytes, type StoredEvent } from "../model.ts";

const HASH = 32;

/** A batch-level refusal: the whole batch is answered `rejected` with this code. */
export class Refusal extends Error {
  constructor(
    readonly code: string,
    readonly reason: string,
    readonly field?: string,
  ) {
    super(`${code}: ${reason}`);
  }
}

// proto/src/sign error codes → the capture codes a gateway sees.
const SIGN_TO_CAPTURE: Record<string, string> = {
  SIGN_BAD_HEADER: "CAPTURE_BAD_HEADER",
  SIGN_UNSUPPORTED_ALGORITHM: "CAPTURE_BAD_HEADER",
  SIGN_KEY_MISMATCH: "CAPTURE_KEY_MISMATCH",
  SIGN_COUNT_MISMATCH: "CAPTURE_COUNT_MISMATCH",
  SIGN_ROOT_MISMATCH: "CAPTURE_ROOT_MISMATCH",
  SIGN_BAD_SIGNATURE: "CAPTURE_BAD_SIGNATURE",
  SIGN_BAD_EVENT_DIGEST: "CAPTURE_HASH_MISMATCH",
};

/** A coded error as a batch refusal; anything else (a bug) is rethrown. */
export function asRefusal(e: unknown): Refusal {
  if (e instanceof Refusal) return e;
  if (isSuyuanError(e)) return new Refusal(SIGN_TO_CAPTURE[e.code] ?? e.code, e.reason, e.field);
  throw e;
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** A per-event error with its field under `path`. */
export function eventError(e: unknown, path: string): SuyuanError {
  if (isSuyuanError(e)) {
    const field = e.field === undefined ? path : e.field.startsWith(path) ? e.field : `${path}.${e.field}`;
    return new SuyuanError(e.code, e.reason, { field });
  }
  return new SuyuanError("CAPTURE_BAD_EVENT", `event cannot be read: ${errorText(e)}`, { field: path });
}

/**
 * Imported gateway public keys by algorithm and enrolled (base64) key: importing a key costs
 * far more than verifying with it. Cleared when it grows past `max`.
 */
export class KeyCache {
  private readonly keys = new Map<string, GatewayKey>();
  constructor(private readonly max: number) {}

  /** The key; throws what `gatewayPublicKey` throws for a key that cannot be used. */
  get(algorithm: string, publicKey: string): GatewayKey {
    const id = `${algorithm}:${publicKey}`;
    let key = this.keys.get(id);
    if (key === undefined) {
      key = gatewayPublicKey(algorithm as AlgorithmName, Buffer.from(publicKey, "base64"));
      if (this.keys.size >= this.max) this.keys.clear();
      this.keys.set(id, key);
    }
    return key;
  }
}

/** Who wrote the batch and when the core took it: the provenance of every stored event. */
export interface BatchContext {
  gatewayId: string;
  keyId: string;
  party: string;
  /** The EPCIS recordTime of every event of the batch (RFC 3339 UTC, ms). */
  recordTime: string;
}

/** A per-event refusal: event position, code, reason, field. */
export type PackedRefusal = [index: number, code: string, reason: string, field: string];

/** The checked batch, flat. Every array is in event order; n = number of events. */
export interface CheckedBatch {
  /** SHA-256 of the canonical header (the gateway's hash chain link). */
  hash: Uint8Array;
  signature: Uint8Array;
  /** n × 32 bytes: each event's CBV 2.0 digest (the gateway's hint where it could not be read). */
  digests: Uint8Array;
  /** Events refused by the standard (or unreadable). */
  refused: PackedRefusal[];
  /** 2n location ids for the write policy: readPoint, bizLocation ("" when absent). */
  locations: string[];
  /** Each event's stored record, back to back; `recordEnds[i]` ends event i's (equal to the previous end when it has none). */
  records: Uint8Array;
  recordEnds: Uint32Array;
  /** n × 32 bytes: Merkle leaf hash of each record (zero where there is no record). */
  leaves: Uint8Array;
  /** n × 32 bytes: the log key of each record (model.logKeyOf; zero where there is no record). */
  logKeys: Uint8Array;
  /**
   * With `withIndexes`: the events' index records with the log index left open
   * (index/packed.ts); an event without a record, or whose records could not be packed, is
   * marked unpacked (the log then indexes it from its record).
   */
  indexes?: PackedIndexBlock;
}

/** The stored form of event i of a gateway batch. */
export function gatewayStoredEvent(
  ctx: BatchContext,
  header: BatchHeader,
  batchHashHex: string,
  i: number,
  digest: Uint8Array,
  event: EpcisEvent,
): StoredEvent {
  return {
    v: 1,
    hashId: formatEventHashId(digest),
    event,
    provenance: {
      kind: "gateway",
      gatewayId: ctx.gatewayId,
      keyId: ctx.keyId,
      party: ctx.party,
      batchHash: batchHashHex,
      seq: (header.firstSeq + BigInt(i)).toString(10),
      batchIndex: i,
    },
    recordTime: ctx.recordTime,
  };
}

/**
 * Checks the events of a decoded batch whose header, enrolment and key the caller has
 * already accepted. Throws a Refusal when the batch as a whole cannot be accepted (an
 * unreadable event without a hash hint, a hint that differs, a root or signature mismatch).
 */
export function checkBatchEvents(
  batch: SignedBatch,
  header: BatchHeader,
  key: GatewayKey,
  ctx: BatchContext,
  withIndexes = false,
): CheckedBatch {
  const n = batch.events.length;
  const hints = batch.eventHashes ?? [];
  if (hints.length !== 0 && hints.length !== n) {
    throw new Refusal(
      "CAPTURE_COUNT_MISMATCH",
      `event_hashes has ${hints.length} entries but the batch has ${n} events`,
      "eventHashes",
    );
  }
  const digestList: Uint8Array[] = new Array(n);
  const events: (EpcisEvent | undefined)[] = new Array(n);
  const refused: PackedRefusal[] = [];
  const refuse = (i: number, e: SuyuanError) => refused.push([i, e.code, e.reason, e.field ?? `events[${i}]`]);
  for (let i = 0; i < n; i++) {
    const hint = hints[i];
    try {
      const ev = eventFromProto(batch.events[i]!);
      digestList[i] = eventHashBytes(ev);
      events[i] = ev;
    } catch (e) {
      // The event cannot be read, so its hash cannot be recomputed. With the gateway's hash
      // as a hint the root (and so the signature) can still be checked and only this event
      // refused; without one the batch cannot be verified at all.
      if (hint === undefined || hint.length !== HASH) {
        throw new Refusal(
          "CAPTURE_BAD_EVENT",
          `events[${i}] cannot be read (${errorText(e)}) and no event hash was sent to verify the batch without it`,
          `events[${i}]`,
        );
      }
      digestList[i] = new Uint8Array(hint);
      refuse(i, eventError(e, `events[${i}]`));
      continue;
    }
    // CBV 2.0 §8.9: the receiver recomputes; a hint that differs means the two sides hash
    // differently, which this names more precisely than a root mismatch would.
    if (hint !== undefined && !Buffer.from(hint).equals(digestList[i]!)) {
      throw new Refusal(
        "CAPTURE_HASH_MISMATCH",
        `events[${i}]: sent event hash ${Buffer.from(hint).toString("hex")} but the event hashes to ${Buffer.from(digestList[i]!).toString("hex")}`,
        `eventHashes[${i}]`,
      );
    }
  }
  try {
    verifyBatch(header, batch.signature ?? new Uint8Array(0), key, digestList);
  } catch (e) {
    throw asRefusal(e);
  }
  const hash = batchHash(header);
  const hashHex = Buffer.from(hash).toString("hex");

  // Each its own ArrayBuffer (never Node's shared pool), so a worker can transfer it.
  const digests = new Uint8Array(n * HASH);
  const leaves = new Uint8Array(n * HASH);
  const logKeys = new Uint8Array(n * HASH);
  const locations: string[] = new Array(2 * n);
  const recordList: Uint8Array[] = [];
  const recordEnds = new Uint32Array(n);
  const indexes = withIndexes ? new PackedIndexWriter(n) : undefined;
  let end = 0;
  for (let i = 0; i < n; i++) {
    digests.set(digestList[i]!, i * HASH);
    const ev = events[i];
    locations[2 * i] = ev?.readPoint?.id ?? "";
    locations[2 * i + 1] = ev?.bizLocation?.id ?? "";
    // The standard (EPCIS 2.0 / CBV 2.0); the write policy needs master data and is the caller's.
    const err = ev === undefined ? undefined : collectEventErrors(ev, `events[${i}]`)[0];
    if (ev === undefined || err !== undefined) {
      if (err !== undefined) refuse(i, err);
      indexes?.skip();
    } else {
      const stored = gatewayStoredEvent(ctx, header, hashHex, i, digestList[i]!, ev);
      const json = JSON.stringify(stored);
      const record = recordBytes(json); // model.encodeRecord
      indexes?.add(stored, json);
      // RFC 9162 §2.1.1: the leaf data are the record bytes.
      leaves.set(leafHash(record), i * HASH);
      logKeys.set(logKeyFromDigest(digestList[i]!, ev), i * HASH);
      recordList.push(record);
      end += record.length;
    }
    recordEnds[i] = end;
  }
  const records = new Uint8Array(end);
  let at = 0;
  for (const r of recordList) {
    records.set(r, at);
    at += r.length;
  }
  refused.sort((a, b) => a[0] - b[0]);
  return {
    hash,
    signature: new Uint8Array(batch.signature ?? new Uint8Array(0)),
    digests,
    refused,
    locations,
    records,
    recordEnds,
    leaves,
    logKeys,
    ...(indexes === undefined ? {} : { indexes: indexes.finish() }),
  };
}

/**
 * Decodes a wire SignedBatch whose envelope the caller has read (wire.ts readBatchEnvelope,
 * which refuses malformed envelopes). A message that is no SignedBatch, or whose events
 * decode to another count than the envelope holds, is a batch refusal. The caller verifies
 * against the header IT read, not `batch.header`.
 */
export function decodeSignedBatch(bytes: Uint8Array, events: number): SignedBatch {
  let batch: SignedBatch;
  try {
    batch = SignedBatch.decode(bytes);
  } catch (e) {
    throw new Refusal("CAPTURE_BAD_BATCH", `not a signed batch: ${errorText(e)}`);
  }
  if (batch.events.length !== events) {
    throw new Refusal(
      "CAPTURE_BAD_BATCH",
      `not a signed batch: its events decode to ${batch.events.length} messages but it holds ${events} events fields`,
      "events",
    );
  }
  return batch;
}
