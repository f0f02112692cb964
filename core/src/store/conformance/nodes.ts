import { describe, expect, it } from "vitest";
import { entries, hexOf, node, type SuiteContext } from "./fixtures.ts";

export function nodeTests(ctx: SuiteContext): void {
  describe("node hashes", () => {
    it("serves level 0 from the entries' leaf hashes", async () => {
      const store = await ctx.openStore();
      const es = entries(0, 3);
      await store.append({ entries: es });
      for (const e of es) expect(hexOf((await store.getNodeHash(0, e.index))!)).toBe(hexOf(e.leafHash));
      expect(await store.getNodeHash(0, 3)).toBeUndefined();
    });

    it("stores the complete subtrees an append completes, and answers batches in order", async () => {
      const store = await ctx.openStore();
      // Leaves 0..2: completes (1,0). Leaves 3..7: completes (1,1) (2,0) (1,2) (1,3) (2,1) (3,0).
      await store.append({ entries: entries(0, 3), nodes: [node(1, 0)] });
      const second = [node(1, 1), node(2, 0), node(1, 2), node(1, 3), node(2, 1), node(3, 0)];
      await store.append({ entries: entries(3, 5), nodes: second });
      for (const n of [node(1, 0), ...second]) {
        expect(hexOf((await store.getNodeHash(n.level, n.index))!), `(${n.level},${n.index})`).toBe(hexOf(n.hash));
      }
      const refs = [
        { level: 3, index: 0 },
        { level: 1, index: 4 },
        { level: 0, index: 7 },
        { level: 2, index: 1 },
        { level: 4, index: 0 },
        { level: 0, index: 8 },
      ];
      const got = await store.getNodeHashes(refs);
      expect(got.map((h) => (h === undefined ? undefined : hexOf(h)))).toEqual([
        hexOf(node(3, 0).hash),
        undefined,
        hexOf(entries(7, 1)[0]!.leafHash),
        hexOf(node(2, 1).hash),
        undefined,
        undefined,
      ]);
      expect(await store.getNodeHashes([])).toEqual([]);
    });

    it("keeps levels apart: (1, 2) and (2, 1) are different nodes", async () => {
      const store = await ctx.openStore();
      await store.append({ entries: entries(0, 8), nodes: [node(1, 2, "a"), node(2, 1, "b")] });
      expect(hexOf((await store.getNodeHash(1, 2))!)).toBe(hexOf(node(1, 2, "a").hash));
      expect(hexOf((await store.getNodeHash(2, 1))!)).toBe(hexOf(node(2, 1, "b").hash));
      expect(await store.getNodeHash(1, 1)).toBeUndefined();
    });

    it("rejects nodes the append does not complete with TypeError, writing nothing", async () => {
      const store = await ctx.openStore();
      await store.append({ entries: entries(0, 4), nodes: [node(1, 0), node(1, 1), node(2, 0)] });
      const cases = [
        [node(1, 3)], // leaves [6, 8): not complete after 6 entries
        [node(1, 1, "again")], // leaves [2, 4): already complete before this append
        [node(0, 4)], // level 0 comes from entries
        [node(1, 2), node(1, 2)], // twice
      ];
      for (const nodes of cases) {
        await expect(store.append({ entries: entries(4, 2), nodes })).rejects.toBeInstanceOf(TypeError);
      }
      expect(await store.size()).toBe(4);
      expect(hexOf((await store.getNodeHash(1, 1))!)).toBe(hexOf(node(1, 1).hash));
      expect(await store.getNodeHash(1, 2)).toBeUndefined();
    });

    it("handles node indexes past 2^32 without overflow", async () => {
      const store = await ctx.openStore();
      expect(await store.getNodeHash(0, 2 ** 40)).toBeUndefined();
      expect(await store.getNodeHash(20, 2 ** 32 + 1)).toBeUndefined();
      expect(await store.getEntries(2 ** 40, 2)).toEqual([]);
    });
  });
}
