// `cursor` (a forward reader that can seek): every case compares against what the contract
// fixes — the records of the range in key order (then insertion order), from a snapshot taken
// when the cursor was made, repositioned to the first key ≥ the sought one.
import { describe, expect, it } from "vitest";
import type { IndexCursor, IndexHit, LedgerStore } from "../store.ts";
import { fillKeyed, keyedHits, plain, rejectsWithCode, type SuiteContext } from "./fixtures.ts";

/** Everything left in the cursor, read `step` records at a time. */
async function drain(cur: IndexCursor, step: number): Promise<IndexHit[]> {
  const out: IndexHit[] = [];
  for (;;) {
    const hits = await hitsOf(cur, step);
    expect(hits.length).toBeLessThanOrEqual(step);
    if (hits.length === 0) return out;
    out.push(...hits);
  }
}

/** One `next` as hits, checking that its two columns are as long as each other. */
async function hitsOf(cur: IndexCursor, max: number): Promise<IndexHit[]> {
  const { keys, values } = await cur.next(max);
  expect(values.length).toBe(keys.length);
  return keys.map((key, i) => ({ key, value: values[i]! }));
}

export function cursorTests(ctx: SuiteContext): void {
  describe("index cursors (cursor: next and seek)", () => {
    const key = (i: number) => `urn:epc:id:sgtin:0614141.107346.${String(i).padStart(5, "0")}`;
    const N = 1500;
    const filled = async (): Promise<LedgerStore> => fillKeyed(await ctx.openStore(), key, N);
    const expected = (from: number, to: number): IndexHit[] => keyedHits(key, from, to);

    it("reads the whole range in order, whatever the step", async () => {
      const store = await filled();
      for (const step of [1, 7, 1000, 5000]) {
        const cur = store.cursor("id");
        expect(await drain(cur, step)).toEqual(expected(0, N));
        expect(await hitsOf(cur, 10)).toEqual([]);
        await cur.close();
      }
      const ranged = store.cursor("id", { gte: key(10), lt: key(20) });
      expect(await drain(ranged, 4)).toEqual(expected(10, 20));
      await ranged.close();
      const other = store.cursor("idx");
      expect(await drain(other, 10)).toEqual([{ key: key(1), value: "other index" }]);
      await other.close();
      const none = store.cursor("nothing-here");
      expect(await hitsOf(none, 5)).toEqual([]);
      await none.close();
    });

    it("seeks forwards, backwards, between keys and is clipped to its range", async () => {
      const store = await filled();
      const cur = store.cursor("id");
      expect(await hitsOf(cur, 2)).toEqual(expected(0, 1)); // key 0 has two records
      cur.seek(key(700));
      expect(await hitsOf(cur, 3)).toEqual([
        { key: key(700), value: "a700" },
        { key: key(700), value: "b700" },
        { key: key(701), value: "a701" },
      ]);
      cur.seek(`${key(702)}x`); // between key 702 and key 703
      expect(await hitsOf(cur, 1)).toEqual([{ key: key(703), value: "a703" }]);
      cur.seek(key(3)); // backwards
      expect(await hitsOf(cur, 1)).toEqual([{ key: key(3), value: "a3" }]);
      cur.seek("zzz"); // past the end
      expect(await hitsOf(cur, 5)).toEqual([]);
      cur.seek(key(N - 2));
      expect(await drain(cur, 100)).toEqual(expected(N - 2, N));
      await cur.close();

      const ranged = store.cursor("id", { gte: key(100), lt: key(110) });
      ranged.seek(key(0)); // below the range: clipped to its start
      expect(await hitsOf(ranged, 1)).toEqual([{ key: key(100), value: "a100" }]);
      ranged.seek(key(105));
      expect(await drain(ranged, 3)).toEqual(expected(105, 110));
      ranged.seek(key(200)); // beyond the range
      expect(await hitsOf(ranged, 1)).toEqual([]);
      await ranged.close();

      const prefixed = store.cursor("id", { prefix: key(120).slice(0, -1) }); // keys 120–129
      prefixed.seek(key(125));
      expect(await drain(prefixed, 2)).toEqual(expected(125, 130));
      await prefixed.close();
    });

    it("sees a snapshot taken when it was made", async () => {
      const store = await ctx.openStore();
      await store.append({ entries: [], indexes: [1, 3, 5].map((i) => ({ index: "id", key: `k${i}`, value: "old" })) });
      const cur = store.cursor("id");
      await store.append({ entries: [], indexes: [2, 4, 6].map((i) => ({ index: "id", key: `k${i}`, value: "new" })) });
      expect((await drain(cur, 2)).map((h) => h.key)).toEqual(["k1", "k3", "k5"]);
      cur.seek("k2");
      expect((await drain(cur, 2)).map((h) => h.key)).toEqual(["k3", "k5"]);
      await cur.close();
    });

    it("returns byte values as bytes and string values as strings", async () => {
      const store = await ctx.openStore();
      const raw = new Uint8Array([0x00, 0xff, 0xc3, 0x28, 0x01]); // not UTF-8
      await store.append({
        entries: [],
        indexes: [
          { index: "v", key: "a", value: "text" },
          { index: "v", key: "b", value: raw },
          { index: "v", key: "c", value: "" },
        ],
      });
      const cur = store.cursor("v");
      const hits = await drain(cur, 10);
      await cur.close();
      expect(hits.map((h) => ({ key: h.key, value: plain(h.value) }))).toEqual([
        { key: "a", value: "text" },
        { key: "b", value: raw },
        { key: "c", value: "" },
      ]);
      const chunks = [];
      for await (const c of store.scanChunks("v")) chunks.push(...c);
      expect(chunks.map((h) => plain(h.value))).toEqual(["text", raw, ""]);
    });

    it("checks arguments, and rejects after its own close and after the store's", async () => {
      const fresh = ctx.track(await ctx.factory());
      expect(() => fresh.cursor("id")).toThrow(expect.objectContaining({ code: "STORE_NOT_OPEN" }));
      const store = await filled();
      expect(() => store.cursor("bad name!")).toThrow(TypeError);
      expect(() => store.cursor("id", { gt: "a", gte: "a" })).toThrow(TypeError);
      const cur = store.cursor("id");
      await expect(cur.next(0)).rejects.toThrow(TypeError);
      expect(() => cur.seek("a\u0000b")).toThrow(TypeError);
      await cur.close();
      await cur.close(); // idempotent
      await rejectsWithCode(cur.next(1), "STORE_CLOSED");
      const open = store.cursor("id");
      expect(await hitsOf(open, 1)).toEqual([{ key: key(0), value: "a0" }]);
      await store.close();
      await rejectsWithCode(open.next(1), "STORE_CLOSED");
      expect(() => store.cursor("id")).toThrow(expect.objectContaining({ code: "STORE_CLOSED" }));
    });
  });

  describe("prefix ranges and code point order", () => {
    // Keys that continue a prefix with code points whose UTF-8 starts with high bytes
    // (U+FFFD, U+FFFF: EF BF ..; U+1F600: F0 ..): a prefix range must still hold them all.
    const keys = ["o\uffff", "p", "p\ufffdz", "p\uffff", "p\u{1f600}", "p\u{10ffff}x", "q"];
    it("a prefix scan and a prefix cursor hold every key that starts with the prefix", async () => {
      const store = await ctx.openStore();
      await store.append({ entries: [], indexes: keys.map((k) => ({ index: "u", key: k, value: k })) });
      const want = ["p", "p\ufffdz", "p\uffff", "p\u{1f600}", "p\u{10ffff}x"];
      const scanned = [];
      for await (const h of store.scan("u", { prefix: "p" })) scanned.push(h.key);
      expect(scanned).toEqual(want);
      const cur = store.cursor("u", { prefix: "p" });
      expect((await drain(cur, 2)).map((h) => h.key)).toEqual(want);
      await cur.close();
      const tail = [];
      for await (const h of store.scan("u", { prefix: "p\u{10ffff}" })) tail.push(h.key);
      expect(tail).toEqual(["p\u{10ffff}x"]);
      const top = [];
      for await (const h of store.scan("u", { prefix: "\u{10ffff}" })) top.push(h.key);
      expect(top).toEqual([]);
    });
  });
}
