// gRPC LedgerService (proto/suyuan/v1/ledger.proto): the signed checkpoint, RFC 9162
// inclusion and consistency proofs, and raw log entries for auditors and mirrors. Domain
// errors are thrown as SuyuanError and mapped once, by toGrpcError.
import type { handleUnaryCall, ServerUnaryCall, sendUnaryData } from "@grpc/grpc-js";
import { eventToProto, SuyuanError } from "@suyuan/proto";
import type {
  LedgerServiceServer,
  Checkpoint as PCheckpoint,
  LogEntry as PLogEntry,
} from "@suyuan/proto/gen/suyuan/v1/ledger.ts";
import { toGrpcError } from "../grpc/errors.ts";
import { decodeRecord, type Ledger, type SignedCheckpoint } from "../model.ts";
import type { LedgerStore, LogEntry } from "../store/store.ts";

/** GetEntries never returns more than this many entries per call. */
export const MAX_ENTRIES_PER_PAGE = 1000;

/** Wraps an async handler in grpc-js's callback signature; every throw goes through toGrpcError. */
function unary<Req, Res>(fn: (req: Req) => Promise<Res>): handleUnaryCall<Req, Res> {
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
    fn(call.request).then(
      (res) => callback(null, res),
      (e: unknown) => callback(toGrpcError(e)),
    );
  };
}

/** uint64 from the wire → a safe JS integer, or LOG_BAD_RANGE. */
function toNumber(v: bigint, field: string): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new SuyuanError("LOG_BAD_RANGE", `${field} ${v} is beyond any log size`, { field });
  }
  return Number(v);
}

export function checkpointToProto(cp: SignedCheckpoint): PCheckpoint {
  return { origin: cp.origin, size: BigInt(cp.size), rootHash: Buffer.from(cp.rootHash), signedNote: cp.note };
}

/**
 * One log entry on the wire. `record` (the stored record bytes, the RFC 9162 leaf data) is
 * what lets an auditor recompute the leaf hash (ledger.proto LogEntry.record).
 */
export function entryToProto(e: LogEntry): PLogEntry {
  const out = {
    index: BigInt(e.index),
    eventHash: Buffer.from(e.eventHash),
    leafHash: Buffer.from(e.leafHash),
    gatewayId: "",
    batchHash: Buffer.alloc(0),
    record: Buffer.from(e.record),
  } as PLogEntry;
  try {
    const stored = decodeRecord(e.record, e.index);
    out.event = eventToProto(stored.event);
    if (stored.provenance.kind === "gateway") {
      out.gatewayId = stored.provenance.gatewayId;
      out.batchHash = Buffer.from(stored.provenance.batchHash, "hex");
    }
  } catch {
    // A record that does not decode is still served as it is: the auditor reports it.
  }
  return out;
}

export function ledgerServiceHandlers(log: Ledger, store: LedgerStore): LedgerServiceServer {
  return {
    getCheckpoint: unary(async () => ({ checkpoint: checkpointToProto(log.checkpoint()) })),

    getInclusionProof: unary(async (req) => {
      const latest = req.treeSize === 0n ? log.checkpoint() : undefined;
      const treeSize = latest?.size ?? toNumber(req.treeSize, "tree_size");
      let index: number;
      switch (req.leaf?.$case) {
        case "logIndex":
          index = toNumber(req.leaf.value, "log_index");
          break;
        case "eventHash": {
          const h = req.leaf.value;
          if (h.length !== 32) {
            throw new SuyuanError("LOG_BAD_REQUEST", `event_hash must be 32 bytes (SHA-256), got ${h.length}`, {
              field: "event_hash",
            });
          }
          const at = await store.findByEventHash(h);
          if (at === undefined) {
            throw new SuyuanError("LOG_NOT_FOUND", `event hash ${h.toString("hex")} is not in the log`, {
              field: "event_hash",
            });
          }
          index = at;
          break;
        }
        default:
          throw new SuyuanError("LOG_BAD_REQUEST", "leaf: give event_hash or log_index", { field: "leaf" });
      }
      if (index >= treeSize) {
        throw new SuyuanError(
          "LOG_BAD_RANGE",
          `log index ${index} is not in the tree of size ${treeSize}${latest ? " (the latest checkpoint)" : ""}`,
          { field: "tree_size", detail: { index, treeSize } },
        );
      }
      const [path, entry] = await Promise.all([log.inclusionProof(index, treeSize), store.getEntry(index)]);
      return {
        proof: { logIndex: BigInt(index), treeSize: BigInt(treeSize), path: path.map((p) => Buffer.from(p)) },
        leafHash: Buffer.from(entry!.leafHash),
        ...(latest ? { checkpoint: checkpointToProto(latest) } : {}),
      };
    }),

    getConsistencyProof: unary(async (req) => {
      const from = toNumber(req.fromSize, "from_size");
      // to_size 0 = the latest checkpoint, as for inclusion proofs.
      const to = req.toSize === 0n ? log.checkpoint().size : toNumber(req.toSize, "to_size");
      const path = await log.consistencyProof(from, to);
      return { proof: { fromSize: BigInt(from), toSize: BigInt(to), path: path.map((p) => Buffer.from(p)) } };
    }),

    getEntries: unary(async (req) => {
      const start = toNumber(req.start, "start");
      // count 0 = as many as the core gives per page.
      const count = req.count === 0 ? MAX_ENTRIES_PER_PAGE : Math.min(req.count, MAX_ENTRIES_PER_PAGE);
      const entries = await store.getEntries(start, count);
      return { entries: entries.map(entryToProto) };
    }),
  };
}
