import { describe, expect, it } from "vitest";
import { collect, entries, entry, expectEntry, type SuiteContext } from "./fixtures.ts";

export function concurrencyTests(ctx: SuiteContext): void {
  describe("concurrent writes", () => {
    it("two appends racing for the same index: the first called wins, the second gets STORE_BAD_INDEX", async () => {
      const store = await ctx.openStore();
      const a = store.append({ entries: entries(0, 3, "a"), indexes: [{ index: "id", key: "race", value: "a" }] });
      const b = store.append({ entries: entries(0, 2, "b"), indexes: [{ index: "id", key: "race", value: "b" }] });
      const [ra, rb] = await Promise.allSettled([a, b]);
      expect(ra.status).toBe("fulfilled");
      expect(rb.status).toBe("rejected");
      expect((rb as PromiseRejectedResult).reason).toMatchObject({ code: "STORE_BAD_INDEX" });
      expect(await store.size()).toBe(3);
      expect(await store.lookup("id", "race")).toEqual(["a"]);
      expectEntry(await store.getEntry(0), entry(0, "a"));
    });

    it("appends called back to back with consecutive indexes all land, in call order", async () => {
      const store = await ctx.openStore();
      const calls = [];
      for (let i = 0; i < 20; i++) {
        calls.push(
          store.append({ entries: entries(i * 5, 5), indexes: [{ index: "seq", key: "all", value: `${i}` }] }),
        );
      }
      await Promise.all(calls);
      expect(await store.size()).toBe(100);
      expect(await store.lookup("seq", "all")).toEqual(Array.from({ length: 20 }, (_, i) => `${i}`));
      const got = await store.getEntries(0, 100);
      for (const [i, e] of got.entries()) expectEntry(e, entry(i));
    });

    it("a failed append does not block the ones queued behind it", async () => {
      const store = await ctx.openStore();
      const bad = store.append({ entries: entries(7, 1) });
      const good = store.append({ entries: entries(0, 1) });
      await expect(bad).rejects.toMatchObject({ code: "STORE_BAD_INDEX" });
      await good;
      expect(await store.size()).toBe(1);
    });

    it("readers see an append wholly or not at all", async () => {
      const store = await ctx.openStore();
      const n = 2000;
      const write = store.append({
        entries: entries(0, n),
        indexes: Array.from({ length: n }, (_, i) => ({ index: "id", key: `k${i}`, value: `${i}` })),
      });
      const seen: number[] = [];
      let done = false;
      const finish = () => {
        done = true;
      };
      void write.then(finish, finish);
      while (!done) {
        const [size, hits] = await Promise.all([store.size(), collect(store.scan("id"))]);
        seen.push(size, hits.length);
      }
      await write;
      for (const s of seen) expect([0, n]).toContain(s);
      expect(await store.size()).toBe(n);
    });
  });

  describe("scale", () => {
    it("appends 10k entries with 5 index records each in one batch", async () => {
      const store = await ctx.openStore();
      const n = 10_000;
      const es = entries(0, n, "big", 200);
      const indexes = [];
      for (let i = 0; i < n; i++) {
        indexes.push(
          { index: "id", key: `urn:epc:id:sgtin:0614141.107346.${i}`, value: `${i}` },
          { index: "lot", key: `lot-${i % 10}`, value: `${i}` },
          { index: "child", key: `urn:epc:id:sscc:0614141.${String(i % 100).padStart(10, "0")}`, value: `${i}` },
          {
            index: "loc-time",
            key: `sgln-${i % 7}|2024-03-01T00:00:${String(i % 60).padStart(2, "0")}Z`,
            value: `${i}`,
          },
          { index: "xform-in", key: `in-${i}`, value: `${i}` },
        );
      }
      await store.append({ entries: es, indexes });
      expect(await store.size()).toBe(n);
      for (const i of [0, 1, 4999, 9998, 9999]) expectEntry(await store.getEntry(i), es[i]!);
      expect(await store.findByEventHash(es[7777]!.eventHash)).toBe(7777);
      const lot3 = await store.lookup("lot", "lot-3");
      expect(lot3).toHaveLength(1000);
      expect(lot3[0]).toBe("3");
      expect(lot3[999]).toBe("9993");
      expect(await collect(store.scan("id"))).toHaveLength(n);
      expect(await collect(store.scan("loc-time", { prefix: "sgln-0|" }))).toHaveLength(Math.ceil(n / 7));
      const range = await store.getEntries(2500, 5000);
      expect(range).toHaveLength(5000);
      expectEntry(range[4999], es[7499]!);
      await store.append({ entries: entries(n, 1, "after") });
      expect(await store.size()).toBe(n + 1);
    });
  });
}
