// `scanChunks` (the batch read): every case compares against what the contract fixes for
// `scan` — the same records, in the same order, split into non-empty arrays.
import { describe, expect, it } from "vitest";
import type { IndexHit, LedgerStore, ScanOptions } from "../store.ts";
import { collect, fillKeyed, keyedHits, rejectsWithCode, type SuiteContext } from "./fixtures.ts";

async function chunked(store: LedgerStore, index: string, options?: ScanOptions): Promise<IndexHit[][]> {
  return collect(store.scanChunks(index, options));
}

export function chunkTests(ctx: SuiteContext): void {
  describe("index scans in chunks (scanChunks)", () => {
    // 2500 keys (more than one chunk of either reference backend), every 5th key twice.
    const key = (i: number) => `urn:epc:id:sgtin:0614141.107346.${String(i).padStart(5, "0")}`;
    const N = 2500;

    const filled = async (): Promise<LedgerStore> => fillKeyed(await ctx.openStore(), key, N);
    const expected = (from: number, to: number): IndexHit[] => keyedHits(key, from, to);

    it("yields non-empty arrays whose concatenation is exactly the scan's hits", async () => {
      const store = await filled();
      const cases: ScanOptions[] = [
        {},
        { gte: key(10), lt: key(2000) },
        { gt: key(10), lte: key(2000) },
        { prefix: "urn:epc:id:sgtin:0614141.107346.01" },
        { limit: 7 },
        { limit: 1201, gte: key(3) },
        { reverse: true },
        { reverse: true, limit: 1500, lt: key(2400) },
        { prefix: "urn:epc:id:sgtin:0614141.107346.02", reverse: true, limit: 33 },
        { prefix: "urn:epc:id:sgtin:9" },
        { gte: key(5), lt: key(5) },
      ];
      for (const options of cases) {
        const chunks = await chunked(store, "id", options);
        for (const c of chunks) expect(c.length).toBeGreaterThan(0);
        expect(chunks.flat()).toEqual(await collect(store.scan("id", options)));
      }
      const all = (await chunked(store, "id")).flat();
      expect(all).toEqual(expected(0, N));
      expect(all).toHaveLength(3000);
      expect((await chunked(store, "id", { gte: key(10), lt: key(20) })).flat()).toEqual(expected(10, 20));
      expect((await chunked(store, "id", { reverse: true, limit: 3 })).flat().map((h) => h.value)).toEqual([
        "a2499",
        "a2498",
        "a2497",
      ]);
      expect((await chunked(store, "id", { gte: key(0), limit: 2 })).flat()).toEqual([
        { key: key(0), value: "a0" },
        { key: key(0), value: "b0" },
      ]);
      expect(await chunked(store, "id", { limit: 0 })).toEqual([]);
      expect(await chunked(store, "nothing-here")).toEqual([]);
      expect((await chunked(store, "idx")).flat()).toEqual([{ key: key(1), value: "other index" }]);
    });

    it("sees a snapshot taken at the call", async () => {
      const store = await ctx.openStore();
      await store.append({ entries: [], indexes: [1, 3, 5].map((i) => ({ index: "id", key: `k${i}`, value: "old" })) });
      const scan = store.scanChunks("id");
      await store.append({ entries: [], indexes: [2, 4, 6].map((i) => ({ index: "id", key: `k${i}`, value: "new" })) });
      expect((await collect(scan)).flat().map((h) => h.key)).toEqual(["k1", "k3", "k5"]);
      expect((await chunked(store, "id")).flat().map((h) => h.key)).toEqual(["k1", "k2", "k3", "k4", "k5", "k6"]);
    });

    it("can be left early, and checks arguments when called", async () => {
      const store = await filled();
      for await (const c of store.scanChunks("id")) {
        expect(c.length).toBeGreaterThan(0);
        break;
      }
      expect((await chunked(store, "id")).flat()).toHaveLength(3000);
      expect(() => store.scanChunks("bad name!")).toThrow(TypeError);
      expect(() => store.scanChunks("id", { gt: "a", gte: "a" })).toThrow(TypeError);
      expect(() => store.scanChunks("id", { limit: -1 })).toThrow(TypeError);
    });

    it("rejects before open and after close; a scan cut off by close() stops with STORE_CLOSED", async () => {
      const fresh = ctx.track(await ctx.factory());
      expect(() => fresh.scanChunks("id")).toThrow(expect.objectContaining({ code: "STORE_NOT_OPEN" }));
      const store = await filled();
      const it = store.scanChunks("id")[Symbol.asyncIterator]();
      const first = await it.next();
      expect(first.done).toBe(false);
      expect(first.value?.[0]).toEqual({ key: key(0), value: "a0" });
      await store.close();
      await rejectsWithCode(it.next(), "STORE_CLOSED");
      expect(() => store.scanChunks("id")).toThrow(expect.objectContaining({ code: "STORE_CLOSED" }));
    });
  });
}
