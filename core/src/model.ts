// What the core stores for each accepted event, and the contracts between its parts.
//
// Layering (dependencies point down):
//   grpc/ http/ cli          transport: auth, error mapping, (de)serialisation
//   capture/ query/ recall/  domain services
//   log/                     the verifiable log (Merkle tree, checkpoints, proofs) over a store
//   index/                   pure: which index records an event produces
//   master/                  parties, locations, products, gateways, tokens, audit
//   store/                   LedgerStore contract and backends
import { createHash } from "node:crypto";
import { type EpcisEvent, parseEventHashId, SuyuanError } from "@suyuan/proto";
import type { PackedIndexBlock } from "./index/packed.ts";
import type { IndexRecord, MetaPut } from "./store/store.ts";

/** Who put an event into the log. Chains show the difference (signed vs. submitted). */
export type Provenance =
  | {
      kind: "gateway";
      gatewayId: string;
      keyId: string;
      /** The gateway's party (from its enrolment). */
      party: string;
      /** Hex SHA-256 of the batch header's canonical bytes (proto sign/batch.ts batchHash). */
      batchHash: string;
      /** The event's per-gateway sequence number (decimal; batch firstSeq + position). */
      seq: string;
      /** Position of the event in its batch (for the batch inclusion proof). */
      batchIndex: number;
    }
  | {
      kind: "partner";
      /** The submitting party (from the partner token). */
      party: string;
      /** Token / system id that submitted the document. */
      principal: string;
      /** Capture job or document id, when there is one. */
      documentId?: string;
      format: "jsonld" | "xml";
    }
  | {
      /** Written by the core itself (e.g. a recall notice). */
      kind: "core";
      principal: string;
      reason: string;
    };

/**
 * One log entry's record. Its encoded bytes ARE the RFC 9162 leaf data: the leaf hash is
 * SHA-256(0x00 ‖ encodeRecord(stored)), so changing any stored byte breaks the tree.
 */
export interface StoredEvent {
  v: 1;
  /** CBV 2.0 event hash ID (ni:///sha-256;…?ver=CBV2.0) of `event`. */
  hashId: string;
  event: EpcisEvent;
  provenance: Provenance;
  /** When the core accepted it (RFC 3339 UTC, ms): the EPCIS recordTime. */
  recordTime: string;
}

/**
 * A stored event laid out for the log: its log key (`logKeyOf`), its record bytes
 * (`encodeRecord`) and the Merkle leaf hash of those bytes. The log takes the three as given,
 * so whoever makes them must derive them from one StoredEvent (capture/batch-check.ts does).
 */
export interface PreparedEvent {
  eventHash: Uint8Array;
  record: Uint8Array;
  leaf: Uint8Array;
  /**
   * The event's index records, made ahead with the log index left open (capture's check
   * workers do, see index/packed.ts): event `event` of `block`. The log fills in the index
   * and writes them instead of indexing the record, so they must be what its IndexRecordsFn
   * gives for this record.
   */
  packed?: { block: PackedIndexBlock; event: number };
}

/** A stored event with its log position. */
export interface LoggedEvent extends StoredEvent {
  index: number;
}

const decoder = new TextDecoder("utf-8", { fatal: true });

/** Record bytes: UTF-8 JSON. Stored as given, never re-encoded, so no canonical form is needed. */
export function encodeRecord(s: StoredEvent): Uint8Array {
  return recordBytes(JSON.stringify(s));
}

