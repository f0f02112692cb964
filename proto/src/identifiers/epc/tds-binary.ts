// EPC binary encodings of the Tag Data Standard (TDS 2.1 §14): the content of a Gen2 tag's
// EPC bank after the PC word, as hex. Headers (Table 14-1), partition tables (§14.5.x) and
// the integer / 7-bit string / numeric-string / 6-bit encodings (§14.3) are tables below.
import * as bitsModule from "./bits.ts";
import { BitWriter } from "./bits.ts";
import * as common from "./common.ts";
import { type EpcScheme, type EpcUri, parseEpcUri } from "./uri.ts";

// Module-level aliases: decodeEpc is a hot path and imported bindings may be getter calls
// under the TypeScript loaders.
const { binaryToHex, bitsAreZero, isHex, readBigBits, readBits } = bitsModule;
const { CSET82, encodeCpRef, encodeGs3a3, epcError } = common;

/** Partition table row: [company prefix bits, digits, reference bits, digits]. */
type Row = readonly [number, number, number, number];
type Table = readonly Row[];

// TDS 2.1 Table 14-2 SGTIN (also ITIP, Table 14-13): 44 bits.
const T_SGTIN: Table = [
  [40, 12, 4, 1],
  [37, 11, 7, 2],
  [34, 10, 10, 3],
  [30, 9, 14, 4],
  [27, 8, 17, 5],
  [24, 7, 20, 6],
  [20, 6, 24, 7],
];
// TDS 2.1 Table 14-3 SSCC (also GSRN/GSRNP, Table 14-8): 58 bits.
const T_SSCC: Table = [
  [40, 12, 18, 5],
  [37, 11, 21, 6],
  [34, 10, 24, 7],
  [30, 9, 28, 8],
  [27, 8, 31, 9],
  [24, 7, 34, 10],
  [20, 6, 38, 11],
];
// TDS 2.1 Table 14-4 SGLN (also GDTI Table 14-9, SGCN Table 14-12): 41 bits.
const T_SGLN: Table = [
  [40, 12, 1, 0],
  [37, 11, 4, 1],
  [34, 10, 7, 2],
  [30, 9, 11, 3],
  [27, 8, 14, 4],
  [24, 7, 17, 5],
  [20, 6, 21, 6],
];
// TDS 2.1 Table 14-5 GRAI: 44 bits.
const T_GRAI: Table = [
  [40, 12, 4, 0],
  [37, 11, 7, 1],
  [34, 10, 10, 2],
  [30, 9, 14, 3],
  [27, 8, 17, 4],
  [24, 7, 20, 5],
  [20, 6, 24, 6],
];
// TDS 2.1 Table 14-6 GIAI-96: 82 bits (reference is an integer).
const T_GIAI96: Table = [
  [40, 12, 42, 13],
  [37, 11, 45, 14],
  [34, 10, 48, 15],
  [30, 9, 52, 16],
  [27, 8, 55, 17],
  [24, 7, 58, 18],
  [20, 6, 62, 19],
];
// TDS 2.1 Table 14-7 GIAI-202: 188 bits (reference is a 7-bit string of up to `digits` characters).
const T_GIAI202: Table = [
  [40, 12, 148, 18],
  [37, 11, 151, 19],
  [34, 10, 154, 20],
  [30, 9, 158, 21],
  [27, 8, 161, 22],
  [24, 7, 164, 23],
  [20, 6, 168, 24],
];
// TDS 2.1 Table 14-10 CPI-96: 51 bits (part reference is an integer).
const T_CPI96: Table = [
  [40, 12, 11, 3],
  [37, 11, 14, 4],
  [34, 10, 17, 5],
  [30, 9, 21, 6],
  [27, 8, 24, 7],
  [24, 7, 27, 8],
  [20, 6, 31, 9],
];
// TDS 2.1 Table 14-11 CPI-var: part reference is 6-bit characters (max `digits`) ending in 000000.
const T_CPIVAR: Table = [
  [40, 12, 114, 18],
  [37, 11, 120, 19],
  [34, 10, 126, 20],
  [30, 9, 132, 21],
  [27, 8, 138, 22],
  [24, 7, 144, 23],
  [20, 6, 150, 24],
];

