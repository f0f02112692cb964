// The verifiable log: every accepted event is one leaf of an RFC 9162 Merkle tree kept in a
// LedgerStore, and the core signs C2SP tlog-checkpoints over it.
//
// What lives where:
//   store   entries (record bytes = leaf data, leaf hash, event hash), complete-subtree node
//           hashes (level ≥ 1), index records, meta, the latest signed checkpoint;
//   memory  the tree size and its frontier (the O(log n) complete subtrees of the current
//           tree, largest first), so an append hashes only the new leaves and the nodes they
//           complete (proto merkle appendToFrontier), with no store reads for the tree.
//
// The log never rolls back (issue 3 §2): open() checks the store against its last signed
// checkpoint and refuses with CORE_LOG_INCONSISTENT if the store is behind it or disagrees
// with its root.
import {
  appendToFrontier,
  assembleProof,
  bytesEqual,
  consistencyProofPlan,
  EMPTY_ROOT,
  foldRight,
  frontierRefs,
  inclusionProofPlan,
  leafHash,
  type NoteSigner,
  openCheckpoint,
  type ProofPlan,
  parseEventHashId,
  parseVerifierKey,
  SuyuanError,
  signCheckpoint,
  verifyConsistency,
} from "@suyuan/proto";
import { fillPackedEvent } from "../index/packed.ts";
import {
  type AppendOutcome,
  decodeRecord,
  encodeRecord,
  type IndexRecordsFn,
  type Ledger,
  type LoggedEvent,
  logKeyOf,
  type PreparedEvent,
  type SignedCheckpoint,
  type StoredEvent,
} from "../model.ts";
import {
  type IndexRecord,
  type LedgerStore,
  type LogEntry,
  type MetaPut,
  type NodeHash,
  type NodeRef,
  type PackedIndexSpan,
  pushPlainIndexes,
} from "../store/store.ts";
import { GroupCommit } from "./group-commit.ts";

/** Structured log sink: constant message, data in fields. */
export type LogFn = (msg: string, fields?: Record<string, unknown>) => void;

export interface VerifiableLogOptions {
  /** An open store (open() is called again, which is idempotent). The log never closes it. */
  store: LedgerStore;
  /** The core's C2SP note signer (proto parseSignerKey). */
  signer: NoteSigner;
  /** The matching verifier key (`<name>+<hex id>+<base64 key>`), used to check the stored checkpoint. */
  verifierKey: string;
  /** The checkpoint origin line: the log's unique identity (C2SP tlog-checkpoint). */
  origin: string;
  /** Index records of each appended event, written in the same atomic append. */
  indexRecords?: IndexRecordsFn;
  /** Clock in ms (default Date.now); decides how soon a checkpoint is due. */
  now?: () => number;
  log?: LogFn;
  /** A checkpoint is signed at most this long after the log grows (issue 3 §2: ≤ 1 s). */
  checkpointIntervalMs?: number;
}

/**
 * Error codes:
 * - CORE_LOG_INCONSISTENT  the store disagrees with the last signed checkpoint (behind it,
 *                          another root, missing tree nodes, a bad signature): refuse to serve.
 * - CORE_LOG_KEY_MISMATCH  the signer and the verifier key are not one key pair.
 * - LOG_BAD_RANGE          a proof or read for sizes/indexes outside the log.
 * - LOG_CLOSED             append or proof after close().
 */
export type LogErrorCode = "CORE_LOG_INCONSISTENT" | "CORE_LOG_KEY_MISMATCH" | "LOG_BAD_RANGE" | "LOG_CLOSED";

function logError(code: LogErrorCode, message: string, field?: string, detail?: Record<string, unknown>): SuyuanError {
  return new SuyuanError(code, message, {
    ...(field === undefined ? {} : { field }),
    ...(detail === undefined ? {} : { detail }),
  });
}

const noop: LogFn = () => undefined;

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");
}

/** An event prepared outside the append queue (pure CPU work: encode and hash). */
interface Prepared {
  /** Undefined when the record was laid out by the caller (appendPrepared). */
  stored: StoredEvent | undefined;
  /** Index records made by the caller (appendPrepared), if any. */
  packed?: PreparedEvent["packed"];
  eventHash: Uint8Array;
  key: string;
  record: Uint8Array;
  leaf: Uint8Array;
}

