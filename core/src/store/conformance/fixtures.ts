// Test data for the store conformance suite. Hashes here are arbitrary distinct 32-byte
// strings: the store must keep whatever the log layer gives it and never recompute, so the
// suite deliberately does not use real Merkle hashes (a backend that "fixed" them would fail).
import { createHash } from "node:crypto";
import { expect } from "vitest";
import type { IndexHit, IndexRecord, LedgerStore, LogEntry, NodeHash, StoredValue, StoreSupports } from "../store.ts";

/** Everything the suite needs from a backend's test file. */
export interface ConformanceOptions {
  /**
   * The capabilities the backend declares. Needed before any store exists, to decide which
   * tests to register (tests for missing capabilities are left out, not skipped); the suite
   * checks that every instance declares exactly these.
   */
  supports: StoreSupports;
  /**
   * Returns a store over the same data as `store` (which the suite has closed), unopened.
   * Default: the same instance (open() again). Only used when `supports.persistence`.
   */
  reopen?: (store: LedgerStore) => Promise<LedgerStore>;
}

/** A fresh, isolated, NOT yet opened store. */
export type StoreFactory = () => Promise<LedgerStore>;

export interface SuiteContext {
  factory: StoreFactory;
  options: ConformanceOptions;
  /** A fresh store, opened; closed after the test. */
  openStore(): Promise<LedgerStore>;
  /** Tracks a store so it is closed after the test. */
  track(store: LedgerStore): LedgerStore;
}

export function sha(label: string): Uint8Array {
  return new Uint8Array(createHash("sha256").update(label).digest());
}

/** Deterministic bytes of any length, every byte value represented for len ≥ 256. */
export function bytes(len: number, seed = 0): Uint8Array {
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i++) out[i] = (i * 7 + seed * 13 + (i >> 8)) & 0xff;
  return out;
}

export function entry(index: number, tag = "e", recordLen = 40): LogEntry {
  return {
    index,
    eventHash: sha(`${tag}:event:${index}`),
    leafHash: sha(`${tag}:leaf:${index}`),
    record: bytes(recordLen, index),
  };
}

export function entries(start: number, count: number, tag = "e", recordLen = 40): LogEntry[] {
  return Array.from({ length: count }, (_, i) => entry(start + i, tag, recordLen));
}

export function node(level: number, index: number, tag = "n"): NodeHash {
  return { level, index, hash: sha(`${tag}:node:${level}:${index}`) };
}

/** Awaits `p` and checks it rejects with a SuyuanError of `code`. */
export async function rejectsWithCode(p: Promise<unknown>, code: string): Promise<void> {
  await expect(p).rejects.toMatchObject({ name: "SuyuanError", code });
}

export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** Plain-Uint8Array copy, so toEqual compares bytes regardless of the backend's buffer class. */
export function plain(v: StoredValue): StoredValue {
  return typeof v === "string" ? v : new Uint8Array(v);
}

export function hexOf(b: Uint8Array): string {
  return Buffer.from(b).toString("hex");
}

export function expectEntry(actual: LogEntry | undefined, expected: LogEntry): void {
  expect(actual).toBeDefined();
  const a = actual!;
  expect(a.index).toBe(expected.index);
  expect(a.eventHash).toBeInstanceOf(Uint8Array);
  expect(a.record).toBeInstanceOf(Uint8Array);
  expect(hexOf(a.eventHash)).toBe(hexOf(expected.eventHash));
  expect(hexOf(a.leafHash)).toBe(hexOf(expected.leafHash));
  expect(a.record.length).toBe(expected.record.length);
  expect(Buffer.compare(Buffer.from(a.record), Buffer.from(expected.record))).toBe(0);
}

/**
 * The scan fixture: `id` records for key(0) … key(n-1), each with value `a‹i›` and every 5th
 * key a second record `b‹i›`, then (a second append) one record in index `idx`.
 */
export async function fillKeyed(store: LedgerStore, key: (i: number) => string, n: number): Promise<LedgerStore> {
  const recs: IndexRecord[] = [];
  for (let i = 0; i < n; i++) {
    recs.push({ index: "id", key: key(i), value: `a${i}` });
    if (i % 5 === 0) recs.push({ index: "id", key: key(i), value: `b${i}` });
  }
  await store.append({ entries: [], indexes: recs });
  await store.append({ entries: [], indexes: [{ index: "idx", key: key(1), value: "other index" }] });
  return store;
}

/** The `id` hits of keys [from, to) of `fillKeyed`, built from the fixture, not read back from a store. */
export function keyedHits(key: (i: number) => string, from: number, to: number): IndexHit[] {
  const out: IndexHit[] = [];
  for (let i = from; i < to; i++) {
    out.push({ key: key(i), value: `a${i}` });
    if (i % 5 === 0) out.push({ key: key(i), value: `b${i}` });
  }
  return out;
}
