// In-memory reference backend: the simplest code that meets the `StoreBackend` contract,
// used by unit tests and as the model the other backends are checked against. Nothing
// survives close(): a closed-then-opened MemoryStore is empty.
import {
  type Checkpoint,
  type CleanBatch,
  compareKeys,
  GuardedLedgerStore,
  type IndexCursor,
  type IndexHit,
  type KeyRange,
  type LogEntry,
  type NodeRef,
  type StoreBackend,
  type StoredValue,
  type StoreSupports,
} from "../store.ts";

// Shape of the state:
//   entries      LogEntry[]                         log index -> entry
//   byEventHash  Map( hex(eventHash) -> log index )
//   nodes        Map( level ≥ 1 -> Uint8Array[] by node index )   level 0 = entries[i].leafHash
//   indexes      Map( name -> { keys: string[] sorted by code point,
//                                values: Map( key -> StoredValue[] in insertion order ) } )
//   meta         Map( key -> StoredValue )
//   checkpoint   Checkpoint | undefined
// Everything stored is a private copy (GuardedLedgerStore copies on the way in); reads copy
// again on the way out so callers never alias store memory.
interface MemoryIndex {
  keys: string[];
  values: Map<string, StoredValue[]>;
}

const SUPPORTS: StoreSupports = Object.freeze({ persistence: false, durableWrites: false, sharedWriters: false });

function copyValue(v: StoredValue): StoredValue {
  return typeof v === "string" ? v : v.slice();
}

function copyEntry(e: LogEntry): LogEntry {
  return { index: e.index, eventHash: e.eventHash.slice(), leafHash: e.leafHash.slice(), record: e.record.slice() };
}

function hashKey(h: Uint8Array): string {
  return Buffer.from(h.buffer, h.byteOffset, h.byteLength).toString("hex");
}

