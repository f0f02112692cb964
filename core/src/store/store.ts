// The ledger store contract: one narrow, domain-level interface over which the verifiable
// log, the indexes and the capture service persist their state. Backends (in-memory,
// LevelDB, later PostgreSQL) implement `StoreBackend`; callers only ever see `LedgerStore`,
// whose one implementation (`GuardedLedgerStore`) checks arguments and state once, orders
// writes, and then calls the backend with clean input (the abstract-level `put()` → `_put()`
// split, without underscore privates).
//
// Merkle math is NOT here: the log layer above computes leaf and node hashes (RFC 9162
// §2.1.1) and hands them in; the store only keeps them. The one tree fact the store knows
// is the storage model of `proto/src/merkle/tree.ts`: node (level, index) is the hash of
// the COMPLETE subtree over leaves [index·2^level, (index+1)·2^level), level 0 being the
// leaf hashes, so a node is written exactly once, by the append that completes it.
import { isUtf8 } from "node:buffer";
import { SuyuanError } from "@suyuan/proto";

/** Length of every hash the store keeps (SHA-256, RFC 9162 §2.1). */
export const HASH_BYTES = 32;

/** One leaf of the log: an accepted event. */
export interface LogEntry {
  /** Position in the log, 0-based; entries are contiguous. */
  index: number;
  /** CBV 2.0 event hash (the event's identity); unique across the log. */
  eventHash: Uint8Array;
  /** RFC 9162 §2.1.1 leaf hash of this entry, computed by the log layer. */
  leafHash: Uint8Array;
  /** Serialised event and provenance; opaque to the store, returned byte-identical. */
  record: Uint8Array;
}

/** Coordinates of a complete subtree: leaves [index·2^level, (index+1)·2^level). */
export interface NodeRef {
  level: number;
  index: number;
}

/** A complete-subtree hash computed by the log layer. */
export interface NodeHash extends NodeRef {
  hash: Uint8Array;
}

/** What index records and meta values hold; the type given is the type returned. */
export type StoredValue = Uint8Array | string;

/**
 * One record of a secondary index ("id", "child", "lot", "xform-in", "loc-time", …).
 * Indexes are multi-valued bags ordered by key: several records may share a key (and even
 * a value); within a key they keep insertion order.
 */
export interface IndexRecord {
  /** Index name: 1–64 chars of [A-Za-z0-9._-]. */
  index: string;
  /** Non-empty well-formed string without U+0000; ordered by Unicode code point. */
  key: string;
  value: StoredValue;
}

/**
 * Index records packed as UTF-8 bytes (index/packed.ts makes them): row r is its key's
 * bytes then its value's bytes, starting where row r−1 ends (row 0 at byte 0). Keys follow
 * IndexRecord's rules; keys and values hold no U+0000; values are strings. One buffer and
 * two small arrays instead of three objects per record: capture makes ~12 per event.
 */
export interface PackedIndexRecords {
  bytes: Uint8Array;
  /** 3 per row: index name (a position in `names`), end of the key, end of the value. */
  rows: Uint32Array;
  names: readonly string[];
}

/** Rows [from, to) of packed index records. */
export interface PackedIndexSpan {
  records: PackedIndexRecords;
  from: number;
  to: number;
}

/** Where row `row` of packed records starts: where the row before it ends (row 0 at byte 0). */
export function packedRowStart(records: PackedIndexRecords, row: number): number {
  return row === 0 ? 0 : records.rows[3 * row - 1]!;
}

/**
 * Adds plain index records after everything in `into`. A store writes an append's `indexes`
 * before its `packed` records, so packed spans already in `into` become plain records first:
 * every record keeps its order (within a key, insertion order is what readers see).
 */
export function pushPlainIndexes(
  into: { indexes: IndexRecord[]; packed: PackedIndexSpan[] },
  records: readonly IndexRecord[],
): void {
  if (records.length === 0) return;
  for (const s of into.packed.splice(0)) for (const r of unpackIndexSpan(s)) into.indexes.push(r);
  for (const r of records) into.indexes.push(r);
}

/** A meta entry (e.g. a gateway's last accepted sequence number and batch hash). */
export interface MetaPut {
  /** Non-empty well-formed string without U+0000. */
  key: string;
  value: StoredValue;
}

/** Everything one append writes, all or nothing. */
export interface AppendBatch {
  /** New entries, contiguous, the first at the current size. May be empty. */
  entries: readonly LogEntry[];
  /** Hashes of the subtrees (level ≥ 1) that these entries complete. Level 0 comes from `entries`. */
  nodes?: readonly NodeHash[];
  /** Index records to add. */
  indexes?: readonly IndexRecord[];
  /** More index records to add, packed (after `indexes`, in order). */
  packed?: readonly PackedIndexSpan[];
  /** Meta puts to apply in the same atomic write (e.g. gateway sequence state). */
  meta?: readonly MetaPut[];
  /**
   * The caller hands the entries and index records (and their byte arrays) over and never
   * touches them again, so they are checked as always but not copied. For the log's own
   * appends: a 1000-event batch is ~15 000 objects and ~1 MB that would be copied only to be
   * dropped.
   */
  transfer?: boolean;
}

/** The latest signed checkpoint (C2SP signed-note text in `note`). */
export interface Checkpoint {
  size: number;
  rootHash: Uint8Array;
  note: string;
}

/** One hit of an index scan. */
export interface IndexHit {
  key: string;
  value: StoredValue;
}

/**
 * Key range of a scan. Bounds combine (intersection); `prefix` keeps keys that start with
 * it. At most one lower (`gt`/`gte`) and one upper (`lt`/`lte`) bound.
 */
