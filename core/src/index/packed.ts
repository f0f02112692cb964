// Index records made before the log index is known, packed as bytes. Capture's check workers
// build each event's index records (records.ts) off the event loop, but the log index I that
// most keys and some values carry is assigned only when the log plans the append. So the
// worker builds them with I as twelve U+0000 (padIndex's width) and writes them as UTF-8 into
// one buffer per batch (the store's PackedIndexRecords layout), noting where those holes lie;
// the event loop writes I's digits into the holes (`fillPackedEvent`) and hands the rows to
// the store as they are. No string, array or record object per index record reaches the
// event loop: a batch of 1000 events is one buffer and three small arrays, transferred.
//
// A hole is found as a run of NUL bytes, so an event is packed only when its strings hold no
// control character at all (its record text, JSON, then holds no "\u00" escape: JSON.stringify
// writes U+0000–U+001F that way except \b \t \n \f \r, which are not NUL); `add` answers
// false for any other, and the caller indexes that event the ordinary way.
import type { StoredEvent } from "../model.ts";
import { type IndexRecord, type PackedIndexRecords, type PackedIndexSpan, unpackIndexSpan } from "../store/store.ts";
import { indexRecordsAt, padIndex } from "./records.ts";

const I_WIDTH = 12;
const HOLE = "\u0000".repeat(I_WIDTH);

/** The packed index records of a batch's events, with the log index left open. */
export interface PackedIndexBlock extends PackedIndexRecords {
  /** n + 1 numbers: event i's rows are [eventRows[i], eventRows[i + 1]). */
  eventRows: Uint32Array;
  /** n + 1 numbers: event i's holes are holes[holeStarts[i] .. holeStarts[i + 1]). */
  holeStarts: Uint32Array;
  /** Byte offsets of 12-byte holes where the log index goes. */
  holes: Uint32Array;
  /** n flags: 1 when event i is packed (its rows may still be none), 0 when it is not. */
  packed: Uint8Array;
}

/**
 * Writes a batch's events one after another (`add` in event order, `skip` for events without
 * records), then `finish`. Every array it returns has an ArrayBuffer of its own, so a worker
 * can transfer them.
 */
export class PackedIndexWriter {
  private bytes: Buffer;
  private at = 0;
  private rows: Uint32Array;
  private nRows = 0;
  private holes: Uint32Array;
  private nHoles = 0;
  private readonly names: string[] = [];
  private readonly nameIds = new Map<string, number>();
  private readonly eventRows: Uint32Array;
  private readonly holeStarts: Uint32Array;
  private readonly packed: Uint8Array;
  private event = 0;

  constructor(private readonly events: number) {
    this.bytes = Buffer.from(new ArrayBuffer(Math.max(1024, events * 1536)));
    this.rows = new Uint32Array(Math.max(16, events * 16 * 3));
    this.holes = new Uint32Array(Math.max(16, events * 16));
    this.eventRows = new Uint32Array(events + 1);
    this.holeStarts = new Uint32Array(events + 1);
    this.packed = new Uint8Array(events);
  }

  /** Packs the next event's records; false (nothing written) when it cannot be packed. */
  add(stored: StoredEvent, recordJson: string): boolean {
    if (recordJson.includes("\\u00")) return this.skip();
    const records = indexRecordsAt(stored, HOLE);
    for (const r of records) if (typeof r.value !== "string") return this.skip(); // records.ts writes strings
    const start = this.at;
    // Most records are ASCII: then one write of all their text gives every boundary (bytes
    // = characters). Otherwise each key and value is written on its own.
    let text = "";
    for (const r of records) text += r.key + (r.value as string);
    this.room(3 * text.length);
    const ascii = this.bytes.write(text, start, "utf8") === text.length;
    let at = start;
    for (const r of records) {
      const key = r.key;
      const value = r.value as string;
      let keyEnd: number;
      if (ascii) {
        keyEnd = at + key.length;
        at = keyEnd + value.length;
      } else {
        at += this.bytes.write(key, at, "utf8");
        keyEnd = at;
        at += this.bytes.write(value, at, "utf8");
      }
      if (this.nRows * 3 + 3 > this.rows.length) this.rows = grow(this.rows);
      this.rows[this.nRows * 3] = this.nameId(r.index);
      this.rows[this.nRows * 3 + 1] = keyEnd;
      this.rows[this.nRows * 3 + 2] = at;
      this.nRows++;
    }
    this.at = at;
    // The only NUL bytes are the holes (the event's strings hold no control character).
    const written = this.bytes.subarray(start, this.at);
    for (let z = written.indexOf(0); z >= 0; z = written.indexOf(0, z + I_WIDTH)) {
      if (this.nHoles === this.holes.length) this.holes = grow(this.holes);
      this.holes[this.nHoles++] = start + z;
    }
    this.packed[this.event] = 1;
    return this.next();
  }

  private nameId(name: string): number {
    let id = this.nameIds.get(name);
    if (id === undefined) {
      id = this.names.length;
      this.names.push(name);
      this.nameIds.set(name, id);
    }
    return id;
  }

  /** The next event has no packed records (none at all, or it is indexed another way). */
  skip(): false {
    this.next();
    return false;
  }

  private next(): true {
    this.event++;
    this.eventRows[this.event] = this.nRows;
    this.holeStarts[this.event] = this.nHoles;
    return true;
  }

  private room(n: number): void {
    if (this.at + n <= this.bytes.length) return;
    const bigger = Buffer.from(new ArrayBuffer(Math.max(2 * this.bytes.length, this.at + n)));
    this.bytes.copy(bigger, 0, 0, this.at);
    this.bytes = bigger;
  }

  finish(): PackedIndexBlock {
    if (this.event !== this.events) {
      throw new Error(`PackedIndexWriter: ${this.event} of ${this.events} events written`);
    }
    return {
      bytes: new Uint8Array(this.bytes.buffer.slice(0, this.at)),
      rows: this.rows.slice(0, this.nRows * 3),
      names: this.names,
      eventRows: this.eventRows,
      holeStarts: this.holeStarts,
      holes: this.holes.slice(0, this.nHoles),
      packed: this.packed,
    };
  }
}

function grow(a: Uint32Array): Uint32Array {
  const b = new Uint32Array(a.length * 2);
  b.set(a);
  return b;
}

/**
 * Writes log index `index` into event `event`'s holes and returns its rows. Call it once per
 * event, before the rows are appended.
 */
export function fillPackedEvent(block: PackedIndexBlock, event: number, index: number): PackedIndexSpan {
  if (block.packed[event] !== 1) throw new Error(`fillPackedEvent: event ${event} is not packed`);
  const I = padIndex(index);
  if (I.length !== I_WIDTH) throw new RangeError(`fillPackedEvent: log index ${index} is wider than ${I_WIDTH} digits`);
  const b = block.bytes;
  for (let h = block.holeStarts[event]!; h < block.holeStarts[event + 1]!; h++) {
    const at = block.holes[h]!;
    for (let d = 0; d < I_WIDTH; d++) b[at + d] = I.charCodeAt(d);
  }
  return { records: block, from: block.eventRows[event]!, to: block.eventRows[event + 1]! };
}

/** The records of one packed event filled at `index` (tests and non-packing callers). */
export function packedEventRecords(block: PackedIndexBlock, event: number, index: number): IndexRecord[] {
  return unpackIndexSpan(fillPackedEvent(block, event, index));
}