/** First position in sorted `keys` whose key is ≥ k (or > k when `after`). */
function bound(keys: readonly string[], k: string, after: boolean): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareKeys(keys[mid]!, k);
    if (c < 0 || (after && c === 0)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class MemoryBackend implements StoreBackend {
  readonly supports = SUPPORTS;
  private entries: LogEntry[] = [];
  private byEventHash = new Map<string, number>();
  private nodes = new Map<number, Uint8Array[]>();
  private indexes = new Map<string, MemoryIndex>();
  private meta = new Map<string, StoredValue>();
  private checkpoint: Checkpoint | undefined;

  async open(): Promise<void> {
    this.entries = [];
    this.byEventHash = new Map();
    this.nodes = new Map();
    this.indexes = new Map();
    this.meta = new Map();
    this.checkpoint = undefined;
  }

  async close(): Promise<void> {
    this.entries = [];
    this.byEventHash.clear();
    this.nodes.clear();
    this.indexes.clear();
    this.meta.clear();
    this.checkpoint = undefined;
  }

  async size(): Promise<number> {
    return this.entries.length;
  }

  // Synchronous from here to the end: JS runs it without interleaving, so readers see the
  // whole batch or none of it. All checks were done before, so nothing here can throw
  // half-way.
  async append(batch: CleanBatch): Promise<void> {
    for (const e of batch.entries) {
      this.entries.push(e);
      this.byEventHash.set(hashKey(e.eventHash), e.index);
    }
    for (const n of batch.nodes) {
      let level = this.nodes.get(n.level);
      if (level === undefined) {
        level = [];
        this.nodes.set(n.level, level);
      }
      level[n.index] = n.hash;
    }
    const fresh = new Map<MemoryIndex, string[]>();
    for (const r of batch.indexes) {
      let ix = this.indexes.get(r.index);
      if (ix === undefined) {
        ix = { keys: [], values: new Map() };
        this.indexes.set(r.index, ix);
      }
      const list = ix.values.get(r.key);
      if (list !== undefined) list.push(r.value);
      else {
        ix.values.set(r.key, [r.value]);
        const newKeys = fresh.get(ix);
        if (newKeys === undefined) fresh.set(ix, [r.key]);
        else newKeys.push(r.key);
      }
    }
    // Merge each index's new keys in one pass: O(n + k log k) rather than k splices.
    for (const [ix, newKeys] of fresh) {
      newKeys.sort(compareKeys);
      const old = ix.keys;
      const merged: string[] = new Array(old.length + newKeys.length);
      let i = 0;
      let j = 0;
      let o = 0;
      while (i < old.length && j < newKeys.length) {
        merged[o++] = compareKeys(old[i]!, newKeys[j]!) < 0 ? old[i++]! : newKeys[j++]!;
      }
      while (i < old.length) merged[o++] = old[i++]!;
      while (j < newKeys.length) merged[o++] = newKeys[j++]!;
      ix.keys = merged;
    }
    for (const m of batch.meta) this.meta.set(m.key, m.value);
  }

  async getEntries(start: number, end: number): Promise<LogEntry[]> {
    const out: LogEntry[] = new Array(end - start);
    for (let i = start; i < end; i++) out[i - start] = copyEntry(this.entries[i]!);
    return out;
  }

  async findByEventHashes(eventHashes: readonly Uint8Array[]): Promise<(number | undefined)[]> {
    return eventHashes.map((h) => this.byEventHash.get(hashKey(h)));
  }

  async getNodeHashes(refs: readonly NodeRef[]): Promise<(Uint8Array | undefined)[]> {
    return refs.map(({ level, index }) => {
      const h = level === 0 ? this.entries[index]?.leafHash : this.nodes.get(level)?.[index];
      return h?.slice();
    });
  }

  async lookup(index: string, key: string): Promise<StoredValue[]> {
    const list = this.indexes.get(index)?.values.get(key);
    return list === undefined ? [] : list.map(copyValue);
  }

  scan(index: string, range: KeyRange, limit: number, reverse: boolean): AsyncIterable<IndexHit> {
    const hits = this.snapshot(index, range, limit, reverse);
    return (async function* () {
      yield* hits;
    })();
  }

  scanChunks(index: string, range: KeyRange, limit: number, reverse: boolean): AsyncIterable<IndexHit[]> {
    const hits = this.snapshot(index, range, limit, reverse);
    return (async function* () {
      for (let s = 0; s < hits.length; s += SCAN_CHUNK) yield hits.slice(s, s + SCAN_CHUNK);
    })();
  }

  cursor(index: string, range: KeyRange): IndexCursor {
    // The whole range, copied now (the snapshot); a seek is a binary search over its keys.
    const hits = this.snapshot(index, range, Number.POSITIVE_INFINITY, false);
    const keys = hits.map((h) => h.key);
    const values = hits.map((h) => h.value);
    let at = 0;
    return {
      next: async (max: number) => {
        const to = Math.min(at + max, hits.length);
        const out = { keys: keys.slice(at, to), values: values.slice(at, to) };
        at = to;
        return out;
      },
      seek: (key: string) => {
        at = bound(keys, key, false);
      },
      close: async () => {},
    };
  }

  /** The hits of a scan, copied now: later appends must not show up in it (the contract's snapshot). */
  private snapshot(index: string, range: KeyRange, limit: number, reverse: boolean): IndexHit[] {
    const hits: IndexHit[] = [];
    const ix = this.indexes.get(index);
    if (ix !== undefined) {
      const keys = ix.keys;
      let lo = 0;
      let hi = keys.length;
      if (range.gte !== undefined) lo = Math.max(lo, bound(keys, range.gte, false));
      if (range.gt !== undefined) lo = Math.max(lo, bound(keys, range.gt, true));
      if (range.prefix !== undefined) lo = Math.max(lo, bound(keys, range.prefix, false));
      if (range.lt !== undefined) hi = Math.min(hi, bound(keys, range.lt, false));
      if (range.lte !== undefined) hi = Math.min(hi, bound(keys, range.lte, true));
      const prefix = range.prefix;
      if (prefix !== undefined) {
        // Keys with the prefix are contiguous from lo; cut hi at the first one without it.
        let end = lo;
        while (end < hi && keys[end]!.startsWith(prefix)) end++;
        hi = end;
      }
      if (!reverse) {
        for (let k = lo; k < hi && hits.length < limit; k++) {
          const key = keys[k]!;
          for (const v of ix.values.get(key)!) {
            if (hits.length >= limit) break;
            hits.push({ key, value: copyValue(v) });
          }
        }
      } else {
        for (let k = hi - 1; k >= lo && hits.length < limit; k--) {
          const key = keys[k]!;
          const list = ix.values.get(key)!;
          for (let i = list.length - 1; i >= 0 && hits.length < limit; i--) {
            hits.push({ key, value: copyValue(list[i]!) });
          }
        }
      }
    }
    return hits;
  }

  async getMeta(key: string): Promise<StoredValue | undefined> {
    const v = this.meta.get(key);
    return v === undefined ? undefined : copyValue(v);
  }

  async putMeta(key: string, value: StoredValue): Promise<void> {
    this.meta.set(key, value);
  }

  async getCheckpoint(): Promise<Checkpoint | undefined> {
    const cp = this.checkpoint;
    return cp === undefined ? undefined : { size: cp.size, rootHash: cp.rootHash.slice(), note: cp.note };
  }

  async putCheckpoint(checkpoint: Checkpoint): Promise<void> {
    this.checkpoint = checkpoint;
  }
}

/** Hits per array of `scanChunks`. */
const SCAN_CHUNK = 1024;

/** The in-memory ledger store. */
export class MemoryStore extends GuardedLedgerStore {
  constructor() {
    super(new MemoryBackend());
  }
}
