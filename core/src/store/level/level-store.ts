// LevelDB backend (via `level` → classic-level): the embedded default, one machine, one
// process (LevelDB takes a lock on its directory).
//
// Key layout. Keys and values are raw bytes; numbers in keys are fixed-width lower-case hex
// so that byte order is numeric order. `‹n:14›` is n as 14 hex digits (covers every safe
// integer, 2^53 < 16^14).
//
//   v!                              -> "suyuan-ledger/3"       format marker, written on first open
//   e!‹index:14›                    -> 0x02 ‖ offset:6 ‖ length:4 ‖ leafHash(32) ‖ subtree hashes
//                                      where the entry lies in entries.dat (big-endian numbers)
//                                      and the hashes of the complete subtrees of levels 1..3
//                                      that end at this leaf, lowest level first (32 bytes
//                                      each; leaf i ends one of level k when 2^k divides i+1);
//                                      or, written by format 1, the entry itself inline:
//                                      0x01 ‖ entry bytes
//   h!‹eventHash: 32 raw bytes›     -> ‹index:14› (ASCII)       dedupe by event hash
//   n!‹level:2›!‹index:14›          -> hash(32)                 complete subtree of level ≥ 4, or of
//                                                               level 1..3 written by format 1 or 2
//                                                               (the others are read from e!)
//   i!‹name›!‹key UTF-8›00‹seq:12›  -> tagged value             index record
//   m!‹key UTF-8›                   -> tagged value             meta
//   c!                              -> JSON {size, rootHash(hex), note}   latest checkpoint
//   s!                              -> ‹seq:12› (ASCII)          next index-record sequence number
//   f!                              -> ‹bytes:14› (ASCII)        end of the last entry in entries.dat
//
// Tagged value: 0x00 ‖ bytes, or 0x01 ‖ UTF-8 string, so a value comes back as the type it
// went in as.
//
// Entries live outside LevelDB, in the append-only file `entries.dat` in the same directory:
// entry bytes = 0x01 ‖ eventHash(32) ‖ leafHash(32) ‖ record, one after another in log order.
// The log is never rewritten and read by position, so keeping it in the LSM tree only made
// LevelDB's compactions copy every record again and again (~1 KB of the ~3 KB a capture
// event writes); an `e!` row keeps where it is and its leaf hash (proofs need no file read).
//
// Dedupe: capture asks, for every event, whether its hash is already in the log (h! rows).
// A new event's hash never is, and LevelDB says so only after probing every level, so the
// backend keeps a Bloom filter of the log's event hashes in memory (hash-filter.ts) and reads
// h! only for hashes it cannot rule out. It is saved as event-hashes.filter in the same
// directory (at close, and as the log grows; written to a temporary file and renamed), naming
// how many entries it covers and the last one's event hash. At open a saved filter that
// belongs to this log is caught up with the entries after it; any other (torn, altered,
// another log's, ahead of the log, missing) is rebuilt from the h! keys. Until it is ready,
// lookups read LevelDB as before; appends add their hashes to it all along.
//
// Index keys: names are [A-Za-z0-9._-] (no "!"), keys have no U+0000, so the 0x00 after the
// key ends it unambiguously and sorts below every byte a key can continue with; hence the
// byte order of index keys is the byte order of the UTF-8 keys, i.e. code point order, and
// the global `seq` (one counter for all indexes, persisted in the same batch) keeps records
// of one key in insertion order. A prefix range ends before the prefix with its last code
// point counted up (`prefixEnd`), so every bound is itself valid UTF-8 and ranges can be
// given to LevelDB as strings.
//
// Atomicity: an append first writes its entries at the end of entries.dat (fdatasync'ed with
// `sync`), then everything else as one LevelDB write batch (applied atomically; with `sync`
// the LevelDB log is fsync'ed before the write returns). The `e!` rows in that batch are what
// makes entries exist, so after a crash a batch is wholly present or wholly absent; file bytes
// past the last `e!` row (an append that died between the two writes) are cut off at open.
// Size, next seq, the file's end and the existence of entries are derived from what is on
// disk at open. Format 1 stores (entries inline in `e!`) open as they are and are marked
// format 3; their old entries stay inline. Format 2 wrote every subtree of level ≥ 1 as an
// `n!` row and bare 43-byte pointers: its stores open as they are, a node missing from a
// pointer row is read from `n!`. Keeping levels 1..3 in the pointer rows saves ~0.9 of the
// ~2 rows per event the log itself writes (half of all subtrees are of level 1, a quarter of
// level 2, …); proofs read those rows anyway for the leaves.
import { readSync } from "node:fs";
import { type FileHandle, open as openFile, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { setImmediate as nextTurn } from "node:timers/promises";
import { isSuyuanError } from "@suyuan/proto";
import { Level } from "level";
import {
  type Checkpoint,
  type CleanBatch,
  compareKeys,
  GuardedLedgerStore,
  HASH_BYTES,
  type IndexColumns,
  type IndexCursor,
  type IndexHit,
  type KeyRange,
  type LogEntry,
  type NodeRef,
  packedRowStart,
  type StoreBackend,
  type StoredValue,
  type StoreSupports,
  storeError,
} from "../store.ts";
import { type BackupInfo, backupError, copyStore, prepareTarget } from "./backup.ts";
import { HashFilter, parseHashFilter } from "./hash-filter.ts";

export interface LevelStoreOptions {
  /**
   * fsync every write before it resolves (default true). Turning it off trades the last
   * few writes on power loss for speed; a process crash alone loses nothing either way.
   */
  sync?: boolean;
  /** LevelDB block cache size in bytes (classic-level default 8 MiB). */
  cacheSize?: number;
  /** LevelDB write buffer (memtable) size in bytes (default 64 MiB; classic-level's own is 4 MiB). */
  writeBufferSize?: number;
  /**
   * Keep a Bloom filter of the log's event hashes in memory (default true; see hash-filter.ts),
   * saved as event-hashes.filter beside the data at close and as the log grows. The dedupe
   * lookup then reads LevelDB only for hashes that may be in the log. Off: every lookup reads
   * LevelDB, and the directory is never written to but by appends (an auditor's `verify`).
   */
  eventHashFilter?: boolean;
  /**
   * Opening a log of at most this many entries waits until the filter is ready (default
   * 2^20; rebuilding one for ~1M entries took 2.5 s here, loading a saved one ~20 ms); a
   * longer log opens at once and gets it in the background.
   */
  filterInlineMax?: number;
}

const FORMAT = "suyuan-ledger/3";
/** Formats this backend opens and marks FORMAT: entries inline (1); every subtree in n! (2). */
const OLDER_FORMATS = new Set(["suyuan-ledger/1", "suyuan-ledger/2"]);
/** The entries file, inside the LevelDB directory (LevelDB leaves names it does not own alone). */
export const ENTRIES_FILE = "entries.dat";
/**
 * Puts an append makes between two turns of the event loop. Building a 1000-event append is
 * ~17 000 puts (~28 ms of one thread on a slow 2-core machine), and a group commit can merge
 * several batches (one of 2000 events took 112 ms); without a break, everything else on the
 * event loop (a query's reads, health checks, keepalives) waits for all of it. Measured during
 * the capture bench: the longest event-loop delay fell from 235 ms to 131–143 ms; its p99
 * (~60 ms, other work) and an inspector's GetChain latency did not change beyond the
 * machine's noise. Yielding costs a few µs per 4096 puts.
 */
const PUTS_PER_TURN = 4096;

/** The saved event-hash filter (hash-filter.ts), beside entries.dat. */
export const FILTER_FILE = "event-hashes.filter";
/** The filter is saved again once the log grew by this many entries, or a quarter, since. */
const FILTER_SAVE_EVERY = 1 << 20;
/** Logs up to this long wait at open for their filter (LevelStoreOptions.filterInlineMax). */
const FILTER_INLINE_MAX = 1 << 20;
/** Entries read per step when a loaded filter catches up with the log. */
const FILTER_CATCH_UP_STEP = 4096;
// One 1000-event capture batch writes ~17 000 keys (entry, hash, leaf node, ~14 index
// records per event), about 4 MiB: with LevelDB's 4 MiB memtable every append flushed a
// level-0 table and the background compaction spent more CPU than the event loop (≈45 µs
// per event vs ≈10 µs at 64 MiB, measured with the capture bench's events). The cost is
// memory: up to two memtables (the active one and the one being flushed).
const DEFAULT_WRITE_BUFFER = 64 * 1024 * 1024;
const SUPPORTS: StoreSupports = Object.freeze({
  persistence: true,
  durableWrites: true,
  sharedWriters: false,
  packedIndexes: true,
});

const ENTRY_TAG = 0x01;
const ENTRY_HEADER = 1 + 2 * HASH_BYTES;
const POINTER_TAG = 0x02;
/** tag ‖ offset:6 ‖ length:4 ‖ leafHash, then up to EMBEDDED_LEVELS subtree hashes. */
const POINTER_BYTES = 1 + 6 + 4 + HASH_BYTES;
const POINTER_LEAF = 1 + 6 + 4;
/** Subtrees of levels 1..EMBEDDED_LEVELS live in the pointer row of their last leaf. */
const EMBEDDED_LEVELS = 3;

/** How many subtree levels (1..EMBEDDED_LEVELS) end at leaf `index`: trailing zeros of index+1. */
function levelsEndingAt(index: number): number {
  let n = 0;
  let i = index + 1;
  while (n < EMBEDDED_LEVELS && i % 2 === 0) {
    n++;
    i /= 2;
  }
  return n;
}

/** The leaf whose pointer row holds subtree (level, index), level 1..EMBEDDED_LEVELS. */
function lastLeafOf(level: number, index: number): number {
  return (index + 1) * 2 ** level - 1;
}

function isPointer(b: Bytes): boolean {
  return b[0] === POINTER_TAG && b.length >= POINTER_BYTES && (b.length - POINTER_BYTES) % HASH_BYTES === 0;
}
const VALUE_BYTES = 0x00;
const VALUE_STRING = 0x01;
const SEQ_DIGITS = 12;
/** Entry reads up to this many bytes are synchronous (see getEntries). */
const SYNC_READ_MAX = 256 * 1024;
/** Ranges of entries up to this long are read by key (getMany), longer ones by iterator. */
const FEW_ENTRIES = 8;
/** Rows per `nextv` call of a scan (one `scanChunks` array). */
const NEXTV = 1000;
/** Byte budget of one `nextv` batch (classic-level `highWaterMarkBytes`). */
const NEXTV_BYTES = 1024 * 1024;
const INDEX_DIGITS = 14;

type Bytes = Buffer;
type Db = Level<Bytes, Bytes>;

const K_VERSION = Buffer.from("v!", "latin1");
const K_CHECKPOINT = Buffer.from("c!", "latin1");
const K_SEQ = Buffer.from("s!", "latin1");
const K_FILE_END = Buffer.from("f!", "latin1");
const P_ENTRY = "e!";
const P_HASH = Buffer.from("h!", "latin1");
const P_HASH_END = Buffer.from('h"', "latin1");
const P_META = Buffer.from("m!", "latin1");
const SEP = Buffer.from([0x00]);
const AFTER_KEY = Buffer.from([0x01]);

function hexNum(n: number, digits: number): string {
  return n.toString(16).padStart(digits, "0");
}

function entryKey(index: number): Bytes {
  return Buffer.from(P_ENTRY + hexNum(index, INDEX_DIGITS), "latin1");
}

function hashKey(eventHash: Uint8Array): Bytes {
  const k = Buffer.allocUnsafe(P_HASH.length + HASH_BYTES);
  P_HASH.copy(k, 0);
  k.set(eventHash, P_HASH.length);
  return k;
}

function nodeKey(level: number, index: number): Bytes {
  return Buffer.from(`n!${hexNum(level, 2)}!${hexNum(index, INDEX_DIGITS)}`, "latin1");
}

function indexBase(name: string): Bytes {
  return Buffer.from(`i!${name}!`, "latin1");
}

function metaKey(key: string): Bytes {
  return Buffer.concat([P_META, Buffer.from(key, "utf8")]);
}

function encodeValue(v: StoredValue): Bytes {
  if (typeof v === "string") {
    const len = Buffer.byteLength(v, "utf8");
    const out = Buffer.allocUnsafe(1 + len);
    out[0] = VALUE_STRING;
    out.write(v, 1, "utf8");
    return out;
  }
  const out = Buffer.allocUnsafe(1 + v.length);
  out[0] = VALUE_BYTES;
  out.set(v, 1);
  return out;
}

function decodeValue(b: Bytes, where: string): StoredValue {
  if (b.length >= 1 && b[0] === VALUE_STRING) return b.toString("utf8", 1);
  if (b.length >= 1 && b[0] === VALUE_BYTES) return view(b, 1, b.length);
  throw storeError(
    "STORE_CORRUPT",
    `${where}: value tag ${b[0] ?? "(empty)"} is neither 0 (bytes) nor 1 (string)`,
    where,
  );
}

/** A plain Uint8Array over part of a buffer read from LevelDB (fresh memory, caller-owned). */
function view(b: Bytes, start: number, end: number): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset + start, end - start);
}

