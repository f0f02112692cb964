// Group commit for the log's durable writes. Every durable append costs the store at least one
// fsync (two for the LevelDB store: its entries file and its write-ahead log), ~20 ms each on
// the project's machines, so one write per 1000-event batch capped capture at a write path's
// latency while the CPUs sat idle. Appends that queue up while a write is in flight are merged
// into the next write: one store append, one set of fsyncs, for all of them. Each batch is
// also handed to `stage` as it is committed, so a store can start on it (the LevelDB store
// writes its entries file) while the write ahead of it is still being made durable.
//
// Order and failure are those of one-at-a-time writes: appends are written in the order they
// were committed, each resolves only once it is durable, and when a write fails every append
// planned on the same (now void) tree fails with its error — the ones in that write, the ones
// queued behind it and any committed later with the same epoch — while appends planned afresh
// (a later epoch) are written as usual.
import {
  type AppendBatch,
  type IndexRecord,
  type LogEntry,
  type MetaPut,
  type NodeHash,
  type PackedIndexSpan,
  pushPlainIndexes,
} from "../store/store.ts";

interface Pending {
  batch: AppendBatch | undefined;
  epoch: number;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/** Most appends merged into one store write (bounds a write's size and its callers' wait). */
export const MAX_GROUP = 16;

export class GroupCommit {
  private readonly queue: Pending[] = [];
  private running = false;
  /** Epochs at or below this had a failed write: their appends are void, failing with `deadError`. */
  private deadEpoch = -1;
  private deadError: unknown;
  /** Store writes issued so far (for tests and stats). */
  writes = 0;

  constructor(
    private readonly write: (batch: AppendBatch) => Promise<void>,
    private readonly stage: (batch: AppendBatch) => void = () => {},
  ) {}

  /**
   * Resolves once `batch` (undefined: nothing to write, only the ordering) is durable, after
   * every batch committed before it. `epoch` names the tree the batch was planned on.
   */
  commit(batch: AppendBatch | undefined, epoch: number): Promise<void> {
    if (batch !== undefined && epoch > this.deadEpoch) this.stage(batch);
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ batch, epoch, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0) {
        // A batch planned on a tree whose write failed must not be written.
        const group: Pending[] = [];
        while (this.queue.length > 0 && group.length < MAX_GROUP) {
          const p = this.queue.shift()!;
          if (p.epoch <= this.deadEpoch) p.reject(this.deadError);
          else group.push(p);
        }
        if (group.length === 0) continue;
        const merged = mergeBatches(group.map((p) => p.batch));
        try {
          if (merged !== undefined) {
            this.writes++;
            await this.write(merged);
          }
        } catch (e) {
          this.deadEpoch = Math.max(this.deadEpoch, ...group.map((p) => p.epoch));
          this.deadError = e;
          for (const p of group) p.reject(e);
          continue;
        }
        for (const p of group) p.resolve();
      }
    } finally {
      this.running = false;
    }
  }
}

/** One append of everything in `batches`, in order (undefined when there is nothing to write). */
export function mergeBatches(batches: readonly (AppendBatch | undefined)[]): AppendBatch | undefined {
  const present = batches.filter((b): b is AppendBatch => b !== undefined);
  if (present.length === 0) return undefined;
  if (present.length === 1) return present[0];
  const entries: LogEntry[] = [];
  const nodes: NodeHash[] = [];
  const acc: { indexes: IndexRecord[]; packed: PackedIndexSpan[] } = { indexes: [], packed: [] };
  const meta: MetaPut[] = [];
  for (const b of present) {
    for (const e of b.entries) entries.push(e);
    for (const n of b.nodes ?? []) nodes.push(n);
    pushPlainIndexes(acc, b.indexes ?? []);
    for (const s of b.packed ?? []) acc.packed.push(s);
    // Applied in order, so a key written twice keeps the later value.
    for (const m of b.meta ?? []) meta.push(m);
  }
  return { entries, nodes, ...acc, meta, transfer: present.every((b) => b.transfer === true) };
}
