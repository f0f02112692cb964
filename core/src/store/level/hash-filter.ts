// A Bloom filter over the event hashes in a LevelDB ledger, so that capture's dedupe lookup
// (`findByEventHashes`, one per event) asks LevelDB only about hashes that may be there. A
// new event's hash is absent from the log, and LevelDB answers "absent" only after probing the
// memtables and a table of every level (bloom filter, index block): ~10 µs of CPU per event in
// the capture bench, a tenth of everything capture costs. Here "absent" is 7 bit tests.
//
// The keys are SHA-256 outputs, uniformly distributed, so their own bits index the filter (no
// second hash): layer j takes two 32-bit words of the hash, h1 and h2 (made odd), and tests
// bits h1 + i·h2 mod m for i < K (Kirsch and Mitzenmacher's double hashing). A layer of m bits
// holds m / BITS_PER_KEY hashes (~0.8 % false positives at 10 bits and K = 7); when it is full
// a layer four times its size is added, so the filter grows with the log and a lookup tests
// each layer (a handful: 128 KiB holds ~100k hashes, six layers ~440M). A false positive costs one LevelDB read; a false negative
// would store an event twice, so every hash the log holds must be added, and this filter is
// only ever asked by a store that knows it is complete (LevelBackend's `filterReady`).
//
// Saved form (`serialize` / `parseHashFilter`), so a restart need not read every hash again:
//   MAGIC ‖ covered:8 ‖ lastHash:32 ‖ layers:4 ‖ per layer (log2 bits:1 ‖ count:8 ‖ bits)
//   ‖ SHA-256 of everything before:32        (big-endian numbers)
// `covered` is how many log entries it holds (entries 0 .. covered-1) and `lastHash` the event
// hash of entry covered-1 (zeros when covered = 0), so its owner can check that the file
// belongs to its log before adding the entries past `covered`.
import { hash } from "node:crypto";
import { HASH_BYTES } from "../store.ts";

/** Bits tested per hash per layer. */
export const K = 7;
/** Bits per hash a layer is sized for. */
export const BITS_PER_KEY = 10;
/** Smallest and largest layer, as log2 of its bits: 128 KiB, 256 MiB (bit numbers stay Int32). */
const MIN_LOG2 = 20;
const MAX_LOG2 = 31;
/** Each new layer has 2^GROWTH times the bits of the last (few layers as the log grows). */
const GROWTH = 2;
const MAGIC = Buffer.from("suyuan-hash-filter/1\n", "latin1");

interface Layer {
  log2: number;
  /** (1 << log2) - 1: a bit number. */
  mask: number;
  bits: Uint8Array;
  count: number;
  capacity: number;
}

function newLayer(log2: number, bits?: Uint8Array, count = 0): Layer {
  const m = 2 ** log2;
  return { log2, mask: m - 1, bits: bits ?? new Uint8Array(m / 8), count, capacity: Math.floor(m / BITS_PER_KEY) };
}

/** log2 of the smallest layer that holds `n` hashes, within MIN_LOG2..MAX_LOG2. */
function log2For(n: number): number {
  let log2 = MIN_LOG2;
  while (log2 < MAX_LOG2 && 2 ** log2 / BITS_PER_KEY < n) log2++;
  return log2;
}

/** Word `w` (0..7) of a 32-byte hash, little-endian. */
function word(h: Uint8Array, w: number): number {
  const o = 4 * w;
  return (h[o]! | (h[o + 1]! << 8) | (h[o + 2]! << 16) | (h[o + 3]! << 24)) >>> 0;
}

export class HashFilter {
  private readonly layers: Layer[];

  /** A filter whose first layer holds `expected` hashes (at least ~100k: 128 KiB). */
  constructor(expected = 0, layers?: Layer[]) {
    this.layers = layers ?? [newLayer(log2For(expected))];
  }

  /** Hashes added (a hash added twice counts twice). */
  get count(): number {
    let n = 0;
    for (const l of this.layers) n += l.count;
    return n;
  }

  /** Bytes of bit arrays held. */
  get bytes(): number {
    let n = 0;
    for (const l of this.layers) n += l.bits.byteLength;
    return n;
  }

  add(h: Uint8Array): void {
    checkHash(h);
    let layer = this.layers[this.layers.length - 1]!;
    if (layer.count >= layer.capacity) {
      layer = newLayer(Math.min(MAX_LOG2, layer.log2 + GROWTH));
      this.layers.push(layer);
    }
    const j = this.layers.length - 1;
    const h1 = word(h, (2 * j) % 8);
    const h2 = word(h, (2 * j + 1) % 8) | 1;
    const bits = layer.bits;
    for (let i = 0; i < K; i++) {
      const b = (h1 + Math.imul(i, h2)) & layer.mask;
      bits[b >>> 3]! |= 1 << (b & 7);
    }
    layer.count++;
  }