export interface KeyRange {
  gt?: string;
  gte?: string;
  lt?: string;
  lte?: string;
  prefix?: string;
}

export interface ScanOptions extends KeyRange {
  /** Maximum number of hits (records, not distinct keys). Default: no limit. */
  limit?: number;
  /** Descending key order; within a key, newest record first (exact reverse of ascending). */
  reverse?: boolean;
}

/**
 * Hits as two columns: record i is (keys[i], values[i]). A cursor is the bulk reader (a
 * recall steps over ~600k records), and an object per record costs more than reading it:
 * on the query bench's ledger, 607k `id` rows read in 0.6 s as columns against 1.3 s (and
 * twice the CPU, in collections) as {key, value} objects. Within a recall's merged scan,
 * which builds an entry per record anyway, it saves ~3 % (paired runs).
 */
export interface IndexColumns {
  keys: string[];
  values: StoredValue[];
}

/** See `LedgerStore.cursor`. Not safe for overlapping calls: await each `next` before the next call. */
export interface IndexCursor {
  /**
   * The next records in key order (then insertion order), at most `max` (a positive
   * integer), at least one unless the range is exhausted, when there are none (and stay so
   * until a seek).
   */
  next(max: number): Promise<IndexColumns>;
  /**
   * Repositions: the following `next` starts at the first record whose key is ≥ `key`
   * (code point order), clipped to the range. Backwards as well as forwards.
   */
  seek(key: string): void;
  /** Releases the snapshot. Idempotent; `next` after it rejects with STORE_CLOSED. */
  close(): Promise<void>;
}

/** Optional capabilities; the conformance suite skips by them (abstract-level `supports`). */
export interface StoreSupports {
  /** Data survives close() and a new instance over the same location. */
  persistence: boolean;
  /** Writes can be flushed to stable storage before they resolve (and are by default). */
  durableWrites: boolean;
  /**
   * Several processes may write the same store at once. Such a backend MUST itself enforce
   * contiguity and event-hash uniqueness inside its write transaction, because the
   * in-process write queue of `GuardedLedgerStore` only orders one process's writes.
   */
  sharedWriters: boolean;
  /** `append` takes packed index records as they are (CleanBatch.packed); else the guard unpacks them. */
  packedIndexes?: boolean;
}

export type StoreStatus = "new" | "opening" | "open" | "closing" | "closed";

/**
 * Error codes (the contract; messages are for people):
 * - `STORE_NOT_OPEN`  an operation before open() resolved.
 * - `STORE_CLOSED`    an operation after close() was called (also a scan cut off by close()).
 * - `STORE_BAD_INDEX` an append whose first entry is not at the current size, or a
 *                     checkpoint beyond the log or behind the stored checkpoint.
 * - `STORE_DUPLICATE` an entry whose event hash is already in the log (or twice in the batch).
 * - `STORE_CORRUPT`   stored data that fails to decode.
 * - `STORE_OPEN_FAILED` the backend could not open (e.g. the location is locked by another process).
 * Malformed arguments (wrong types, wrong hash length, out-of-range numbers) throw TypeError.
 */
export type StoreErrorCode =
  | "STORE_NOT_OPEN"
  | "STORE_CLOSED"
  | "STORE_BAD_INDEX"
  | "STORE_DUPLICATE"
  | "STORE_CORRUPT"
  | "STORE_OPEN_FAILED";

/**
 * The ledger store as callers see it. Every method rejects with `STORE_NOT_OPEN` before
 * open() and `STORE_CLOSED` after close(). Bytes returned are fresh copies (or views of
 * freshly read buffers) owned by the caller; bytes passed in may be reused by the caller
 * as soon as the call returns.
 */