/** One field of a binary layout after header and filter. */
type Field =
  | { k: "cpRef"; t: Table } // partition + company prefix + numeric reference (zero-padded digits)
  | { k: "cpInt"; t: Table } // partition + company prefix + integer reference (no leading zeros)
  | { k: "cpStr7"; t: Table } // partition + company prefix + 7-bit string reference
  | { k: "cpStr6"; t: Table } // partition + company prefix + 6-bit string reference, terminated
  | { k: "int"; n: number; name: string } // TDS §14.3.1 integer
  | { k: "pad2"; n: number; name: string } // integer shown as 2 digits (ITIP piece/total)
  | { k: "str7"; n: number; name: string } // TDS §14.3.2 string (7-bit, zero padded)
  | { k: "numstr"; n: number; name: string } // TDS §14.3.8 numeric string ("1" + digits as integer)
  | { k: "zero"; n: number } // reserved, all zero
  | { k: "cage8" } // TDS §14.3.5 6 × 8-bit ASCII, 5-char CAGE with a leading space
  | { k: "cage6" } // TDS §14.3.6 6 × 6-bit, 5-char CAGE with a leading space
  | { k: "str6"; max: number; name: string; hash?: boolean }; // 6-bit, terminated by 000000

export type BinaryScheme =
  | "sgtin-96"
  | "sgtin-198"
  | "sscc-96"
  | "sgln-96"
  | "sgln-195"
  | "grai-96"
  | "grai-170"
  | "giai-96"
  | "giai-202"
  | "gsrn-96"
  | "gsrnp-96"
  | "gdti-96"
  | "gdti-113"
  | "gdti-174"
  | "sgcn-96"
  | "cpi-96"
  | "cpi-var"
  | "itip-110"
  | "itip-212"
  | "gid-96"
  | "usdod-96"
  | "adi-var";

interface Layout {
  name: BinaryScheme;
  header: number;
  epc: EpcScheme;
  /** Fixed length in bits; 0 for the variable-length schemes. */
  bits: number;
  filterBits: number;
  fields: Field[];
}