/** The record bytes of a stored event's JSON text (JSON.stringify of it), as encodeRecord makes them. */
export function recordBytes(json: string): Uint8Array {
  // The same bytes as TextEncoder (WHATWG Encoding §UTF-8 encode; JSON.stringify escapes lone
  // surrogates, so the text is well-formed; model.test.ts) at about half the cost: Buffer.from
  // writes into Node's pooled slab instead of allocating a buffer per record. Returned as a
  // plain Uint8Array view so callers keep Uint8Array semantics (slice copies; Buffer#slice
  // would not).
  const b = Buffer.from(json, "utf8");
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

export function decodeRecord(bytes: Uint8Array, index?: number): StoredEvent {
  let s: unknown;
  try {
    s = JSON.parse(decoder.decode(bytes));
  } catch (e) {
    throw new SuyuanError("STORE_CORRUPT", `log entry ${index ?? "?"}: record is not UTF-8 JSON`, {
      field: "record",
      cause: e,
    });
  }
  if (
    typeof s !== "object" ||
    s === null ||
    (s as StoredEvent).v !== 1 ||
    typeof (s as StoredEvent).hashId !== "string"
  ) {
    throw new SuyuanError("STORE_CORRUPT", `log entry ${index ?? "?"}: record is not a version-1 stored event`, {
      field: "record",
    });
  }
  return s as StoredEvent;
}

/**
 * The log's identity of a stored event (the store's event-hash column: dedupe and lookup).
 *
 * Normally the CBV 2.0 event hash itself. But CBV 2.0 §8.9 leaves `errorDeclaration` out of
 * the hash, so an error declaration (EPCIS 2.0 §7.4.1.2: the erroneous event repeated with an
 * errorDeclaration added) has the SAME hash ID as the event it declares erroneous — that is
 * how it names it. To log the declaration as a fact of its own, its key is
 * SHA-256("suyuan-errdecl-v1\0" ‖ event digest ‖ declarationTime ‖ 0 ‖ reason ‖ 0 ‖ corrective IDs…);
 * a resent identical declaration still dedupes.
 */
export function logKeyOf(stored: StoredEvent): Uint8Array {
  return logKeyFromDigest(parseEventHashId(stored.hashId), stored.event);
}

/** `logKeyOf` for a caller that holds the event's 32-byte CBV 2.0 digest already. */
export function logKeyFromDigest(digest: Uint8Array, event: EpcisEvent): Uint8Array {
  const d = event.errorDeclaration;
  if (d === undefined) return digest;
  const h = createHash("sha256").update("suyuan-errdecl-v1\0").update(digest);
  h.update(d.declarationTime)
    .update("\0")
    .update(d.reason ?? "")
    .update("\0");
  for (const id of [...(d.correctiveEventIDs ?? [])].sort()) h.update(id).update("\0");
  return h.digest();
}

/** Which index records an event produces (core/src/index). Pure; the log calls it on append. */
export type IndexRecordsFn = (stored: StoredEvent, index: number) => IndexRecord[];

export type AppendOutcome = { status: "accepted"; index: number } | { status: "duplicate"; index: number };

/** The verifiable log as the domain services see it (implemented in core/src/log). */
export interface Ledger {
  /**
   * Appends events not yet in the log, with their index records and `meta` in the same
   * atomic, durable write. An event whose hash is already logged (or repeated earlier in
   * `items`) is not stored again: its outcome is `duplicate` with the original index.
   * Resolves only when the write is durable. Appends are serialised.
   */
  append(items: readonly StoredEvent[], meta?: readonly MetaPut[]): Promise<AppendOutcome[]>;
  /** `append` of events already laid out for the log (capture does that on its worker threads). */
  appendPrepared(items: readonly PreparedEvent[], meta?: readonly MetaPut[]): Promise<AppendOutcome[]>;
  /** Current log size. */
  size(): number;
  getEvent(index: number): Promise<LoggedEvent | undefined>;
  getEvents(indexes: readonly number[]): Promise<LoggedEvent[]>;
  /** Log index of an event hash ID, if logged. */
  indexOf(hashId: string): Promise<number | undefined>;
  /** The latest signed checkpoint (C2SP signed note) and what it says. */
  checkpoint(): SignedCheckpoint;
  /** Signs a checkpoint now if the log grew since the last one (the timer also does). */
  signCheckpointNow(): Promise<SignedCheckpoint>;
  inclusionProof(index: number, treeSize: number): Promise<Uint8Array[]>;
  consistencyProof(fromSize: number, toSize: number): Promise<Uint8Array[]>;
  close(): Promise<void>;
}

export interface SignedCheckpoint {
  origin: string;
  size: number;
  rootHash: Uint8Array;
  /** The whole signed note text. */
  note: string;
}

/** Roles (issue 3 §5). */
export type Role = "admin" | "gateway" | "partner" | "inspector" | "recall_officer" | "public";

/** An authenticated caller. */
export interface Principal {
  /** Token id (not the secret). */
  id: string;
  role: Role;
  /** The party the principal acts for (gateway and partner roles always have one). */
  party?: string;
  /** For role gateway: the gateway id. */
  gatewayId?: string;
}

/** Master-data reads the domain services need (implemented in core/src/master). */
export interface MasterDataReader {
  /** Owning party of a location (canonical id: SGLN/GLN Digital Link), if known. */
  partyOfLocation(locationId: string): string | undefined;
  location(locationId: string): { id: string; name: string; party?: string; address?: string } | undefined;
  party(partyId: string): { id: string; name: string } | undefined;
  product(gtinOrClassId: string): { id: string; name: string; category: "food" | "drug" } | undefined;
  gateway(gatewayId: string): GatewayEnrolment | undefined;
}

export interface GatewayKeyRecord {
  keyId: string;
  algorithm: string;
  /** Base64 raw public key. */
  publicKey: string;
  /**
   * "active" keys verify batches; a revoked key's batches are refused from `revokedAt` on.
   * A rotated-out key stays "active" with `retiredAt` set (batches already signed with it,
   * e.g. in a gateway's outbox, still land) until it is revoked.
   */
  status: "active" | "revoked";
  enrolledAt: string;
  revokedAt?: string;
  /** When a newer key replaced it (rotation); informational, the key still verifies. */
  retiredAt?: string;
  revocationReason?: string;
}

export interface GatewayEnrolment {
  gatewayId: string;
  party: string;
  keys: GatewayKeyRecord[];
  /** Canonical ids of the read points / business locations it may write (empty: any of its party's). */
  allowedReadPoints: string[];
}