function decodeEntry(index: number, b: Bytes): LogEntry {
  if (b.length < ENTRY_HEADER || b[0] !== ENTRY_TAG) {
    throw storeError(
      "STORE_CORRUPT",
      `entry ${index}: stored value of ${b.length} bytes with tag ${b[0]} is not a v1 entry (tag 1, ≥ ${ENTRY_HEADER} bytes)`,
      `entry[${index}]`,
    );
  }
  return {
    index,
    eventHash: view(b, 1, 1 + HASH_BYTES),
    leafHash: view(b, 1 + HASH_BYTES, ENTRY_HEADER),
    record: view(b, ENTRY_HEADER, b.length),
  };
}

/** Where an `e!` row says its entry lies in entries.dat. */
interface Pointer {
  offset: number;
  length: number;
}

/** An `e!` row: the entry itself (format 1) or where it lies in entries.dat. */
function decodeRow(index: number, b: Bytes): LogEntry | Pointer {
  if (isPointer(b)) {
    const length = b.readUInt32BE(7);
    if (length < ENTRY_HEADER) {
      throw storeError(
        "STORE_CORRUPT",
        `entry ${index}: pointer to ${length} bytes, less than an entry`,
        `entry[${index}]`,
      );
    }
    return { offset: b.readUIntBE(1, 6), length };
  }
  return decodeEntry(index, b);
}