// TDS 2.1 Table 14-1 header values, §14.5 layouts.
const LAYOUTS: Layout[] = [
  {
    name: "sgtin-96",
    header: 0x30,
    epc: "sgtin",
    bits: 96,
    filterBits: 3,
    fields: [
      { k: "cpRef", t: T_SGTIN },
      { k: "int", n: 38, name: "serial" },
    ],
  },
  {
    name: "sgtin-198",
    header: 0x36,
    epc: "sgtin",
    bits: 198,
    filterBits: 3,
    fields: [
      { k: "cpRef", t: T_SGTIN },
      { k: "str7", n: 140, name: "serial" },
    ],
  },
  {
    name: "sscc-96",
    header: 0x31,
    epc: "sscc",
    bits: 96,
    filterBits: 3,
    fields: [
      { k: "cpRef", t: T_SSCC },
      { k: "zero", n: 24 },
    ],
  },
  {
    name: "sgln-96",
    header: 0x32,
    epc: "sgln",
    bits: 96,
    filterBits: 3,
    fields: [
      { k: "cpRef", t: T_SGLN },
      { k: "int", n: 41, name: "extension" },
    ],
  },
  {
    name: "sgln-195",
    header: 0x39,
    epc: "sgln",
    bits: 195,
    filterBits: 3,
    fields: [
      { k: "cpRef", t: T_SGLN },
      { k: "str7", n: 140, name: "extension" },
    ],
  },
  {
    name: "grai-96",
    header: 0x33,
    epc: "grai",
    bits: 96,
    filterBits: 3,
    fields: [
      { k: "cpRef", t: T_GRAI },
      { k: "int", n: 38, name: "serial" },
    ],
  },
  {
    name: "grai-170",
    header: 0x37,
    epc: "grai",
    bits: 170,
    filterBits: 3,
    fields: [
      { k: "cpRef", t: T_GRAI },
      { k: "str7", n: 112, name: "serial" },
    ],
  },
  { name: "giai-96", header: 0x34, epc: "giai", bits: 96, filterBits: 3, fields: [{ k: "cpInt", t: T_GIAI96 }] },
  { name: "giai-202", header: 0x38, epc: "giai", bits: 202, filterBits: 3, fields: [{ k: "cpStr7", t: T_GIAI202 }] },
  {
    name: "gsrn-96",
    header: 0x2d,
    epc: "gsrn",
    bits: 96,
    filterBits: 3,
    fields: [
      { k: "cpRef", t: T_SSCC },
      { k: "zero", n: 24 },
    ],
  },
  {
    name: "gsrnp-96",
    header: 0x2e,
    epc: "gsrnp",
    bits: 96,
    filterBits: 3,
    fields: [
      { k: "cpRef", t: T_SSCC },
      { k: "zero", n: 24 },
    ],
  },
  {
    name: "gdti-96",
    header: 0x2c,
    epc: "gdti",
    bits: 96,
    filterBits: 3,
    fields: [
      { k: "cpRef", t: T_SGLN },
      { k: "int", n: 41, name: "serial" },
    ],
  },
  {
    // Deprecated since TDS 1.9, still decodable: 17-digit numeric-string serial.
    name: "gdti-113",
    header: 0x3a,
    epc: "gdti",
    bits: 113,
    filterBits: 3,
    fields: [
      { k: "cpRef", t: T_SGLN },
      { k: "numstr", n: 58, name: "serial" },
    ],
  },
  {
    name: "gdti-174",
    header: 0x3e,
    epc: "gdti",
    bits: 174,
    filterBits: 3,
    fields: [
      { k: "cpRef", t: T_SGLN },
      { k: "str7", n: 119, name: "serial" },
    ],
  },
  {
    name: "sgcn-96",
    header: 0x3f,
    epc: "sgcn",
    bits: 96,
    filterBits: 3,
    fields: [
      { k: "cpRef", t: T_SGLN },
      { k: "numstr", n: 41, name: "serial" },
    ],
  },
  {
    name: "cpi-96",
    header: 0x3c,
    epc: "cpi",
    bits: 96,
    filterBits: 3,
    fields: [
      { k: "cpInt", t: T_CPI96 },
      { k: "int", n: 31, name: "serial" },
    ],
  },
  {
    name: "cpi-var",
    header: 0x3d,
    epc: "cpi",
    bits: 0,
    filterBits: 3,
    fields: [
      { k: "cpStr6", t: T_CPIVAR },
      { k: "int", n: 40, name: "serial" },
    ],
  },
  {
    name: "itip-110",
    header: 0x40,
    epc: "itip",
    bits: 110,
    filterBits: 3,
    fields: [
      { k: "cpRef", t: T_SGTIN },
      { k: "pad2", n: 7, name: "piece" },
      { k: "pad2", n: 7, name: "total" },
      { k: "int", n: 38, name: "serial" },
    ],
  },
  {
    name: "itip-212",
    header: 0x41,
    epc: "itip",
    bits: 212,
    filterBits: 3,
    fields: [
      { k: "cpRef", t: T_SGTIN },
      { k: "pad2", n: 7, name: "piece" },
      { k: "pad2", n: 7, name: "total" },
      { k: "str7", n: 140, name: "serial" },
    ],
  },
  {
    name: "gid-96",
    header: 0x35,
    epc: "gid",
    bits: 96,
    filterBits: 0,
    fields: [
      { k: "int", n: 28, name: "general manager number" },
      { k: "int", n: 24, name: "object class" },
      { k: "int", n: 36, name: "serial" },
    ],
  },
  {
    name: "usdod-96",
    header: 0x2f,
    epc: "usdod",
    bits: 96,
    filterBits: 4,
    fields: [{ k: "cage8" }, { k: "int", n: 36, name: "serial" }],
  },
  {
    name: "adi-var",
    header: 0x3b,
    epc: "adi",
    bits: 0,
    filterBits: 6,
    fields: [
      { k: "cage6" },
      { k: "str6", max: 32, name: "part number" },
      { k: "str6", max: 30, name: "serial", hash: true },
    ],
  },
];

const BY_HEADER: (Layout | undefined)[] = new Array(256);
const BY_NAME = new Map<string, Layout>();
const BY_EPC = new Map<EpcScheme, Layout[]>();
for (const l of LAYOUTS) {
  BY_HEADER[l.header] = l;
  BY_NAME.set(l.name, l);
  const list = BY_EPC.get(l.epc) ?? [];
  list.push(l);
  BY_EPC.set(l.epc, list);
}

const POW10: number[] = [];
for (let i = 0; i <= 15; i++) POW10.push(10 ** i);

/** The binary schemes (TDS 2.1 §14) that can carry an EPC of this pure-identity scheme, smallest first. */
export function binarySchemesFor(scheme: EpcScheme): BinaryScheme[] {
  return (BY_EPC.get(scheme) ?? []).filter((l) => l.name !== "gdti-113").map((l) => l.name);
}

