/**
 * Codec for the M100/QM100-family UHF RFID module serial protocol (modules sold as YRM100,
 * JRD-4035, M5Stack UHF-RFID unit, …). Both sides: the gateway encodes commands and decodes
 * responses/notifications; firmware-sim encodes responses/notifications and decodes commands.
 * Pure: no I/O, no timers. Frames implemented are listed in UHF-M100-PROTOCOL.md beside this file.
 *
 * Frame (UHF-M100-PROTOCOL.md §1):
 *   0xBB | type | cmd | PL (2 bytes, big-endian) | payload (PL bytes) | checksum | 0x7E
 *   checksum = low byte of the sum of type .. last payload byte.
 * 0xBB and 0x7E are not escaped inside the payload (an EPC may contain them), so a frame's end is
 * found from PL, never by scanning for 0x7E.
 */

export const HEADER = 0xbb;
export const END = 0x7e;

/** Frame type byte (UHF-M100-PROTOCOL.md §1). */
export const FrameType = {
  /** Host → module. */
  Command: 0x00,
  /** Module → host: the answer to a command (or an error frame). */
  Response: 0x01,
  /** Module → host, unsolicited: a tag notification during inventory. */
  Notice: 0x02,
} as const;

/** Command codes (UHF-M100-PROTOCOL.md §2). */
export const Cmd = {
  GetInfo: 0x03,
  SingleInventory: 0x22,
  MultiInventory: 0x27,
  StopInventory: 0x28,
  Error: 0xff,
} as const;

/** Error codes carried by `type 0x01, cmd 0xFF` frames (UHF-M100-PROTOCOL.md §3.5). */
export const ErrorCode = {
  /** Inventory round found no tag — routine during continuous inventory. */
  NoTag: 0x15,
  /** The module did not understand the command. */
  CommandError: 0x17,
  /** Frequency hopping failed (channel busy). */
  FhssFail: 0x20,
} as const;

/** GetInfo (0x03) parameter. */
export const InfoKind = { Hardware: 0x00, Software: 0x01, Manufacturer: 0x02 } as const;

/**
 * Largest PL this codec accepts by default. The frames implemented here are far smaller (a tag
 * notice with a 496-bit EPC has PL 67); a larger PL after a 0xBB is taken as corruption, so a
 * false header cannot make the decoder wait long for bytes that will never form a frame.
 */
export const MAX_PAYLOAD = 255;

export interface Frame {
  type: number;
  cmd: number;
  payload: Uint8Array;
}

export function checksum(type: number, cmd: number, payload: Uint8Array): number {
  let sum = type + cmd + (payload.length >> 8) + (payload.length & 0xff);
  for (const b of payload) sum += b;
  return sum & 0xff;
}

export function encodeFrame(f: Frame): Buffer {
  if (!isByte(f.type) || !isByte(f.cmd)) throw new TypeError("frame type and cmd must be bytes");
  if (f.payload.length > 0xffff) throw new TypeError("frame payload longer than 65535 bytes");
  const out = Buffer.alloc(7 + f.payload.length);
  out[0] = HEADER;
  out[1] = f.type;
  out[2] = f.cmd;
  out.writeUInt16BE(f.payload.length, 3);
  out.set(f.payload, 5);
  out[5 + f.payload.length] = checksum(f.type, f.cmd, f.payload);
  out[6 + f.payload.length] = END;
  return out;
}

export interface DecoderStats {
  frames: number;
  /** Frames whose checksum byte did not match. */
  checksumErrors: number;
  /** Candidate frames rejected for a missing 0x7E end or a PL over MAX_PAYLOAD. */
  framingErrors: number;
  /** Bytes skipped while hunting for the next 0xBB. */
  skippedBytes: number;
}

/**
 * Streaming decoder. Feed it chunks as they arrive; it returns the complete, verified frames.
 * After a corrupt candidate (bad checksum, no 0x7E where PL says, absurd PL) it resynchronises
 * by hunting for the next 0xBB from the byte after the rejected header, so a frame hidden behind
 * a false header is still found.
 */
export class FrameDecoder {
  private buf = Buffer.alloc(0);
  readonly stats: DecoderStats = { frames: 0, checksumErrors: 0, framingErrors: 0, skippedBytes: 0 };

  constructor(private readonly maxPayload = MAX_PAYLOAD) {}

  get errors(): number {
    return this.stats.checksumErrors + this.stats.framingErrors;
  }

