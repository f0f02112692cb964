// Just enough of the protobuf wire format (protobuf.dev "Encoding") to read a SignedBatch's
// envelope — its header and how many events it carries — without decoding the events: the
// event loop needs the header to authorise, order and account for a batch, while the events
// are decoded where they are checked (a capture worker).
import { BatchHeader as PBatchHeader } from "@suyuan/proto/gen/suyuan/v1/batch.ts";
import { Refusal } from "./batch-check.ts";

export interface BatchEnvelope {
  /** The wire header (the last one, as a protobuf decoder would keep), or undefined if absent. */
  header: PBatchHeader | undefined;
  /** Number of `events` fields (SignedBatch field 3). */
  events: number;
}

const HEADER_FIELD = 1;
const EVENTS_FIELD = 3;

function bad(why: string): never {
  throw new Refusal("CAPTURE_BAD_BATCH", `not a signed batch: ${why}`);
}

/** Reads a base-128 varint at `at` (a tag or a length); returns [value, next position]. Values beyond 2^53 are refused. */
function varint(b: Uint8Array, at: number, what: string): [number, number] {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (at >= b.length) bad(`truncated varint in ${what}`);
    const byte = b[at++]!;
    value += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) {
      if (value > Number.MAX_SAFE_INTEGER) bad(`varint out of range in ${what}`);
      return [value, at];
    }
    scale *= 128;
  }
  return bad(`varint longer than 10 bytes in ${what}`);
}

/** Skips a varint of any value (an unknown field's, which may be a 64-bit integer). */
function skipVarint(b: Uint8Array, at: number, what: string): number {
  for (let i = 0; i < 10; i++) {
    if (at >= b.length) bad(`truncated varint in ${what}`);
    if ((b[at++]! & 0x80) === 0) return at;
  }
  return bad(`varint longer than 10 bytes in ${what}`);
}

/**
 * Walks the fields of one message, calling `onBytes` for each length-delimited one. Refuses
 * what is not a well-formed message: truncated fields, field number 0, and the deprecated
 * group wire types 3 and 4 (none of our messages has a group; a decoder that meets an
 * end-group tag stops early and reads on from inside the enclosing field, so two readers of
 * the same bytes could see different messages).
 */
function walk(b: Uint8Array, what: string, onBytes: (field: number, from: number, to: number) => void): void {
  let at = 0;
  while (at < b.length) {
    let tag: number;
    [tag, at] = varint(b, at, what);
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    if (field === 0) bad(`field number 0 in ${what} at byte ${at}`);
    switch (wire) {
      case 0:
        at = skipVarint(b, at, what);
        break;
      case 1:
        at += 8;
        break;
      case 2: {
        let len: number;
        [len, at] = varint(b, at, what);
        if (at + len > b.length) bad(`field ${field} runs past the end of ${what}`);
        onBytes(field, at, at + len);
        at += len;
        break;
      }
      case 5:
        at += 4;
        break;
      default:
        bad(`wire type ${wire} of field ${field} is not supported (in ${what})`);
    }
    if (at > b.length) bad(`truncated field ${field} in ${what}`);
  }
}

export function readBatchEnvelope(b: Uint8Array): BatchEnvelope {
  let header: Uint8Array | undefined;
  let events = 0;
  walk(b, "the message", (field, from, to) => {
    if (field === HEADER_FIELD) header = b.subarray(from, to);
    else if (field === EVENTS_FIELD) events++;
  });
  if (header === undefined) return { header: undefined, events };
  // The header is read here and nowhere else (the check workers get it from the event loop),
  // but it must still be a plain message that any decoder reads the same way.
  walk(header, "the header", () => {});
  try {
    return { header: PBatchHeader.decode(header), events };
  } catch (e) {
    return bad(`header cannot be decoded (${e instanceof Error ? e.message : String(e)})`);
  }
}