function nodeHashOf(r: NodeRef, v: Bytes): Uint8Array {
  if (v.length !== HASH_BYTES) {
    throw storeError("STORE_CORRUPT", `node (${r.level}, ${r.index}): ${v.length} bytes, expected ${HASH_BYTES}`);
  }
  return view(v, 0, v.length);
}

/** The leaf hash an `e!` row holds (every format). */
function rowLeafHash(index: number, b: Bytes): Uint8Array {
  if (isPointer(b)) return view(b, POINTER_LEAF, POINTER_BYTES);
  return decodeEntry(index, b).leafHash;
}

/** Subtree (level ≥ 1) hash held in a pointer row, if the row holds that level. */
function rowSubtreeHash(b: Bytes, level: number): Uint8Array | undefined {
  if (!isPointer(b)) return undefined;
  const at = POINTER_BYTES + (level - 1) * HASH_BYTES;
  return b.length >= at + HASH_BYTES ? view(b, at, at + HASH_BYTES) : undefined;
}

function parseHexNum(b: Bytes, digits: number, where: string): number {
  const s = b.toString("latin1");
  if (s.length !== digits || !/^[0-9a-f]+$/.test(s)) {
    throw storeError("STORE_CORRUPT", `${where}: ${JSON.stringify(s)} is not ${digits} hex digits`, where);
  }
  return Number.parseInt(s, 16);
}

/** A classic-level iterator created with string key and value encodings. */
interface StringIterator {
  nextv(n: number): Promise<[string, string][]>;
  seek(target: string): void;
  close(): Promise<void>;
}

/**
 * The smallest string above every string that starts with `p` (code point order), or
 * undefined when there is none (p empty or only U+10FFFF): the last code point counted up.
 */
export function prefixEnd(p: string): string | undefined {
  const cps = Array.from(p);
  while (cps.length > 0) {
    const cp = cps.pop()!.codePointAt(0)!;
    if (cp < 0x10ffff) return cps.join("") + String.fromCodePoint(cp + 1 === 0xd800 ? 0xe000 : cp + 1);
  }
  return undefined;
}

const maxKey = (a: string, b: string) => (compareKeys(a, b) >= 0 ? a : b);
const minKey = (a: string, b: string) => (compareKeys(a, b) <= 0 ? a : b);

/**
 * The LevelDB key range (as strings, UTF-8 order = code point order) of an index range, or
 * undefined when it is empty. A key's records are key ‖ 00 ‖ seq, so key ‖ 01 is past all of
 * them and before any longer key.
 */
function indexBounds(index: string, range: KeyRange): { lower: string; upper: string } | undefined {
  const base = `i!${index}!`;
  let lower = base;
  let upper = `i!${index}"`; // '"' = '!' + 1: end of this index
  if (range.gte !== undefined) lower = maxKey(lower, base + range.gte);
  if (range.gt !== undefined) lower = maxKey(lower, `${base}${range.gt}\u0001`);
  if (range.lt !== undefined) upper = minKey(upper, base + range.lt);
  if (range.lte !== undefined) upper = minKey(upper, `${base}${range.lte}\u0001`);
  if (range.prefix !== undefined) {
    lower = maxKey(lower, base + range.prefix);
    const end = prefixEnd(range.prefix);
    if (end !== undefined) upper = minKey(upper, base + end);
  }
  return compareKeys(lower, upper) < 0 ? { lower, upper } : undefined;
}

const SLAB_BYTES = 256 * 1024;
const DIGITS = Buffer.from("0123456789abcdef", "latin1");

/**
 * Writes many small keys and values into large buffers and returns views of them. A chunk is
 * never reused, so every view stays valid; a string is written only where 3 bytes per UTF-16
 * unit fit (UTF-8's worst case), so its byte length need not be computed first.
 */
class SlabWriter {
  private buf: Bytes = Buffer.allocUnsafe(SLAB_BYTES);
  private at = 0;

  private room(max: number): void {
    if (this.at + max <= this.buf.length) return;
    this.buf = Buffer.allocUnsafe(Math.max(SLAB_BYTES, max));
    this.at = 0;
  }

  private take(start: number): Bytes {
    return this.buf.subarray(start, this.at);
  }

  bytes(b: Uint8Array): Bytes {
    this.room(b.length);
    const start = this.at;
    this.buf.set(b, start);
    this.at += b.length;
    return this.take(start);
  }

  bytes2(a: Uint8Array, b: Uint8Array): Bytes {
    this.room(a.length + b.length);
    const start = this.at;
    this.buf.set(a, start);
    this.buf.set(b, start + a.length);
    this.at += a.length + b.length;
    return this.take(start);
  }

  /** n as `digits` lower-case hex digits at the write position (n < 16^digits). */
  private hexAt(n: number, digits: number): void {
    const b = this.buf;
    let v = n;
    for (let i = this.at + digits - 1; i >= this.at; i--) {
      // Not `& 15` / `>>> 4`: n may exceed 2^32 (up to 2^53).
      const d = v % 16;
      b[i] = DIGITS[d]!;
      v = (v - d) / 16;
    }
    this.at += digits;
  }

  hexNum(n: number, digits: number): Bytes {
    this.room(digits);
    const start = this.at;
    this.hexAt(n, digits);
    return this.take(start);
  }

  /** `e!‹index:14›` (as entryKey). */
  entryKey(index: number): Bytes {
    this.room(2 + INDEX_DIGITS);
    const start = this.at;
    this.buf[this.at++] = 0x65; // e
    this.buf[this.at++] = 0x21; // !
    this.hexAt(index, INDEX_DIGITS);
    return this.take(start);
  }

  /** `n!‹level:2›!‹index:14›` (as nodeKey). */
  nodeKey(level: number, index: number): Bytes {
    this.room(5 + INDEX_DIGITS);
    const start = this.at;
    const b = this.buf;
    b[this.at++] = 0x6e; // n
    b[this.at++] = 0x21; // !
    this.hexAt(level, 2);
    b[this.at++] = 0x21;
    this.hexAt(index, INDEX_DIGITS);
    return this.take(start);
  }

  /** `base ‖ key UTF-8 ‖ 00 ‖ ‹seq:12›` (see the key layout above). */
  indexKey(base: Bytes, key: string, seq: number): Bytes {
    this.room(base.length + 3 * key.length + 1 + SEQ_DIGITS);
    const start = this.at;
    base.copy(this.buf, this.at);
    this.at += base.length;
    this.at += this.buf.write(key, this.at, "utf8");
    this.buf[this.at++] = 0x00;
    this.hexAt(seq, SEQ_DIGITS);
    return this.take(start);
  }

