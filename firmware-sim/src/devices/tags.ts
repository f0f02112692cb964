/**
 * EPC banks for emulated tags, built with proto's Tag Data Standard encoder (TDS 2.1 §14), and
 * the Gen2 PC word that goes with them.
 */
import { type EncodeOptions, encodeEpc } from "@suyuan/proto";
import type { TagInField } from "./noise.ts";

/** EPC bank hex for a pure-identity EPC URI, e.g. `urn:epc:id:sgtin:0614141.812345.6789` → SGTIN-96. */
export function epcHex(epcUri: string, opts?: EncodeOptions): string {
  return encodeEpc(epcUri, opts).toUpperCase();
}

/** Gen2 PC word for an EPC of this many hex digits: length in words in bits 15–11 (ISO/IEC 18000-63 §6.3.2.1.2.2). */
export function pcFor(epc: string): string {
  return (((epc.length / 4) << 11) & 0xffff).toString(16).toUpperCase().padStart(4, "0");
}

export function normaliseTag(t: string | TagInField, antenna?: number): TagInField {
  const tag: TagInField = typeof t === "string" ? { epc: t } : { ...t };
  if (!/^([0-9A-Fa-f]{4})+$/.test(tag.epc) || tag.epc.length > 124) {
    throw new TypeError(`tag ${tag.epc}: EPC must be whole 16-bit words of hex (≤ 496 bits)`);
  }
  tag.epc = tag.epc.toUpperCase();
  if (tag.antenna === undefined && antenna !== undefined) tag.antenna = antenna;
  if (tag.rssi !== undefined && !(Number.isInteger(tag.rssi) && tag.rssi >= -128 && tag.rssi <= 20)) {
    throw new TypeError(`tag ${tag.epc}: rssi must be an integer dBm in -128..20`);
  }
  return tag;
}