export interface LedgerStore {
  readonly supports: Readonly<StoreSupports>;
  readonly status: StoreStatus;
  /** Opens (or re-opens after close). Idempotent while open. */
  open(): Promise<void>;
  /** Waits for queued writes, then closes. Idempotent. */
  close(): Promise<void>;
  /** Number of entries in the log. */
  size(): Promise<number>;
  /**
   * Atomically writes the batch. Writes (append, putMeta, putCheckpoint) are applied one at a
   * time in call order; each is checked against the state left by the ones before it. Two
   * appends racing for the same first index: the one called first wins, the other rejects
   * with `STORE_BAD_INDEX` and writes nothing. Resolves only after the write is durable
   * when the backend writes durably.
   */
  append(batch: AppendBatch): Promise<void>;
  /**
   * A hint that `batch` will be appended soon: the backend may start storing its entries
   * now, so that work overlaps the writes ahead of it. Only batches handed over uncopied
   * (`transfer: true`) are staged; a later `append` of the same batch (or of a merge of
   * staged batches, see log/group-commit.ts) uses what was staged. Never throws and never
   * changes what is stored.
   */
  stage(batch: AppendBatch): void;
  getEntry(index: number): Promise<LogEntry | undefined>;
  /** Entries [start, start+count) clipped to the log size, in index order. */
  getEntries(start: number, count: number): Promise<LogEntry[]>;
  findByEventHash(eventHash: Uint8Array): Promise<number | undefined>;
  /** Batched findByEventHash; answers in the order asked. */
  findByEventHashes(eventHashes: readonly Uint8Array[]): Promise<(number | undefined)[]>;
  /** The complete-subtree hash, or undefined if that subtree is not (yet) complete/stored. */
  getNodeHash(level: number, index: number): Promise<Uint8Array | undefined>;
  /** Batched getNodeHash; answers in the order asked. */
  getNodeHashes(refs: readonly NodeRef[]): Promise<(Uint8Array | undefined)[]>;
  /** Every value under exactly `key`, in insertion order. */
  lookup(index: string, key: string): Promise<StoredValue[]>;
  /**
   * Hits in key order (then insertion order), from a consistent snapshot taken when the
   * scan is called. Arguments are checked when called; iteration stops with STORE_CLOSED if
   * the store closes meanwhile. Breaking out of the loop releases the snapshot.
   */
  scan(index: string, options?: ScanOptions): AsyncIterable<IndexHit>;
  /**
   * Batch read: the hits of `scan(index, options)` in arrays. For callers that read many
   * records (a recall's merged range scans read ~500k): one await per array instead of one
   * per record.
   * - The concatenation of the arrays MUST be exactly the hits `scan` gives for the same
   *   arguments at the same moment: same records, same order (`reverse`), same `limit`.
   * - Every array MUST be non-empty; how many hits each holds is the backend's choice (the
   *   reference backends yield up to a few thousand). The arrays and hits are the caller's.
   * - Snapshot, argument checks, STORE_NOT_OPEN / STORE_CLOSED and early `break` MUST behave
   *   as for `scan`: the snapshot is taken when `scanChunks` is called.
   */
  scanChunks(index: string, options?: ScanOptions): AsyncIterable<IndexHit[]>;
  /**
   * A forward reader over `range` of one index that can jump ahead without opening a new
   * range (LevelDB: one iterator, repositioned by `seek`): for reads of the records of many
   * identifiers that lie scattered in key order (a recall's units). Arguments are checked and
   * the snapshot is taken when called, as for `scan`; `next` rejects with STORE_CLOSED once
   * the store closes. The caller closes it.
   */
  cursor(index: string, range?: KeyRange): IndexCursor;
  getMeta(key: string): Promise<StoredValue | undefined>;
  putMeta(key: string, value: StoredValue): Promise<void>;
  getCheckpoint(): Promise<Checkpoint | undefined>;
  /** Replaces the checkpoint. Its size MUST be ≤ the log size and ≥ the stored checkpoint's. */
  putCheckpoint(checkpoint: Checkpoint): Promise<void>;
}

/**
 * What a backend implements. `GuardedLedgerStore` has already checked every argument
 * (types, hash lengths, key syntax), the open state, contiguity and event-hash uniqueness
 * (for single-writer backends), and serialised all writes, so backends see clean input and
 * never two writes at once.
 *
 * Backends MUST:
 * - make `append` all-or-nothing: after a crash at any point, either every entry, node,
 *   index record and meta put of the batch is present, or none is;
 * - make `append`, `putMeta` and `putCheckpoint` durable before resolving unless configured
 *   otherwise (the core acknowledges events only after a durable append);
 * - return bytes byte-identical to those written, in buffers the caller may keep and mutate
 *   (copy on write and on read where the storage would otherwise share memory);
 * - answer `getNodeHashes` for level 0 with the entries' leaf hashes;
 * - order index keys by Unicode code point (= UTF-8 byte order; see `compareKeys`), and
 *   records of one key by insertion order, across appends and reopen;
 * - give each `scan` a consistent snapshot as of the call;
 * - throw `SuyuanError("STORE_CORRUPT")` for stored data that fails to decode.
 * Backends SHOULD batch the `…s` lookups into one round trip.
 */
export interface StoreBackend {
  readonly supports: Readonly<StoreSupports>;
  open(): Promise<void>;
  close(): Promise<void>;
  size(): Promise<number>;
  /**
   * Optional: start storing entries before their append's turn, while the writes ahead of
   * it run (the LevelDB backend writes them into its entries file). A later `append` with
   * the same LogEntry objects uses what was staged. Nothing staged may become visible or
   * count as written before that append succeeds, and entries never appended must leave
   * nothing a reader or a later append could see. Input is unchecked: bad entries may waste
   * space, never change what `append` stores.
   */
  stage?(entries: readonly LogEntry[]): void;
  append(batch: CleanBatch): Promise<void>;
  /** Entries [start, end), end ≤ size. */
  getEntries(start: number, end: number): Promise<LogEntry[]>;
  findByEventHashes(eventHashes: readonly Uint8Array[]): Promise<(number | undefined)[]>;
  getNodeHashes(refs: readonly NodeRef[]): Promise<(Uint8Array | undefined)[]>;
  lookup(index: string, key: string): Promise<StoredValue[]>;
  /** Returns an iterable over a snapshot; `limit` is a positive integer or Infinity. */
  scan(index: string, range: KeyRange, limit: number, reverse: boolean): AsyncIterable<IndexHit>;
  /**
   * Same hits as `scan(index, range, limit, reverse)`, in non-empty arrays, from a snapshot
   * taken at the call. Backends SHOULD read the storage in batches here (LevelDB `nextv`)
   * rather than wrap `scan`.
   */
  scanChunks(index: string, range: KeyRange, limit: number, reverse: boolean): AsyncIterable<IndexHit[]>;
  /** A cursor over a snapshot taken at the call (see `IndexCursor`); arguments are checked. */
  cursor(index: string, range: KeyRange): IndexCursor;
  getMeta(key: string): Promise<StoredValue | undefined>;
  putMeta(key: string, value: StoredValue): Promise<void>;
  getCheckpoint(): Promise<Checkpoint | undefined>;
  putCheckpoint(checkpoint: Checkpoint): Promise<void>;
}

