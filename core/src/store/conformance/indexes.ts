import { describe, expect, it } from "vitest";
import type { IndexHit, IndexRecord, LedgerStore, ScanOptions } from "../store.ts";
import { bytes, collect, entries, plain, type SuiteContext } from "./fixtures.ts";

const keysOf = (hits: IndexHit[]) => hits.map((h) => h.key);

async function scanKeys(store: LedgerStore, index: string, options?: ScanOptions): Promise<string[]> {
  return keysOf(await collect(store.scan(index, options)));
}

export function indexTests(ctx: SuiteContext): void {
  describe("index lookups", () => {
    it("keeps every value of a key, in insertion order across appends, with its type", async () => {
      const store = await ctx.openStore();
      const bin = bytes(300, 3);
      await store.append({
        entries: entries(0, 2),
        indexes: [
          { index: "lot", key: "urn:epc:class:lgtin:4012345.012345.998877", value: "e0" },
          { index: "lot", key: "urn:epc:class:lgtin:4012345.012345.998877", value: bin },
          { index: "id", key: "urn:epc:id:sgtin:0614141.107346.2017", value: "e1" },
        ],
      });
      await store.append({
        entries: entries(2, 1),
        indexes: [
          { index: "lot", key: "urn:epc:class:lgtin:4012345.012345.998877", value: "e2" },
          { index: "lot", key: "urn:epc:class:lgtin:4012345.012345.998877", value: "e0" },
        ],
      });
      const values = await store.lookup("lot", "urn:epc:class:lgtin:4012345.012345.998877");
      expect(values.map(plain)).toEqual(["e0", new Uint8Array(bin), "e2", "e0"]);
      expect(values[1]).toBeInstanceOf(Uint8Array);
      expect(typeof values[0]).toBe("string");
      expect(await store.lookup("id", "urn:epc:id:sgtin:0614141.107346.2017")).toEqual(["e1"]);
    });

    it("matches keys exactly: no prefix, extension or neighbour matches", async () => {
      const store = await ctx.openStore();
      const recs: IndexRecord[] = ["a", "a!b", "ab", "a b", "a\u0001", "A", "b"].map((key) => ({
        index: "id",
        key,
        value: key,
      }));
      await store.append({ entries: [], indexes: recs });
      for (const r of recs) expect(await store.lookup("id", r.key)).toEqual([r.key]);
      expect(await store.lookup("id", "a!")).toEqual([]);
      expect(await store.lookup("id", "abc")).toEqual([]);
    });

    it("keeps index names apart, including names that prefix each other", async () => {
      const store = await ctx.openStore();
      await store.append({
        entries: [],
        indexes: [
          { index: "lot", key: "k", value: "lot" },
          { index: "lot2", key: "k", value: "lot2" },
          { index: "lo", key: "t!k", value: "lo" },
          { index: "LOT", key: "k", value: "LOT" },
        ],
      });
      expect(await store.lookup("lot", "k")).toEqual(["lot"]);
      expect(await store.lookup("lot2", "k")).toEqual(["lot2"]);
      expect(await store.lookup("lo", "t!k")).toEqual(["lo"]);
      expect(await store.lookup("LOT", "k")).toEqual(["LOT"]);
      expect(await collect(store.scan("lot"))).toEqual([{ key: "k", value: "lot" }]);
      expect(await collect(store.scan("lo"))).toEqual([{ key: "t!k", value: "lo" }]);
    });
  });

  describe("index scans", () => {
    // loc-time style keys: location, then an ISO 8601 UTC time that sorts as text.
    const locTime = [
      "urn:epc:id:sgln:0614141.00777.0|2024-03-01T08:00:00.000Z",
      "urn:epc:id:sgln:0614141.00777.0|2024-03-01T09:30:00.000Z",
      "urn:epc:id:sgln:0614141.00777.0|2024-03-02T00:00:00.000Z",
      "urn:epc:id:sgln:0614141.00888.0|2024-03-01T07:00:00.000Z",
      "urn:epc:id:sgln:0614141.00888.0|2024-03-05T07:00:00.000Z",
      "urn:epc:id:sgln:4012345.00001.0|2024-01-01T00:00:00.000Z",
    ];

    async function filled(): Promise<LedgerStore> {
      const store = await ctx.openStore();
      // Inserted out of order, over two appends, one key twice.
      const order = [4, 0, 5, 2];
      await store.append({
        entries: [],
        indexes: order.map((i) => ({ index: "loc-time", key: locTime[i]!, value: `v${i}` })),
      });
      await store.append({
        entries: [],
        indexes: [
          { index: "loc-time", key: locTime[3]!, value: "v3" },
          { index: "loc-time", key: locTime[1]!, value: "v1" },
          { index: "loc-time", key: locTime[0]!, value: "v0-again" },
        ],
      });
      return store;
    }

    it("returns every record in key order, then insertion order", async () => {
      const store = await filled();
      expect(await collect(store.scan("loc-time"))).toEqual([
        { key: locTime[0], value: "v0" },
        { key: locTime[0], value: "v0-again" },
        { key: locTime[1], value: "v1" },
        { key: locTime[2], value: "v2" },
        { key: locTime[3], value: "v3" },
        { key: locTime[4], value: "v4" },
        { key: locTime[5], value: "v5" },
      ]);
    });

    it("reverses exactly: descending keys, newest record of a key first", async () => {
      const store = await filled();
      expect((await collect(store.scan("loc-time", { reverse: true }))).map((h) => h.value)).toEqual([
        "v5",
        "v4",
        "v3",
        "v2",
        "v1",
        "v0-again",
        "v0",
      ]);
    });

    it("applies gte/lt as a time window at one location", async () => {
      const store = await filled();
      const loc = "urn:epc:id:sgln:0614141.00777.0|";
      const window = { gte: `${loc}2024-03-01T09:00:00.000Z`, lt: `${loc}2024-03-03T00:00:00.000Z` };
      expect(await scanKeys(store, "loc-time", window)).toEqual([locTime[1], locTime[2]]);
      expect(await scanKeys(store, "loc-time", { ...window, reverse: true })).toEqual([locTime[2], locTime[1]]);
    });

    it("treats bounds on existing keys correctly: gte/gt/lte/lt", async () => {
      const store = await filled();
      expect(await scanKeys(store, "loc-time", { gte: locTime[1], lte: locTime[3] })).toEqual([
        locTime[1],
        locTime[2],
        locTime[3],
      ]);
      expect(await scanKeys(store, "loc-time", { gt: locTime[1], lt: locTime[3] })).toEqual([locTime[2]]);
      expect(await scanKeys(store, "loc-time", { gt: locTime[0], lte: locTime[1] })).toEqual([locTime[1]]);
      expect(await scanKeys(store, "loc-time", { gte: locTime[0], lt: locTime[1] })).toEqual([locTime[0], locTime[0]]);
      expect(await scanKeys(store, "loc-time", { gte: locTime[5] })).toEqual([locTime[5]]);
      expect(await scanKeys(store, "loc-time", { lt: locTime[0] })).toEqual([]);
      expect(await scanKeys(store, "loc-time", { gte: locTime[3], lt: locTime[1] })).toEqual([]);
      expect(await scanKeys(store, "loc-time", { gt: locTime[2], lte: locTime[2] })).toEqual([]);
    });

    it("filters by prefix, alone and with bounds", async () => {
      const store = await filled();
      expect(await scanKeys(store, "loc-time", { prefix: "urn:epc:id:sgln:0614141.00888.0|" })).toEqual([
        locTime[3],
        locTime[4],
      ]);
      expect(await scanKeys(store, "loc-time", { prefix: "urn:epc:id:sgln:0614141." })).toHaveLength(6);
      expect(
        await scanKeys(store, "loc-time", {
          prefix: "urn:epc:id:sgln:0614141.00777.0|",
          gt: "urn:epc:id:sgln:0614141.00777.0|2024-03-01T08:00:00.000Z",
        }),
      ).toEqual([locTime[1], locTime[2]]);
      expect(await scanKeys(store, "loc-time", { prefix: "urn:epc:id:sgln:0614141.00888.0|", reverse: true })).toEqual([
        locTime[4],
        locTime[3],
      ]);
      expect(await scanKeys(store, "loc-time", { prefix: "urn:epc:id:sgln:9" })).toEqual([]);
      expect(await scanKeys(store, "loc-time", { prefix: "" })).toHaveLength(7);
    });

    it("limits hits (records, not keys), forwards and backwards", async () => {
      const store = await filled();
      expect(await collect(store.scan("loc-time", { limit: 2 }))).toEqual([
        { key: locTime[0], value: "v0" },
        { key: locTime[0], value: "v0-again" },
      ]);
      expect((await collect(store.scan("loc-time", { limit: 3, reverse: true }))).map((h) => h.value)).toEqual([
        "v5",
        "v4",
        "v3",
      ]);
      expect(await collect(store.scan("loc-time", { limit: 0 }))).toEqual([]);
      expect(await collect(store.scan("loc-time", { limit: 100 }))).toHaveLength(7);
      expect(await scanKeys(store, "loc-time", { prefix: "urn:epc:id:sgln:0614141.00888.0|", limit: 1 })).toEqual([
        locTime[3],
      ]);
    });

    it("orders keys by Unicode code point (UTF-8 byte order), not UTF-16 units", async () => {
      const store = await ctx.openStore();
      // Code point order: "\u0001" < "!" < "Z" < "a" < "é" < "中" < "\uffff" < "😀" (U+1F600).
      const sorted = ["!", "\u0001", "Z", "a", "a\u0001", "ab", "é", "中", "中国", "\uffff", "😀", "😀!"];
      const shuffled = [...sorted].reverse();
      await store.append({ entries: [], indexes: shuffled.map((key) => ({ index: "id", key, value: key })) });
      const expected = [...sorted].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
      expect(await scanKeys(store, "id")).toEqual(expected);
      expect(await scanKeys(store, "id", { gt: "\uffff" })).toEqual(["😀", "😀!"]);
      expect(await scanKeys(store, "id", { lt: "😀", gte: "中" })).toEqual(["中", "中国", "\uffff"]);
      expect(await scanKeys(store, "id", { prefix: "中" })).toEqual(["中", "中国"]);
      for (const k of sorted) expect(await store.lookup("id", k)).toEqual([k]);
    });

    it("breaking out of a scan early is fine and later scans still work", async () => {
      const store = await ctx.openStore();
      const indexes = Array.from({ length: 3000 }, (_, i) => ({
        index: "child",
        key: `k${String(i).padStart(5, "0")}`,
        value: `v${i}`,
      }));
      await store.append({ entries: [], indexes });
      let n = 0;
      for await (const _ of store.scan("child")) {
        if (++n === 10) break;
      }
      expect(n).toBe(10);
      const all = await collect(store.scan("child"));
      expect(all).toHaveLength(3000);
      expect(all[2999]).toEqual({ key: "k02999", value: "v2999" });
    });

    it("sees a snapshot: records appended during a scan do not appear in it", async () => {
      const store = await ctx.openStore();
      await store.append({ entries: [], indexes: [1, 3, 5].map((i) => ({ index: "id", key: `k${i}`, value: "old" })) });
      const scan = store.scan("id");
      await store.append({ entries: [], indexes: [2, 4, 6].map((i) => ({ index: "id", key: `k${i}`, value: "new" })) });
      expect(keysOf(await collect(scan))).toEqual(["k1", "k3", "k5"]);
      expect(await scanKeys(store, "id")).toEqual(["k1", "k2", "k3", "k4", "k5", "k6"]);
    });
  });
}