  /** As indexKey, the key given as UTF-8 bytes src[from, to). */
  indexKeyBytes(base: Bytes, src: Buffer, from: number, to: number, seq: number): Bytes {
    this.room(base.length + (to - from) + 1 + SEQ_DIGITS);
    const start = this.at;
    base.copy(this.buf, this.at);
    this.at += base.length;
    this.at += src.copy(this.buf, this.at, from, to);
    this.buf[this.at++] = 0x00;
    this.hexAt(seq, SEQ_DIGITS);
    return this.take(start);
  }

  /** A tagged string value given as UTF-8 bytes src[from, to). */
  stringValueBytes(src: Buffer, from: number, to: number): Bytes {
    this.room(1 + (to - from));
    const start = this.at;
    this.buf[this.at++] = VALUE_STRING;
    this.at += src.copy(this.buf, this.at, from, to);
    return this.take(start);
  }

  /** A tagged value (as encodeValue). */
  value(v: StoredValue): Bytes {
    if (typeof v !== "string") {
      this.room(1 + v.length);
      const start = this.at;
      this.buf[this.at++] = VALUE_BYTES;
      this.buf.set(v, this.at);
      this.at += v.length;
      return this.take(start);
    }
    this.room(1 + 3 * v.length);
    const start = this.at;
    this.buf[this.at++] = VALUE_STRING;
    this.at += this.buf.write(v, this.at, "utf8");
    return this.take(start);
  }

  /** An `e!` pointer row value, with the subtree hashes of levels 1..subtrees.length. */
  pointer(offset: number, length: number, leafHash: Uint8Array, subtrees: readonly Uint8Array[]): Bytes {
    const bytes = POINTER_BYTES + subtrees.length * HASH_BYTES;
    this.room(bytes);
    const start = this.at;
    const b = this.buf;
    b[start] = POINTER_TAG;
    b.writeUIntBE(offset, start + 1, 6);
    b.writeUInt32BE(length, start + 7);
    b.set(leafHash, start + POINTER_LEAF);
    for (let k = 0; k < subtrees.length; k++) b.set(subtrees[k]!, start + POINTER_BYTES + k * HASH_BYTES);
    this.at += bytes;
    return this.take(start);
  }
}

/** Entries on their way into entries.dat (see LevelBackend.stage). */
interface StagedPart {
  /** Where the part's bytes end. */
  end: number;
  /** Resolves once the bytes are written (and, with `sync`, durable). */
  write: Promise<void>;
}

export class LevelBackend implements StoreBackend {
  readonly supports = SUPPORTS;
  private db: Db | undefined;
  private logSize = 0;
  private nextSeq = 0;
  private readonly sync: boolean;
  private file: FileHandle | undefined;
  /** End of the furthest committed entry in entries.dat (the `f!` row). */
  private fileEnd = 0;
  /**
   * Where the next staged entries go: past every region staged so far. It only grows, so a
   * staged write never overlaps another; entries staged and never appended leave a hole that
   * no pointer names (and open cuts off whatever lies past `f!`).
   */
  private stagedEnd = 0;
  /** Where each staged entry starts, and the write that puts it there. */
  private readonly staged = new WeakMap<LogEntry, { offset: number; part: StagedPart }>();
  /** Staged writes not yet settled (close waits for them). */
  private readonly stagedWrites = new Set<Promise<void>>();
  /**
   * The event-hash filter. Every append adds its hashes once it exists; lookups trust it
   * only when `filterReady` (it then holds every hash in the log).
   */
  private filter: HashFilter | undefined;
  private filterReady = false;
  /** Loading or building the filter (close waits for it). */
  private filterJob: Promise<void> | undefined;
  /** Log size the saved filter file covers (what a restart catches up from). */
  private filterSavedAt = 0;
  private filterSaving: Promise<void> | undefined;
  /** The event hash of the last entry (the saved filter names it). */
  private lastEventHash: Uint8Array = new Uint8Array(HASH_BYTES);
  private closing = false;
  /** The backup being written (one at a time; close waits for it, and it stops early). */
  private backupJob: Promise<BackupInfo> | undefined;

  constructor(
    readonly location: string,
    private readonly options: LevelStoreOptions = {},
  ) {
    if (typeof location !== "string" || location.length === 0) {
      throw new TypeError("LevelStore: location must be a non-empty directory path");
    }
    this.sync = options.sync ?? true;
  }

  private get handle(): Db {
    if (this.db === undefined) throw new TypeError("LevelBackend used while not open");
    return this.db;
  }

  async open(): Promise<void> {
    const db: Db = new Level<Bytes, Bytes>(this.location, {
      keyEncoding: "buffer",
      valueEncoding: "buffer",
      ...(this.options.cacheSize === undefined ? {} : { cacheSize: this.options.cacheSize }),
      writeBufferSize: this.options.writeBufferSize ?? DEFAULT_WRITE_BUFFER,
    });
    try {
      await db.open();
    } catch (e) {
      throw storeError("STORE_OPEN_FAILED", `LevelDB at ${this.location} did not open: ${describe(e)}`, "location");
    }
    try {
      const version = await db.get(K_VERSION);
      if (version === undefined) {
        const any = await db.keys({ limit: 1 }).all();
        if (any.length > 0) {
          throw storeError("STORE_CORRUPT", `LevelDB at ${this.location} holds data but no "v!" format marker`, "v!");
        }
        await db.put(K_VERSION, Buffer.from(FORMAT, "latin1"), { sync: this.sync });
      } else if (OLDER_FORMATS.has(version.toString("latin1"))) {
        // Entries and subtrees written from now on take format 3's places; what is there
        // stays readable (inline entries, subtrees of levels 1..3 in n! rows).
        await db.put(K_VERSION, Buffer.from(FORMAT, "latin1"), { sync: this.sync });
      } else if (version.toString("latin1") !== FORMAT) {
        throw storeError(
          "STORE_CORRUPT",
          `LevelDB at ${this.location} has format ${JSON.stringify(version.toString("latin1"))}, expected ${FORMAT}`,
          "v!",
        );
      }
      const last = await db
        .keys({ gte: entryKey(0), lte: entryKey(Number.MAX_SAFE_INTEGER), reverse: true, limit: 1 })
        .all();
      this.logSize = last[0] === undefined ? 0 : parseHexNum(last[0].subarray(2), INDEX_DIGITS, "e! key") + 1;
      const end = await db.get(K_FILE_END);
      this.fileEnd = end === undefined ? 0 : parseHexNum(end, INDEX_DIGITS, "f!");
      const seq = await db.get(K_SEQ);
      this.nextSeq = seq === undefined ? 0 : parseHexNum(seq, SEQ_DIGITS, "s!");
      this.file = await this.openEntriesFile();
      this.stagedEnd = this.fileEnd;
    } catch (e) {
      await this.file?.close().catch(() => undefined);
      this.file = undefined;
      await db.close().catch(() => undefined);
      if (isSuyuanError(e)) throw e;
      throw storeError("STORE_OPEN_FAILED", `LevelDB at ${this.location}: ${describe(e)}`, "location");
    }
    this.db = db;
    this.closing = false;
    if (this.options.eventHashFilter !== false) {
      this.filterJob = this.prepareFilter();
      if (this.logSize <= (this.options.filterInlineMax ?? FILTER_INLINE_MAX)) await this.filterJob;
    }
  }