export function isBinaryScheme(s: string): s is BinaryScheme {
  return BY_NAME.has(s);
}

export function binarySchemeInfo(name: BinaryScheme): {
  header: number;
  epcScheme: EpcScheme;
  bits: number;
  filterBits: number;
} {
  const l = BY_NAME.get(name);
  if (l === undefined) throw new TypeError(`unknown binary scheme ${name}`);
  return { header: l.header, epcScheme: l.epc, bits: l.bits, filterBits: l.filterBits };
}

/** A decoded EPC binary encoding. */
export interface DecodedEpc {
  /** Binary coding scheme, e.g. "sgtin-96". */
  scheme: BinaryScheme;
  /** Filter value (TDS 2.1 §10); undefined for GID-96, which has none. */
  filter: number | undefined;
  /** Tag URI, e.g. urn:epc:tag:sgtin-96:3.0614141.812345.6789. */
  tagUri: string;
  /** Pure-identity URI, e.g. urn:epc:id:sgtin:0614141.812345.6789. */
  epcUri: string;
}

function truncated(hex: string, l: Layout, pos: number): never {
  binErr("ID_EPC_BINARY_BAD_LENGTH", hex, `${l.name}: truncated at bit ${pos}`, "length");
}

function binErr(code: string, hex: string, msg: string, field = "epc"): never {
  throw epcError(code, `EPC binary ${hex.length > 64 ? hex.slice(0, 64) + "…" : hex}: ${msg}`, field);
}

/** Formats a tag URI (TDS 2.1 §12): urn:epc:tag:<scheme>:<filter>.<components>; GID-96 has no filter. */
export function formatTagUri(scheme: BinaryScheme, filter: number | undefined, parts: readonly string[]): string {
  const body = parts.join(".");
  return filter === undefined ? `urn:epc:tag:${scheme}:${body}` : `urn:epc:tag:${scheme}:${filter}.${body}`;
}

/** Escapes one decoded string character for the URI of `epc` (TDS §5 / §6.3.12 / §6.3.13). */
function uriChar(code: number, epc: EpcScheme): string {
  const ch = String.fromCharCode(code);
  if (epc === "cpi" || epc === "adi") return encodeCpRef(ch);
  return encodeGs3a3(ch);
}

/**
 * Decodes EPC binary (the EPC bank content after the PC word, as hex; case-insensitive).
 * Trailing bits after the encoding (word padding, or a longer EPC bank read) must be zero.
 */