/** A checked batch: every array present, entries contiguous from `start`. */
export interface CleanBatch {
  start: number;
  entries: readonly LogEntry[];
  nodes: readonly NodeHash[];
  indexes: readonly IndexRecord[];
  /** Empty unless the backend supports packed indexes (then written after `indexes`). */
  packed: readonly PackedIndexSpan[];
  meta: readonly MetaPut[];
}

/**
 * Orders strings by Unicode code point, which is also the byte order of their UTF-8
 * encoding (what LevelDB and PostgreSQL's C collation sort by). JS `<` compares UTF-16 code
 * units and puts U+10000.. (surrogates D800–DFFF) before U+E000–U+FFFF; this fixes that.
 */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      if (x >= 0xd800 && y >= 0xd800) return codePointRank(x) - codePointRank(y);
      return x - y;
    }
  }
  return a.length - b.length;
}

// Surrogates (which start code points ≥ U+10000) rank above U+E000–U+FFFF.
function codePointRank(u: number): number {
  return u >= 0xe000 ? u - 0x800 : u + 0x2000;
}

// String.prototype.isWellFormed is in Node 20 (ES2024) but not in our ES2023 lib typings.
const isWellFormed = (s: string): boolean => (s as unknown as { isWellFormed(): boolean }).isWellFormed();

const INDEX_NAME = /^[A-Za-z0-9._-]{1,64}$/;

export function storeError(code: StoreErrorCode, message: string, field?: string, detail?: Record<string, unknown>) {
  return new SuyuanError(code, message, {
    ...(field === undefined ? {} : { field }),
    ...(detail === undefined ? {} : { detail }),
  });
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

function checkInt(n: unknown, what: string, min = 0): asserts n is number {
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < min) {
    throw new TypeError(`${what} must be a safe integer ≥ ${min}, got ${String(n)}`);
  }
}

function checkHash(h: unknown, what: string): asserts h is Uint8Array {
  if (!(h instanceof Uint8Array) || h.length !== HASH_BYTES) {
    const got = h instanceof Uint8Array ? `${h.length} bytes` : typeof h;
    throw new TypeError(`${what} must be a ${HASH_BYTES}-byte Uint8Array, got ${got}`);
  }
}

/** Keys of indexes and meta: non-empty, well-formed UTF-16 (so UTF-8 round-trips), no U+0000 (the backends' separator). */
function checkKey(k: unknown, what: string, allowEmpty = false): asserts k is string {
  if (typeof k !== "string") throw new TypeError(`${what} must be a string, got ${typeof k}`);
  if (k.length === 0 && !allowEmpty) throw new TypeError(`${what} must not be empty`);
  if (k.includes("\u0000")) throw new TypeError(`${what} must not contain U+0000`);
  if (!isWellFormed(k)) throw new TypeError(`${what} must be well-formed Unicode (lone surrogate)`);
}

function checkValue(v: unknown, what: string): asserts v is StoredValue {
  if (v instanceof Uint8Array) return;
  if (typeof v === "string") {
    if (!isWellFormed(v)) throw new TypeError(`${what} must be well-formed Unicode (lone surrogate)`);
    return;
  }
  throw new TypeError(`${what} must be a Uint8Array or a string, got ${typeof v}`);
}

// Index names seen to be valid: an append carries ~14 index records per event under a
// handful of names, so the pattern is tested once per name rather than once per record.
const validIndexNames = new Set<string>();

function checkIndexName(name: unknown, what: string): asserts name is string {
  if (typeof name === "string" && validIndexNames.has(name)) return;
  if (typeof name !== "string" || !INDEX_NAME.test(name)) {
    throw new TypeError(`${what} must be 1-64 chars of [A-Za-z0-9._-], got ${JSON.stringify(name)}`);
  }
  if (validIndexNames.size < 1024) validIndexNames.add(name);
}

function checkNodeRef(r: unknown, what: string): asserts r is NodeRef {
  if (typeof r !== "object" || r === null) throw new TypeError(`${what} must be {level, index}`);
  const { level, index } = r as NodeRef;
  checkInt(level, `${what}.level`);
  if (level > 52) throw new TypeError(`${what}.level must be ≤ 52, got ${level}`);
  checkInt(index, `${what}.index`);
}

/** Most event hashes GuardedLedgerStore remembers as absent (~10 MB). */
const KNOWN_ABSENT_MAX = 100_000;

/** Serialises async tasks: each starts after the previous one settled. */
class WriteQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Resolves once every task queued so far has settled. */
  drain(): Promise<void> {
    return this.tail.then(() => undefined);
  }
}

/**
 * The public face of every backend: argument and state checks, a write queue, and the
 * contiguity / uniqueness rules, once, for all backends.
 */
export class GuardedLedgerStore implements LedgerStore {
  private state: StoreStatus = "new";
  private opening: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private lifecycle: Promise<void> = Promise.resolve();
  private backendOpen = false;
  private readonly writes = new WriteQueue();
  /**
   * Event hashes (hex) a lookup found absent while no append completed, so absent still
   * unless an append since wrote them — and every append removes its own. Lets `append`
   * skip its uniqueness lookup for them (the log looks up every batch just before its
   * append). Bounded: when full it is emptied, and appends look up again.
   */
  private readonly knownAbsent = new Set<string>();
  /** Appends completed since open. */
  private appendsDone = 0;

  constructor(protected readonly backend: StoreBackend) {}

  get supports(): Readonly<StoreSupports> {
    return this.backend.supports;
  }

  get status(): StoreStatus {
    return this.state;
  }