  /** True once the event-hash filter holds every hash in the log (tests and diagnostics). */
  get eventHashFilterReady(): boolean {
    return this.filterReady;
  }

  /** Resolves when loading or building the filter has ended (ready, or given up). */
  async whenFilterSettled(): Promise<void> {
    await this.filterJob;
  }

  /**
   * Gets the filter ready: the saved one when it belongs to this log (its last entry's hash
   * matches) with the entries appended since added, else a new one from every `h!` key.
   * Appends that finish meanwhile add their own hashes. Never throws: on any failure the
   * filter stays not ready and lookups read LevelDB as without it.
   */
  private async prepareFilter(): Promise<void> {
    try {
      // A saved filter names the last entry it covers; so does the one saved from here.
      if (this.logSize > 0) {
        const size = this.logSize;
        const [last] = await this.getEntries(size - 1, size);
        if (this.logSize === size) this.lastEventHash = new Uint8Array(last!.eventHash);
      }
      const saved = await this.loadSavedFilter();
      if (saved !== undefined) {
        let at = saved.covered;
        // No await between the last check and taking the filter: appends finishing after it
        // add themselves.
        while (at < this.logSize) {
          if (this.closing) return;
          const end = Math.min(this.logSize, at + FILTER_CATCH_UP_STEP);
          for (const e of await this.getEntries(at, end)) saved.filter.add(e.eventHash);
          at = end;
        }
        this.filter = saved.filter;
        this.filterSavedAt = saved.covered;
        this.filterReady = true;
        return;
      }
      // Taken before the key scan's snapshot, so an append is in one or the other (or both).
      const filter = new HashFilter(this.logSize);
      this.filter = filter;
      const it = this.handle.keys({ gte: P_HASH, lt: P_HASH_END });
      try {
        while (!this.closing) {
          const keys = await it.nextv(NEXTV);
          if (keys.length === 0) break;
          for (const k of keys) if (k.length === P_HASH.length + HASH_BYTES) filter.add(k.subarray(P_HASH.length));
        }
      } finally {
        await it.close();
      }
      if (this.closing) return;
      this.filterReady = true;
      if (this.logSize > 0) void this.saveFilter(); // so the next open need not scan again
    } catch {
      this.filter = undefined;
      this.filterReady = false;
    }
  }

  /** The saved filter when there is one that belongs to this log, else undefined. */
  private async loadSavedFilter(): Promise<{ filter: HashFilter; covered: number } | undefined> {
    let bytes: Buffer;
    try {
      bytes = await readFile(join(this.location, FILTER_FILE));
    } catch {
      return undefined;
    }
    const saved = parseHashFilter(bytes);
    if ("problem" in saved || saved.covered > this.logSize) return undefined;
    // The last entry's hash is known already (prepareFilter read it): a clean restart's file
    // covers the whole log, so only an older file needs its last entry read.
    const last =
      saved.covered === 0
        ? new Uint8Array(HASH_BYTES)
        : saved.covered === this.logSize
          ? this.lastEventHash
          : (await this.getEntries(saved.covered - 1, saved.covered))[0]!.eventHash;
    if (!Buffer.from(last).equals(saved.lastHash)) return undefined; // another log's
    return saved;
  }

  /**
   * Saves the ready filter (covering the log as it is now) through a temporary file renamed
   * over the old one, so a crash leaves the old file or the new one, never half of one.
   * Best effort: a failed save leaves the old file, which still covers what it says.
   */
  private saveFilter(): Promise<void> {
    if (this.filterSaving !== undefined || !this.filterReady || this.filter === undefined) {
      return this.filterSaving ?? Promise.resolve();
    }
    const covered = this.logSize;
    const bytes = this.filter.serialize(covered, this.lastEventHash);
    const path = join(this.location, FILTER_FILE);
    const tmp = `${path}.tmp`;
    const save = (async () => {
      try {
        const f = await openFile(tmp, "w");
        try {
          await f.writeFile(bytes);
          await f.datasync();
        } finally {
          await f.close();
        }
        await rename(tmp, path);
        this.filterSavedAt = covered;
      } catch {
        await rm(tmp, { force: true }).catch(() => undefined);
      } finally {
        this.filterSaving = undefined;
      }
    })();
    this.filterSaving = save;
    return save;
  }

  /**
   * Opens entries.dat for positional reads and writes (created if missing), checks that it
   * holds every entry the `e!` rows point into, and cuts off bytes past the last one.
   */
  private async openEntriesFile(): Promise<FileHandle> {
    const path = join(this.location, ENTRIES_FILE);
    await (await openFile(path, "a")).close();
    const file = await openFile(path, "r+");
    try {
      const { size } = await file.stat();
      if (size < this.fileEnd) {
        throw storeError(
          "STORE_CORRUPT",
          `${ENTRIES_FILE} holds ${size} bytes but the log's entries end at byte ${this.fileEnd}`,
          ENTRIES_FILE,
          { fileBytes: size, expected: this.fileEnd },
        );
      }
      if (size > this.fileEnd) {
        // An append that wrote its entries and died before its LevelDB batch: never acknowledged.
        await file.truncate(this.fileEnd);
        if (this.sync) await file.datasync();
      }
      return file;
    } catch (e) {
      await file.close();
      throw e;
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.backupJob?.catch(() => undefined);
    await this.filterJob;
    await this.filterSaving;
    // Saved only when it holds hashes the file does not (an untouched store stays untouched).
    if (this.db !== undefined && this.filterReady && this.logSize > this.filterSavedAt) await this.saveFilter();
    this.filter = undefined;
    this.filterReady = false;
    this.filterJob = undefined;
    this.filterSavedAt = 0;
    this.lastEventHash = new Uint8Array(HASH_BYTES);
    const db = this.db;
    const file = this.file;
    this.db = undefined;
    this.file = undefined;
    // Staged entries whose appends never came are still being written: let them land first.
    await Promise.allSettled([...this.stagedWrites]);
    try {
      if (db !== undefined) await db.close();
    } finally {
      await file?.close();
    }
  }

  /**
   * Writes a consistent copy of the whole store to `target`, a new or empty directory outside
   * this one, while appends and reads go on (backup.ts). One backup at a time.
   */
  async backupTo(target: string): Promise<BackupInfo> {
    if (this.backupJob !== undefined) throw backupError("BACKUP_BUSY", "a backup of this store is already running");
    const db = this.handle;
    const entries = this.entriesFile;
    const job = (async () => {
      const to = await prepareTarget(this.location, target);
      try {
        return await copyStore(
          {
            db,
            entries,
            entriesFile: ENTRIES_FILE,
            closing: () => this.closing,
            fileEndKey: K_FILE_END,
            parseFileEnd: (v) => parseHexNum(v, INDEX_DIGITS, "f!"),
            isEntryKey: (k) => k.length === P_ENTRY.length + INDEX_DIGITS && k.toString("latin1", 0, 2) === P_ENTRY,
          },
          to,
        );
      } catch (e) {
        // Nothing but this backup was in the target (it had to be empty): no half copy is left
        // to be taken for a backup.
        await rm(to, { recursive: true, force: true }).catch(() => undefined);
        if (isSuyuanError(e)) throw e;
        throw backupError("BACKUP_FAILED", `the copy to ${to} failed: ${describe(e)}`);
      }
    })();
    this.backupJob = job;
    try {
      return await job;
    } finally {
      this.backupJob = undefined;
    }
  }

  private get entriesFile(): FileHandle {
    if (this.file === undefined) throw new TypeError("LevelBackend used while not open");
    return this.file;
  }

  /**
   * Lays the entries out as they go into entries.dat from `base`: the bytes and each entry's
   * offset. Pure; `writeEntries` puts the bytes on disk.
   */
  private layoutEntries(entries: readonly LogEntry[], base: number): { bytes: Buffer; offsets: number[] } {
    let total = 0;
    for (const e of entries) total += ENTRY_HEADER + e.record.length;
    const bytes = Buffer.allocUnsafe(total);
    const offsets: number[] = new Array(entries.length);
    let at = 0;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      offsets[i] = base + at;
      bytes[at] = ENTRY_TAG;
      bytes.set(e.eventHash, at + 1);
      bytes.set(e.leafHash, at + 1 + HASH_BYTES);
      bytes.set(e.record, at + ENTRY_HEADER);
      at += ENTRY_HEADER + e.record.length;
    }
    return { bytes, offsets };
  }