  push(chunk: Uint8Array): Frame[] {
    this.buf = this.buf.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buf, chunk]);
    const frames: Frame[] = [];
    let i = 0;
    const b = this.buf;
    while (i < b.length) {
      if (b[i] !== HEADER) {
        const next = b.indexOf(HEADER, i);
        const to = next === -1 ? b.length : next;
        this.stats.skippedBytes += to - i;
        i = to;
        continue;
      }
      if (b.length - i < 5) break; // header, type, cmd, PL not all here yet
      const pl = b.readUInt16BE(i + 3);
      if (pl > this.maxPayload) {
        this.stats.framingErrors++;
        i++;
        continue;
      }
      const total = 7 + pl;
      if (b.length - i < total) {
        // Incomplete. If a complete, valid frame already starts at a later 0xBB, this header was
        // false (a corrupted byte): skip it now rather than hold good frames back.
        const later = this.nextValidHeader(b, i + 1);
        if (later === -1) break; // wait for the rest
        this.stats.framingErrors++;
        this.stats.skippedBytes += later - i;
        i = later;
        continue;
      }
      const type = b[i + 1] as number;
      const cmd = b[i + 2] as number;
      const payload = b.subarray(i + 5, i + 5 + pl);
      if (b[i + total - 1] !== END) {
        this.stats.framingErrors++;
        i++;
        continue;
      }
      if (b[i + 5 + pl] !== checksum(type, cmd, payload)) {
        this.stats.checksumErrors++;
        i++;
        continue;
      }
      frames.push({ type, cmd, payload: Uint8Array.from(payload) });
      this.stats.frames++;
      i += total;
    }
    this.buf = i >= b.length ? Buffer.alloc(0) : Buffer.from(b.subarray(i));
    return frames;
  }

  private nextValidHeader(b: Buffer, from: number): number {
    for (let j = b.indexOf(HEADER, from); j !== -1; j = b.indexOf(HEADER, j + 1)) {
      if (b.length - j < 7) return -1;
      const pl = b.readUInt16BE(j + 3);
      if (pl > this.maxPayload || b.length - j < 7 + pl) continue;
      if (b[j + 6 + pl] !== END) continue;
      if (b[j + 5 + pl] === checksum(b[j + 1] as number, b[j + 2] as number, b.subarray(j + 5, j + 5 + pl))) return j;
    }
    return -1;
  }

  /** Drops a partial frame (the port was lost). */
  reset(): void {
    this.buf = Buffer.alloc(0);
  }

  get pending(): number {
    return this.buf.length;
  }
}

/** One-shot decode of a complete byte string. */
export function decodeFrames(bytes: Uint8Array): { frames: Frame[]; stats: DecoderStats; rest: number } {
  const d = new FrameDecoder();
  const frames = d.push(bytes);
  return { frames, stats: d.stats, rest: d.pending };
}

// ---- Host → module commands (UHF-M100-PROTOCOL.md §2) ----

export const commands = {
  /** §2.1 single inventory: `BB 00 22 00 00 22 7E`. */
  singleInventory: (): Frame => ({ type: FrameType.Command, cmd: Cmd.SingleInventory, payload: new Uint8Array() }),
  /** §2.2 multiple inventory: reserved 0x22, then the number of rounds (1..65535), big-endian. */
  multiInventory: (rounds: number): Frame => {
    if (!Number.isInteger(rounds) || rounds < 1 || rounds > 0xffff) throw new TypeError("rounds must be 1..65535");
    return {
      type: FrameType.Command,
      cmd: Cmd.MultiInventory,
      payload: Uint8Array.of(0x22, rounds >> 8, rounds & 0xff),
    };
  },
  /** §2.3 stop multiple inventory: `BB 00 28 00 00 28 7E`. */
  stopInventory: (): Frame => ({ type: FrameType.Command, cmd: Cmd.StopInventory, payload: new Uint8Array() }),
  /** §2.4 module information (0x00 hardware version, 0x01 software version, 0x02 manufacturer). */
  getInfo: (kind: number = InfoKind.Hardware): Frame => ({
    type: FrameType.Command,
    cmd: Cmd.GetInfo,
    payload: Uint8Array.of(kind),
  }),
};

// ---- Module → host frames (UHF-M100-PROTOCOL.md §3), for the gateway to parse and firmware-sim to build ----

export interface TagNotice {
  /** dBm: the module sends a two's-complement signed byte (0xC9 = −55 dBm). */
  rssi: number;
  /** Protocol-control word, 4 upper-case hex digits. */
  pc: string;
  /** EPC bank (without PC and CRC), upper-case hex. */
  epc: string;
  /** CRC-16 the tag backscattered over PC+EPC, 4 upper-case hex digits. */
  crc: string;
  /** Whether `crc` equals the CRC-16 computed over PC+EPC (ISO/IEC 18000-63 §6.3.2.1.3). */
  crcOk: boolean;
}

/**
 * The Gen2 CRC-16 (ISO/IEC 18000-63 Annex F; CRC-16/GENIBUS: poly 0x1021, init 0xFFFF, output
 * complemented) that a tag stores and backscatters over PC+EPC.
 */
