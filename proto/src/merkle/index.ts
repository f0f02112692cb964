// RFC 9162 Merkle tree math: hashing, incremental tree building over stored complete
// subtrees, proof generation and verification. Pure: storage is reached only through the
// hash-reading function a caller passes in.
export * from "./hash.ts";
export * from "./proof.ts";
export * from "./tree.ts";
export * from "./verify.ts";