  /**
   * Writes laid-out entries at the end of entries.dat, durably with `sync`. The bytes mean
   * nothing until the `e!` rows that point at them are written.
   */
  private async writeEntries(bytes: Buffer, offset: number): Promise<void> {
    const file = this.entriesFile;
    let done = 0;
    while (done < bytes.length) {
      const { bytesWritten } = await file.write(bytes, done, bytes.length - done, offset + done);
      done += bytesWritten;
    }
    if (this.sync) await file.datasync();
  }

  async size(): Promise<number> {
    return this.logSize;
  }

  /**
   * Starts writing entries (durably, with `sync`) into a region of entries.dat of their own,
   * before their append's turn: the log stages each batch as it is committed, so its entries
   * go to disk while the appends ahead of it write their LevelDB batches. The bytes mean
   * nothing until `append` writes the rows that point at them; `append` finds the staged
   * entries by identity (the log hands its entries over uncopied).
   */
  stage(entries: readonly LogEntry[]): void {
    if (this.file === undefined) return;
    const todo = entries.filter((e) => !this.staged.has(e));
    if (todo.length === 0) return;
    const offset = this.stagedEnd;
    const { bytes, offsets } = this.layoutEntries(todo, offset);
    this.stagedEnd = offset + bytes.length;
    const write = this.writeEntries(bytes, offset);
    const part: StagedPart = { end: this.stagedEnd, write };
    for (let i = 0; i < todo.length; i++) this.staged.set(todo[i]!, { offset: offsets[i]!, part });
    this.stagedWrites.add(write);
    // Awaited by append; entries never appended leave a hole.
    void write.then(
      () => this.stagedWrites.delete(write),
      () => this.stagedWrites.delete(write),
    );
  }

  async append(batch: CleanBatch): Promise<void> {
    if (
      batch.entries.length + batch.nodes.length + batch.indexes.length + batch.packed.length + batch.meta.length ===
      0
    )
      return;
    // A chained batch, not db.batch(array): abstract-level clones and checks every operation
    // object of an array batch, which made a 1000-entry append (~9000 puts) about 4x slower.
    const w = this.handle.batch();
    // Keys and values are written into shared slabs and handed to the batch as views:
    // classic-level copies each put into its native WriteBatch at once (batch_put), and a
    // 1000-event append has ~17 000 puts, so one Buffer per key and per value (each sized by
    // Buffer.byteLength first) cost more than the puts themselves.
    const out = new SlabWriter();
    let seq = this.nextSeq;
    let fileEnd = this.fileEnd;
    // The entries go to disk (staged before, or from here) while the LevelDB batch is built
    // (the pointers need only their offsets); the batch is written only once they are durable.
    this.stage(batch.entries);
    let fileWrite: Promise<unknown> | undefined;
    // Puts since the last turn of the event loop (PUTS_PER_TURN); the guard applies writes
    // one at a time, so nothing else can append while this one yields.
    let puts = 0;
    try {
      // Subtrees of levels 1..3, as positions in batch.nodes, by their last leaf (always an
      // entry of this append: the guard checks nodes end inside it), to go into that leaf's
      // pointer row; `inRow` marks the ones that did.
      const first = batch.entries[0]?.index ?? 0;
      const subtrees: (number | undefined)[] = new Array(batch.entries.length * EMBEDDED_LEVELS);
      const inRow = new Uint8Array(batch.nodes.length);
      for (let j = 0; j < batch.nodes.length; j++) {
        const n = batch.nodes[j]!;
        if (n.level < 1 || n.level > EMBEDDED_LEVELS) continue;
        const slot = lastLeafOf(n.level, n.index) - first;
        if (slot >= 0 && slot < batch.entries.length) subtrees[slot * EMBEDDED_LEVELS + n.level - 1] = j;
      }
      const row: Uint8Array[] = [];
      if (batch.entries.length > 0) {
        const writes = new Set<Promise<void>>();
        for (let i = 0; i < batch.entries.length; i++) {
          const e = batch.entries[i]!;
          const at = this.staged.get(e);
          if (at === undefined) throw new TypeError("LevelBackend: an entry of the append was not staged");
          writes.add(at.part.write);
          if (at.part.end > fileEnd) fileEnd = at.part.end;
          const length = ENTRY_HEADER + e.record.length;
          // Levels 1..m in order; a level the caller did not give ends the run (the rest
          // then go to n! rows, where readers look for what a row lacks).
          row.length = 0;
          const m = levelsEndingAt(e.index);
          for (let k = 0; k < m; k++) {
            const j = subtrees[i * EMBEDDED_LEVELS + k];
            if (j === undefined) break;
            row.push(batch.nodes[j]!.hash);
            inRow[j] = 1;
          }
          w.put(out.entryKey(e.index), out.pointer(at.offset, length, e.leafHash, row));
          w.put(out.bytes2(P_HASH, e.eventHash), out.hexNum(e.index, INDEX_DIGITS));
          puts += 2;
          if (puts >= PUTS_PER_TURN) {
            puts = 0;
            await nextTurn();
          }
        }
        w.put(K_FILE_END, Buffer.from(hexNum(fileEnd, INDEX_DIGITS), "latin1"));
        fileWrite = Promise.all(writes);
      }
      for (let j = 0; j < batch.nodes.length; j++) {
        const n = batch.nodes[j]!;
        if (inRow[j] === 0) w.put(out.nodeKey(n.level, n.index), out.bytes(n.hash));
      }
      if (batch.indexes.length > 0 || batch.packed.length > 0) {
        const bases = new Map<string, Bytes>();
        const baseOf = (name: string): Bytes => {
          let base = bases.get(name);
          if (base === undefined) {
            base = indexBase(name);
            bases.set(name, base);
          }
          return base;
        };
        for (const r of batch.indexes) w.put(out.indexKey(baseOf(r.index), r.key, seq++), out.value(r.value));
        // Packed records (PackedIndexRecords): copied byte for byte into the same layout.
        for (const span of batch.packed) {
          const { bytes, rows, names } = span.records;
          const src = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
          const nameBases = names.map(baseOf);
          let at = packedRowStart(span.records, span.from);
          for (let r = span.from; r < span.to; r++) {
            const keyEnd = rows[3 * r + 1]!;
            const valueEnd = rows[3 * r + 2]!;
            w.put(
              out.indexKeyBytes(nameBases[rows[3 * r]!]!, src, at, keyEnd, seq++),
              out.stringValueBytes(src, keyEnd, valueEnd),
            );
            at = valueEnd;
          }
          puts += span.to - span.from;
          if (puts >= PUTS_PER_TURN) {
            puts = 0;
            await nextTurn();
          }
        }
        w.put(K_SEQ, Buffer.from(hexNum(seq, SEQ_DIGITS), "latin1"));
      }
      for (const m of batch.meta) w.put(metaKey(m.key), encodeValue(m.value));
      await fileWrite;
    } catch (e) {
      // Let the file writes settle before the append fails (their regions are never reused).
      await fileWrite?.catch(() => undefined);
      await w.close();
      throw e;
    }
    await w.write({ sync: this.sync });
    // Only after the batch is on disk: a failed write leaves the cached state untouched (and
    // what this one put in entries.dat a hole no row points into).
    this.logSize += batch.entries.length;
    this.nextSeq = seq;
    this.fileEnd = fileEnd;
    const n = batch.entries.length;
    if (n > 0) {
      const filter = this.filter;
      if (filter !== undefined) for (const e of batch.entries) filter.add(e.eventHash);
      this.lastEventHash = new Uint8Array(batch.entries[n - 1]!.eventHash);
      if (
        this.filterReady &&
        this.logSize - this.filterSavedAt >= Math.max(FILTER_SAVE_EVERY, this.filterSavedAt / 4)
      ) {
        void this.saveFilter();
      }
    }
  }