export class VerifiableLog implements Ledger {
  private treeSize: number;
  private frontier: Uint8Array[];
  private latest: SignedCheckpoint;
  private closed = false;
  /**
   * Appends are pipelined in two ordered stages. Planning (dedupe, index assignment, index
   * records, new tree nodes) runs one append at a time against the PLANNED tree; writing runs
   * in the same order, each write issued only after the previous one succeeded, appends that
   * queued up meanwhile merged into one write (group-commit.ts).
   * So the CPU work of planning the next batch overlaps the durable write of the previous one,
   * while `treeSize`/`frontier` (what checkpoints and proofs use) move only after a write is
   * durable.
   */
  private planTail: Promise<unknown> = Promise.resolve();
  /** The last committed write (for close()). */
  private writeTail: Promise<unknown> = Promise.resolve();
  /** Durable writes, in planning order; appends queued behind a write in flight share the next one. */
  private readonly group = new GroupCommit(
    (batch) => this.store.append(batch),
    (batch) => this.store.stage(batch),
  );
  /** Every append's final result, for close(). */
  private appendTail: Promise<unknown> = Promise.resolve();
  /** Size and frontier once every planned append is written. */
  private plannedSize: number;
  private plannedFrontier: Uint8Array[];
  /** Bumped when a write fails: the plans made on top of it are void, planning restarts from the durable tree. */
  private epoch = 0;
  /** Completed appends so far (a sequence number, not a size: all-duplicate appends count too). */
  private writeSeq = 0;
  /** `writeSeq` as seen by each dedupe lookup started and not yet consumed. */
  private readonly lookupsSince: number[] = [];
  /**
   * Event hashes of appends planned but not yet written (`seq` undefined), or written by write
   * number `seq` while a lookup that may have missed them was pending; in planning order.
   */
  private readonly recent: Array<{ seq: number | undefined; epoch: number; keys: Map<string, number> }> = [];
  /** Serialises checkpoint signing, so checkpoints are put in increasing size. */
  private checkpointTail: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private lastSignedAt: number;

  private constructor(
    private readonly store: LedgerStore,
    private readonly signer: NoteSigner,
    private readonly origin: string,
    private readonly indexRecords: IndexRecordsFn | undefined,
    private readonly now: () => number,
    private readonly log: LogFn,
    private readonly intervalMs: number,
    state: { size: number; frontier: Uint8Array[]; checkpoint: SignedCheckpoint },
  ) {
    this.treeSize = state.size;
    this.frontier = state.frontier;
    this.plannedSize = state.size;
    this.plannedFrontier = state.frontier;
    this.latest = state.checkpoint;
    this.lastSignedAt = now();
  }

