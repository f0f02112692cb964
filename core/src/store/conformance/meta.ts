import { describe, expect, it } from "vitest";
import { bytes, entries, hexOf, plain, rejectsWithCode, type SuiteContext, sha } from "./fixtures.ts";

export function metaTests(ctx: SuiteContext): void {
  describe("meta", () => {
    it("puts, gets and overwrites string and byte values, keeping their type", async () => {
      const store = await ctx.openStore();
      await store.putMeta("gateway/gw-1/seq", "41");
      await store.putMeta("gateway/gw-1/last", bytes(32, 9));
      await store.putMeta("空", "");
      expect(await store.getMeta("gateway/gw-1/seq")).toBe("41");
      expect(plain((await store.getMeta("gateway/gw-1/last"))!)).toEqual(bytes(32, 9));
      expect(await store.getMeta("空")).toBe("");
      await store.putMeta("gateway/gw-1/seq", "42");
      expect(await store.getMeta("gateway/gw-1/seq")).toBe("42");
      await store.putMeta("gateway/gw-1/seq", new Uint8Array(0));
      const v = await store.getMeta("gateway/gw-1/seq");
      expect(v).toBeInstanceOf(Uint8Array);
      expect((v as Uint8Array).length).toBe(0);
      expect(await store.getMeta("gateway/gw-1")).toBeUndefined();
    });

    it("applies meta puts of an append atomically with it", async () => {
      const store = await ctx.openStore();
      await store.append({ entries: entries(0, 2), meta: [{ key: "gw-1", value: "seq=2" }] });
      expect(await store.getMeta("gw-1")).toBe("seq=2");
      // A rejected append leaves the previous value.
      await rejectsWithCode(
        store.append({ entries: entries(5, 1), meta: [{ key: "gw-1", value: "seq=6" }] }),
        "STORE_BAD_INDEX",
      );
      expect(await store.getMeta("gw-1")).toBe("seq=2");
      // Later puts in one batch win.
      await store.append({
        entries: entries(2, 1),
        meta: [
          { key: "gw-1", value: "seq=3a" },
          { key: "gw-1", value: "seq=3" },
        ],
      });
      expect(await store.getMeta("gw-1")).toBe("seq=3");
    });

    it("copies meta bytes on the way in and out", async () => {
      const store = await ctx.openStore();
      const v = bytes(16, 1);
      const pending = store.putMeta("k", v);
      v.fill(0);
      await pending;
      const got = (await store.getMeta("k")) as Uint8Array;
      expect(plain(got)).toEqual(bytes(16, 1));
      got.fill(7);
      expect(plain((await store.getMeta("k"))!)).toEqual(bytes(16, 1));
    });
  });

  describe("checkpoints", () => {
    const note = "suyuan.example/log\n3\nq5zLZgYBJ4hsvPPVZRdnGmS0zOGcmkiIhv2l9rNIL8c=\n\n— suyuan.example/log abc=\n";

    it("stores and returns the latest checkpoint byte-identical", async () => {
      const store = await ctx.openStore();
      await store.append({ entries: entries(0, 3) });
      await store.putCheckpoint({ size: 3, rootHash: sha("root3"), note });
      const cp = (await store.getCheckpoint())!;
      expect(cp.size).toBe(3);
      expect(hexOf(cp.rootHash)).toBe(hexOf(sha("root3")));
      expect(cp.note).toBe(note);
      await store.append({ entries: entries(3, 2) });
      await store.putCheckpoint({ size: 5, rootHash: sha("root5"), note: "n5" });
      expect((await store.getCheckpoint())!.size).toBe(5);
      // Re-signing the same size (a fresh timestamp) is allowed.
      await store.putCheckpoint({ size: 5, rootHash: sha("root5"), note: "n5 again" });
      expect((await store.getCheckpoint())!.note).toBe("n5 again");
    });

    it("accepts a checkpoint of the empty log", async () => {
      const store = await ctx.openStore();
      await store.putCheckpoint({ size: 0, rootHash: sha(""), note: "empty" });
      expect((await store.getCheckpoint())!.size).toBe(0);
    });

    it("rejects a checkpoint beyond the log or behind the stored one with STORE_BAD_INDEX", async () => {
      const store = await ctx.openStore();
      await store.append({ entries: entries(0, 4) });
      await rejectsWithCode(store.putCheckpoint({ size: 5, rootHash: sha("x"), note: "" }), "STORE_BAD_INDEX");
      await store.putCheckpoint({ size: 4, rootHash: sha("r4"), note: "n4" });
      await rejectsWithCode(store.putCheckpoint({ size: 3, rootHash: sha("r3"), note: "" }), "STORE_BAD_INDEX");
      const cp = (await store.getCheckpoint())!;
      expect(cp.size).toBe(4);
      expect(cp.note).toBe("n4");
    });

    it("checks checkpoint arguments with TypeError", async () => {
      const store = await ctx.openStore();
      await expect(store.putCheckpoint({ size: -1, rootHash: sha("x"), note: "" })).rejects.toBeInstanceOf(TypeError);
      await expect(store.putCheckpoint({ size: 0, rootHash: new Uint8Array(3), note: "" })).rejects.toBeInstanceOf(
        TypeError,
      );
      await expect(store.putCheckpoint({ size: 0, rootHash: sha("x"), note: 5 as never })).rejects.toBeInstanceOf(
        TypeError,
      );
      expect(await store.getCheckpoint()).toBeUndefined();
    });

    it("orders a checkpoint after the appends called before it", async () => {
      const store = await ctx.openStore();
      const a = store.append({ entries: entries(0, 2) });
      const c = store.putCheckpoint({ size: 2, rootHash: sha("r2"), note: "" });
      await Promise.all([a, c]);
      expect((await store.getCheckpoint())!.size).toBe(2);
      expect(await store.getEntry(1)).toMatchObject({ index: 1 });
    });
  });
}