export function crc16Gen2(bytes: Uint8Array): number {
  let crc = 0xffff;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let k = 0; k < 8; k++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc ^ 0xffff;
}

/** §3.1 tag notification frame (type 0x02, cmd 0x22): RSSI(1) PC(2) EPC(n) CRC(2). */
export function tagNoticeFrame(t: { rssi: number; pc?: string; epc: string; crc?: string }): Frame {
  const epc = hexBytes(t.epc, "epc");
  if (epc.length % 2 !== 0) throw new TypeError("epc must be a whole number of 16-bit words");
  // Gen2 PC bits 15..11 carry the EPC length in words (ISO/IEC 18000-63 §6.3.2.1.2.2).
  const pc = t.pc === undefined ? ((epc.length / 2) << 11) & 0xffff : Number.parseInt(checkHex(t.pc, "pc", 4), 16);
  const pcEpc = Uint8Array.of(pc >> 8, pc & 0xff, ...epc);
  const crc = t.crc === undefined ? crc16Gen2(pcEpc) : Number.parseInt(checkHex(t.crc, "crc", 4), 16);
  if (!Number.isInteger(t.rssi) || t.rssi < -128 || t.rssi > 127) throw new TypeError("rssi must be -128..127 dBm");
  return {
    type: FrameType.Notice,
    cmd: Cmd.SingleInventory,
    payload: Uint8Array.of(t.rssi & 0xff, ...pcEpc, crc >> 8, crc & 0xff),
  };
}

/** Parses a tag notification; undefined if the frame is not one or is malformed. */
export function parseTagNotice(f: Frame): TagNotice | undefined {
  if (f.type !== FrameType.Notice || f.cmd !== Cmd.SingleInventory) return undefined;
  const p = f.payload;
  if (p.length < 5 || (p.length - 5) % 2 !== 0) return undefined;
  const pcWord = ((p[1] as number) << 8) | (p[2] as number);
  const epcBytes = p.subarray(3, p.length - 2);
  if (pcWord >> 11 !== epcBytes.length / 2) return undefined; // PC length disagrees with the frame
  const crcWord = ((p[p.length - 2] as number) << 8) | (p[p.length - 1] as number);
  return {
    rssi: ((p[0] as number) << 24) >> 24,
    pc: hex16(pcWord),
    epc: Buffer.from(epcBytes).toString("hex").toUpperCase(),
    crc: hex16(crcWord),
    crcOk: crc16Gen2(p.subarray(1, p.length - 2)) === crcWord,
  };
}

/** §3.5 error response (type 0x01, cmd 0xFF, one error-code byte), e.g. 0x15 = no tag. */
export function errorFrame(code: number): Frame {
  if (!isByte(code)) throw new TypeError("error code must be a byte");
  return { type: FrameType.Response, cmd: Cmd.Error, payload: Uint8Array.of(code) };
}

export function parseError(f: Frame): number | undefined {
  if (f.type !== FrameType.Response || f.cmd !== Cmd.Error || f.payload.length < 1) return undefined;
  return f.payload[0];
}

/** §3.3 stop response: `BB 01 28 00 01 00 2A 7E` (0x00 = stopped). */
export function stopResponseFrame(status = 0): Frame {
  return { type: FrameType.Response, cmd: Cmd.StopInventory, payload: Uint8Array.of(status) };
}

/** §3.4 information response: the requested kind, then ASCII text. */
export function infoResponseFrame(kind: number, text: string): Frame {
  return { type: FrameType.Response, cmd: Cmd.GetInfo, payload: Uint8Array.of(kind, ...Buffer.from(text, "latin1")) };
}

export function parseInfo(f: Frame): { kind: number; text: string } | undefined {
  if (f.type !== FrameType.Response || f.cmd !== Cmd.GetInfo || f.payload.length < 1) return undefined;
  return { kind: f.payload[0] as number, text: Buffer.from(f.payload.subarray(1)).toString("latin1") };
}

/** For the module side: the number of rounds a multi-inventory command asks for. */
export function parseMultiInventory(f: Frame): number | undefined {
  if (f.type !== FrameType.Command || f.cmd !== Cmd.MultiInventory || f.payload.length !== 3) return undefined;
  return ((f.payload[1] as number) << 8) | (f.payload[2] as number);
}

function isByte(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= 0xff;
}

function hex16(n: number): string {
  return n.toString(16).toUpperCase().padStart(4, "0");
}

function checkHex(s: string, what: string, len?: number): string {
  if (!/^[0-9A-Fa-f]*$/.test(s) || s.length % 2 !== 0 || (len !== undefined && s.length !== len)) {
    throw new TypeError(`${what} must be ${len === undefined ? "an even number of" : len} hex digits`);
  }
  return s;
}

function hexBytes(s: string, what: string): Uint8Array {
  return Uint8Array.from(Buffer.from(checkHex(s, what), "hex"));
}