  /**
   * Opens the log over `store`: reads the tree frontier, checks the store against its last
   * signed checkpoint (refusing with CORE_LOG_INCONSISTENT, saying why), and signs a
   * checkpoint if the store holds entries the stored one does not cover (or none exists).
   */
  static async open(options: VerifiableLogOptions): Promise<VerifiableLog> {
    const { store, signer, verifierKey, origin } = options;
    const interval = options.checkpointIntervalMs ?? 1000;
    if (!Number.isFinite(interval) || interval <= 0) {
      throw new TypeError(`checkpointIntervalMs must be a positive number, got ${interval}`);
    }
    const log = options.log ?? noop;
    const now = options.now ?? Date.now;
    const verifier = parseVerifierKey(verifierKey);
    if (verifier.name !== signer.name || verifier.keyId >>> 0 !== signer.keyId >>> 0) {
      throw logError(
        "CORE_LOG_KEY_MISMATCH",
        `verifierKey names key ${verifier.name}/${verifier.keyId}, but the signer is ${signer.name}/${signer.keyId}`,
        "verifierKey",
      );
    }
    // Sign-then-verify once: proves the pair matches beyond name and key ID.
    const probe = signCheckpoint({ origin, size: 0, rootHash: EMPTY_ROOT }, signer);
    try {
      openCheckpoint(probe, [verifier], { origin });
    } catch (e) {
      throw logError(
        "CORE_LOG_KEY_MISMATCH",
        "the signer's checkpoints do not verify with verifierKey",
        "verifierKey",
        {
          cause: (e as Error).message,
        },
      );
    }

    await store.open();
    const size = await store.size();
    const frontier = await readNodes(store, frontierRefs(size), `the tree of size ${size}`);
    const stored = await store.getCheckpoint();

    let checkpoint: SignedCheckpoint | undefined;
    if (stored !== undefined) {
      let opened: ReturnType<typeof openCheckpoint>;
      try {
        opened = openCheckpoint(stored.note, [verifier], { origin });
      } catch (e) {
        throw logError(
          "CORE_LOG_INCONSISTENT",
          `the stored checkpoint does not verify with the core key ${verifier.name}: ${(e as Error).message}`,
          "checkpoint.note",
        );
      }
      if (opened.size !== stored.size || !bytesEqual(opened.rootHash, stored.rootHash)) {
        throw logError(
          "CORE_LOG_INCONSISTENT",
          `the stored checkpoint's fields (size ${stored.size}) differ from its signed note (size ${opened.size})`,
          "checkpoint",
        );
      }
      if (size < opened.size) {
        throw logError(
          "CORE_LOG_INCONSISTENT",
          `store is behind its last signed checkpoint: size ${size} < ${opened.size}`,
          "size",
          { storeSize: size, checkpointSize: opened.size },
        );
      }
      // RFC 9162 §2.1.1: the root at the checkpoint's size from the stored complete subtrees.
      const oldRoot = foldRight(
        await readNodes(store, frontierRefs(opened.size), `the checkpoint's tree (size ${opened.size})`),
      );
      if (!bytesEqual(oldRoot, opened.rootHash)) {
        throw logError(
          "CORE_LOG_INCONSISTENT",
          `the stored tree's root at size ${opened.size} is ${hex(oldRoot)}, but the signed checkpoint says ${hex(opened.rootHash)}`,
          "rootHash",
          { size: opened.size },
        );
      }
      // RFC 9162 §2.1.4: the tree we are about to extend must be an extension of the signed
      // one; a consistency proof from the stored nodes checks the nodes the frontier uses.
      if (size > opened.size && opened.size > 0) {
        const proof = await proofFromStore(store, consistencyProofPlan(opened.size, size));
        if (!verifyConsistency(opened.size, size, proof, opened.rootHash, foldRight(frontier))) {
          throw logError(
            "CORE_LOG_INCONSISTENT",
            `the stored tree of size ${size} is not consistent with the signed checkpoint of size ${opened.size}`,
            "nodes",
          );
        }
      }
      checkpoint = { origin, size: opened.size, rootHash: opened.rootHash, note: stored.note };
      log("log opened", { size, checkpointSize: opened.size });
    } else {
      log("log opened without a checkpoint", { size });
    }

    const placeholder: SignedCheckpoint = checkpoint ?? { origin, size: -1, rootHash: EMPTY_ROOT, note: "" };
    const vlog = new VerifiableLog(store, signer, origin, options.indexRecords, now, log, interval, {
      size,
      frontier,
      checkpoint: placeholder,
    });
    if (checkpoint === undefined || checkpoint.size < size) await vlog.signCheckpointNow();
    return vlog;
  }

  size(): number {
    return this.treeSize;
  }

  checkpoint(): SignedCheckpoint {
    return this.latest;
  }

