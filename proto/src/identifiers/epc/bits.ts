// Bit-level access to EPC binary encodings held as hex strings (TDS 2.1 §14: fields are
// big-endian, most significant bit first, starting right after the EPC bank's PC word).

// Local table: imported bindings may be accessed through getters by the TS loaders, which
// costs more than the lookup itself in these loops.
const HEX_VAL = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) HEX_VAL[48 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX_VAL[65 + i] = 10 + i;
  HEX_VAL[97 + i] = 10 + i;
}

const POW2: number[] = [];
for (let i = 0; i <= 53; i++) POW2.push(2 ** i);

/** True when every character of `hex` is a hex digit. */
export function isHex(hex: string): boolean {
  for (let i = 0; i < hex.length; i++) {
    const c = hex.charCodeAt(i);
    if (c >= 128 || HEX_VAL[c]! < 0) return false;
  }
  return true;
}

/** Reads `n` ≤ 53 bits at bit offset `off` of a hex string (already checked with isHex). */
export function readBits(hex: string, off: number, n: number): number {
  let v = 0;
  let i = off >> 2;
  let skip = off & 3;
  let remaining = n;
  while (remaining > 0) {
    const nib = HEX_VAL[hex.charCodeAt(i++)]!;
    const avail = 4 - skip;
    const take = Math.min(avail, remaining);
    v = v * POW2[take]! + ((nib >> (avail - take)) & ((1 << take) - 1));
    remaining -= take;
    skip = 0;
  }
  return v;
}

/** Reads `n` bits (any size) as a BigInt. */
export function readBigBits(hex: string, off: number, n: number): bigint {
  let v = 0n;
  let pos = off;
  let remaining = n;
  while (remaining > 0) {
    const take = Math.min(remaining, 48);
    v = (v << BigInt(take)) | BigInt(readBits(hex, pos, take));
    pos += take;
    remaining -= take;
  }
  return v;
}

/** True when bits [off, off+n) are all zero. */
export function bitsAreZero(hex: string, off: number, n: number): boolean {
  let pos = off;
  let remaining = n;
  while (remaining > 0) {
    const take = Math.min(remaining, 48);
    if (readBits(hex, pos, take) !== 0) return false;
    pos += take;
    remaining -= take;
  }
  return true;
}

/** Accumulates bits MSB first; `hex(words16)` pads with zeros to whole 16-bit words. */
export class BitWriter {
  private readonly bits: Uint8Array;
  private pos = 0;

  constructor(capacity: number) {
    this.bits = new Uint8Array(capacity + 16);
  }

  get length(): number {
    return this.pos;
  }

  /** Writes `v` (a non-negative integer < 2^n, n ≤ 53) in `n` bits. */
  write(v: number, n: number): void {
    for (let k = n - 1; k >= 0; k--) this.bits[this.pos++] = Math.floor(v / POW2[k]!) & 1;
  }

  writeBig(v: bigint, n: number): void {
    for (let k = n - 1; k >= 0; k--) this.bits[this.pos++] = Number((v >> BigInt(k)) & 1n);
  }

  /** Upper-case hex of the bits written, zero-padded to `totalBits` (rounded up to 16-bit words). */
  hex(totalBits: number): string {
    const words = Math.ceil(totalBits / 16);
    const nibbles = words * 4;
    let out = "";
    for (let i = 0; i < nibbles; i++) {
      const b = i * 4;
      const v = (this.bits[b]! << 3) | (this.bits[b + 1]! << 2) | (this.bits[b + 2]! << 1) | this.bits[b + 3]!;
      out += "0123456789ABCDEF"[v];
    }
    return out;
  }
}

/** "0101…" → upper-case hex (length padded to a multiple of 4 bits with zeros). */
export function binaryToHex(bits: string): string {
  let out = "";
  for (let i = 0; i < bits.length; i += 4) {
    let v = 0;
    for (let j = 0; j < 4; j++) {
      const c = bits.charCodeAt(i + j);
      v = (v << 1) | (c === 49 ? 1 : 0);
      if (i + j < bits.length && c !== 48 && c !== 49) return "";
    }
    out += "0123456789ABCDEF"[v];
  }
  return out;
}
