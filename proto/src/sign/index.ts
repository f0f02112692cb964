// Signatures: the signature algorithm registry, gateway keys and signed batches, and C2SP
// signed notes and tlog checkpoints for the core's log.
export * from "./algorithms.ts";
export * from "./batch.ts";
export * from "./checkpoint.ts";
export { decodeBase64Strict, encodeBase64 } from "./encoding.ts";
export * from "./keys.ts";
export * from "./note.ts";