export function decodeEpc(hex: string): DecodedEpc {
  if (typeof hex !== "string") throw new TypeError("decodeEpc: hex must be a string");
  if (hex.length < 2 || !isHex(hex)) binErr("ID_EPC_BINARY_BAD_HEX", hex, "must be hex digits");
  const header = readBits(hex, 0, 8);
  const l = BY_HEADER[header];
  if (l === undefined) {
    binErr(
      "ID_EPC_BINARY_UNKNOWN_HEADER",
      hex,
      `header 0x${header.toString(16).toUpperCase().padStart(2, "0")} is not a supported EPC binary scheme (TDS Table 14-1)`,
      "header",
    );
  }
  const total = hex.length * 4;
  if (l.bits > 0 && total < l.bits) {
    binErr("ID_EPC_BINARY_BAD_LENGTH", hex, `${l.name} needs ${l.bits} bits, got ${total}`, "length");
  }
  let pos = 8;
  let filter: number | undefined;
  if (l.filterBits > 0) {
    if (pos + l.filterBits > total) truncated(hex, l, pos);
    filter = readBits(hex, pos, l.filterBits);
    pos += l.filterBits;
  }
  const parts: string[] = [];
  for (const f of l.fields) {
    switch (f.k) {
      case "cpRef":
      case "cpInt":
      case "cpStr7":
      case "cpStr6": {
        if (pos + 3 > total) truncated(hex, l, pos);
        const p = readBits(hex, pos, 3);
        pos += 3;
        const row = f.t[p];
        if (row === undefined)
          binErr("ID_EPC_BINARY_BAD_PARTITION", hex, `${l.name}: partition value ${p} is not 0–6`, "partition");
        const [cpBits, cpDigits, refBits, refDigits] = row;
        if (pos + cpBits > total) truncated(hex, l, pos);
        const cp = readBits(hex, pos, cpBits);
        pos += cpBits;
        if (cp >= POW10[cpDigits]!) {
          binErr(
            "ID_EPC_BINARY_BAD_VALUE",
            hex,
            `${l.name}: company prefix ${cp} has more than ${cpDigits} digits`,
            "company prefix",
          );
        }
        parts.push(String(cp).padStart(cpDigits, "0"));
        if (f.k === "cpRef") {
          if (pos + refBits > total) truncated(hex, l, pos);
          const ref = readBits(hex, pos, refBits);
          pos += refBits;
          if (ref >= POW10[refDigits]!) {
            binErr(
              "ID_EPC_BINARY_BAD_VALUE",
              hex,
              `${l.name}: reference ${ref} has more than ${refDigits} digits`,
              "reference",
            );
          }
          parts.push(refDigits === 0 ? "" : String(ref).padStart(refDigits, "0"));
        } else if (f.k === "cpInt") {
          if (pos + refBits > total) truncated(hex, l, pos);
          const ref = refBits > 53 ? readBigBits(hex, pos, refBits) : readBits(hex, pos, refBits);
          pos += refBits;
          const s = String(ref);
          if (s.length > refDigits) {
            binErr(
              "ID_EPC_BINARY_BAD_VALUE",
              hex,
              `${l.name}: reference ${s} has more than ${refDigits} digits`,
              "reference",
            );
          }
          parts.push(s);
        } else if (f.k === "cpStr7") {
          if (pos + refBits > total) truncated(hex, l, pos);
          parts.push(readStr7(hex, pos, refBits, refDigits, l, "reference"));
          pos += refBits;
        } else {
          const r = readStr6(hex, pos, refDigits, total, l, "part reference", false);
          parts.push(r.s);
          pos = r.pos;
        }
        break;
      }
      case "int": {
        if (pos + f.n > total) truncated(hex, l, pos);
        parts.push(String(readBits(hex, pos, f.n)));
        pos += f.n;
        break;
      }
      case "pad2": {
        if (pos + f.n > total) truncated(hex, l, pos);
        const v = readBits(hex, pos, f.n);
        if (v > 99) binErr("ID_EPC_BINARY_BAD_VALUE", hex, `${l.name}: ${f.name} ${v} exceeds 99`, f.name);
        parts.push(String(v).padStart(2, "0"));
        pos += f.n;
        break;
      }
      case "str7": {
        if (pos + f.n > total) truncated(hex, l, pos);
        parts.push(readStr7(hex, pos, f.n, Math.floor(f.n / 7), l, f.name));
        pos += f.n;
        break;
      }
      case "numstr": {
        if (pos + f.n > total) truncated(hex, l, pos);
        const s = String(f.n > 53 ? readBigBits(hex, pos, f.n) : readBits(hex, pos, f.n));
        if (s[0] !== "1" || s.length < 2) {
          binErr(
            "ID_EPC_BINARY_BAD_VALUE",
            hex,
            `${l.name}: ${f.name} is not a numeric string ("1" + digits, TDS §14.3.8)`,
            f.name,
          );
        }
        parts.push(s.slice(1));
        pos += f.n;
        break;
      }
      case "zero": {
        if (pos + f.n > total) truncated(hex, l, pos);
        if (!bitsAreZero(hex, pos, f.n))
          binErr("ID_EPC_BINARY_BAD_VALUE", hex, `${l.name}: reserved bits must be zero`, "reserved");
        pos += f.n;
        break;
      }
      case "cage8":
      case "cage6": {
        const w = f.k === "cage8" ? 8 : 6;
        if (pos + 6 * w > total) truncated(hex, l, pos);
        let s = "";
        for (let i = 0; i < 6; i++) {
          let c = readBits(hex, pos, w);
          pos += w;
          if (w === 6) c = c < 32 ? c + 64 : c; // TDS §14.3.6: 6-bit value → ASCII 0x20–0x5F
          if (i === 0 && c === 32) continue; // leading space pads a 5-character CAGE code
          s += String.fromCharCode(c);
        }
        parts.push(s);
        break;
      }
      case "str6": {
        const r = readStr6(hex, pos, f.max, total, l, f.name, f.hash === true);
        parts.push(r.s);
        pos = r.pos;
        break;
      }
    }
  }
  const used = l.bits > 0 ? l.bits : pos;
  if (used > pos) pos = used;
  if (!bitsAreZero(hex, pos, total - pos)) {
    binErr("ID_EPC_BINARY_BAD_LENGTH", hex, `${l.name}: non-zero bits after the ${used}-bit encoding`, "length");
  }
  const tagUri = formatTagUri(l.name, filter, parts);
  const epcUri = `urn:epc:id:${l.epc}:${parts.join(".")}`;
  // Integer fields and padded digits are valid by construction; string fields and identifiers
  // with per-scheme rules (CAGE letters, GIAI/CPI length limits) are checked by the URI parser.
  if (l.name !== "sgtin-96" && l.name !== "sscc-96" && l.name !== "sgln-96" && l.name !== "grai-96") {
    try {
      parseEpcUri(epcUri);
    } catch (e) {
      binErr("ID_EPC_BINARY_BAD_VALUE", hex, `${l.name} decodes to an invalid EPC: ${(e as Error).message}`);
    }
  }
  return { scheme: l.name, filter, tagUri, epcUri };
}

