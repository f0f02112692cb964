/**
 * Stage 1, decode: a raw RFID or barcode read → the canonical identifier (`parseCode` from
 * @suyuan/proto), or a counted, logged rejection carrying proto's error code. An unreadable
 * code never stops the pipeline.
 *
 * RFID readers report the same tag dozens of times a second, so RFID hex decodes are cached
 * (bounded), as compact identifiers (rfid-code.ts). Barcode scans are rare (a person scans)
 * and are not cached.
 */
import {
  type AiValue,
  type CodeResult,
  isSuyuanError,
  type ParseCodeOptions,
  parseCode,
  parseElementString,
  parseScanData,
} from "@suyuan/proto";
import type { RawRead } from "../drivers/driver.ts";
import { RfidCode } from "./rfid-code.ts";
import { type AttributeScan, type DecodedRead, noLog, type PipelineLog } from "./types.ts";

export type DecodeOutcome =
  | { ok: true; decoded: DecodedRead }
  /** GS1 data without an identification key: context for the rules (ship-to, lot label). */
  | { ok: "attributes"; scan: AttributeScan }
  | { ok: false; code: string; message: string };

export interface DecoderOptions {
  /** GS1 Company Prefix length for EPC URIs of barcode keys (passed to parseCode). */
  companyPrefixLength?: number;
  /**
   * Entries kept in the RFID decode cache, fixed. Absent: adaptive — it starts at
   * `MIN_ADAPTIVE_CACHE` and `fitCache` sizes it to the tag population.
   */
  cacheSize?: number;
  log?: PipelineLog;
}

export interface DecoderStats {
  reads: number;
  decoded: number;
  attributes: number;
  cacheHits: number;
  /** Current capacity of the RFID decode cache. */
  cacheCapacity: number;
  /** Rejections by proto error code (ID_BAD_CHECK_DIGIT, ID_UNRECOGNISED, …). */
  rejected: Record<string, number>;
}

export interface Decoder {
  decode(read: RawRead): DecodeOutcome;
  /**
   * The hot path for RFID reads: the identifier, or the rejection (counted and logged as by
   * `decode`; tell them apart with `"valid" in r`). Both are shared cache entries, so a cache
   * hit allocates nothing; never mutate them.
   */
  decodeRfid(read: RawRead): CodeResult | DecodeRejection;
  /**
   * Adaptive cache only (no `cacheSize`): sizes the cache to `tags` distinct tags being read
   * (the smoothers' tracked tags). No-op with a fixed size.
   */
  fitCache(tags: number): void;
  stats(): DecoderStats;
}

/** Smallest adaptive decode cache: a few readers' worth of tags. */
export const MIN_ADAPTIVE_CACHE = 8192;
/** Largest adaptive decode cache (~ 300 B per decoded SGTIN with its key: ≤ ~80 MB if all were distinct). */
export const MAX_ADAPTIVE_CACHE = 262_144;

/**
 * Capacity for `tags` tags read over and over: a two-generation cache keeps a hot set that
 * fits in half its capacity, so 2 × tags, plus a quarter for the tags arriving during a
 * generation. Grows at once; shrinks only below a quarter of the need (no resize flapping as
 * goods come and go).
 */
export function adaptiveCapacity(current: number, tags: number): number {
  const need = Math.min(MAX_ADAPTIVE_CACHE, Math.max(MIN_ADAPTIVE_CACHE, Math.ceil(tags * 2.5)));
  if (need > current || need * 4 <= current) return need;
  return current;
}

/** Why a code was rejected: proto's error code and message. */
export interface DecodeRejection {
  readonly code: string;
  readonly message: string;
}

type CacheEntry = CodeResult | DecodeRejection;

/**
 * A bounded cache with two generations: lookups hit `young`, then `old` (promoting the entry);
 * when `young` holds half the capacity, it becomes `old` and the previous `old` is dropped.
 * Approximates LRU with O(1) work and no per-hit allocation or delete (a hot tag set smaller
 * than half the capacity is never evicted). Holds at most `capacity` entries.
 */
export class TwoGenerationCache<V> {
  private young = new Map<string, V>();
  private old = new Map<string, V>();
  private half: number;

  constructor(capacity: number) {
    this.half = TwoGenerationCache.halfOf(capacity);
  }

  private static halfOf(capacity: number): number {
    if (!Number.isInteger(capacity) || capacity < 2) throw new TypeError("cache capacity must be an integer ≥ 2");
    return capacity >> 1;
  }

  get capacity(): number {
    return this.half * 2;
  }

  /**
   * Changes the capacity. Growing keeps every entry; shrinking takes effect at the next
   * generation change (the bound holds again from then on).
   */
  resize(capacity: number): void {
    this.half = TwoGenerationCache.halfOf(capacity);
  }

  get(key: string): V | undefined {
    const v = this.young.get(key);
    if (v !== undefined) return v;
    const o = this.old.get(key);
    if (o !== undefined) this.set(key, o);
    return o;
  }