  // open() and close() run one after another on their own chain, so any interleaving of
  // calls ends in the state of the last call.
  open(): Promise<void> {
    if (this.state === "open") return Promise.resolve();
    if (this.opening !== undefined) return this.opening;
    if (this.state !== "closing") this.state = "opening";
    const p = this.lifecycle
      .then(async () => {
        if (this.closing === undefined) this.state = "opening";
        try {
          // What was known absent may have changed while closed (another process).
          this.knownAbsent.clear();
          await this.backend.open();
          this.backendOpen = true;
          this.state = this.closing === undefined ? "open" : "closing";
        } catch (e) {
          this.state = "closed";
          throw e;
        }
      })
      .finally(() => {
        if (this.opening === p) this.opening = undefined;
      });
    this.opening = p;
    this.lifecycle = p.catch(() => undefined);
    return p;
  }

  close(): Promise<void> {
    if (this.closing !== undefined) return this.closing;
    if ((this.state === "closed" || this.state === "new") && this.opening === undefined) {
      this.state = "closed";
      return Promise.resolve();
    }
    this.state = "closing";
    const p = this.lifecycle
      .then(async () => {
        try {
          // Accepted writes finish before the backend goes away.
          await this.writes.drain();
          if (this.backendOpen) {
            this.backendOpen = false;
            await this.backend.close();
          }
        } finally {
          this.state = "closed";
        }
      })
      .finally(() => {
        if (this.closing === p) this.closing = undefined;
      });
    this.closing = p;
    this.lifecycle = p.catch(() => undefined);
    return p;
  }

  protected checkOpen(op: string): void {
    if (this.state === "open") return;
    if (this.state === "new" || this.state === "opening") {
      throw storeError("STORE_NOT_OPEN", `${op}: the store is not open yet; await open() first`);
    }
    throw storeError("STORE_CLOSED", `${op}: the store is closed`);
  }

  async size(): Promise<number> {
    this.checkOpen("size");
    return this.backend.size();
  }

  async append(batch: AppendBatch): Promise<void> {
    this.checkOpen("append");
    const { clean, hashKeys: keys } = checkBatch(batch, this.backend.supports.packedIndexes === true);
    await this.writes.run(async () => {
      this.checkWriteStillAllowed("append");
      const size = await this.backend.size();
      const first = clean.entries[0];
      if (first !== undefined && first.index !== size) {
        throw storeError(
          "STORE_BAD_INDEX",
          `append: first entry has index ${first.index}, expected the current log size ${size}`,
          "entries[0].index",
          { expected: size, actual: first.index },
        );
      }
      clean.start = size;
      checkNodesComplete(clean, size);
      if (clean.entries.length > 0 && !this.backend.supports.sharedWriters) {
        const unknown: number[] = [];
        for (let i = 0; i < keys.length; i++) if (!this.knownAbsent.has(keys[i]!)) unknown.push(i);
        const found =
          unknown.length === 0
            ? []
            : await this.backend.findByEventHashes(unknown.map((i) => clean.entries[i]!.eventHash));
        for (let j = 0; j < found.length; j++) {
          const at = found[j];
          if (at !== undefined) {
            const i = unknown[j]!;
            throw storeError(
              "STORE_DUPLICATE",
              `append: event hash ${keys[i]} is already in the log at index ${at}`,
              `entries[${i}].eventHash`,
              { existingIndex: at },
            );
          }
        }
      }
      try {
        await this.backend.append(clean);
      } finally {
        // Whether or not it landed (a failed write may still be on disk), these are no longer
        // known to be absent.
        this.appendsDone++;
        for (const k of keys) this.knownAbsent.delete(k);
      }
    });
  }

  stage(batch: AppendBatch): void {
    if (this.backend.stage === undefined || this.state !== "open") return;
    if (typeof batch !== "object" || batch === null || batch.transfer !== true || !Array.isArray(batch.entries)) return;
    for (const e of batch.entries as unknown[]) {
      const le = e as LogEntry;
      if (typeof e !== "object" || e === null || !(le.record instanceof Uint8Array)) return;
      if (!(le.eventHash instanceof Uint8Array) || le.eventHash.length !== HASH_BYTES) return;
      if (!(le.leafHash instanceof Uint8Array) || le.leafHash.length !== HASH_BYTES) return;
    }
    this.backend.stage(batch.entries);
  }

  // A write queued before close() still runs (close drains the queue); one queued behind a
  // failed open must not.
  private checkWriteStillAllowed(op: string): void {
    if (this.state !== "open" && this.state !== "closing") this.checkOpen(op);
  }

  async getEntry(index: number): Promise<LogEntry | undefined> {
    this.checkOpen("getEntry");
    checkInt(index, "getEntry: index");
    const size = await this.backend.size();
    if (index >= size) return undefined;
    const [entry] = await this.backend.getEntries(index, index + 1);
    return entry;
  }

  async getEntries(start: number, count: number): Promise<LogEntry[]> {
    this.checkOpen("getEntries");
    checkInt(start, "getEntries: start");
    checkInt(count, "getEntries: count");
    const size = await this.backend.size();
    const end = Math.min(size, start + count);
    if (start >= end) return [];
    return this.backend.getEntries(start, end);
  }

  async findByEventHash(eventHash: Uint8Array): Promise<number | undefined> {
    this.checkOpen("findByEventHash");
    checkHash(eventHash, "findByEventHash: eventHash");
    const [at] = await this.backend.findByEventHashes([eventHash]);
    return at;
  }

