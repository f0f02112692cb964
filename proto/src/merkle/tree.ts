// RFC 9162 §2.1.1 Merkle Tree Hash, built incrementally from complete subtrees.
//
// Storage model (what a store persists; the math here never touches storage):
//   node (level, index) -> 32-byte hash of the COMPLETE subtree covering leaves
//   [index * 2^level, (index + 1) * 2^level). Level 0 holds the leaf hashes.
// Only complete subtrees are ever stored, so a stored node never changes once written
// (append-only, tile-friendly). Hashes of incomplete right-edge subtrees are recomputed on
// demand from O(log n) complete ones.
import { SuyuanError } from "../errors.ts";
import { EMPTY_ROOT, HASH_SIZE, nodeHash } from "./hash.ts";

/** Coordinates of a complete subtree: leaves [index·2^level, (index+1)·2^level). */
export interface NodeRef {
  level: number;
  index: number;
}

/** A stored complete-subtree hash. */
export interface StoredNode extends NodeRef {
  hash: Uint8Array;
}

/**
 * Reads the hash of a complete subtree. Implementations MUST return the hash for every
 * (level, index) inside the tree size the caller asks about; they MAY be async.
 */
export type HashReader = (level: number, index: number) => Uint8Array | Promise<Uint8Array>;
/** Synchronous variant, for in-memory trees. */
export type SyncHashReader = (level: number, index: number) => Uint8Array;

/** Throws TypeError unless n is a non-negative safe integer (sizes go past 2^32, so no bit ops). */
export function assertTreeSize(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new TypeError(`${what} must be a non-negative safe integer, got ${n}`);
}

/** Largest power of two strictly less than n (n ≥ 2): the split point k of RFC 9162 §2.1.1. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * Decomposes [start, end) into complete subtrees, left to right, largest first. Valid for
 * the ranges RFC 9162's recursion produces (start is a multiple of the range's enclosing
 * power of two), so folding the hashes right-to-left with nodeHash yields MTH(D[start:end]).
 */
export function rangeRefs(start: number, end: number, out: NodeRef[] = []): NodeRef[] {
  while (start < end) {
    let size = 1;
    let level = 0;
    // Grow while the next power still fits and stays aligned.
    while (size * 2 <= end - start && start % (size * 2) === 0) {
      size *= 2;
      level++;
    }
    out.push({ level, index: start / size });
    start += size;
  }
  return out;
}

/** The complete subtrees that make up a tree of `size` leaves (its "frontier"), largest first. */
export function frontierRefs(size: number): NodeRef[] {
  assertTreeSize(size, "tree size");
  return rangeRefs(0, size);
}

/** Folds complete-subtree hashes (largest first) right-to-left into one subtree hash. */
export function foldRight(hashes: readonly Uint8Array[], from = 0, to = hashes.length): Uint8Array {
  if (to <= from) return EMPTY_ROOT;
  let acc = hashes[to - 1]!;
  for (let i = to - 2; i >= from; i--) acc = nodeHash(hashes[i]!, acc);
  return acc;
}

/**
 * RFC 9162 §2.1.1 MTH over leaf hashes, in O(n) hashing (n − 1 node hashes). Promoting an
 * odd last node unchanged at each level gives exactly the RFC's left-balanced tree.
 */
export function rootFromLeafHashes(hashes: readonly Uint8Array[]): Uint8Array {
  const n = hashes.length;
  if (n === 0) return EMPTY_ROOT;
  if (n === 1) return hashes[0]!;
  const level: Uint8Array[] = new Array((n + 1) >> 1);
  let len = 0;
  for (let i = 0; i + 1 < n; i += 2) level[len++] = nodeHash(hashes[i]!, hashes[i + 1]!);
  if (n % 2 === 1) level[len++] = hashes[n - 1]!;
  while (len > 1) {
    let out = 0;
    for (let i = 0; i + 1 < len; i += 2) level[out++] = nodeHash(level[i]!, level[i + 1]!);
    if (len % 2 === 1) level[out++] = level[len - 1]!;
    len = out;
  }
  return level[0]!;
}

/**
 * Reads every ref; returns an array when the reader answered synchronously, else a Promise.
 * A missing or wrong-size hash is a store fault and gets a coded error.
 */
export function readRefs(refs: readonly NodeRef[], getHash: HashReader): Uint8Array[] | Promise<Uint8Array[]> {
  const out: (Uint8Array | Promise<Uint8Array>)[] = new Array(refs.length);
  let async = false;
  for (let i = 0; i < refs.length; i++) {
    const r = refs[i]!;
    const h = getHash(r.level, r.index);
    if (h instanceof Promise) async = true;
    out[i] = h;
  }
  if (!async) {
    for (let i = 0; i < refs.length; i++) checkRead(out[i] as Uint8Array, refs[i]!);
    return out as Uint8Array[];
  }
  return Promise.all(out).then((hs) => {
    for (let i = 0; i < refs.length; i++) checkRead(hs[i]!, refs[i]!);
    return hs;
  });
}

function checkRead(h: Uint8Array | undefined, ref: NodeRef): void {
  if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) {
    throw new SuyuanError(
      "MERKLE_MISSING_NODE",
      `node (level ${ref.level}, index ${ref.index}): hash reader returned ${h instanceof Uint8Array ? `${h.length} bytes` : String(h)}, expected ${HASH_SIZE} bytes`,
      { field: `node(${ref.level},${ref.index})` },
    );
  }
}

