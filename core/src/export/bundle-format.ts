// The proof bundle document (issue 6 §3): everything an auditor needs to check a chain or a
// recall answer offline with only the core's checkpoint key. Shared by the builder (core) and
// the verifier (core and the CLI); pure types.
//
//   {
//     format: "suyuan-proof-bundle/1",
//     createdAt,                       informational (not signed)
//     subject: {kind: "chain", code, canonical} | {kind: "recall", lots},
//     checkpoint: {note, origin, size, rootHash}      note = the C2SP signed note; the other
//                                                    fields are a convenience copy of its body
//     entries: [{index, eventId, record, inclusionProof, batch?}]
//         record          base64 of the stored record bytes = the RFC 9162 leaf data
//         inclusionProof  base64 hashes, RFC 9162 §2.1.3 path of `index` in a tree of `size`
//         batch           for gateway-signed events: the gateway's signed batch header, its
//                         signature, the gateway public key the core had enrolled, and the
//                         RFC 9162 path of the event digest in the header's eventsRoot
//     summary: {type: "chain", …ChainAnswer without checkpoint} | {type: "recall", …RecallAnswer}
//   }

export const BUNDLE_FORMAT = "suyuan-proof-bundle/1";

/** A gateway batch header as JSON: bigint and bytes as text (hex for hashes, as in gateway-state). */
export interface BundleBatchHeader {
  version: 1;
  gatewayId: string;
  keyId: string;
  algorithm: string;
  /** Decimal. */
  firstSeq: string;
  count: number;
  /** Hex, 32 bytes. */
  prevBatchHash: string;
  /** Hex, 32 bytes. */
  eventsRoot: string;
  createdAt: string;
}

export interface BundleBatch {
  header: BundleBatchHeader;
  /** Base64 signature over the header's canonical bytes (proto sign/batch.ts). */
  signature: string;
  /** Base64 raw public key of `header.keyId`, as enrolled at the core. */
  publicKey: string;
  /** Position of the event in its batch. */
  eventIndex: number;
  /** Base64 hashes: RFC 9162 §2.1.3.1 path of leaf SHA-256(0x00 ‖ event digest) to eventsRoot. */
  eventProof: string[];
}

export interface BundleEntry {
  /** Log index (leaf index). */
  index: number;
  /** CBV 2.0 event hash ID of the record's event. */
  eventId: string;
  /** Base64 record bytes: the leaf data. */
  record: string;
  inclusionProof: string[];
  batch?: BundleBatch;
}

export interface BundleCheckpoint {
  note: string;
  origin: string;
  size: number;
  /** Base64. */
  rootHash: string;
}

export type BundleSubject = { kind: "chain"; code: string; canonical: string } | { kind: "recall"; lots: string[] };

/** A step of the summary, as much as the verifier relies on (the rest is display). */
export interface SummaryStepRef {
  eventId: string;
  eventType?: string;
  eventTime: string;
  bizStep?: string;
  proof: { logIndex: number };
}

export interface ChainSummary {
  type: "chain";
  code: string;
  canonical: string;
  steps: SummaryStepRef[];
  [more: string]: unknown;
}

export interface RecallSummary {
  type: "recall";
  lots: string[];
  shipments: Array<{ eventId: string; logIndex: number; eventTime: string; bizStep?: string }>;
  transformations: Array<{ id: string; logIndexes: number[] }>;
  units: Array<{ id: string; lastLogIndex?: number }>;
  [more: string]: unknown;
}

export interface ProofBundleDocument {
  format: typeof BUNDLE_FORMAT;
  createdAt: string;
  subject: BundleSubject;
  checkpoint: BundleCheckpoint;
  entries: BundleEntry[];
  summary: ChainSummary | RecallSummary;
}