  async getEntries(start: number, end: number): Promise<LogEntry[]> {
    // A few rows (a chain reads ~20 scattered entries, one or two per range) by key in one
    // call; longer ranges with an iterator.
    const values =
      end - start <= FEW_ENTRIES
        ? await this.handle.getMany(Array.from({ length: end - start }, (_, i) => entryKey(start + i)))
        : (await this.handle.iterator({ gte: entryKey(start), lt: entryKey(end) }).all()).map(([, v]) => v);
    const found = values.filter((v) => v !== undefined).length;
    if (found !== end - start) {
      throw storeError("STORE_CORRUPT", `entries [${start}, ${end}): found ${found} of ${end - start}`, "entries");
    }
    const decoded = (values as Bytes[]).map((value, i) => decodeRow(start + i, value));
    // The pointed-to entries of one range lie together in the file: one read for all.
    let from = Number.POSITIVE_INFINITY;
    let to = 0;
    for (const d of decoded) {
      if ("offset" in d) {
        from = Math.min(from, d.offset);
        to = Math.max(to, d.offset + d.length);
      }
    }
    if (to === 0) return decoded as LogEntry[];
    if (to > this.fileEnd) {
      throw storeError(
        "STORE_CORRUPT",
        `entries [${start}, ${end}) point past the end of ${ENTRIES_FILE}`,
        ENTRIES_FILE,
      );
    }
    const buf = Buffer.allocUnsafe(to - from);
    // A chain reads ~20 scattered entries of ~1 KB: through the thread pool (FileHandle.read)
    // each waited behind LevelDB's work there, which cost an HTTP chain ~3 ms at the median; a
    // positional read of a few KB from the page cache takes microseconds on this thread. Large
    // ranges (an audit reading the log) still go through the pool, so they never stall it.
    const sync = buf.length <= SYNC_READ_MAX;
    let done = 0;
    while (done < buf.length) {
      const at = from + done;
      const bytesRead = sync
        ? readSync(this.entriesFile.fd, buf, done, buf.length - done, at)
        : (await this.entriesFile.read(buf, done, buf.length - done, at)).bytesRead;
      if (bytesRead === 0) throw storeError("STORE_CORRUPT", `${ENTRIES_FILE} ended early`, ENTRIES_FILE);
      done += bytesRead;
    }
    return decoded.map((d, i) =>
      "offset" in d ? decodeEntry(start + i, buf.subarray(d.offset - from, d.offset - from + d.length)) : d,
    );
  }

  async findByEventHashes(eventHashes: readonly Uint8Array[]): Promise<(number | undefined)[]> {
    const db = this.handle;
    const out: (number | undefined)[] = new Array(eventHashes.length).fill(undefined);
    // Only the hashes the filter cannot rule out are read (all of them while it is not ready).
    const filter = this.filterReady ? this.filter : undefined;
    const ask: number[] = [];
    for (let i = 0; i < eventHashes.length; i++)
      if (filter === undefined || filter.mightHave(eventHashes[i]!)) ask.push(i);
    if (ask.length === 0) return out;
    const found = await db.getMany(ask.map((i) => hashKey(eventHashes[i]!)));
    for (let j = 0; j < ask.length; j++) {
      const v = found[j];
      if (v !== undefined) out[ask[j]!] = parseHexNum(v, INDEX_DIGITS, "h! value");
    }
    return out;
  }

  async getNodeHashes(refs: readonly NodeRef[]): Promise<(Uint8Array | undefined)[]> {
    // Level 0 (leaf hashes) and levels 1..3 live in the pointer rows: ~1.9 rows per event
    // fewer to write. A row without the level (formats 1 and 2) sends the reader to n!.
    const rowOf = (r: NodeRef) => (r.level === 0 ? r.index : lastLeafOf(r.level, r.index));
    const embedded = (r: NodeRef) => r.level <= EMBEDDED_LEVELS;
    const found = await this.handle.getMany(
      refs.map((r) => (embedded(r) ? entryKey(rowOf(r)) : nodeKey(r.level, r.index))),
    );
    const out: (Uint8Array | undefined)[] = new Array(refs.length);
    const again: number[] = [];
    for (let i = 0; i < refs.length; i++) {
      const r = refs[i]!;
      const v = found[i];
      if (r.level === 0) out[i] = v === undefined ? undefined : rowLeafHash(r.index, v);
      else if (embedded(r)) {
        const h = v === undefined ? undefined : rowSubtreeHash(v, r.level);
        if (h !== undefined) out[i] = h;
        else if (v !== undefined) again.push(i); // written before format 3 (or not given then)
      } else out[i] = v === undefined ? undefined : nodeHashOf(r, v);
    }
    if (again.length > 0) {
      const more = await this.handle.getMany(again.map((i) => nodeKey(refs[i]!.level, refs[i]!.index)));
      for (let j = 0; j < again.length; j++) {
        const v = more[j];
        out[again[j]!] = v === undefined ? undefined : nodeHashOf(refs[again[j]!]!, v);
      }
    }
    return out;
  }