export function readRefsSync(refs: readonly NodeRef[], getHash: SyncHashReader): Uint8Array[] {
  const hs = readRefs(refs, getHash);
  if (hs instanceof Promise)
    throw new TypeError("readRefsSync: the hash reader returned a Promise; use the async form");
  return hs;
}

/** Root of the tree of `size` leaves from stored complete-subtree hashes: O(log n) reads. */
export async function treeRoot(size: number, getHash: HashReader): Promise<Uint8Array> {
  return foldRight(await readRefs(frontierRefs(size), getHash));
}

export function treeRootSync(size: number, getHash: SyncHashReader): Uint8Array {
  return foldRight(readRefsSync(frontierRefs(size), getHash));
}

export interface AppendResult {
  /** Every complete-subtree node that came into existence, level 0 (the new leaves) included. */
  nodes: StoredNode[];
  /** MTH of the tree after the append. */
  root: Uint8Array;
  /** New tree size. */
  size: number;
  /** Frontier hashes of the new tree (largest subtree first), e.g. to cache for the next append. */
  frontier: Uint8Array[];
}

/**
 * Appends leaf hashes to a tree of `existingSize` leaves whose frontier hashes (see
 * frontierRefs) are given. Pure: returns the nodes to store. Each appended leaf i closes one
 * complete subtree per trailing 1-bit of i (a binary counter), so the work is O(new leaves).
 */
export function appendToFrontier(
  existingSize: number,
  frontier: readonly Uint8Array[],
  newLeafHashes: readonly Uint8Array[],
): AppendResult {
  assertTreeSize(existingSize, "existingSize");
  const expected = frontierRefs(existingSize).length;
  if (frontier.length !== expected) {
    throw new TypeError(`frontier of a ${existingSize}-leaf tree has ${expected} hashes, got ${frontier.length}`);
  }
  // Stack of (level, hash), largest subtree at the bottom.
  const levels: number[] = [];
  const stack: Uint8Array[] = frontier.slice();
  for (const r of frontierRefs(existingSize)) levels.push(r.level);
  const nodes: StoredNode[] = [];
  let size = existingSize;
  for (const h of newLeafHashes) {
    if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) {
      throw new TypeError(`leaf hash at index ${size} must be ${HASH_SIZE} bytes`);
    }
    nodes.push({ level: 0, index: size, hash: h });
    stack.push(h);
    levels.push(0);
    let level = 0;
    let leaf = size;
    while (levels.length >= 2 && levels[levels.length - 2] === level) {
      const right = stack.pop()!;
      const left = stack.pop()!;
      levels.pop();
      levels.pop();
      const merged = nodeHash(left, right);
      level++;
      leaf = Math.floor(leaf / 2);
      nodes.push({ level, index: leaf, hash: merged });
      stack.push(merged);
      levels.push(level);
    }
    size++;
  }
  return { nodes, root: foldRight(stack), size, frontier: stack };
}

/**
 * Appends leaf hashes to a stored tree: reads the O(log n) frontier of the existing tree
 * through `getHash`, returns the complete-subtree nodes to persist and the new root.
 */
export async function appendLeaves(
  existingSize: number,
  newLeafHashes: readonly Uint8Array[],
  getHash: HashReader,
): Promise<AppendResult> {
  const frontier = await readRefs(frontierRefs(existingSize), getHash);
  return appendToFrontier(existingSize, frontier, newLeafHashes);
}

export function appendLeavesSync(
  existingSize: number,
  newLeafHashes: readonly Uint8Array[],
  getHash: SyncHashReader,
): AppendResult {
  return appendToFrontier(existingSize, readRefsSync(frontierRefs(existingSize), getHash), newLeafHashes);
}

/**
 * All levels of the RFC 9162 tree over in-memory leaf hashes: levels[0] = leaves, each next
 * level hashes pairs and promotes an odd last node unchanged, the last level is [root]. n − 1
 * hashes; afterwards every inclusion proof is O(log n) lookups with no hashing — the way to
 * prove every event of a batch.
 */
export function buildLevels(leafHashes: readonly Uint8Array[]): Uint8Array[][] {
  const levels: Uint8Array[][] = [leafHashes.slice()];
  let cur = levels[0]!;
  while (cur.length > 1) {
    const next: Uint8Array[] = new Array((cur.length + 1) >> 1);
    let out = 0;
    for (let i = 0; i + 1 < cur.length; i += 2) next[out++] = nodeHash(cur[i]!, cur[i + 1]!);
    if (cur.length % 2 === 1) next[out++] = cur[cur.length - 1]!;
    levels.push(next);
    cur = next;
  }
  return levels;
}

/**
 * RFC 9162 §2.1.3.1 PATH(index, D[n]) read off buildLevels' output: at each level the sibling
 * if there is one; a promoted node has none, which is exactly where PATH skips a level.
 */
export function inclusionProofFromLevels(levels: readonly (readonly Uint8Array[])[], index: number): Uint8Array[] {
  const n = levels[0]?.length ?? 0;
  if (!Number.isSafeInteger(index) || index < 0 || index >= n) {
    throw new SuyuanError(
      "MERKLE_INDEX_OUT_OF_RANGE",
      `inclusion proof: leaf index ${index} is not below tree size ${n}`,
      {
        field: "index",
      },
    );
  }
  const proof: Uint8Array[] = [];
  let idx = index;
  for (let l = 0; l < levels.length - 1; l++) {
    const level = levels[l]!;
    const sib = idx % 2 === 0 ? idx + 1 : idx - 1;
    if (sib < level.length) proof.push(level[sib]!);
    idx = (idx - (idx % 2)) / 2;
  }
  return proof;
}