  append(items: readonly StoredEvent[], meta: readonly MetaPut[] = []): Promise<AppendOutcome[]> {
    if (this.closed) return Promise.reject(logError("LOG_CLOSED", "append: the log is closed"));
    if (!Array.isArray(items)) return Promise.reject(new TypeError("append: items must be an array"));
    let prepared: Prepared[];
    try {
      prepared = items.map(prepare);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.appendLaidOut(prepared, meta);
  }

  appendPrepared(items: readonly PreparedEvent[], meta: readonly MetaPut[] = []): Promise<AppendOutcome[]> {
    if (this.closed) return Promise.reject(logError("LOG_CLOSED", "append: the log is closed"));
    if (!Array.isArray(items)) return Promise.reject(new TypeError("append: items must be an array"));
    const prepared: Prepared[] = new Array(items.length);
    for (let i = 0; i < items.length; i++) {
      const p = items[i]!;
      prepared[i] = {
        stored: undefined,
        packed: p.packed,
        eventHash: p.eventHash,
        key: hex(p.eventHash),
        record: p.record,
        leaf: p.leaf,
      };
    }
    return this.appendLaidOut(prepared, meta);
  }

  /**
   * Encoding and hashing (done by the callers above) and the dedupe lookup need no log
   * state, so they run before the queue and overlap with the previous batch's durable write.
   * A lookup may miss what writes finishing meanwhile added; those are checked in memory
   * (see `recent`).
   */
  private appendLaidOut(prepared: Prepared[], meta: readonly MetaPut[]): Promise<AppendOutcome[]> {
    // First occurrence in this batch of each event hash → position in `unique`.
    const firstAt = new Map<string, number>();
    const unique: Prepared[] = [];
    for (const p of prepared) {
      if (!firstAt.has(p.key)) {
        firstAt.set(p.key, unique.length);
        unique.push(p);
      }
    }
    const seenWrites = this.writeSeq;
    this.lookupsSince.push(seenWrites);
    const lookup =
      unique.length === 0 ? Promise.resolve([]) : this.store.findByEventHashes(unique.map((p) => p.eventHash));
    lookup.catch(() => undefined);
    const planned = this.planTail.then(async () => {
      try {
        return this.plan(prepared, firstAt, unique, await lookup, seenWrites, meta);
      } finally {
        this.lookupDone(seenWrites);
      }
    });
    this.planTail = planned.catch(() => undefined);
    const run = planned.then(async (w) => {
      await w.written;
      return w.outcomes;
    });
    this.appendTail = run.catch(() => undefined);
    return run;
  }

  /** Ends a lookup's window, then forgets written events no pending lookup can have missed. */
  private lookupDone(seq: number): void {
    const at = this.lookupsSince.indexOf(seq);
    if (at >= 0) this.lookupsSince.splice(at, 1);
    this.pruneRecent();
  }

  private pruneRecent(): void {
    const oldest = this.lookupsSince.length === 0 ? this.writeSeq : Math.min(...this.lookupsSince);
    while (this.recent.length > 0) {
      const r = this.recent[0]!;
      if (r.seq === undefined || r.seq > oldest) break;
      this.recent.shift();
    }
  }

  /**
   * Planning stage (synchronous, in append order): outcomes, index records and tree nodes of
   * one append on top of the planned tree, and its write queued behind the previous write.
   * Appends queued before close() still run: close() drains the queue.
   */
  private plan(
    prepared: Prepared[],
    firstAt: Map<string, number>,
    unique: Prepared[],
    found: (number | undefined)[],
    seenWrites: number,
    meta: readonly MetaPut[],
  ): { outcomes: AppendOutcome[]; written: Promise<void> } {
    const outcomes: AppendOutcome[] = new Array(prepared.length);
    // Appends planned but not yet durable, and writes that completed after the lookup
    // started, may hold some of these events.
    for (const w of this.recent) {
      if (w.seq !== undefined && w.seq <= seenWrites) continue;
      for (let u = 0; u < unique.length; u++) {
        if (found[u] === undefined) found[u] = w.keys.get(unique[u]!.key);
      }
    }
    // Index assigned to each unique event: the existing one, or the next free one.
    const assigned: number[] = new Array(unique.length);
    const fresh: Prepared[] = [];
    const isNew: boolean[] = new Array(unique.length);
    const start = this.plannedSize;
    let next = start;
    for (let u = 0; u < unique.length; u++) {
      const at = found[u];
      if (at !== undefined) {
        assigned[u] = at;
        isNew[u] = false;
      } else {
        assigned[u] = next++;
        isNew[u] = true;
        fresh.push(unique[u]!);
      }
    }
    for (let i = 0; i < prepared.length; i++) {
      const u = firstAt.get(prepared[i]!.key)!;
      const index = assigned[u]!;
      // A repeat inside the batch of a new event is a duplicate of its first occurrence.
      const first = unique[u] === prepared[i];
      outcomes[i] = isNew[u] && first ? { status: "accepted", index } : { status: "duplicate", index };
    }

    const entries: LogEntry[] = new Array(fresh.length);
    const leaves: Uint8Array[] = new Array(fresh.length);
    const acc: { indexes: IndexRecord[]; packed: PackedIndexSpan[] } = { indexes: [], packed: [] };
    const packed = acc.packed;
    for (let i = 0; i < fresh.length; i++) {
      const p = fresh[i]!;
      entries[i] = { index: start + i, eventHash: p.eventHash, leafHash: p.leaf, record: p.record };
      leaves[i] = p.leaf;
      if (this.indexRecords === undefined) continue;
      // A record laid out elsewhere comes with its index records, or is read back for
      // indexing: either way the index describes the bytes logged.
      if (p.packed !== undefined) {
        const span = fillPackedEvent(p.packed.block, p.packed.event, start + i);
        const last = packed[packed.length - 1];
        if (last !== undefined && last.records === span.records && last.to === span.from) last.to = span.to;
        else if (span.to > span.from) packed.push(span);
      } else {
        pushPlainIndexes(acc, this.indexRecords(p.stored ?? decodeRecord(p.record, start + i), start + i));
      }
    }
    const grown = appendToFrontier(start, this.plannedFrontier, leaves);
    // Level 0 is stored with the entries themselves.
    const nodes: NodeHash[] = [];
    for (const n of grown.nodes) if (n.level > 0) nodes.push(n);

    const epoch = this.epoch;
    let pending: { seq: number | undefined; epoch: number; keys: Map<string, number> } | undefined;
    if (fresh.length > 0) {
      // Later appends are planned before this one is durable: their lookups cannot see it.
      const keys = new Map<string, number>();
      for (let i = 0; i < fresh.length; i++) keys.set(fresh[i]!.key, start + i);
      pending = { seq: undefined, epoch, keys };
      this.recent.push(pending);
    }
    this.plannedSize = grown.size;
    this.plannedFrontier = grown.frontier;

    // Everything in it was made here for this write: handed over to the store uncopied.
    const batch = entries.length > 0 || meta.length > 0 ? { entries, nodes, ...acc, meta, transfer: true } : undefined;
    // Issued only once the previous write succeeded: outcomes here may point at its entries,
    // so after a failed write nothing planned on top of it is written (or acknowledged).
    const written = this.group.commit(batch, epoch).then(() => {
      // Only after the write is durable does the served tree move on (writes complete in order).
      this.treeSize = grown.size;
      this.frontier = grown.frontier;
      this.writeSeq++;
      if (pending !== undefined) pending.seq = this.writeSeq;
      if (fresh.length > 0) this.scheduleCheckpoint();
      this.pruneRecent();
    });
    written.catch(() => {
      if (this.epoch !== epoch) return;
      // Plan again from the durable tree; appends planned on the failed one fail with it.
      this.epoch++;
      this.plannedSize = this.treeSize;
      this.plannedFrontier = this.frontier;
      for (let i = this.recent.length - 1; i >= 0; i--) {
        if (this.recent[i]!.seq === undefined) this.recent.splice(i, 1);
      }
    });
    this.writeTail = written;
    return { outcomes, written };
  }

  async getEvent(index: number): Promise<LoggedEvent | undefined> {
    if (!Number.isSafeInteger(index) || index < 0) throw new TypeError(`getEvent: index must be ≥ 0, got ${index}`);
    const e = await this.store.getEntry(index);
    return e === undefined ? undefined : { ...decodeRecord(e.record, index), index };
  }

  /** The events at `indexes`, in the order asked; an index beyond the log is LOG_BAD_RANGE. */
  async getEvents(indexes: readonly number[]): Promise<LoggedEvent[]> {
    const size = this.treeSize;
    for (const i of indexes) {
      if (!Number.isSafeInteger(i) || i < 0) throw new TypeError(`getEvents: index must be ≥ 0, got ${i}`);
      if (i >= size) throw logError("LOG_BAD_RANGE", `getEvents: index ${i} is beyond the log size ${size}`, "indexes");
    }
    // Contiguous runs become one range read each.
    const sorted = [...new Set(indexes)].sort((a, b) => a - b);
    const runs: Array<[number, number]> = [];
    for (const i of sorted) {
      const last = runs[runs.length - 1];
      if (last !== undefined && last[1] === i) last[1] = i + 1;
      else runs.push([i, i + 1]);
    }
    const byIndex = new Map<number, LoggedEvent>();
    const pages = await Promise.all(runs.map(([s, e]) => this.store.getEntries(s, e - s)));
    for (const page of pages) {
      for (const e of page) byIndex.set(e.index, { ...decodeRecord(e.record, e.index), index: e.index });
    }
    return indexes.map((i) => {
      const ev = byIndex.get(i);
      if (ev === undefined) throw logError("CORE_LOG_INCONSISTENT", `getEvents: entry ${i} is missing from the store`);
      return ev;
    });
  }

  async indexOf(hashId: string): Promise<number | undefined> {
    return this.store.findByEventHash(parseEventHashId(hashId));
  }

  /** RFC 9162 §2.1.3.1 audit path of leaf `index` in the tree of `treeSize` leaves. */
  async inclusionProof(index: number, treeSize: number): Promise<Uint8Array[]> {
    this.checkSize(treeSize, "treeSize");
    if (!Number.isSafeInteger(index) || index < 0 || index >= treeSize) {
      throw logError(
        "LOG_BAD_RANGE",
        `inclusion proof: index ${index} must be below the tree size ${treeSize}`,
        "index",
        {
          index,
          treeSize,
        },
      );
    }
    return proofFromStore(this.store, inclusionProofPlan(index, treeSize));
  }

  /** RFC 9162 §2.1.4.1 consistency proof between sizes 0 < from ≤ to ≤ size(). */
  async consistencyProof(fromSize: number, toSize: number): Promise<Uint8Array[]> {
    this.checkSize(toSize, "toSize");
    if (!Number.isSafeInteger(fromSize) || fromSize < 1 || fromSize > toSize) {
      throw logError(
        "LOG_BAD_RANGE",
        `consistency proof: sizes ${fromSize} → ${toSize} must satisfy 0 < from ≤ to (RFC 9162 §2.1.4)`,
        "fromSize",
        { fromSize, toSize },
      );
    }
    return proofFromStore(this.store, consistencyProofPlan(fromSize, toSize));
  }

  private checkSize(n: number, field: string): void {
    if (!Number.isSafeInteger(n) || n < 0 || n > this.treeSize) {
      throw logError("LOG_BAD_RANGE", `${field} ${n} is beyond the log size ${this.treeSize}`, field, {
        [field]: n,
        size: this.treeSize,
      });
    }
  }

  signCheckpointNow(): Promise<SignedCheckpoint> {
    const run = this.checkpointTail.then(() => this.signIfGrown());
    this.checkpointTail = run.catch(() => undefined);
    return run;
  }

  private async signIfGrown(): Promise<SignedCheckpoint> {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    // Size and frontier change together, synchronously, after a durable append: this pair
    // always describes entries that are already in the store.
    const size = this.treeSize;
    if (size === this.latest.size) return this.latest;
    const rootHash = foldRight(this.frontier);
    const note = signCheckpoint({ origin: this.origin, size, rootHash }, this.signer);
    await this.store.putCheckpoint({ size, rootHash, note });
    this.latest = { origin: this.origin, size, rootHash, note };
    this.lastSignedAt = this.now();
    this.log("checkpoint signed", { size });
    // Appends that landed while we were writing need their own checkpoint.
    if (this.treeSize > size) this.scheduleCheckpoint();
    return this.latest;
  }

  /** Arms the timer if none is pending: the next checkpoint is due `interval` after the last. */
  private scheduleCheckpoint(): void {
    if (this.timer !== undefined || this.closed) return;
    const delay = Math.max(0, this.lastSignedAt + this.intervalMs - this.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.signCheckpointNow().catch((e: unknown) => {
        this.log("checkpoint signing failed", { error: (e as Error).message });
        // Try again later rather than leaving the grown log unsigned.
        this.lastSignedAt = this.now();
        this.scheduleCheckpoint();
      });
    }, delay);
    this.timer.unref();
  }

