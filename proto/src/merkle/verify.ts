// RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency) proof verification. Inputs
// come from the outside (proof bundles, API answers): every malformed input yields false
// from verify*, or a coded SuyuanError from rootFromInclusionProof — never a raw crash.
// Sizes may exceed 2^32, so shifts are done with arithmetic, not 32-bit bit operators.
import { SuyuanError } from "../errors.ts";
import { bytesEqual, HASH_SIZE, nodeHash } from "./hash.ts";

const isSize = (n: unknown): n is number => typeof n === "number" && Number.isSafeInteger(n) && n >= 0;
const isHash = (h: unknown): h is Uint8Array => h instanceof Uint8Array && h.length === HASH_SIZE;
const half = (n: number): number => (n - (n % 2)) / 2;

function badProof(message: string, field?: string): SuyuanError {
  return new SuyuanError("MERKLE_BAD_PROOF", message, field === undefined ? undefined : { field });
}

/**
 * RFC 9162 §2.1.3.2: the root implied by an inclusion proof. Throws MERKLE_BAD_PROOF when
 * the proof cannot be an inclusion proof for (index, size) at all (wrong length or shape).
 */
export function rootFromInclusionProof(
  leaf: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
): Uint8Array {
  if (!isSize(index) || !isSize(size)) throw badProof(`index ${index} and size ${size} must be non-negative integers`);
  // Step 1: leaf_index < tree_size.
  if (index >= size) throw badProof(`leaf index ${index} is not below tree size ${size}`, "index");
  if (!isHash(leaf)) throw badProof(`leaf hash must be ${HASH_SIZE} bytes`, "leafHash");
  if (!Array.isArray(proof)) throw badProof("proof must be an array of hashes", "proof");
  // Step 2: fn = leaf_index, sn = tree_size − 1, r = leaf_hash.
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  // Step 3.
  for (let i = 0; i < proof.length; i++) {
    const p = proof[i];
    if (!isHash(p)) throw badProof(`proof[${i}] must be ${HASH_SIZE} bytes`, `proof[${i}]`);
    // 3a: sn = 0 before the proof ends → proof too long.
    if (sn === 0) throw badProof(`proof has ${proof.length} elements, too many for leaf ${index} of ${size}`, "proof");
    if (fn % 2 === 1 || fn === sn) {
      // 3b: p is a left sibling.
      r = nodeHash(p, r);
      // Skip levels where this node has no right sibling (the right edge of the tree).
      while (fn % 2 === 0 && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      // 3b otherwise: p is a right sibling.
      r = nodeHash(r, p);
    }
    // 3c.
    fn = half(fn);
    sn = half(sn);
  }
  // Step 4: sn = 0 at the end, else the proof is too short.
  if (sn !== 0) throw badProof(`proof has ${proof.length} elements, too few for leaf ${index} of ${size}`, "proof");
  return r;
}

/** RFC 9162 §2.1.3.2: true iff `proof` shows `leaf` at `index` in the tree of `size` with `root`. */
export function verifyInclusion(
  leaf: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  if (!isHash(root)) return false;
  try {
    return bytesEqual(rootFromInclusionProof(leaf, index, size, proof), root);
  } catch {
    return false;
  }
}

/**
 * RFC 9162 §2.1.4.2: true iff `proof` shows the tree of size m with rootM is a prefix of the
 * tree of size n with rootN. Equal sizes need an empty proof and equal roots; m = 0 < n is
 * rejected (nothing to prove).
 */
export function verifyConsistency(
  m: number,
  n: number,
  proof: readonly Uint8Array[],
  rootM: Uint8Array,
  rootN: Uint8Array,
): boolean {
  if (!isSize(m) || !isSize(n) || m > n || !Array.isArray(proof)) return false;
  if (m === n) return proof.length === 0 && isHash(rootM) && bytesEqual(rootM, rootN);
  if (m === 0) return false;
  if (!isHash(rootM) || !isHash(rootN)) return false;
  // Step 1: an empty path fails.
  if (proof.length === 0) return false;
  for (const p of proof) if (!isHash(p)) return false;
  // Step 2: if m is an exact power of 2, the old root is the first node of the path.
  const path = isPow2(m) ? [rootM, ...proof] : proof;
  // Step 3.
  let fn = m - 1;
  let sn = n - 1;
  // Step 4: skip the levels where the old tree's last node is a right child.
  while (fn % 2 === 1) {
    fn = half(fn);
    sn = half(sn);
  }
  // Step 5.
  let fr = path[0]!;
  let sr = path[0]!;
  // Step 6.
  for (let i = 1; i < path.length; i++) {
    const c = path[i]!;
    // 6a.
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      // 6b.
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    // 6c.
    fn = half(fn);
    sn = half(sn);
  }
  // Step 7.
  return sn === 0 && bytesEqual(fr, rootM) && bytesEqual(sr, rootN);
}

function isPow2(n: number): boolean {
  while (n > 1) {
    if (n % 2 === 1) return false;
    n /= 2;
  }
  return n === 1;
}