  async findByEventHashes(eventHashes: readonly Uint8Array[]): Promise<(number | undefined)[]> {
    this.checkOpen("findByEventHashes");
    if (!Array.isArray(eventHashes)) throw new TypeError("findByEventHashes: eventHashes must be an array");
    for (let i = 0; i < eventHashes.length; i++) checkHash(eventHashes[i], `findByEventHashes: eventHashes[${i}]`);
    if (eventHashes.length === 0) return [];
    const before = this.appendsDone;
    const found = await this.backend.findByEventHashes(eventHashes);
    // An answer read while no append completed is the store's state now (an append still in
    // flight removes its own hashes when it completes); only such answers are remembered.
    if (before === this.appendsDone && !this.backend.supports.sharedWriters) {
      if (this.knownAbsent.size + found.length > KNOWN_ABSENT_MAX) this.knownAbsent.clear();
      for (let i = 0; i < found.length; i++) if (found[i] === undefined) this.knownAbsent.add(hex(eventHashes[i]!));
    }
    return found;
  }

  async getNodeHash(level: number, index: number): Promise<Uint8Array | undefined> {
    this.checkOpen("getNodeHash");
    const ref = { level, index };
    checkNodeRef(ref, "getNodeHash");
    const [h] = await this.backend.getNodeHashes([ref]);
    return h;
  }

  async getNodeHashes(refs: readonly NodeRef[]): Promise<(Uint8Array | undefined)[]> {
    this.checkOpen("getNodeHashes");
    if (!Array.isArray(refs)) throw new TypeError("getNodeHashes: refs must be an array");
    for (let i = 0; i < refs.length; i++) checkNodeRef(refs[i], `getNodeHashes: refs[${i}]`);
    if (refs.length === 0) return [];
    return this.backend.getNodeHashes(refs);
  }

  async lookup(index: string, key: string): Promise<StoredValue[]> {
    this.checkOpen("lookup");
    checkIndexName(index, "lookup: index");
    checkKey(key, "lookup: key");
    return this.backend.lookup(index, key);
  }

  scan(index: string, options: ScanOptions = {}): AsyncIterable<IndexHit> {
    const args = this.checkScan("scan", index, options);
    if (args === undefined) return emptyIterable();
    return this.guardScan(this.backend.scan(index, args.range, args.limit, args.reverse), "scan");
  }

  scanChunks(index: string, options: ScanOptions = {}): AsyncIterable<IndexHit[]> {
    const args = this.checkScan("scanChunks", index, options);
    if (args === undefined) return emptyIterable();
    return this.guardScan(this.backend.scanChunks(index, args.range, args.limit, args.reverse), "scanChunks");
  }

  cursor(index: string, range: KeyRange = {}): IndexCursor {
    const args = this.checkScan("cursor", index, range);
    const inner = this.backend.cursor(index, args?.range ?? range);
    let closed = false;
    const check = (op: string) => {
      if (closed) throw storeError("STORE_CLOSED", `cursor.${op}: the cursor is closed`);
      if (this.state !== "open") this.checkOpen(`cursor.${op}`);
    };
    return {
      next: async (max: number) => {
        check("next");
        checkInt(max, "cursor.next: max", 1);
        try {
          const cols = await inner.next(max);
          check("next");
          return cols;
        } catch (e) {
          check("next");
          throw e;
        }
      },
      seek: (key: string) => {
        check("seek");
        checkKey(key, "cursor.seek: key", true);
        inner.seek(key);
      },
      close: async () => {
        if (closed) return;
        closed = true;
        await inner.close();
      },
    };
  }

  /** Checks scan arguments and state; undefined when the answer is empty (limit 0). */
  private checkScan(
    op: string,
    index: string,
    options: ScanOptions,
  ): { range: KeyRange; limit: number; reverse: boolean } | undefined {
    this.checkOpen(op);
    checkIndexName(index, `${op}: index`);
    if (typeof options !== "object" || options === null) throw new TypeError(`${op}: options must be an object`);
    const range: KeyRange = {};
    for (const b of ["gt", "gte", "lt", "lte", "prefix"] as const) {
      const v = options[b];
      if (v !== undefined) {
        checkKey(v, `${op}: options.${b}`, true);
        range[b] = v;
      }
    }
    if (range.gt !== undefined && range.gte !== undefined) throw new TypeError(`${op}: give gt or gte, not both`);
    if (range.lt !== undefined && range.lte !== undefined) throw new TypeError(`${op}: give lt or lte, not both`);
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    if (limit !== Number.POSITIVE_INFINITY) checkInt(limit, `${op}: options.limit`);
    const reverse = options.reverse ?? false;
    if (typeof reverse !== "boolean") throw new TypeError(`${op}: options.reverse must be a boolean`);
    if (limit === 0) return undefined;
    return { range, limit, reverse };
  }

  private async *guardScan<T>(source: AsyncIterable<T>, op: string): AsyncGenerator<T> {
    const it = source[Symbol.asyncIterator]();
    try {
      while (true) {
        let step: IteratorResult<T>;
        try {
          step = await it.next();
        } catch (e) {
          if (this.state !== "open") this.checkOpen(op);
          throw e;
        }
        if (this.state !== "open") this.checkOpen(op);
        if (step.done) return;
        yield step.value;
      }
    } finally {
      await it.return?.();
    }
  }

  async getMeta(key: string): Promise<StoredValue | undefined> {
    this.checkOpen("getMeta");
    checkKey(key, "getMeta: key");
    return this.backend.getMeta(key);
  }

  async putMeta(key: string, value: StoredValue): Promise<void> {
    this.checkOpen("putMeta");
    checkKey(key, "putMeta: key");
    checkValue(value, "putMeta: value");
    const copy = typeof value === "string" ? value : value.slice();
    await this.writes.run(async () => {
      this.checkWriteStillAllowed("putMeta");
      await this.backend.putMeta(key, copy);
    });
  }