/** Decodes EPC binary given as a string of "0"/"1" characters. */
export function decodeEpcBinary(bits: string): DecodedEpc {
  if (typeof bits !== "string") throw new TypeError("decodeEpcBinary: bits must be a string");
  const hex = binaryToHex(bits);
  if (hex === "") throw epcError("ID_EPC_BINARY_BAD_HEX", "EPC binary: must be 0/1 digits", "epc");
  return decodeEpc(hex);
}

function readStr7(hex: string, pos: number, n: number, maxChars: number, l: Layout, name: string): string {
  let s = "";
  let i = 0;
  for (let count = 0; i + 7 <= n && count < maxChars; i += 7, count++) {
    const c = readBits(hex, pos + i, 7);
    if (c === 0) break;
    if (CSET82[c] === 0) {
      binErr(
        "ID_EPC_BINARY_BAD_VALUE",
        hex,
        `${l.name}: ${name} character 0x${c.toString(16)} is not in GS1 character set 82`,
        name,
      );
    }
    s += uriChar(c, l.epc);
  }
  if (!bitsAreZero(hex, pos + i, n - i)) {
    binErr("ID_EPC_BINARY_BAD_VALUE", hex, `${l.name}: ${name} must be zero-padded after its last character`, name);
  }
  if (s.length === 0) binErr("ID_EPC_BINARY_BAD_VALUE", hex, `${l.name}: ${name} is empty`, name);
  return s;
}

function readStr6(
  hex: string,
  pos: number,
  max: number,
  total: number,
  l: Layout,
  name: string,
  hashAllowed: boolean,
): { s: string; pos: number } {
  let s = "";
  for (let count = 0; ; count++) {
    if (pos + 6 > total) binErr("ID_EPC_BINARY_BAD_LENGTH", hex, `${l.name}: ${name} has no 000000 terminator`, name);
    const v = readBits(hex, pos, 6);
    pos += 6;
    if (v === 0) break;
    if (count >= max) binErr("ID_EPC_BINARY_BAD_VALUE", hex, `${l.name}: ${name} longer than ${max} characters`, name);
    const c = v < 32 ? v + 64 : v;
    const ok =
      (c >= 65 && c <= 90) ||
      (c >= 48 && c <= 57) ||
      c === 45 ||
      c === 47 ||
      (c === 35 && hashAllowed && count === 0) ||
      (c === 35 && l.epc === "cpi");
    if (!ok)
      binErr(
        "ID_EPC_BINARY_BAD_VALUE",
        hex,
        `${l.name}: ${name} character ${JSON.stringify(String.fromCharCode(c))} not allowed`,
        name,
      );
    s += uriChar(c, l.epc);
  }
  return { s, pos };
}

/** Options of {@link encodeEpc}. */
export interface EncodeOptions {
  /** Binary scheme; default: the first of the URI's scheme's encodings that can hold the value (96-bit first). */
  scheme?: BinaryScheme;
  /** Filter value (TDS 2.1 §10); default 0. Ignored (must be absent) for GID-96. */
  filter?: number;
}

function notEncodable(uri: string, l: Layout, msg: string, field: string): never {
  throw epcError("ID_EPC_NOT_ENCODABLE", `${uri}: cannot encode as ${l.name}: ${msg}`, field);
}

