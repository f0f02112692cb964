import { describe, expect, it } from "vitest";
import { collect, entries, rejectsWithCode, type SuiteContext, sha } from "./fixtures.ts";

export function lifecycleTests(ctx: SuiteContext): void {
  describe("lifecycle", () => {
    it("declares the capabilities its test file registered the suite with", async () => {
      const store = ctx.track(await ctx.factory());
      expect({ ...store.supports }).toEqual({ ...ctx.options.supports });
      expect(typeof store.supports.persistence).toBe("boolean");
      expect(typeof store.supports.durableWrites).toBe("boolean");
      expect(typeof store.supports.sharedWriters).toBe("boolean");
    });

    it("rejects every operation before open() with STORE_NOT_OPEN", async () => {
      const store = ctx.track(await ctx.factory());
      expect(store.status).toBe("new");
      await rejectsWithCode(store.size(), "STORE_NOT_OPEN");
      await rejectsWithCode(store.append({ entries: entries(0, 1) }), "STORE_NOT_OPEN");
      await rejectsWithCode(store.getEntry(0), "STORE_NOT_OPEN");
      await rejectsWithCode(store.getEntries(0, 1), "STORE_NOT_OPEN");
      await rejectsWithCode(store.findByEventHash(sha("x")), "STORE_NOT_OPEN");
      await rejectsWithCode(store.getNodeHash(0, 0), "STORE_NOT_OPEN");
      await rejectsWithCode(store.lookup("id", "k"), "STORE_NOT_OPEN");
      await rejectsWithCode(store.getMeta("k"), "STORE_NOT_OPEN");
      await rejectsWithCode(store.putMeta("k", "v"), "STORE_NOT_OPEN");
      await rejectsWithCode(store.getCheckpoint(), "STORE_NOT_OPEN");
      expect(() => store.scan("id")).toThrow(expect.objectContaining({ code: "STORE_NOT_OPEN" }));
    });

    it("opens idempotently and starts empty", async () => {
      const store = ctx.track(await ctx.factory());
      await Promise.all([store.open(), store.open()]);
      await store.open();
      expect(store.status).toBe("open");
      expect(await store.size()).toBe(0);
      expect(await store.getEntry(0)).toBeUndefined();
      expect(await store.getEntries(0, 10)).toEqual([]);
      expect(await store.findByEventHash(sha("nothing"))).toBeUndefined();
      expect(await store.getNodeHash(0, 0)).toBeUndefined();
      expect(await store.lookup("id", "k")).toEqual([]);
      expect(await collect(store.scan("id"))).toEqual([]);
      expect(await store.getMeta("k")).toBeUndefined();
      expect(await store.getCheckpoint()).toBeUndefined();
    });

    it("rejects every operation after close() with STORE_CLOSED, and closes idempotently", async () => {
      const store = ctx.track(await ctx.factory());
      await store.open();
      await store.close();
      await store.close();
      expect(store.status).toBe("closed");
      await rejectsWithCode(store.size(), "STORE_CLOSED");
      await rejectsWithCode(store.append({ entries: entries(0, 1) }), "STORE_CLOSED");
      await rejectsWithCode(store.getEntry(0), "STORE_CLOSED");
      await rejectsWithCode(store.getEntries(0, 1), "STORE_CLOSED");
      await rejectsWithCode(store.findByEventHashes([sha("x")]), "STORE_CLOSED");
      await rejectsWithCode(store.getNodeHashes([{ level: 0, index: 0 }]), "STORE_CLOSED");
      await rejectsWithCode(store.lookup("id", "k"), "STORE_CLOSED");
      await rejectsWithCode(store.getMeta("k"), "STORE_CLOSED");
      await rejectsWithCode(store.putMeta("k", "v"), "STORE_CLOSED");
      await rejectsWithCode(store.getCheckpoint(), "STORE_CLOSED");
      await rejectsWithCode(store.putCheckpoint({ size: 0, rootHash: sha(""), note: "" }), "STORE_CLOSED");
      expect(() => store.scan("id")).toThrow(expect.objectContaining({ code: "STORE_CLOSED" }));
    });

    it("lets writes called before close() finish, and rejects those called after", async () => {
      const store = ctx.track(await ctx.factory());
      await store.open();
      const pending = store.append({ entries: entries(0, 5) });
      const closed = store.close();
      // Caught at once: it rejects before the awaits below get to it.
      const late = store.append({ entries: entries(5, 1) }).catch((e: unknown) => e);
      await pending;
      await closed;
      expect(await late).toMatchObject({ name: "SuyuanError", code: "STORE_CLOSED" });
      if (store.supports.persistence) {
        const again = ctx.track(await (ctx.options.reopen ?? (async (s) => s))(store));
        await again.open();
        expect(await again.size()).toBe(5);
      }
    });

    it("ends in the state of the last call when open() and close() interleave", async () => {
      const store = ctx.track(await ctx.factory());
      const opened = store.open();
      const closed = store.close();
      await opened;
      await closed;
      expect(store.status).toBe("closed");
      await rejectsWithCode(store.size(), "STORE_CLOSED");
      const closing = store.close();
      const reopened = store.open();
      await Promise.all([closing, reopened]);
      expect(store.status).toBe("open");
      await store.append({ entries: entries(0, 1) });
      expect(await store.size()).toBe(1);
    });

    it("can be opened again after close()", async () => {
      const store = ctx.track(await ctx.factory());
      await store.open();
      await store.append({ entries: entries(0, 2) });
      await store.close();
      await store.open();
      expect(store.status).toBe("open");
      // Persistent backends keep the data; the others start over.
      expect(await store.size()).toBe(store.supports.persistence ? 2 : 0);
    });

    it("stops a scan cut off by close() with STORE_CLOSED", async () => {
      const store = ctx.track(await ctx.factory());
      await store.open();
      const indexes = Array.from({ length: 50 }, (_, i) => ({ index: "id", key: `k${i}`, value: `v${i}` }));
      await store.append({ entries: [], indexes });
      const it = store.scan("id")[Symbol.asyncIterator]();
      const first = await it.next();
      expect(first.value).toEqual({ key: "k0", value: "v0" });
      await store.close();
      await rejectsWithCode(it.next(), "STORE_CLOSED");
    });
  });
}