  async getCheckpoint(): Promise<Checkpoint | undefined> {
    this.checkOpen("getCheckpoint");
    return this.backend.getCheckpoint();
  }

  async putCheckpoint(checkpoint: Checkpoint): Promise<void> {
    this.checkOpen("putCheckpoint");
    if (typeof checkpoint !== "object" || checkpoint === null) {
      throw new TypeError("putCheckpoint: checkpoint must be {size, rootHash, note}");
    }
    checkInt(checkpoint.size, "putCheckpoint: checkpoint.size");
    checkHash(checkpoint.rootHash, "putCheckpoint: checkpoint.rootHash");
    if (typeof checkpoint.note !== "string" || !isWellFormed(checkpoint.note)) {
      throw new TypeError("putCheckpoint: checkpoint.note must be a well-formed string");
    }
    const cp: Checkpoint = { size: checkpoint.size, rootHash: checkpoint.rootHash.slice(), note: checkpoint.note };
    await this.writes.run(async () => {
      this.checkWriteStillAllowed("putCheckpoint");
      const size = await this.backend.size();
      if (cp.size > size) {
        throw storeError(
          "STORE_BAD_INDEX",
          `putCheckpoint: checkpoint size ${cp.size} is beyond the log size ${size}`,
          "checkpoint.size",
          { logSize: size, actual: cp.size },
        );
      }
      const current = await this.backend.getCheckpoint();
      // RFC 9162 §2.1.4: a log only grows; a checkpoint for a smaller tree after a larger one
      // would make every consistency proof from the larger one impossible.
      if (current !== undefined && cp.size < current.size) {
        throw storeError(
          "STORE_BAD_INDEX",
          `putCheckpoint: checkpoint size ${cp.size} is behind the stored checkpoint size ${current.size}`,
          "checkpoint.size",
          { stored: current.size, actual: cp.size },
        );
      }
      await this.backend.putCheckpoint(cp);
    });
  }
}

async function* emptyIterable<T>(): AsyncGenerator<T> {}

/**
 * Shape checks that need no store state. Copies every byte array so the caller may reuse
 * its buffers the moment append() returns, even though the write happens later. Returns the
 * checked batch and each entry's event hash in lower-case hex, in entry order.
 */
function checkBatch(batch: AppendBatch, keepPacked = false): { clean: CleanBatch; hashKeys: string[] } {
  if (typeof batch !== "object" || batch === null) throw new TypeError("append: batch must be an object");
  const { entries, nodes = [], indexes = [], packed = [], meta = [] } = batch;
  const transfer = batch.transfer === true;
  if (!Array.isArray(entries)) throw new TypeError("append: batch.entries must be an array");
  if (!Array.isArray(nodes)) throw new TypeError("append: batch.nodes must be an array");
  if (!Array.isArray(indexes)) throw new TypeError("append: batch.indexes must be an array");
  if (!Array.isArray(packed)) throw new TypeError("append: batch.packed must be an array");
  if (!Array.isArray(meta)) throw new TypeError("append: batch.meta must be an array");

  const cleanEntries: LogEntry[] = new Array(entries.length);
  const seen = new Set<string>();
  let start = 0;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i] as LogEntry | undefined;
    if (typeof e !== "object" || e === null) throw new TypeError(`append: entries[${i}] must be an object`);
    checkInt(e.index, `append: entries[${i}].index`);
    if (i === 0) start = e.index;
    else if (e.index !== start + i) {
      throw new TypeError(
        `append: entries[${i}].index is ${e.index}, expected ${start + i} (entries must be contiguous)`,
      );
    }
    checkHash(e.eventHash, `append: entries[${i}].eventHash`);
    checkHash(e.leafHash, `append: entries[${i}].leafHash`);
    if (!(e.record instanceof Uint8Array)) throw new TypeError(`append: entries[${i}].record must be a Uint8Array`);
    const h = hex(e.eventHash);
    if (seen.has(h)) {
      throw storeError(
        "STORE_DUPLICATE",
        `append: event hash ${h} appears twice in the batch`,
        `entries[${i}].eventHash`,
      );
    }
    seen.add(h);
    cleanEntries[i] = transfer
      ? e
      : { index: e.index, eventHash: e.eventHash.slice(), leafHash: e.leafHash.slice(), record: e.record.slice() };
  }

  const cleanNodes: NodeHash[] = new Array(nodes.length);
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i] as NodeHash | undefined;
    checkNodeRef(n, `append: nodes[${i}]`);
    if (n.level === 0) {
      throw new TypeError(`append: nodes[${i}] is level 0; leaf hashes come from entries[].leafHash`);
    }
    checkHash(n.hash, `append: nodes[${i}].hash`);
    cleanNodes[i] = { level: n.level, index: n.index, hash: n.hash.slice() };
  }

  const cleanIndexes: IndexRecord[] = new Array(indexes.length);
  for (let i = 0; i < indexes.length; i++) {
    const r = indexes[i] as IndexRecord | undefined;
    if (typeof r !== "object" || r === null) throw new TypeError(`append: indexes[${i}] must be an object`);
    checkIndexName(r.index, `append: indexes[${i}].index`);
    checkKey(r.key, `append: indexes[${i}].key`);
    checkValue(r.value, `append: indexes[${i}].value`);
    cleanIndexes[i] = transfer
      ? r
      : { index: r.index, key: r.key, value: typeof r.value === "string" ? r.value : r.value.slice() };
  }
  // Packed records stay packed only when handed over and the backend takes them; else they
  // become records (which also copies them).
  const cleanPacked: PackedIndexSpan[] = [];
  for (let i = 0; i < packed.length; i++) {
    const span = checkPackedSpan(packed[i], `append: packed[${i}]`);
    if (keepPacked && transfer) cleanPacked.push(span);
    else for (const r of unpackIndexSpan(span)) cleanIndexes.push(r);
  }

  const cleanMeta: MetaPut[] = new Array(meta.length);
  for (let i = 0; i < meta.length; i++) {
    const m = meta[i] as MetaPut | undefined;
    if (typeof m !== "object" || m === null) throw new TypeError(`append: meta[${i}] must be an object`);
    checkKey(m.key, `append: meta[${i}].key`);
    checkValue(m.value, `append: meta[${i}].value`);
    cleanMeta[i] = { key: m.key, value: typeof m.value === "string" ? m.value : m.value.slice() };
  }

  const clean = {
    start,
    entries: cleanEntries,
    nodes: cleanNodes,
    indexes: cleanIndexes,
    packed: cleanPacked,
    meta: cleanMeta,
  };
  return { clean, hashKeys: [...seen] };
}