function encodeWith(e: EpcUri, l: Layout, filter: number | undefined): { hex: string; tagUri: string } {
  const uri = e.uri;
  const v = e.values;
  const capacity = l.bits > 0 ? l.bits : 512;
  const w = new BitWriter(capacity);
  w.write(l.header, 8);
  if (l.filterBits > 0) {
    const f = filter ?? 0;
    if (!Number.isInteger(f) || f < 0 || f >= 2 ** l.filterBits) {
      throw epcError(
        "ID_EPC_BAD_FILTER",
        `${uri}: filter ${f} must be 0–${2 ** l.filterBits - 1} for ${l.name}`,
        "filter",
      );
    }
    w.write(f, l.filterBits);
  }
  let vi = 0;
  for (const f of l.fields) {
    switch (f.k) {
      case "cpRef":
      case "cpInt":
      case "cpStr7":
      case "cpStr6": {
        const cp = v[vi++]!;
        const ref = v[vi++]!;
        const p = f.t.findIndex((r) => r[1] === cp.length);
        const row = f.t[p]!;
        w.write(p, 3);
        w.write(Number(cp), row[0]);
        if (f.k === "cpRef") {
          if (ref.length !== row[3]) notEncodable(uri, l, `reference must be ${row[3]} digits`, "reference");
          w.write(ref === "" ? 0 : Number(ref), row[2]);
        } else if (f.k === "cpInt") {
          writeInt(w, ref, row[2], uri, l, "reference");
        } else if (f.k === "cpStr7") {
          writeStr7(w, ref, row[2], row[3], uri, l, "reference");
        } else {
          writeStr6(w, ref, row[3], uri, l, "part reference");
        }
        break;
      }
      case "int":
        writeInt(w, v[vi++]!, f.n, uri, l, f.name);
        break;
      case "pad2":
        w.write(Number(v[vi++]!), f.n);
        break;
      case "str7":
        writeStr7(w, v[vi++]!, f.n, Math.floor(f.n / 7), uri, l, f.name);
        break;
      case "numstr": {
        const s = v[vi++]!;
        const big = BigInt("1" + s);
        if (big >= 1n << BigInt(f.n)) notEncodable(uri, l, `${f.name} "${s}" does not fit ${f.n} bits`, f.name);
        w.writeBig(big, f.n);
        break;
      }
      case "zero":
        w.write(0, f.n);
        break;
      case "cage8":
      case "cage6": {
        const s = v[vi++]!.padStart(6, " ");
        for (let i = 0; i < 6; i++)
          w.write(f.k === "cage8" ? s.charCodeAt(i) : s.charCodeAt(i) & 63, f.k === "cage8" ? 8 : 6);
        break;
      }
      case "str6":
        writeStr6(w, v[vi++]!, f.max, uri, l, f.name);
        break;
    }
  }
  const bits = l.bits > 0 ? l.bits : w.length;
  return { hex: w.hex(bits), tagUri: formatTagUri(l.name, l.filterBits > 0 ? (filter ?? 0) : undefined, e.parts) };
}

function writeInt(w: BitWriter, s: string, n: number, uri: string, l: Layout, name: string): void {
  if (!/^(0|[1-9][0-9]*)$/.test(s)) {
    notEncodable(uri, l, `${name} "${s}" must be a decimal number without leading zeros (TDS §14.3.1)`, name);
  }
  const big = BigInt(s);
  if (big >= 1n << BigInt(n))
    notEncodable(uri, l, `${name} ${s} exceeds ${n} bits (max ${(1n << BigInt(n)) - 1n})`, name);
  if (n > 53) w.writeBig(big, n);
  else w.write(Number(big), n);
}

function writeStr7(w: BitWriter, s: string, n: number, maxChars: number, uri: string, l: Layout, name: string): void {
  if (s.length > maxChars) notEncodable(uri, l, `${name} longer than ${maxChars} characters`, name);
  for (let i = 0; i < s.length; i++) w.write(s.charCodeAt(i), 7);
  w.write(0, n - 7 * s.length);
}

function writeStr6(w: BitWriter, s: string, max: number, uri: string, l: Layout, name: string): void {
  if (s.length > max) notEncodable(uri, l, `${name} longer than ${max} characters`, name);
  for (let i = 0; i < s.length; i++) w.write(s.charCodeAt(i) & 63, 6);
  w.write(0, 6);
}

/**
 * Encodes an EPC (pure-identity URI or tag URI) as EPC binary hex (upper case, whole 16-bit
 * words). A tag URI carries its scheme and filter; `opts` may override neither inconsistently.
 * Throws ID_EPC_NOT_ENCODABLE when the value does not fit the scheme (e.g. an SGTIN-96 serial
 * with a leading zero, non-numeric or ≥ 2^38).
 */
