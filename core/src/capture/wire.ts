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

/** Reads a base-128 varint at `at`; returns [value, next position]. Values beyond 2^53 are refused. */
function varint(b: Uint8Array, at: number): [number, number] {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (at >= b.length) bad("truncated varint");
    const byte = b[at++]!;
    value += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) {
      if (value > Number.MAX_SAFE_INTEGER) bad("varint out of range");
      return [value, at];
    }
    scale *= 128;
  }
  return bad("varint longer than 10 bytes");
}

export function readBatchEnvelope(b: Uint8Array): BatchEnvelope {
  let at = 0;
  let header: Uint8Array | undefined;
  let events = 0;
  while (at < b.length) {
    let tag: number;
    [tag, at] = varint(b, at);
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    if (field === 0) bad(`field number 0 at byte ${at}`);
    switch (wire) {
      case 0:
        [, at] = varint(b, at);
        break;
      case 1:
        at += 8;
        break;
      case 2: {
        let len: number;
        [len, at] = varint(b, at);
        if (at + len > b.length) bad(`field ${field} runs past the end of the message`);
        if (field === HEADER_FIELD) header = b.subarray(at, at + len);
        else if (field === EVENTS_FIELD) events++;
        at += len;
        break;
      }
      case 5:
        at += 4;
        break;
      default:
        bad(`wire type ${wire} of field ${field} is not supported`);
    }
    if (at > b.length) bad("truncated field");
  }
  if (header === undefined) return { header: undefined, events };
  try {
    return { header: PBatchHeader.decode(header), events };
  } catch (e) {
    return bad(`header cannot be decoded (${e instanceof Error ? e.message : String(e)})`);
  }
}