/**
 * Checks a span of packed index records against the rules IndexRecord's keys and values
 * follow (see PackedIndexRecords): rows inside the bytes and in order, non-empty keys, valid
 * UTF-8 cut at character boundaries, no U+0000, valid index names.
 */
function checkPackedSpan(s: unknown, what: string): PackedIndexSpan {
  if (typeof s !== "object" || s === null) throw new TypeError(`${what} must be {records, from, to}`);
  const { records, from, to } = s as PackedIndexSpan;
  if (typeof records !== "object" || records === null) throw new TypeError(`${what}.records must be an object`);
  const { bytes, rows, names } = records;
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`${what}.records.bytes must be a Uint8Array`);
  if (!(rows instanceof Uint32Array) || rows.length % 3 !== 0) {
    throw new TypeError(`${what}.records.rows must be a Uint32Array of 3 numbers per row`);
  }
  if (!Array.isArray(names)) throw new TypeError(`${what}.records.names must be an array`);
  for (let i = 0; i < names.length; i++) checkIndexName(names[i], `${what}.records.names[${i}]`);
  checkInt(from, `${what}.from`);
  checkInt(to, `${what}.to`);
  if (from > to || to > rows.length / 3) {
    throw new TypeError(`${what}: rows [${from}, ${to}) are not within the ${rows.length / 3} rows`);
  }
  const first = packedRowStart(records, from);
  let at = first;
  const boundary = (i: number) => i >= bytes.length || (bytes[i]! & 0xc0) !== 0x80;
  for (let r = from; r < to; r++) {
    const name = rows[3 * r]!;
    const keyEnd = rows[3 * r + 1]!;
    const valueEnd = rows[3 * r + 2]!;
    if (name >= names.length) throw new TypeError(`${what}: row ${r} names index ${name} of ${names.length}`);
    if (!(at < keyEnd && keyEnd <= valueEnd && valueEnd <= bytes.length)) {
      throw new TypeError(
        `${what}: row ${r} (key ${at}..${keyEnd}, value ..${valueEnd}) must have a non-empty key and lie in order within ${bytes.length} bytes`,
      );
    }
    if (!boundary(at) || !boundary(keyEnd) || !boundary(valueEnd)) {
      throw new TypeError(`${what}: row ${r} cuts a UTF-8 character`);
    }
    at = valueEnd;
  }
  const span = new Uint8Array(bytes.buffer, bytes.byteOffset + first, at - first);
  if (span.indexOf(0) >= 0) throw new TypeError(`${what}: packed keys and values must not contain U+0000`);
  if (!isUtf8(span)) throw new TypeError(`${what}: packed keys and values must be well-formed UTF-8`);
  return { records, from, to };
}

/** The records of a span of packed index records. */
export function unpackIndexSpan(span: PackedIndexSpan): IndexRecord[] {
  const { bytes, rows, names } = span.records;
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: IndexRecord[] = new Array(span.to - span.from);
  let at = packedRowStart(span.records, span.from);
  for (let r = span.from; r < span.to; r++) {
    const keyEnd = rows[3 * r + 1]!;
    const valueEnd = rows[3 * r + 2]!;
    out[r - span.from] = {
      index: names[rows[3 * r]!]!,
      key: b.toString("utf8", at, keyEnd),
      value: b.toString("utf8", keyEnd, valueEnd),
    };
    at = valueEnd;
  }
  return out;
}

/**
 * A node may be written only by the append that completes it: its subtree must end inside
 * (oldSize, newSize]. Anything else is a log-layer bug (a node over missing leaves, or a
 * rewrite of an immutable one), so TypeError.
 */
function checkNodesComplete(batch: CleanBatch, oldSize: number): void {
  const newSize = oldSize + batch.entries.length;
  const seen = new Set<string>();
  for (let i = 0; i < batch.nodes.length; i++) {
    const n = batch.nodes[i]!;
    const end = (n.index + 1) * 2 ** n.level;
    if (!(end > oldSize && end <= newSize)) {
      throw new TypeError(
        `append: nodes[${i}] (level ${n.level}, index ${n.index}) covers leaves up to ${end}; ` +
          `this append may only write subtrees ending in (${oldSize}, ${newSize}]`,
      );
    }
    const id = `${n.level}/${n.index}`;
    if (seen.has(id)) throw new TypeError(`append: nodes[${i}] (level ${n.level}, index ${n.index}) given twice`);
    seen.add(id);
  }
}
