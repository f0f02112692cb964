// Builds proof bundles (format in bundle-format.ts) of a chain or a recall from the query
// engine (answers and RFC 9162 inclusion proofs), the ledger (records' provenance) and the
// capture side's batch records (a gateway's signed header and its event digests).
import { encodeBase64, eventProofInBatch, SuyuanError } from "@suyuan/proto";
import { batchHeaderJson, readBatchRecord } from "../capture/gateway-state.ts";
import type { Ledger, MasterDataReader } from "../model.ts";
import { MAX_BUNDLE_ENTRIES, type QueryEngine } from "../query/engine.ts";
import type { ChainAnswer, RecallAnswer } from "../query/types.ts";
import type { StoredValue } from "../store/store.ts";
import {
  BUNDLE_FORMAT,
  type BundleBatch,
  type BundleEntry,
  type ChainSummary,
  type ProofBundleDocument,
  type RecallSummary,
} from "./bundle-format.ts";

export interface BundleSources {
  query: Pick<QueryEngine, "getChain" | "recall" | "proofBundle">;
  ledger: Pick<Ledger, "checkpoint" | "signCheckpointNow" | "getEvents">;
  store: { getMeta(key: string): Promise<StoredValue | undefined> };
  master: Pick<MasterDataReader, "gateway">;
  now?: () => Date;
  log?: (msg: string, fields?: object) => void;
}

/** A chain's proof bundle: every step's event, proved against one signed checkpoint. */
export async function chainBundle(src: BundleSources, code: string): Promise<ProofBundleDocument> {
  let chain = await src.query.getChain(code);
  // proofBundle refuses entries above the checkpoint (no signed tree head covers them yet):
  // sign one now rather than hand out a bundle that leaves recent steps out.
  if (chain.steps.some((s) => s.proof.logIndex >= src.ledger.checkpoint().size)) {
    await src.ledger.signCheckpointNow();
    chain = await src.query.getChain(code);
  }
  const { checkpoint: _cp, ...rest } = chain;
  const summary: ChainSummary = { type: "chain", ...rest };
  return assemble(src, { kind: "chain", code, canonical: chain.canonical }, chainIndexes(chain), summary);
}

/** A recall's proof bundle: the shipments, transformations and last known events of the units it names. */
export async function recallBundle(src: BundleSources, lots: readonly string[]): Promise<ProofBundleDocument> {
  if (!Array.isArray(lots) || lots.length === 0) {
    throw new SuyuanError("EXPORT_BAD_REQUEST", "lot: at least one lot is required", { field: "lot" });
  }
  let answer = await src.query.recall({ lots });
  if (recallIndexes(answer).some((i) => i >= src.ledger.checkpoint().size)) {
    await src.ledger.signCheckpointNow();
    answer = await src.query.recall({ lots });
  }
  const { checkpoint: _cp, ...rest } = answer;
  const summary: RecallSummary = { type: "recall", ...rest };
  return assemble(src, { kind: "recall", lots: [...answer.lots] }, recallIndexes(answer), summary);
}

function chainIndexes(chain: ChainAnswer): number[] {
  return chain.steps.map((s) => s.proof.logIndex);
}

/** Every log index a recall answer refers to (what the verifier's summary check walks). */
export function recallIndexes(a: Pick<RecallAnswer, "shipments" | "transformations" | "units">): number[] {
  const out = new Set<number>();
  for (const s of a.shipments) out.add(s.logIndex);
  for (const t of a.transformations) for (const i of t.logIndexes) out.add(i);
  for (const u of a.units) if (u.lastLogIndex !== undefined) out.add(u.lastLogIndex);
  return [...out].sort((x, y) => x - y);
}

async function assemble(
  src: BundleSources,
  subject: ProofBundleDocument["subject"],
  indexes: number[],
  summary: ProofBundleDocument["summary"],
): Promise<ProofBundleDocument> {
  const unique = [...new Set(indexes)];
  if (unique.length > MAX_BUNDLE_ENTRIES) {
    throw new SuyuanError(
      "EXPORT_TOO_LARGE",
      `bundle: ${unique.length} events, at most ${MAX_BUNDLE_ENTRIES}; narrow the subject`,
      { field: "subject" },
    );
  }
  const pb = await src.query.proofBundle(unique);
  const logged = new Map((await src.ledger.getEvents(unique)).map((e) => [e.index, e]));
  const batches = new Map<string, Awaited<ReturnType<typeof readBatchRecord>>>();
  const entries: BundleEntry[] = [];
  for (const e of pb.entries) {
    const entry: BundleEntry = {
      index: e.index,
      eventId: e.eventId,
      record: e.record,
      inclusionProof: e.inclusionProof,
    };
    const prov = logged.get(e.index)?.provenance;
    if (prov?.kind === "gateway") {
      const firstSeq = BigInt(prov.seq) - BigInt(prov.batchIndex);
      const key = `${prov.gatewayId}\u001f${firstSeq}`;
      if (!batches.has(key)) batches.set(key, await readBatchRecord(src.store, prov.gatewayId, firstSeq));
      const rec = batches.get(key);
      const pub = src.master.gateway(prov.gatewayId)?.keys.find((k) => k.keyId === rec?.header.keyId);
      if (rec !== undefined && pub !== undefined) {
        const batch: BundleBatch = {
          header: batchHeaderJson(rec.header),
          signature: encodeBase64(rec.signature),
          publicKey: pub.publicKey,
          eventIndex: prov.batchIndex,
          eventProof: eventProofInBatch(prov.batchIndex, rec.eventHashes).map(encodeBase64),
        };
        entry.batch = batch;
      } else {
        // The event stays provable in the log; only its gateway signature cannot be shown.
        src.log?.("bundle batch record missing", {
          index: e.index,
          gatewayId: prov.gatewayId,
          firstSeq: `${firstSeq}`,
        });
      }
    }
    entries.push(entry);
  }
  return {
    format: BUNDLE_FORMAT,
    createdAt: (src.now?.() ?? new Date()).toISOString(),
    subject,
    checkpoint: {
      note: pb.checkpoint.note,
      origin: pb.checkpoint.origin,
      size: pb.checkpoint.size,
      rootHash: pb.checkpoint.rootHash,
    },
    entries,
    summary,
  };
}
