/**
 * Decoding protobuf bytes from the network without letting bad input escape as a raw
 * Error/RangeError: truncated or malformed bytes, invalid wire types and over-deep nesting
 * (ts-proto stops at 100 levels) all become SCHEMA_BAD_PROTOBUF naming the message type.
 */
import { SuyuanError } from "../errors.ts";

/** The decode half of a ts-proto generated message object (e.g. `Event`, `SignedBatch`). */
export interface Decoder<T> {
  decode(input: Uint8Array): T;
}

/** Decodes `bytes` as `type`; `what` names the message for the error (e.g. "SignedBatch"). */
export function decodeMessage<T>(type: Decoder<T>, bytes: Uint8Array, what: string): T {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`decodeMessage(${what}): bytes must be a Uint8Array`);
  try {
    return type.decode(bytes);
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new SuyuanError("SCHEMA_BAD_PROTOBUF", `${what}: not a valid protobuf encoding (${reason})`, {
      field: what,
      cause: e,
    });
  }
}