  /**
   * Refuses new appends, waits for queued ones, stops the timer and signs a final checkpoint
   * if the log grew (and the store is still open). Does not close the store.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Every append planned so far, then every write issued (in order; a failed one ends the chain).
    await this.planTail;
    await this.appendTail;
    await this.writeTail.catch(() => undefined);
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.store.status === "open") await this.signCheckpointNow();
    else await this.checkpointTail;
  }
}

function prepare(stored: StoredEvent): Prepared {
  const eventHash = logKeyOf(stored);
  const record = encodeRecord(stored);
  // RFC 9162 §2.1.1: the leaf data are the record bytes, so any changed stored byte changes the tree.
  return { stored, eventHash, key: hex(eventHash), record, leaf: leafHash(record) };
}

/** Reads complete-subtree hashes in one store call; a missing one means the store lost tree data. */
async function readNodes(store: LedgerStore, refs: readonly NodeRef[], what: string): Promise<Uint8Array[]> {
  const hashes = refs.length === 0 ? [] : await store.getNodeHashes(refs);
  const out: Uint8Array[] = new Array(refs.length);
  for (let i = 0; i < refs.length; i++) {
    const h = hashes[i];
    if (h === undefined) {
      const r = refs[i]!;
      throw logError(
        "CORE_LOG_INCONSISTENT",
        `tree node (level ${r.level}, index ${r.index}) of ${what} is missing from the store`,
        "nodes",
        { level: r.level, index: r.index },
      );
    }
    out[i] = h;
  }
  return out;
}

/** Assembles a planned proof from one batched store read. */
async function proofFromStore(store: LedgerStore, plan: ProofPlan): Promise<Uint8Array[]> {
  return assembleProof(plan, await readNodes(store, plan.reads, "a proof"));
}
