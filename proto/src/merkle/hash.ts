// RFC 9162 §2.1: the Merkle Tree Hash uses SHA-256 with one-byte domain separation,
// 0x00 for leaves and 0x01 for interior nodes, so a leaf can never be passed off as a node.
import { hash } from "node:crypto";

/** Length in bytes of every hash in the tree (SHA-256). */
export const HASH_SIZE = 32;

const LEAF_PREFIX = 0x00;
const NODE_PREFIX = 0x01;

// Scratch buffers reused for the common fixed-size cases (32-byte leaf data, 32+32 node
// children): one-shot `crypto.hash` over a preallocated buffer is about twice as fast as
// createHash().update().update().digest(). Safe because hashing is synchronous.
const leafScratch = Buffer.alloc(1 + HASH_SIZE);
leafScratch[0] = LEAF_PREFIX;
const nodeScratch = Buffer.alloc(1 + 2 * HASH_SIZE);
nodeScratch[0] = NODE_PREFIX;

/** RFC 9162 §2.1.1: the hash of an empty list, MTH({}) = SHA-256(""). */
export const EMPTY_ROOT: Uint8Array = hash("sha256", Buffer.alloc(0), "buffer");

/** RFC 9162 §2.1.1: MTH({d}) = SHA-256(0x00 || d). */
export function leafHash(data: Uint8Array): Uint8Array {
  if (data.length === HASH_SIZE) {
    leafScratch.set(data, 1);
    return hash("sha256", leafScratch, "buffer");
  }
  const buf = Buffer.allocUnsafe(1 + data.length);
  buf[0] = LEAF_PREFIX;
  buf.set(data, 1);
  return hash("sha256", buf, "buffer");
}

/** RFC 9162 §2.1.1: interior node = SHA-256(0x01 || left || right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  if (left.length === HASH_SIZE && right.length === HASH_SIZE) {
    nodeScratch.set(left, 1);
    nodeScratch.set(right, 1 + HASH_SIZE);
    return hash("sha256", nodeScratch, "buffer");
  }
  const buf = Buffer.allocUnsafe(1 + left.length + right.length);
  buf[0] = NODE_PREFIX;
  buf.set(left, 1);
  buf.set(right, 1 + left.length);
  return hash("sha256", buf, "buffer");
}

/** Byte equality (hashes here are public values, so no constant-time need). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