  set(key: string, value: V): void {
    if (this.young.size >= this.half) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(key, value);
  }

  get size(): number {
    let n = this.young.size;
    for (const k of this.old.keys()) if (!this.young.has(k)) n++;
    return n;
  }
}

function errorOf(e: unknown): { code: string; message: string } {
  if (isSuyuanError(e)) return { code: e.code, message: e.message };
  // parseCode throws only SuyuanError for bad input; anything else is a bug, but a device's
  // bytes must still not stop the pipeline.
  return { code: "DECODE_INTERNAL", message: e instanceof Error ? e.message : String(e) };
}

// GS1 General Specifications §3 identification keys (the primary AIs `parseCode` classifies by).
const KEY_AIS = new Set([
  "00",
  "01",
  "253",
  "255",
  "401",
  "402",
  "414",
  "417",
  "8003",
  "8004",
  "8006",
  "8010",
  "8017",
  "8018",
]);

/**
 * The AIs of a barcode that carries GS1 data but no identification key (a ship-to label
 * `(410)…`, a lot/expiry label), or undefined. The AI combination rules are not applied: they
 * hold over all carriers of an item, and this label is one of them (GS1 Barcode Syntax Dictionary).
 */
export function keylessAis(data: string): AiValue[] | undefined {
  const s = data.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, "");
  let ais: AiValue[] | undefined;
  try {
    if (s.startsWith("]")) ais = parseScanData(s, { associations: false }).ais ?? undefined;
    else if (s.startsWith("(") || s.startsWith("^") || s.includes("\u001d"))
      ais = parseElementString(s, { associations: false });
  } catch {
    return undefined;
  }
  if (!ais || ais.length === 0 || ais.some((a) => KEY_AIS.has(a.ai))) return undefined;
  return ais;
}

export function createDecoder(opts: DecoderOptions = {}): Decoder {
  const log = opts.log ?? noLog;
  const parseOpts: ParseCodeOptions =
    opts.companyPrefixLength === undefined ? {} : { companyPrefixLength: opts.companyPrefixLength };
  const adaptive = opts.cacheSize === undefined;
  const cache = new TwoGenerationCache<CacheEntry>(opts.cacheSize ?? MIN_ADAPTIVE_CACHE);
  const stats: Omit<DecoderStats, "cacheCapacity"> = {
    reads: 0,
    decoded: 0,
    attributes: 0,
    cacheHits: 0,
    rejected: {},
  };

  const reject = (read: RawRead, err: { code: string; message: string }): DecodeOutcome => {
    stats.rejected[err.code] = (stats.rejected[err.code] ?? 0) + 1;
    log("pipeline.decode.rejected", {
      deviceId: read.deviceId,
      kind: read.kind,
      data: read.data.length > 80 ? `${read.data.slice(0, 80)}…` : read.data,
      code: err.code,
      reason: err.message,
    });
    return { ok: false, code: err.code, message: err.message };
  };

  /** An RFID read's cache entry: the identifier or the rejection (`reads` not counted). */
  const rfidEntry = (read: RawRead): CacheEntry => {
    let entry = cache.get(read.data);
    if (entry === undefined) {
      try {
        // Held as long as the tag is tracked (and by the cache): the compact form.
        entry = RfidCode.of(read.data, parseCode(read.data, parseOpts), parseOpts);
      } catch (e) {
        entry = errorOf(e);
      }
      // Bad tags are cached too: a corrupt EPC bank is re-read as often as a good one.
      cache.set(read.data, entry);
    } else stats.cacheHits++;
    return entry;
  };

  return {
    decodeRfid(read) {
      stats.reads++;
      const entry = rfidEntry(read);
      if ("valid" in entry) stats.decoded++;
      else reject(read, entry);
      return entry;
    },
    fitCache(tags) {
      if (!adaptive) return;
      const c = adaptiveCapacity(cache.capacity, tags);
      if (c !== cache.capacity) {
        log("pipeline.decode.cache_resized", { from: cache.capacity, to: c, tags });
        cache.resize(c);
      }
    },
    decode(read) {
      stats.reads++;
      if (read.kind === "rfid") {
        const entry = rfidEntry(read);
        if ("valid" in entry) {
          stats.decoded++;
          return { ok: true, decoded: { read, id: entry } };
        }
        return reject(read, entry);
      }
      if (read.kind === "barcode") {
        try {
          const id = parseCode(read.data, parseOpts);
          stats.decoded++;
          return { ok: true, decoded: { read, id } };
        } catch (e) {
          const err = errorOf(e);
          const ais = keylessAis(read.data);
          if (ais) {
            stats.attributes++;
            return { ok: "attributes", scan: { read, ais } };
          }
          return reject(read, err);
        }
      }
      return reject(read, {
        code: "DECODE_NOT_A_CODE",
        message: `read of kind "${read.kind}" carries no code (sensor readings go to the sensor rule)`,
      });
    },
    stats() {
      return { ...stats, cacheCapacity: cache.capacity, rejected: { ...stats.rejected } };
    },
  };
}
