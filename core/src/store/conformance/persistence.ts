import { describe, expect, it } from "vitest";
import type { LedgerStore } from "../store.ts";
import { bytes, collect, entries, entry, expectEntry, hexOf, node, plain, type SuiteContext, sha } from "./fixtures.ts";

export function persistenceTests(ctx: SuiteContext): void {
  // abstract-level style: the declared capability decides which tests exist.
  if (!ctx.options.supports.persistence) return;
  describe("persistence (supports.persistence)", () => {
    async function reopen(store: LedgerStore): Promise<LedgerStore> {
      await store.close();
      const next = ctx.track(await (ctx.options.reopen ?? (async (s: LedgerStore) => s))(store));
      await next.open();
      return next;
    }

    it("keeps entries, nodes, indexes, meta and the checkpoint across close and open", async () => {
      let store = await ctx.openStore();
      const es = entries(0, 4);
      await store.append({
        entries: es,
        nodes: [node(1, 0), node(1, 1), node(2, 0)],
        indexes: [
          { index: "lot", key: "L1", value: "a" },
          { index: "lot", key: "L1", value: bytes(10, 2) },
          { index: "id", key: "中国", value: "z" },
        ],
        meta: [{ key: "gw", value: "seq=4" }],
      });
      await store.putMeta("bin", bytes(64, 4));
      await store.putCheckpoint({ size: 4, rootHash: sha("r4"), note: "note 4\n" });

      store = await reopen(store);
      expect(await store.size()).toBe(4);
      for (const e of es) expectEntry(await store.getEntry(e.index), e);
      expect(await store.findByEventHash(es[2]!.eventHash)).toBe(2);
      expect(hexOf((await store.getNodeHash(2, 0))!)).toBe(hexOf(node(2, 0).hash));
      expect(hexOf((await store.getNodeHash(0, 3))!)).toBe(hexOf(es[3]!.leafHash));
      expect((await store.lookup("lot", "L1")).map(plain)).toEqual(["a", bytes(10, 2)]);
      expect(await collect(store.scan("id"))).toEqual([{ key: "中国", value: "z" }]);
      expect(await store.getMeta("gw")).toBe("seq=4");
      expect(plain((await store.getMeta("bin"))!)).toEqual(bytes(64, 4));
      const cp = (await store.getCheckpoint())!;
      expect(cp.size).toBe(4);
      expect(cp.note).toBe("note 4\n");
      expect(hexOf(cp.rootHash)).toBe(hexOf(sha("r4")));
    });

    it("continues after reopen: contiguity, dedupe and index insertion order", async () => {
      let store = await ctx.openStore();
      await store.append({ entries: entries(0, 3), indexes: [{ index: "lot", key: "L", value: "first" }] });
      store = await reopen(store);
      await expect(store.append({ entries: entries(0, 1, "x") })).rejects.toMatchObject({ code: "STORE_BAD_INDEX" });
      const dup = { ...entry(3), eventHash: entry(1).eventHash };
      await expect(store.append({ entries: [dup] })).rejects.toMatchObject({ code: "STORE_DUPLICATE" });
      await store.append({ entries: entries(3, 2), indexes: [{ index: "lot", key: "L", value: "second" }] });
      store = await reopen(store);
      await store.append({ entries: [], indexes: [{ index: "lot", key: "L", value: "third" }] });
      expect(await store.size()).toBe(5);
      expect(await store.lookup("lot", "L")).toEqual(["first", "second", "third"]);
      expect((await collect(store.scan("lot", { reverse: true }))).map((h) => h.value)).toEqual([
        "third",
        "second",
        "first",
      ]);
    });

    it("keeps an empty store empty across reopen", async () => {
      let store = await ctx.openStore();
      store = await reopen(store);
      expect(await store.size()).toBe(0);
      expect(await store.getCheckpoint()).toBeUndefined();
    });
  });
}