  async lookup(index: string, key: string): Promise<StoredValue[]> {
    const lower = Buffer.concat([indexBase(index), Buffer.from(key, "utf8"), SEP]);
    const upper = Buffer.concat([indexBase(index), Buffer.from(key, "utf8"), AFTER_KEY]);
    const values = await this.handle.values({ gt: lower, lt: upper }).all();
    return values.map((v) => decodeValue(v, `index ${index} key ${key}`));
  }

  scan(index: string, range: KeyRange, limit: number, reverse: boolean): AsyncIterable<IndexHit> {
    const chunks = this.scanChunks(index, range, limit, reverse);
    return (async function* () {
      for await (const hits of chunks) yield* hits;
    })();
  }

  scanChunks(index: string, range: KeyRange, limit: number, reverse: boolean): AsyncIterable<IndexHit[]> {
    const bounds = indexBounds(index, range);
    if (bounds === undefined) return (async function* () {})();
    // The iterator is created now, so its implicit LevelDB snapshot is taken at call time.
    const it = this.rowIterator(bounds, { reverse, ...(limit === Number.POSITIVE_INFINITY ? {} : { limit }) });
    const read = this.rowReader(index);
    return (async function* () {
      try {
        while (true) {
          // One native round trip per NEXTV rows (classic-level `nextv`), not per record.
          const rows = await it.nextv(NEXTV);
          if (rows.length === 0) return;
          const { keys, values } = await read(rows);
          yield keys.map((key, i) => ({ key, value: values[i]! }));
        }
      } finally {
        await it.close();
      }
    })();
  }

  cursor(index: string, range: KeyRange): IndexCursor {
    const bounds = indexBounds(index, range);
    if (bounds === undefined) {
      return { next: async () => ({ keys: [], values: [] }), seek: () => {}, close: async () => {} };
    }
    const it = this.rowIterator(bounds, {});
    const read = this.rowReader(index);
    const base = `i!${index}!`;
    // GuardedLedgerStore makes close idempotent and refuses next/seek after it.
    return {
      next: async (max: number) => read(await it.nextv(max)),
      seek: (key: string) => {
        const target = base + key;
        it.seek(compareKeys(target, bounds.lower) < 0 ? bounds.lower : target);
      },
      close: () => it.close(),
    };
  }

  /**
   * An iterator over index rows as strings: classic-level decodes UTF-8 in C++, and a recall
   * reads ~500k index records, for which a string per key and value costs less than half of
   * a Buffer per key and value decoded in JS. The bounds are strings too (a Buffer bound with
   * a string key encoding would be decoded as UTF-8, which is why no bound holds 0xFF).
   */
  private rowIterator(bounds: { lower: string; upper: string }, options: { reverse?: boolean; limit?: number }) {
    return this.handle.iterator({
      gte: bounds.lower,
      lt: bounds.upper,
      ...options,
      keyEncoding: "utf8",
      valueEncoding: "utf8",
      // classic-level ends a `nextv` batch at 16 KiB by default, which is ~100 index records:
      // a batch of NEXTV rows needs room for them.
      highWaterMarkBytes: NEXTV_BYTES,
    } as object) as unknown as StringIterator;
  }

  /**
   * Rows of one index → their keys and values as columns (IndexColumns). Keys are valid UTF-8
   * by construction; a value stored as bytes (tag 0) may not be, so such rows are read again
   * as bytes (records never change, so the second read sees the same value).
   */
  private rowReader(index: string): (rows: [string, string][]) => Promise<IndexColumns> {
    const where = `index ${index}`;
    const skipHead = `i!${index}!`.length; // ASCII: as many UTF-16 units as bytes
    const db = this.handle;
    return async (rows) => {
      const n = rows.length;
      const keys: string[] = new Array(n);
      const values: StoredValue[] = new Array(n);
      let binary: number[] | undefined;
      for (let i = 0; i < n; i++) {
        const [k, v] = rows[i]!;
        // Strip base and the "00 ‖ seq" tail.
        keys[i] = k.slice(skipHead, k.length - 1 - SEQ_DIGITS);
        if (v.charCodeAt(0) === VALUE_STRING) values[i] = v.slice(1);
        else {
          values[i] = "";
          if (binary === undefined) binary = [];
          binary.push(i);
        }
      }
      if (binary !== undefined) {
        const raw = await db.getMany(binary.map((i) => Buffer.from(rows[i]![0], "utf8")));
        for (let j = 0; j < binary.length; j++) {
          const v = raw[j];
          if (v === undefined) throw storeError("STORE_CORRUPT", `${where}: a record vanished while read`, where);
          values[binary[j]!] = decodeValue(v, where);
        }
      }
      return { keys, values };
    };
  }

  async getMeta(key: string): Promise<StoredValue | undefined> {
    const v = await this.handle.get(metaKey(key));
    return v === undefined ? undefined : decodeValue(v, `meta ${key}`);
  }

  async putMeta(key: string, value: StoredValue): Promise<void> {
    await this.handle.put(metaKey(key), encodeValue(value), { sync: this.sync });
  }

  async getCheckpoint(): Promise<Checkpoint | undefined> {
    const v = await this.handle.get(K_CHECKPOINT);
    if (v === undefined) return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(v.toString("utf8"));
    } catch {
      parsed = undefined;
    }
    const cp = parsed as { size?: unknown; rootHash?: unknown; note?: unknown } | undefined;
    if (
      cp === undefined ||
      typeof cp.size !== "number" ||
      !Number.isSafeInteger(cp.size) ||
      typeof cp.rootHash !== "string" ||
      !/^[0-9a-f]{64}$/.test(cp.rootHash) ||
      typeof cp.note !== "string"
    ) {
      throw storeError("STORE_CORRUPT", "checkpoint: stored value is not {size, rootHash (64 hex), note}", "c!");
    }
    return { size: cp.size, rootHash: new Uint8Array(Buffer.from(cp.rootHash, "hex")), note: cp.note };
  }

  async putCheckpoint(checkpoint: Checkpoint): Promise<void> {
    const json = JSON.stringify({
      size: checkpoint.size,
      rootHash: Buffer.from(checkpoint.rootHash).toString("hex"),
      note: checkpoint.note,
    });
    await this.handle.put(K_CHECKPOINT, Buffer.from(json, "utf8"), { sync: this.sync });
  }
}

function describe(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    const cause = e.cause instanceof Error ? ` (${e.cause.message})` : "";
    return `${typeof code === "string" ? `${code}: ` : ""}${e.message}${cause}`;
  }
  return String(e);
}

/** The LevelDB ledger store over the directory `location`. */
export class LevelStore extends GuardedLedgerStore {
  /** The LevelDB directory. */
  readonly location: string;

  /** The backend under the guard (for its event-hash filter's state). */
  readonly level: LevelBackend;

  constructor(location: string, options: LevelStoreOptions = {}) {
    const backend = new LevelBackend(location, options);
    super(backend);
    this.location = location;
    this.level = backend;
  }

  /**
   * A hot backup: a consistent copy of the whole store in `target` (a new or empty directory
   * outside this one) that a LevelStore opens as it is; appends and reads go on meanwhile.
   */
  async backup(target: string): Promise<BackupInfo> {
    this.checkOpen("backup");
    return this.level.backupTo(target);
  }
}