  /** False: `h` was never added. True: it may have been. */
  mightHave(h: Uint8Array): boolean {
    checkHash(h);
    for (let j = 0; j < this.layers.length; j++) {
      const layer = this.layers[j]!;
      const h1 = word(h, (2 * j) % 8);
      const h2 = word(h, (2 * j + 1) % 8) | 1;
      const bits = layer.bits;
      let all = true;
      for (let i = 0; i < K; i++) {
        const b = (h1 + Math.imul(i, h2)) & layer.mask;
        if ((bits[b >>> 3]! & (1 << (b & 7))) === 0) {
          all = false;
          break;
        }
      }
      if (all) return true;
    }
    return false;
  }

  /** The saved form (see the head of this file) for a log of `covered` entries. */
  serialize(covered: number, lastHash: Uint8Array): Buffer {
    if (!Number.isSafeInteger(covered) || covered < 0) throw new TypeError("serialize: covered must be a count");
    checkHash(lastHash);
    let size = MAGIC.length + 8 + HASH_BYTES + 4;
    for (const l of this.layers) size += 1 + 8 + l.bits.byteLength;
    const out = Buffer.allocUnsafe(size + HASH_BYTES);
    let at = MAGIC.copy(out, 0);
    at = out.writeBigUInt64BE(BigInt(covered), at);
    out.set(lastHash, at);
    at += HASH_BYTES;
    at = out.writeUInt32BE(this.layers.length, at);
    for (const l of this.layers) {
      at = out.writeUInt8(l.log2, at);
      at = out.writeBigUInt64BE(BigInt(l.count), at);
      out.set(l.bits, at);
      at += l.bits.length;
    }
    out.set(hash("sha256", out.subarray(0, at), "buffer"), at);
    return out;
  }
}

function checkHash(h: Uint8Array): void {
  if (!(h instanceof Uint8Array) || h.length !== HASH_BYTES) {
    throw new TypeError(`HashFilter: an event hash is ${HASH_BYTES} bytes`);
  }
}

/** A saved filter with what it covers. */
export interface SavedHashFilter {
  filter: HashFilter;
  covered: number;
  lastHash: Uint8Array;
}

/**
 * Reads a saved filter; a reason (never a throw) when the bytes are not one: wrong magic, a
 * length that does not add up, a layer size out of range, or a checksum that does not match
 * (a torn or altered file), so the owner rebuilds instead.
 */
export function parseHashFilter(buf: Uint8Array): SavedHashFilter | { problem: string } {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const head = MAGIC.length + 8 + HASH_BYTES + 4;
  if (b.length < head + HASH_BYTES || !b.subarray(0, MAGIC.length).equals(MAGIC)) {
    return { problem: "not a saved event-hash filter (magic)" };
  }
  const body = b.length - HASH_BYTES;
  if (!b.subarray(body).equals(hash("sha256", b.subarray(0, body), "buffer"))) {
    return { problem: "checksum does not match (torn or altered file)" };
  }
  let at = MAGIC.length;
  const covered = b.readBigUInt64BE(at);
  at += 8;
  if (covered > BigInt(Number.MAX_SAFE_INTEGER)) return { problem: "covered count out of range" };
  const lastHash = new Uint8Array(b.subarray(at, at + HASH_BYTES));
  at += HASH_BYTES;
  const n = b.readUInt32BE(at);
  at += 4;
  if (n < 1 || n > 64) return { problem: `layer count ${n} out of range` };
  const layers: Layer[] = [];
  for (let j = 0; j < n; j++) {
    if (at + 9 > body) return { problem: `layer ${j} is cut short` };
    const log2 = b.readUInt8(at);
    const count = b.readBigUInt64BE(at + 1);
    at += 9;
    if (log2 < MIN_LOG2 || log2 > MAX_LOG2) return { problem: `layer ${j} has 2^${log2} bits, out of range` };
    const len = 2 ** log2 / 8;
    if (at + len > body) return { problem: `layer ${j} is cut short` };
    if (count > BigInt(2 ** log2)) return { problem: `layer ${j} count out of range` };
    const bits = new Uint8Array(b.subarray(at, at + len));
    at += len;
    layers.push(newLayer(log2, bits, Number(count)));
  }
  if (at !== body) return { problem: "trailing bytes after the last layer" };
  return { filter: new HashFilter(0, layers), covered: Number(covered), lastHash };
}
