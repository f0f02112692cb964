import { describe, expect, it } from "vitest";
import type { LogEntry } from "../store.ts";
import {
  bytes,
  collect,
  entries,
  entry,
  expectEntry,
  hexOf,
  node,
  rejectsWithCode,
  type SuiteContext,
  sha,
} from "./fixtures.ts";

export function appendTests(ctx: SuiteContext): void {
  describe("append and read", () => {
    it("round-trips entries and grows the size", async () => {
      const store = await ctx.openStore();
      const first = entries(0, 3);
      await store.append({ entries: first });
      expect(await store.size()).toBe(3);
      const second = entries(3, 4);
      await store.append({ entries: second });
      expect(await store.size()).toBe(7);
      const all = [...first, ...second];
      for (const e of all) expectEntry(await store.getEntry(e.index), e);
      const got = await store.getEntries(0, 7);
      expect(got.map((e) => e.index)).toEqual([0, 1, 2, 3, 4, 5, 6]);
      for (const [i, e] of got.entries()) expectEntry(e, all[i]!);
      for (const e of all) expect(await store.findByEventHash(e.eventHash)).toBe(e.index);
    });

    it("clips getEntries to the log and answers undefined past the end", async () => {
      const store = await ctx.openStore();
      await store.append({ entries: entries(0, 5) });
      expect((await store.getEntries(3, 10)).map((e) => e.index)).toEqual([3, 4]);
      expect((await store.getEntries(1, 2)).map((e) => e.index)).toEqual([1, 2]);
      expect(await store.getEntries(5, 3)).toEqual([]);
      expect(await store.getEntries(99, 3)).toEqual([]);
      expect(await store.getEntries(2, 0)).toEqual([]);
      expect(await store.getEntry(5)).toBeUndefined();
    });

    it("answers findByEventHashes in the order asked, undefined for unknown hashes", async () => {
      const store = await ctx.openStore();
      const es = entries(0, 4);
      await store.append({ entries: es });
      const asked = [es[2]!.eventHash, sha("unknown"), es[0]!.eventHash, es[3]!.eventHash];
      expect(await store.findByEventHashes(asked)).toEqual([2, undefined, 0, 3]);
      expect(await store.findByEventHashes([])).toEqual([]);
      // A leaf hash is not an event hash.
      expect(await store.findByEventHash(es[1]!.leafHash)).toBeUndefined();
    });

    it("returns records byte-identical: empty, every byte value, 1 MiB", async () => {
      const store = await ctx.openStore();
      const es: LogEntry[] = [
        { ...entry(0), record: new Uint8Array(0) },
        { ...entry(1), record: bytes(256 * 3) },
        { ...entry(2), record: bytes(1 << 20, 5) },
        { ...entry(3), record: new Uint8Array([0, 0, 0, 0xff, 0x00]) },
      ];
      await store.append({ entries: es });
      for (const e of es) expectEntry(await store.getEntry(e.index), e);
      const all = new Set(await store.getEntry(1).then((e) => [...e!.record]));
      expect(all.size).toBe(256);
    });

    it("keeps its own copy: callers may mutate what they passed in and what they got back", async () => {
      const store = await ctx.openStore();
      const e = entry(0);
      const snapshot = { ...e, eventHash: e.eventHash.slice(), leafHash: e.leafHash.slice(), record: e.record.slice() };
      const pending = store.append({ entries: [e] });
      // Mutate before the queued write has necessarily run.
      e.record.fill(0xaa);
      e.eventHash.fill(0xbb);
      e.leafHash.fill(0xcc);
      await pending;
      expectEntry(await store.getEntry(0), snapshot);
      expect(await store.findByEventHash(snapshot.eventHash)).toBe(0);
      const got = (await store.getEntry(0))!;
      got.record.fill(1);
      got.eventHash.fill(2);
      got.leafHash.fill(3);
      const leaf = (await store.getNodeHash(0, 0))!;
      leaf.fill(4);
      expectEntry(await store.getEntry(0), snapshot);
      expect(hexOf((await store.getNodeHash(0, 0))!)).toBe(hexOf(snapshot.leafHash));
    });

    it("with transfer: stores what was handed over, and still checks it", async () => {
      const store = await ctx.openStore();
      const es = entries(0, 3);
      const indexes = [{ index: "id", key: "k", value: new Uint8Array([1, 2]) }];
      await store.append({ entries: es, indexes, transfer: true });
      for (const e of es) expectEntry(await store.getEntry(e.index), e);
      expect(await store.lookup("id", "k")).toEqual([new Uint8Array([1, 2])]);
      // Reads are still the caller's own copies.
      (await store.getEntry(0))!.record.fill(9);
      expectEntry(await store.getEntry(0), es[0]!);
      const bad = { ...entry(3), leafHash: new Uint8Array(31) };
      await expect(store.append({ entries: [bad], transfer: true })).rejects.toThrow(TypeError);
      await expect(
        store.append({
          entries: entries(3, 1),
          indexes: [{ index: "bad name", key: "k", value: "v" }],
          transfer: true,
        }),
      ).rejects.toThrow(TypeError);
      await rejectsWithCode(
        store.append({ entries: [entry(0, "e")].map((e) => ({ ...e, index: 3 })), transfer: true }),
        "STORE_DUPLICATE",
      );
      expect(await store.size()).toBe(3);
    });

    it("accepts a batch without entries (index records and meta only)", async () => {
      const store = await ctx.openStore();
      await store.append({
        entries: [],
        indexes: [{ index: "id", key: "a", value: "1" }],
        meta: [{ key: "m", value: "x" }],
      });
      expect(await store.size()).toBe(0);
      expect(await store.lookup("id", "a")).toEqual(["1"]);
      expect(await store.getMeta("m")).toBe("x");
      await store.append({ entries: [] });
      expect(await store.size()).toBe(0);
    });
  });

  describe("contiguity", () => {
    it("rejects a first index other than the current size with STORE_BAD_INDEX, writing nothing", async () => {
      const store = await ctx.openStore();
      await rejectsWithCode(store.append({ entries: entries(1, 2) }), "STORE_BAD_INDEX");
      expect(await store.size()).toBe(0);
      await store.append({ entries: entries(0, 3) });
      const gap = store.append({
        entries: entries(4, 1, "gap"),
        indexes: [{ index: "id", key: "gap", value: "x" }],
        meta: [{ key: "gap", value: "x" }],
      });
      await rejectsWithCode(gap, "STORE_BAD_INDEX");
      await rejectsWithCode(store.append({ entries: entries(2, 2, "overlap") }), "STORE_BAD_INDEX");
      await rejectsWithCode(store.append({ entries: entries(0, 1, "rewrite") }), "STORE_BAD_INDEX");
      expect(await store.size()).toBe(3);
      expect(await store.lookup("id", "gap")).toEqual([]);
      expect(await store.getMeta("gap")).toBeUndefined();
      expect(await store.findByEventHash(entry(4, "gap").eventHash)).toBeUndefined();
      await store.append({ entries: entries(3, 1) });
      expect(await store.size()).toBe(4);
    });

    it("reports the expected and actual index in the error", async () => {
      const store = await ctx.openStore();
      await store.append({ entries: entries(0, 2) });
      const err = await store.append({ entries: entries(7, 1) }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: "STORE_BAD_INDEX", detail: { expected: 2, actual: 7 } });
      expect(String((err as Error).message)).toContain("7");
    });

    it("rejects entries that are not contiguous inside the batch with TypeError", async () => {
      const store = await ctx.openStore();
      const es = [entry(0), entry(2)];
      await expect(store.append({ entries: es })).rejects.toBeInstanceOf(TypeError);
      await expect(store.append({ entries: [entry(0), entry(0, "other")] })).rejects.toBeInstanceOf(TypeError);
      expect(await store.size()).toBe(0);
    });
  });

  describe("duplicates (dedupe by event hash)", () => {
    it("rejects an event hash already in the log with STORE_DUPLICATE and writes none of the batch", async () => {
      const store = await ctx.openStore();
      await store.append({ entries: entries(0, 3) });
      const dupOf1 = { ...entry(4, "fresh"), eventHash: entry(1).eventHash };
      const batch = {
        entries: [entry(3, "fresh"), { ...dupOf1, index: 4 }, entry(5, "fresh")],
        nodes: [node(1, 1, "dup"), node(2, 0, "dup")],
        indexes: [{ index: "lot", key: "L1", value: "fresh" }],
        meta: [{ key: "gw/1", value: "seq-9" }],
      };
      const err = await store.append(batch).catch((e: unknown) => e);
      expect(err).toMatchObject({ name: "SuyuanError", code: "STORE_DUPLICATE", field: "entries[1].eventHash" });
      expect(err).toMatchObject({ detail: { existingIndex: 1 } });
      expect(await store.size()).toBe(3);
      expect(await store.getEntry(3)).toBeUndefined();
      expect(await store.findByEventHash(entry(3, "fresh").eventHash)).toBeUndefined();
      expect(await store.findByEventHash(entry(5, "fresh").eventHash)).toBeUndefined();
      expect(await store.getNodeHash(1, 1)).toBeUndefined();
      expect(await store.getNodeHash(2, 0)).toBeUndefined();
      expect(await store.getNodeHash(0, 3)).toBeUndefined();
      expect(await store.lookup("lot", "L1")).toEqual([]);
      expect(await collect(store.scan("lot"))).toEqual([]);
      expect(await store.getMeta("gw/1")).toBeUndefined();
      // The original is untouched and the log goes on at 3.
      expect(await store.findByEventHash(entry(1).eventHash)).toBe(1);
      await store.append({ entries: entries(3, 1, "fresh") });
      expect(await store.size()).toBe(4);
    });

    it("rejects the same event hash twice in one batch with STORE_DUPLICATE", async () => {
      const store = await ctx.openStore();
      const a = entry(0);
      const b = { ...entry(1), eventHash: a.eventHash.slice() };
      await rejectsWithCode(store.append({ entries: [a, b] }), "STORE_DUPLICATE");
      expect(await store.size()).toBe(0);
      expect(await store.findByEventHash(a.eventHash)).toBeUndefined();
    });

    it("allows equal leaf hashes and equal records (identity is the event hash only)", async () => {
      const store = await ctx.openStore();
      const a = entry(0);
      const b = { ...entry(1), leafHash: a.leafHash.slice(), record: a.record.slice() };
      await store.append({ entries: [a, b] });
      expect(await store.size()).toBe(2);
    });
  });

  describe("argument checks", () => {
    it("throws TypeError for malformed batches and writes nothing", async () => {
      const store = await ctx.openStore();
      const bad: unknown[] = [
        null,
        {},
        { entries: [{ ...entry(0), eventHash: new Uint8Array(31) }] },
        { entries: [{ ...entry(0), leafHash: new Uint8Array(33) }] },
        { entries: [{ ...entry(0), eventHash: "00".repeat(32) }] },
        { entries: [{ ...entry(0), record: "text" }] },
        { entries: [{ ...entry(0), index: -1 }] },
        { entries: [{ ...entry(0), index: 0.5 }] },
        { entries: [], nodes: [{ level: 1, index: 0, hash: new Uint8Array(8) }] },
        { entries: [], indexes: [{ index: "", key: "k", value: "v" }] },
        { entries: [], indexes: [{ index: "has space", key: "k", value: "v" }] },
        { entries: [], indexes: [{ index: "a!b", key: "k", value: "v" }] },
        { entries: [], indexes: [{ index: "id", key: "", value: "v" }] },
        { entries: [], indexes: [{ index: "id", key: "a\u0000b", value: "v" }] },
        { entries: [], indexes: [{ index: "id", key: "\ud800", value: "v" }] },
        { entries: [], indexes: [{ index: "id", key: "k", value: 42 }] },
        { entries: [], indexes: [{ index: "id", key: "k", value: "\udc00" }] },
        { entries: [], meta: [{ key: "", value: "v" }] },
        { entries: [], meta: [{ key: "k", value: null }] },
      ];
      for (const b of bad) {
        await expect(store.append(b as never), JSON.stringify(b)).rejects.toBeInstanceOf(TypeError);
      }
      expect(await store.size()).toBe(0);
      expect(await collect(store.scan("id"))).toEqual([]);
    });

    it("throws TypeError for malformed read arguments", async () => {
      const store = await ctx.openStore();
      await expect(store.getEntry(-1)).rejects.toBeInstanceOf(TypeError);
      await expect(store.getEntry(Number.NaN)).rejects.toBeInstanceOf(TypeError);
      await expect(store.getEntries(0, -1)).rejects.toBeInstanceOf(TypeError);
      await expect(store.findByEventHash(new Uint8Array(5))).rejects.toBeInstanceOf(TypeError);
      await expect(store.findByEventHashes([sha("a"), new Uint8Array(0)])).rejects.toBeInstanceOf(TypeError);
      await expect(store.getNodeHash(-1, 0)).rejects.toBeInstanceOf(TypeError);
      await expect(store.getNodeHash(0, 1.5)).rejects.toBeInstanceOf(TypeError);
      await expect(store.lookup("id", "")).rejects.toBeInstanceOf(TypeError);
      await expect(store.lookup("no/slash", "k")).rejects.toBeInstanceOf(TypeError);
      await expect(store.getMeta("")).rejects.toBeInstanceOf(TypeError);
      expect(() => store.scan("id", { limit: -1 })).toThrow(TypeError);
      expect(() => store.scan("id", { gt: "a", gte: "a" })).toThrow(TypeError);
      expect(() => store.scan("id", { lt: "a", lte: "a" })).toThrow(TypeError);
      expect(() => store.scan("id", { prefix: "a\u0000" })).toThrow(TypeError);
    });
  });
}