export function encodeEpc(uri: string, opts?: EncodeOptions): string {
  return encodeEpcDetailed(uri, opts).hex;
}

/** Like {@link encodeEpc}, also returning the tag URI and scheme used. */
export function encodeEpcDetailed(
  uri: string,
  opts?: EncodeOptions,
): { hex: string; tagUri: string; scheme: BinaryScheme } {
  if (typeof uri !== "string") throw new TypeError("encodeEpc: uri must be a string");
  let schemeName = opts?.scheme;
  let filter = opts?.filter;
  let epcUri = uri;
  if (uri.startsWith("urn:epc:tag:")) {
    const t = splitTagUri(uri);
    if (schemeName !== undefined && schemeName !== t.scheme) {
      throw epcError(
        "ID_EPC_TAG_URI_CONFLICT",
        `${uri}: scheme option ${schemeName} differs from the tag URI`,
        "scheme",
      );
    }
    if (filter !== undefined && filter !== t.filter) {
      throw epcError("ID_EPC_TAG_URI_CONFLICT", `${uri}: filter option ${filter} differs from the tag URI`, "filter");
    }
    schemeName = t.scheme;
    filter = t.filter;
    epcUri = t.epcUri;
  }
  const e = parseEpcUri(epcUri);
  if (e.kind !== "id")
    throw epcError("ID_EPC_NOT_ENCODABLE", `${uri}: only pure-identity EPCs have a binary encoding`, "uri");
  const candidates = BY_EPC.get(e.scheme);
  if (candidates === undefined) {
    throw epcError("ID_EPC_NOT_ENCODABLE", `${uri}: scheme ${e.scheme} has no EPC binary encoding (TDS §14)`, "scheme");
  }
  if (schemeName !== undefined) {
    const l = BY_NAME.get(schemeName);
    if (l === undefined || l.epc !== e.scheme) {
      throw epcError(
        "ID_EPC_NOT_ENCODABLE",
        `${uri}: binary scheme ${schemeName} does not encode ${e.scheme}`,
        "scheme",
      );
    }
    if (l.filterBits === 0 && filter !== undefined) {
      throw epcError("ID_EPC_BAD_FILTER", `${uri}: ${l.name} has no filter value`, "filter");
    }
    return { ...encodeWith(e, l, filter), scheme: l.name };
  }
  let first: unknown;
  for (const l of candidates) {
    if (l.name === "gdti-113") continue;
    try {
      return { ...encodeWith(e, l, l.filterBits === 0 ? undefined : filter), scheme: l.name };
    } catch (err) {
      first ??= err;
    }
  }
  throw first;
}

/** Splits a tag URI into scheme, filter and the pure-identity URI (TDS 2.1 §12.2). */
export function splitTagUri(uri: string): { scheme: BinaryScheme; filter: number | undefined; epcUri: string } {
  if (typeof uri !== "string") throw new TypeError("splitTagUri: uri must be a string");
  const prefix = "urn:epc:tag:";
  if (!uri.startsWith(prefix)) throw epcError("ID_EPC_TAG_URI_SYNTAX", `${uri}: must start with ${prefix}`, "uri");
  const colon = uri.indexOf(":", prefix.length);
  const name = colon < 0 ? "" : uri.slice(prefix.length, colon);
  const l = BY_NAME.get(name);
  if (l === undefined)
    throw epcError("ID_EPC_UNKNOWN_SCHEME", `${uri}: unknown tag encoding scheme "${name}"`, "scheme");
  let body = uri.slice(colon + 1);
  let filter: number | undefined;
  if (l.filterBits > 0) {
    const dot = body.indexOf(".");
    const f = dot < 0 ? "" : body.slice(0, dot);
    if (!/^(0|[1-9][0-9]?)$/.test(f) || Number(f) >= 2 ** l.filterBits) {
      throw epcError(
        "ID_EPC_BAD_FILTER",
        `${uri}: filter "${f}" must be 0–${2 ** l.filterBits - 1} for ${l.name}`,
        "filter",
      );
    }
    filter = Number(f);
    body = body.slice(dot + 1);
  }
  return { scheme: l.name, filter, epcUri: `urn:epc:id:${l.epc}:${body}` };
}
