// The query service's domain API (issue 3 §4): chains, traces, recalls, EPCIS event queries
// and proof bundles, all read-only over the store's indexes and the verifiable log.
import { SuyuanError } from "@suyuan/proto";
import { kindOf } from "../index/canon.ts";
import { ChainBuilder } from "./chain.ts";
import { canonical, QueryContext } from "./context.ts";
import { type EventQueryParams, type EventQueryResult, queryEvents } from "./events.ts";
import { RecallWalker } from "./recall.ts";
import { trace } from "./trace.ts";
import type {
  ChainAnswer,
  CheckpointInfo,
  ProofBundle,
  QueryEngineOptions,
  RecallAnswer,
  RecallRequest,
  TraceAnswer,
} from "./types.ts";

const DEFAULT_CACHE = 50_000;
/** Entries one proof bundle may carry. */
export const MAX_BUNDLE_ENTRIES = 10_000;

export class QueryEngine {
  private readonly ctx: QueryContext;
  private readonly log: (msg: string, fields?: object) => void;

  constructor(opts: QueryEngineOptions) {
    this.ctx = new QueryContext(opts.store, opts.ledger, opts.master, opts.cacheSize ?? DEFAULT_CACHE);
    this.log = opts.log ?? (() => {});
  }

  /** The latest signed checkpoint, in the shape answers carry. */
  checkpoint(): CheckpointInfo {
    const cp = this.ctx.ledger.checkpoint();
    return { origin: cp.origin, size: cp.size, rootHash: Buffer.from(cp.rootHash).toString("base64"), note: cp.note };
  }

  /** A unit's (or container's, or lot's) chain, origin to retail, ordered by event time. */
  async getChain(code: string): Promise<ChainAnswer> {
    const id = canonical(code, "code");
    await this.ctx.refresh();
    const t0 = performance.now();
    const answer = await new ChainBuilder(this.ctx).build(code, id, this.checkpoint());
    this.log("query chain", { canonical: id, steps: answer.steps.length, ms: Math.round(performance.now() - t0) });
    return answer;
  }

  async traceBackward(code: string, depth: number): Promise<TraceAnswer> {
    const id = canonical(code, "code");
    await this.ctx.refresh();
    return trace(this.ctx, id, "backward", depth);
  }

  async traceForward(code: string, depth: number): Promise<TraceAnswer> {
    const id = canonical(code, "code");
    await this.ctx.refresh();
    return trace(this.ctx, id, "forward", depth);
  }

  /** The forward closure of lots / identifiers / a location and time window, with holders. */
  async recall(req: RecallRequest): Promise<RecallAnswer> {
    await this.ctx.refresh();
    const t0 = performance.now();
    const answer = await new RecallWalker(this.ctx).run(req, this.checkpoint());
    this.log("query recall", {
      lots: answer.lots.length,
      units: answer.units.length,
      holders: answer.holders.length,
      ms: Math.round(performance.now() - t0),
    });
    return answer;
  }

  /** EPCIS 2.0 §8.2.7.1 SimpleEventQuery. */
  async queryEvents(params: EventQueryParams): Promise<EventQueryResult> {
    await this.ctx.refresh();
    return queryEvents(this.ctx, params);
  }

  /**
   * Events with their RFC 9162 §2.1.3 inclusion proofs against the current signed checkpoint:
   * verifiable offline with only the core's public key (checkpoint signature, then each
   * leaf = SHA-256(0x00 ‖ record) up to the checkpoint's root). Indexes beyond the checkpoint
   * are refused: they are not yet covered by a signed tree head.
   */
  async proofBundle(eventIndexes: readonly number[]): Promise<ProofBundle> {
    const prove = this.ctx.ledger.inclusionProof;
    if (prove === undefined) throw new TypeError("proofBundle: the ledger given to QueryEngine has no inclusionProof");
    if (!Array.isArray(eventIndexes)) throw new TypeError("proofBundle: eventIndexes must be an array");
    const cp = this.checkpoint();
    const idxs = [...new Set(eventIndexes)].sort((a, b) => a - b);
    if (idxs.length > MAX_BUNDLE_ENTRIES) {
      throw new SuyuanError("QUERY_TOO_LARGE", `eventIndexes: at most ${MAX_BUNDLE_ENTRIES} events per proof bundle`, {
        field: "eventIndexes",
      });
    }
    for (const i of idxs) {
      if (!Number.isInteger(i) || i < 0 || i >= cp.size) {
        throw new SuyuanError(
          "QUERY_NOT_IN_CHECKPOINT",
          `eventIndexes: ${String(i)} is not covered by the checkpoint (size ${cp.size}); retry after the next checkpoint`,
          { field: "eventIndexes" },
        );
      }
    }
    const entries: ProofBundle["entries"] = [];
    for (const i of idxs) {
      const [entry, proof] = await Promise.all([this.ctx.store.getEntry(i), prove.call(this.ctx.ledger, i, cp.size)]);
      if (entry === undefined)
        throw new SuyuanError("STORE_CORRUPT", `log entry ${i} is missing below the checkpoint size`, {
          field: "index",
        });
      const ev = await this.ctx.getEvents([i]);
      entries.push({
        index: i,
        eventId: ev.get(i)?.hashId ?? "",
        record: Buffer.from(entry.record).toString("base64"),
        inclusionProof: proof.map((h) => Buffer.from(h).toString("base64")),
      });
    }
    return { checkpoint: cp, entries };
  }

  /** Log indexes of a chain's steps (for `proofBundle`). */
  static chainIndexes(chain: ChainAnswer): number[] {
    return chain.steps.map((s) => s.proof.logIndex);
  }

  /** Kind of a canonical identifier (lot / class / container / unit). */
  static kindOf(canonicalId: string): ReturnType<typeof kindOf> {
    return kindOf(canonicalId);
  }
}
