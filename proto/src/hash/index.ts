// CBV 2.0 §8.9 event hash ID: pre-hash string, SHA-256 digest, ni: URI.
export {
  type CbvVersion,
  type EventHashOptions,
  eventHash,
  eventHashBytes,
  formatEventHashId,
  type PreHashOptions,
  parseEventHashId,
  preHashString,
} from "./event-hash.ts";
export {
  type CanonicalIdFn,
  createPreHasher,
  type FieldName,
  type PreHasher,
  type PreHasherOptions,
} from "./prehash.ts";
