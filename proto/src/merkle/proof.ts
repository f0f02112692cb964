// RFC 9162 §2.1.3.1 (inclusion) and §2.1.4.1 (consistency) proof generation, from stored
// complete-subtree hashes only. A proof is planned first (which subtree ranges it names,
// which stored nodes those need), then read, then assembled — so a store can fetch all
// reads in one round trip. Every proof needs O(log n) reads: along the RFC recursion only
// one proof element can be an incomplete (right-edge) subtree, and that one is rebuilt
// from at most log2(n) complete subtrees.
import { SuyuanError } from "../errors.ts";
import { nodeHash } from "./hash.ts";
import {
  assertTreeSize,
  foldRight,
  type HashReader,
  type NodeRef,
  rangeRefs,
  readRefs,
  readRefsSync,
  type SyncHashReader,
  splitPoint,
} from "./tree.ts";

/** Which stored nodes a proof needs and how they fold into proof elements. */
export interface ProofPlan {
  /** Stored complete-subtree nodes to read, in order. */
  reads: NodeRef[];
  /** groups[i] consecutive reads fold (right-to-left) into proof element i. */
  groups: number[];
}

function planFromRanges(ranges: Array<[number, number]>): ProofPlan {
  const reads: NodeRef[] = [];
  const groups: number[] = new Array(ranges.length);
  for (let i = 0; i < ranges.length; i++) {
    const before = reads.length;
    const [start, end] = ranges[i]!;
    rangeRefs(start, end, reads);
    groups[i] = reads.length - before;
  }
  return { reads, groups };
}

/** Builds the proof elements from the hashes of plan.reads (same order). */
export function assembleProof(plan: ProofPlan, hashes: readonly Uint8Array[]): Uint8Array[] {
  if (hashes.length !== plan.reads.length) {
    throw new TypeError(`assembleProof: plan has ${plan.reads.length} reads, got ${hashes.length} hashes`);
  }
  const proof: Uint8Array[] = new Array(plan.groups.length);
  let at = 0;
  for (let i = 0; i < plan.groups.length; i++) {
    const g = plan.groups[i]!;
    proof[i] = foldRight(hashes, at, at + g);
    at += g;
  }
  return proof;
}

/**
 * RFC 9162 §2.1.3.1 PATH(m, D[n]) for leaf `index` in a tree of `size` leaves. The
 * recursion appends the sibling after the sub-path, so elements come out leaf-side first.
 */
export function inclusionProofPlan(index: number, size: number): ProofPlan {
  assertTreeSize(index, "leaf index");
  assertTreeSize(size, "tree size");
  if (index >= size) {
    throw new SuyuanError(
      "MERKLE_INDEX_OUT_OF_RANGE",
      `inclusion proof: leaf index ${index} is not below tree size ${size}`,
      {
        field: "index",
        detail: { index, size },
      },
    );
  }
  const ranges: Array<[number, number]> = [];
  let lo = 0;
  let hi = size;
  while (hi - lo > 1) {
    const k = splitPoint(hi - lo);
    if (index - lo < k) {
      // PATH(m, D[0:k]) : MTH(D[k:n])
      ranges.push([lo + k, hi]);
      hi = lo + k;
    } else {
      // PATH(m − k, D[k:n]) : MTH(D[0:k])
      ranges.push([lo, lo + k]);
      lo += k;
    }
  }
  ranges.reverse();
  return planFromRanges(ranges);
}

/**
 * RFC 9162 §2.1.4.1 PROOF(m, D[n]) = SUBPROOF(m, D[n], true), for 0 < m ≤ n. m = n gives
 * the empty proof. m = 0 is rejected: the empty tree is consistent with every tree, so a
 * proof from it proves nothing (§2.1.4: "0 < m < n" for a non-trivial proof).
 */
export function consistencyProofPlan(m: number, n: number): ProofPlan {
  assertTreeSize(m, "first tree size");
  assertTreeSize(n, "second tree size");
  if (m === 0 || m > n) {
    throw new SuyuanError("MERKLE_BAD_RANGE", `consistency proof: sizes ${m} → ${n} must satisfy 0 < first ≤ second`, {
      field: "first",
      detail: { first: m, second: n },
    });
  }
  const ranges: Array<[number, number]> = [];
  let lo = 0;
  let hi = n;
  let rel = m; // m relative to lo
  let b = true; // whether D[lo:lo+rel] is the original old tree (its root is known to the verifier)
  for (;;) {
    if (rel === hi - lo) {
      // SUBPROOF(m, D[m], true) = {};  SUBPROOF(m, D[m], false) = {MTH(D[m])}
      if (!b) ranges.push([lo, hi]);
      break;
    }
    const k = splitPoint(hi - lo);
    if (rel <= k) {
      // SUBPROOF(m, D[0:k], b) : MTH(D[k:n])
      ranges.push([lo + k, hi]);
      hi = lo + k;
    } else {
      // SUBPROOF(m − k, D[k:n], false) : MTH(D[0:k])
      ranges.push([lo, lo + k]);
      lo += k;
      rel -= k;
      b = false;
    }
  }
  ranges.reverse();
  return planFromRanges(ranges);
}

/** Inclusion proof for leaf `index` in the tree of `size` leaves, read through `getHash`. */
export async function inclusionProof(index: number, size: number, getHash: HashReader): Promise<Uint8Array[]> {
  const plan = inclusionProofPlan(index, size);
  return assembleProof(plan, await readRefs(plan.reads, getHash));
}

export function inclusionProofSync(index: number, size: number, getHash: SyncHashReader): Uint8Array[] {
  const plan = inclusionProofPlan(index, size);
  return assembleProof(plan, readRefsSync(plan.reads, getHash));
}

/** Consistency proof between tree sizes m and n, read through `getHash`. */
export async function consistencyProof(m: number, n: number, getHash: HashReader): Promise<Uint8Array[]> {
  const plan = consistencyProofPlan(m, n);
  return assembleProof(plan, await readRefs(plan.reads, getHash));
}

export function consistencyProofSync(m: number, n: number, getHash: SyncHashReader): Uint8Array[] {
  const plan = consistencyProofPlan(m, n);
  return assembleProof(plan, readRefsSync(plan.reads, getHash));
}

/**
 * A hash reader over an in-memory list of leaf hashes (computes complete subtrees on the
 * fly). For tests and for small batches such as a gateway's signed batch.
 */
export function leafArrayReader(leafHashes: readonly Uint8Array[]): SyncHashReader {
  const levels: Uint8Array[][] = [leafHashes as Uint8Array[]];
  return (level, index) => {
    while (levels.length <= level) {
      const below = levels[levels.length - 1]!;
      const next: Uint8Array[] = new Array(below.length >> 1);
      for (let i = 0; i < next.length; i++) next[i] = nodeHash(below[2 * i]!, below[2 * i + 1]!);
      levels.push(next);
    }
    const h = levels[level]![index];
    if (h === undefined) {
      throw new SuyuanError("MERKLE_MISSING_NODE", `node (level ${level}, index ${index}) is outside the tree`);
    }
    return h;
  };
}
