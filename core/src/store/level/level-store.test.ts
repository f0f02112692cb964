import { appendFile, mkdtemp, readFile, rm, stat, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Level } from "level";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bytes, entries, entry, rejectsWithCode, sha } from "../conformance/fixtures.ts";
import { runStoreConformance } from "../conformance/suite.ts";
import type { NodeHash } from "../store.ts";
import { parseHashFilter } from "./hash-filter.ts";
import { FILTER_FILE, LevelStore } from "./level-store.ts";

let root: string;
let n = 0;
const freshDir = () => join(root, `db-${n++}`);

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "suyuan-level-store-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

runStoreConformance("level", async () => new LevelStore(freshDir()), {
  supports: { persistence: true, durableWrites: true, sharedWriters: false, packedIndexes: true },
  // A new instance over the same directory: what a restarted core does.
  reopen: async (store) => new LevelStore((store as LevelStore).location),
});

runStoreConformance("level (sync: false)", async () => new LevelStore(freshDir(), { sync: false }), {
  supports: { persistence: true, durableWrites: true, sharedWriters: false, packedIndexes: true },
  reopen: async (store) => new LevelStore((store as LevelStore).location, { sync: false }),
});

/** Raw access to the directory, to check the documented layout and to plant bad data. */
async function raw<T>(dir: string, fn: (db: Level<Buffer, Buffer>) => Promise<T>): Promise<T> {
  const db = new Level<Buffer, Buffer>(dir, { keyEncoding: "buffer", valueEncoding: "buffer" });
  await db.open();
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

const b = (s: string) => Buffer.from(s, "latin1");

describe("LevelStore specifics", () => {
  it("lays keys out as documented", async () => {
    const dir = freshDir();
    const store = new LevelStore(dir);
    await store.open();
    const es = entries(0, 2);
    await store.append({
      entries: es,
      nodes: [{ level: 1, index: 0, hash: sha("n10") }],
      indexes: [
        { index: "lot", key: "L1", value: "x" },
        { index: "lot", key: "L1", value: new Uint8Array([9]) },
      ],
      meta: [{ key: "gw", value: "7" }],
    });
    await store.putCheckpoint({ size: 2, rootHash: sha("r"), note: "n" });
    await store.close();
    const keys = await raw(dir, async (db) => (await db.keys().all()).map((k) => k.toString("latin1")));
    const expected = [
      "c!",
      "e!00000000000000",
      "e!00000000000001",
      "f!",
      `h!${sha("e:event:0").reduce((s, x) => s + String.fromCharCode(x), "")}`,
      `h!${sha("e:event:1").reduce((s, x) => s + String.fromCharCode(x), "")}`,
      "i!lot!L1\u0000000000000000",
      "i!lot!L1\u0000000000000001",
      "m!gw",
      "s!",
      "v!",
    ].sort((x, y) => Buffer.compare(b(x), b(y)));
    expect(keys).toEqual(expected);
    // entries.dat: each entry as 01 ‖ eventHash ‖ leafHash ‖ record, in log order.
    const entryBytes = es.map((e) => Buffer.concat([Buffer.from([1]), e.eventHash, e.leafHash, e.record]));
    expect(await readFile(join(dir, "entries.dat"))).toEqual(Buffer.concat(entryBytes));
    await raw(dir, async (db) => {
      // e! rows: 02 ‖ offset:6 ‖ length:4 ‖ leafHash ‖ the level-1..3 subtrees ending there.
      const e0 = (await db.get(b("e!00000000000000")))!;
      expect(e0).toHaveLength(43);
      expect(e0.subarray(11)).toEqual(Buffer.from(es[0]!.leafHash));
      const e1 = (await db.get(b("e!00000000000001")))!;
      expect(e1).toHaveLength(43 + 32);
      expect(e1[0]).toBe(2);
      expect(e1.readUIntBE(1, 6)).toBe(entryBytes[0]!.length);
      expect(e1.readUInt32BE(7)).toBe(entryBytes[1]!.length);
      expect(e1.subarray(11, 43)).toEqual(Buffer.from(es[1]!.leafHash));
      // Leaf 1 ends subtree (1, 0): its hash rides in the row instead of an n! row.
      expect(e1.subarray(43)).toEqual(Buffer.from(sha("n10")));
      expect((await db.get(b("f!")))!.toString("latin1")).toBe(
        (entryBytes[0]!.length + entryBytes[1]!.length).toString(16).padStart(14, "0"),
      );
      expect((await db.get(b("i!lot!L1\u0000000000000000")))!).toEqual(Buffer.from([1, 0x78]));
      expect((await db.get(b("i!lot!L1\u0000000000000001")))!).toEqual(Buffer.from([0, 9]));
      expect((await db.get(b("s!")))!.toString("latin1")).toBe("000000000002");
      expect((await db.get(b("v!")))!.toString("latin1")).toBe("suyuan-ledger/3");
    });
  });

  it("keeps subtrees of levels 1-3 in the pointer row of their last leaf and higher ones in n! rows", async () => {
    const dir = freshDir();
    const store = new LevelStore(dir);
    await store.open();
    // 16 leaves complete 8 + 4 + 2 + 1 subtrees of levels 1..4. Leave (2, 1) out: leaf 7's
    // row then holds level 1 only, and (3, 0), which also ends at leaf 7, goes to n!.
    const nodes: NodeHash[] = [];
    for (let level = 1; level <= 4; level++) {
      for (let index = 0; index < 16 / 2 ** level; index++) {
        if (level === 2 && index === 1) continue;
        nodes.push({ level, index, hash: sha(`node ${level}/${index}`) });
      }
    }
    await store.append({ entries: entries(0, 16), nodes });
    expect(await store.getNodeHashes(nodes)).toEqual(nodes.map((n) => n.hash));
    expect(await store.getNodeHashes([{ level: 2, index: 1 }])).toEqual([undefined]);
    await store.close();
    const keys = await raw(dir, async (db) =>
      (await db.keys({ gte: b("n!"), lt: b("n~") }).all()).map((k) => k.toString("latin1")),
    );
    expect(keys).toEqual(["n!03!00000000000000", "n!04!00000000000000"]);
    const rowLength = (i: number) =>
      raw(dir, async (db) => (await db.get(b(`e!${i.toString(16).padStart(14, "0")}`)))!.length);
    // Leaf i ends a subtree of level k when 2^k divides i + 1.
    expect(await rowLength(0)).toBe(43);
    expect(await rowLength(1)).toBe(43 + 32);
    expect(await rowLength(3)).toBe(43 + 64);
    expect(await rowLength(7)).toBe(43 + 32); // (2, 1) not given: (3, 0) in n!
    expect(await rowLength(15)).toBe(43 + 96);
  });

  it("opens a format 2 store (every subtree in n! rows) and reads its subtrees from there", async () => {
    const dir = freshDir();
    const es = entries(0, 4);
    const nodes: NodeHash[] = [
      { level: 1, index: 0, hash: sha("old 1/0") },
      { level: 1, index: 1, hash: sha("old 1/1") },
      { level: 2, index: 0, hash: sha("old 2/0") },
    ];
    // Format 2's rows, written by hand: entries in entries.dat, 43-byte pointers, n! nodes.
    await raw(dir, async (db) => {
      await db.put(b("v!"), b("suyuan-ledger/2"));
      let offset = 0;
      for (const e of es) {
        const length = 65 + e.record.length;
        const p = Buffer.alloc(43);
        p[0] = 2;
        p.writeUIntBE(offset, 1, 6);
        p.writeUInt32BE(length, 7);
        p.set(e.leafHash, 11);
        offset += length;
        await db.put(b(`e!${e.index.toString(16).padStart(14, "0")}`), p);
        await db.put(Buffer.concat([b("h!"), e.eventHash]), b(e.index.toString(16).padStart(14, "0")));
      }
      await db.put(b("f!"), b(offset.toString(16).padStart(14, "0")));
      for (const n of nodes) {
        await db.put(b(`n!0${n.level}!${n.index.toString(16).padStart(14, "0")}`), Buffer.from(n.hash));
      }
    });
    await writeFile(
      join(dir, "entries.dat"),
      Buffer.concat(es.map((e) => Buffer.concat([Buffer.from([1]), e.eventHash, e.leafHash, e.record]))),
    );
    const store = new LevelStore(dir);
    await store.open();
    expect(await store.size()).toBe(4);
    expect(await store.getNodeHashes(nodes)).toEqual(nodes.map((n) => n.hash));
    // Appends after it write format 3 rows; both kinds read back.
    const more: NodeHash[] = [{ level: 1, index: 2, hash: sha("new 1/2") }];
    await store.append({ entries: entries(4, 2), nodes: more });
    expect(await store.getNodeHashes([...nodes, ...more])).toEqual([...nodes, ...more].map((n) => n.hash));
    const recordsOf = (list: { record: Uint8Array }[]) => list.map((e) => Buffer.from(e.record).toString("hex"));
    expect(recordsOf(await store.getEntries(0, 6))).toEqual(recordsOf([...es, ...entries(4, 2)]));
    await store.close();
    expect(await raw(dir, async (db) => (await db.get(b("v!")))!.toString("latin1"))).toBe("suyuan-ledger/3");
  });

  it("writes appends larger than one write slab byte for byte (multi-byte keys, large records and values)", async () => {
    const dir = freshDir();
    const store = new LevelStore(dir);
    await store.open();
    // ~1 MB over several slab chunks: big records, 3- and 4-byte UTF-8 keys, a value larger than a chunk.
    const es = entries(0, 100, "big", 3000);
    const indexes = [];
    for (let i = 0; i < 1000; i++) {
      indexes.push({ index: "id", key: `溯源-${i}-😀`.repeat(1 + (i % 7)), value: `值${i}`.repeat(1 + (i % 5)) });
    }
    const huge = Buffer.from(bytes(300 * 1024, 7));
    indexes.push({ index: "blob", key: "huge", value: huge });
    await store.append({ entries: es, indexes, meta: [{ key: "gw/😀", value: "状态" }] });
    await store.close();
    await store.open();
    const back = await store.getEntries(0, 100);
    const hexOf = (e: { eventHash: Uint8Array; leafHash: Uint8Array; record: Uint8Array }) =>
      Buffer.concat([e.eventHash, e.leafHash, e.record]).toString("hex");
    expect(back.map(hexOf)).toEqual(es.map(hexOf));
    for (const i of [0, 1, 500, 999]) {
      const r = indexes[i]!;
      expect(await store.lookup("id", r.key)).toEqual([r.value]);
    }
    const [blob] = await store.lookup("blob", "huge");
    expect(Buffer.from(blob as Uint8Array).equals(huge)).toBe(true);
    expect(await store.getMeta("gw/😀")).toBe("状态");
    const all = [];
    for await (const h of store.scan("id")) all.push(h);
    expect(all).toHaveLength(1000);
    expect(await store.getNodeHashes([{ level: 0, index: 99 }])).toEqual([es[99]!.leafHash]);
    expect(await store.findByEventHashes([es[50]!.eventHash])).toEqual([50]);
    await store.close();
  });

  it("keeps an append whole across its pauses for the event loop, a write called meanwhile taking its turn after it", async () => {
    const store = new LevelStore(freshDir());
    await store.open();
    // 5000 entries are 10 000 puts: the append yields to the event loop twice while building.
    const first = entries(0, 5000, "turns");
    const second = entries(5000, 10, "turns");
    // One key for both: its records come back in insertion order, so the scan shows which
    // append took its sequence numbers first.
    const a = store.append({ entries: first, indexes: [{ index: "id", key: "k", value: "first" }] });
    const b = store.append({ entries: second, indexes: [{ index: "id", key: "k", value: "second" }] });
    // A read during the append sees none of it: nothing is written until the batch is.
    const during = store.findByEventHashes([first[0]!.eventHash, first[4999]!.eventHash]);
    await Promise.all([a, b]);
    expect(await during).toEqual([undefined, undefined]);
    const hexOf = (e: { eventHash: Uint8Array; leafHash: Uint8Array; record: Uint8Array }) =>
      Buffer.concat([e.eventHash, e.leafHash, e.record]).toString("hex");
    expect((await store.getEntries(0, 5010)).map(hexOf)).toEqual([...first, ...second].map(hexOf));
    expect(await store.findByEventHashes([first[4999]!.eventHash, second[9]!.eventHash])).toEqual([4999, 5009]);
    const ids = [];
    for await (const h of store.scan("id")) ids.push([h.key, h.value]);
    expect(ids).toEqual([
      ["k", "first"],
      ["k", "second"],
    ]);
    await store.close();
  });

  it("cuts off entry bytes an append wrote before dying, and refuses a file that lost entries", async () => {
    const dir = freshDir();
    const store = new LevelStore(dir);
    await store.open();
    const es = entries(0, 5);
    await store.append({ entries: es.slice(0, 3) });
    await store.close();
    const file = join(dir, "entries.dat");
    const good = await readFile(file);
    // An append that wrote its entries and died before its LevelDB batch: bytes, no rows.
    await appendFile(file, Buffer.alloc(500, 0x77));
    await store.open();
    expect(await store.size()).toBe(3);
    expect((await stat(file)).size).toBe(good.length);
    await store.append({ entries: es.slice(3) });
    const back = await store.getEntries(0, 5);
    expect(back.map((e) => Buffer.from(e.record).toString("hex"))).toEqual(
      es.map((e) => Buffer.from(e.record).toString("hex")),
    );
    await store.close();
    // A file shorter than the entries the rows point into: corrupt, named.
    await truncate(file, good.length - 1);
    await expect(store.open()).rejects.toMatchObject({ code: "STORE_CORRUPT", field: "entries.dat" });
  });

  it("stages entries before their append: the append uses them; staged entries never appended leave nothing", async () => {
    const dir = freshDir();
    const store = new LevelStore(dir);
    await store.open();
    const file = join(dir, "entries.dat");
    const hex = (es: { record: Uint8Array }[]) => es.map((e) => Buffer.from(e.record).toString("hex"));
    const a = entries(0, 3, "a", 100);
    const b = entries(3, 2, "b", 100);
    // Staged in commit order, appended in that order later (the log does this while the
    // write ahead of them is in flight).
    store.stage({ entries: a, transfer: true });
    store.stage({ entries: b, transfer: true });
    expect(await store.size()).toBe(0); // staged is not written
    await store.append({ entries: a, indexes: [{ index: "id", key: "k", value: "a" }], transfer: true });
    await store.append({ entries: b, transfer: true });
    expect(hex(await store.getEntries(0, 5))).toEqual(hex([...a, ...b]));
    const bytesAfter = (await stat(file)).size;
    // Each entry is written once: 65 header bytes + its record.
    expect(bytesAfter).toBe(5 * (65 + 100));

    // Staged, and then never appended (its write failed upstream): after reopen nothing of it
    // is visible and the file ends where the log's entries end.
    const lost = entries(5, 4, "lost", 100);
    store.stage({ entries: lost, transfer: true });
    // Appended instead: other entries at the same log positions. They go after the staged
    // region, which stays a hole no row points into.
    const other = entries(5, 2, "other", 100);
    await store.append({ entries: other, transfer: true });
    expect(hex(await store.getEntries(5, 7))).toEqual(hex(other));
    expect((await stat(file)).size).toBe(bytesAfter + 6 * (65 + 100));
    await store.close();
    await store.open();
    expect(await store.size()).toBe(7);
    expect(hex(await store.getEntries(0, 7))).toEqual(hex([...a, ...b, ...other]));
    expect((await stat(file)).size).toBe(bytesAfter + 6 * (65 + 100));

    // Staged last, never appended, store closed: open cuts the bytes off.
    store.stage({ entries: entries(7, 3, "tail", 100), transfer: true });
    await store.close();
    expect((await stat(file)).size).toBe(bytesAfter + 9 * (65 + 100)); // close waited for the staged write
    await store.open();
    expect((await stat(file)).size).toBe(bytesAfter + 6 * (65 + 100));
    expect(await store.size()).toBe(7);

    // Only entries handed over uncopied are staged (a copy would not be found by identity).
    const copied = entries(7, 1, "copied", 100);
    store.stage({ entries: copied });
    await store.append({ entries: copied });
    expect((await stat(file)).size).toBe(bytesAfter + 7 * (65 + 100));
    expect(hex(await store.getEntries(7, 8))).toEqual(hex(copied));
    await store.close();
  });

  it("opens a format 1 store (entries inline in LevelDB) and appends after it", async () => {
    const dir = freshDir();
    const old = entries(0, 3, "old");
    await raw(dir, async (db) => {
      await db.put(b("v!"), b("suyuan-ledger/1"));
      for (const e of old) {
        const key = b(`e!${e.index.toString(16).padStart(14, "0")}`);
        await db.put(key, Buffer.concat([Buffer.from([1]), e.eventHash, e.leafHash, e.record]));
        await db.put(Buffer.concat([b("h!"), e.eventHash]), b(e.index.toString(16).padStart(14, "0")));
      }
    });
    const store = new LevelStore(dir);
    await store.open();
    expect(await store.size()).toBe(3);
    const added = entries(3, 2, "new");
    await store.append({ entries: added });
    const all = [...old, ...added];
    const back = await store.getEntries(0, 5);
    expect(
      back.map((e) => [e.index, Buffer.from(e.record).toString("hex"), Buffer.from(e.leafHash).toString("hex")]),
    ).toEqual(
      all.map((e) => [e.index, Buffer.from(e.record).toString("hex"), Buffer.from(e.leafHash).toString("hex")]),
    );
    expect(await store.getNodeHashes([0, 4].map((index) => ({ level: 0, index })))).toEqual([
      all[0]!.leafHash,
      all[4]!.leafHash,
    ]);
    expect(await store.findByEventHashes([old[1]!.eventHash])).toEqual([1]);
    await store.close();
    expect(await raw(dir, async (db) => (await db.get(b("v!")))!.toString("latin1"))).toBe("suyuan-ledger/3");
  });

  it("refuses a second open of a directory in use with STORE_OPEN_FAILED", async () => {
    const dir = freshDir();
    const a = new LevelStore(dir);
    await a.open();
    const second = new LevelStore(dir);
    await rejectsWithCode(second.open(), "STORE_OPEN_FAILED");
    expect(second.status).toBe("closed");
    await a.close();
    await second.open();
    await second.close();
  });

  it("refuses a LevelDB that is not a suyuan ledger, or another format version, with STORE_CORRUPT", async () => {
    const foreign = freshDir();
    await raw(foreign, (db) => db.put(b("hello"), b("world")));
    await rejectsWithCode(new LevelStore(foreign).open(), "STORE_CORRUPT");
    const future = freshDir();
    await raw(future, (db) => db.put(b("v!"), b("suyuan-ledger/9")));
    await rejectsWithCode(new LevelStore(future).open(), "STORE_CORRUPT");
  });

  it("reports stored data that fails to decode with STORE_CORRUPT", async () => {
    const dir = freshDir();
    const store = new LevelStore(dir);
    await store.open();
    await store.append({ entries: entries(0, 2), indexes: [{ index: "id", key: "k", value: "v" }] });
    await store.putMeta("m", "v");
    await store.putCheckpoint({ size: 2, rootHash: sha("r"), note: "" });
    await store.close();
    await raw(dir, async (db) => {
      await db.put(b("e!00000000000001"), Buffer.from([1, 2, 3]));
      await db.put(b("i!id!k\u0000000000000000"), Buffer.from([7, 1]));
      await db.put(b("m!m"), Buffer.alloc(0));
      await db.put(b("c!"), b("{not json"));
    });
    await store.open();
    expect((await store.getEntry(0))?.index).toBe(0);
    await rejectsWithCode(store.getEntry(1), "STORE_CORRUPT");
    await rejectsWithCode(store.getEntries(0, 2), "STORE_CORRUPT");
    await rejectsWithCode(store.lookup("id", "k"), "STORE_CORRUPT");
    await rejectsWithCode(store.getMeta("m"), "STORE_CORRUPT");
    await rejectsWithCode(store.getCheckpoint(), "STORE_CORRUPT");
    await store.close();
  });

  it("refuses a range of entries with a row missing, read by key (short) or by iterator (long)", async () => {
    const dir = freshDir();
    const store = new LevelStore(dir);
    await store.open();
    await store.append({ entries: entries(0, 20), indexes: [] });
    await store.close();
    await raw(dir, (db) => db.del(b("e!0000000000000a")));
    await store.open();
    expect((await store.getEntries(0, 3)).map((e) => e.index)).toEqual([0, 1, 2]);
    expect((await store.getEntries(11, 9)).map((e) => e.index)).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19]);
    await rejectsWithCode(store.getEntries(9, 2), "STORE_CORRUPT");
    await rejectsWithCode(store.getEntries(0, 20), "STORE_CORRUPT");
    await rejectsWithCode(store.getEntry(10), "STORE_CORRUPT");
    await store.close();
  });
});

describe("LevelStore event-hash filter", () => {
  const hashesOf = (start: number, count: number, tag = "e") => entries(start, count, tag).map((e) => e.eventHash);
  const indexesOf = (start: number, count: number) => Array.from({ length: count }, (_, i) => start + i);
  const none = (count: number) => new Array(count).fill(undefined);
  /** An entry at `index` carrying the event hash of entry `of` (a resent event). */
  const resent = (index: number, of: number) => ({ ...entry(index, "dup"), eventHash: entry(of).eventHash });
  const covered = async (dir: string) => {
    const saved = parseHashFilter(await readFile(join(dir, FILTER_FILE)));
    if ("problem" in saved) throw new Error(saved.problem);
    return saved.covered;
  };

  it("finds every stored hash and no other, before and after a restart that saved the filter", async () => {
    const dir = freshDir();
    const store = new LevelStore(dir);
    await store.open();
    expect(store.level.eventHashFilterReady).toBe(true);
    await store.append({ entries: entries(0, 50), indexes: [] });
    expect(await store.findByEventHashes([...hashesOf(0, 50), ...hashesOf(0, 3, "other")])).toEqual([
      ...indexesOf(0, 50),
      ...none(3),
    ]);
    await rejectsWithCode(store.append({ entries: [resent(50, 7)], indexes: [] }), "STORE_DUPLICATE");
    await store.close();
    expect(await covered(dir)).toBe(50);
    await store.open();
    expect(store.level.eventHashFilterReady).toBe(true);
    expect(await store.findByEventHashes([...hashesOf(0, 50), ...hashesOf(0, 3, "other")])).toEqual([
      ...indexesOf(0, 50),
      ...none(3),
    ]);
    await rejectsWithCode(store.append({ entries: [resent(50, 49)], indexes: [] }), "STORE_DUPLICATE");
    await store.append({ entries: entries(50, 5), indexes: [] });
    expect(await store.findByEventHashes(hashesOf(48, 7))).toEqual(indexesOf(48, 7));
    await store.close();
  });

  it("adds the entries appended after a saved filter was written (a core that stopped without saving)", async () => {
    const dir = freshDir();
    const store = new LevelStore(dir);
    await store.open();
    await store.append({ entries: entries(0, 10), indexes: [] });
    await store.close();
    const old = await readFile(join(dir, FILTER_FILE)); // covers entries 0..9
    await store.open();
    await store.append({ entries: entries(10, 20), indexes: [] });
    await store.close();
    await writeFile(join(dir, FILTER_FILE), old);
    await store.open();
    expect(store.level.eventHashFilterReady).toBe(true);
    // Without the catch-up the filter would rule entries 10..29 out.
    expect(await store.findByEventHashes(hashesOf(0, 30))).toEqual(indexesOf(0, 30));
    await rejectsWithCode(store.append({ entries: [resent(30, 25)], indexes: [] }), "STORE_DUPLICATE");
    await store.close();
    expect(await covered(dir)).toBe(30);
  });

  it("rebuilds from the log a filter file that is altered, another log's, or ahead of the log", async () => {
    // Other logs as long as the store below and shorter: their files pass the size check and
    // are told apart only by the last covered entry's hash.
    const otherLog = async (count: number) => {
      const d = freshDir();
      const o = new LevelStore(d);
      await o.open();
      await o.append({ entries: entries(0, count, "o"), indexes: [] });
      await o.close();
      return readFile(join(d, FILTER_FILE));
    };
    const ahead = freshDir(); // entries 0..29, the first 10 as the store below
    const a = new LevelStore(ahead);
    await a.open();
    await a.append({ entries: entries(0, 30), indexes: [] });
    await a.close();

    const dir = freshDir();
    const store = new LevelStore(dir);
    await store.open();
    await store.append({ entries: entries(0, 10), indexes: [] });
    await store.close();
    const own = await readFile(join(dir, FILTER_FILE));
    const altered = Buffer.from(own);
    altered[100]! ^= 0xff;
    const cases: [string, Buffer][] = [
      ["altered", altered],
      ["another log's, as long", await otherLog(10)],
      ["another log's, shorter", await otherLog(5)],
      ["ahead of the log", await readFile(join(ahead, FILTER_FILE))],
      ["not a filter", Buffer.from("hello")],
    ];
    for (const [what, file] of cases) {
      await writeFile(join(dir, FILTER_FILE), file);
      await store.open();
      expect(store.level.eventHashFilterReady, what).toBe(true);
      expect(await store.findByEventHashes(hashesOf(0, 10)), what).toEqual(indexesOf(0, 10));
      await rejectsWithCode(store.append({ entries: [resent(10, 3)], indexes: [] }), "STORE_DUPLICATE");
      await store.close();
      // Rebuilt, and saved for this log.
      expect(await covered(dir), what).toBe(10);
      expect(await readFile(join(dir, FILTER_FILE)), what).toEqual(own);
    }
  });

  it("opens a longer log at once and builds the filter behind it, keeping what is appended meanwhile", async () => {
    const dir = freshDir();
    const first = new LevelStore(dir, { eventHashFilter: false });
    await first.open();
    await first.append({ entries: entries(0, 40), indexes: [] });
    await first.close();
    const store = new LevelStore(dir, { filterInlineMax: 0 });
    await store.open();
    const during = store.append({ entries: entries(40, 20), indexes: [] });
    // Correct whether or not the filter is ready yet.
    expect(await store.findByEventHashes(hashesOf(0, 2))).toEqual([0, 1]);
    await during;
    await store.level.whenFilterSettled();
    expect(store.level.eventHashFilterReady).toBe(true);
    expect(await store.findByEventHashes([...hashesOf(0, 60), ...hashesOf(0, 2, "x")])).toEqual([
      ...indexesOf(0, 60),
      ...none(2),
    ]);
    await store.close();
    expect(await covered(dir)).toBe(60);
  });

  it("with eventHashFilter: false reads LevelDB for every lookup and writes no filter file", async () => {
    const dir = freshDir();
    const store = new LevelStore(dir, { eventHashFilter: false });
    await store.open();
    await store.append({ entries: entries(0, 5), indexes: [] });
    expect(store.level.eventHashFilterReady).toBe(false);
    expect(await store.findByEventHashes([...hashesOf(0, 5), ...hashesOf(0, 1, "x")])).toEqual([
      ...indexesOf(0, 5),
      undefined,
    ]);
    await rejectsWithCode(store.append({ entries: [resent(5, 0)], indexes: [] }), "STORE_DUPLICATE");
    await store.close();
    await expect(stat(join(dir, FILTER_FILE))).rejects.toThrow(/ENOENT/);
  });

  it("leaves an untouched store's filter file as it was", async () => {
    const dir = freshDir();
    const store = new LevelStore(dir);
    await store.open();
    await store.append({ entries: entries(0, 5), indexes: [] });
    await store.close();
    const before = await stat(join(dir, FILTER_FILE));
    await store.open();
    expect(await store.findByEventHashes(hashesOf(0, 5))).toEqual(indexesOf(0, 5));
    await store.close();
    expect((await stat(join(dir, FILTER_FILE))).mtimeMs).toBe(before.mtimeMs);
  });
});

describe("prefixEnd (the exclusive upper bound of a prefix range)", () => {
  it("counts the last code point up, skipping the surrogates and dropping U+10FFFF", async () => {
    const { prefixEnd } = await import("./level-store.ts");
    expect(prefixEnd("ab")).toBe("ac");
    expect(prefixEnd("a\u001f")).toBe("a ");
    expect(prefixEnd("a\ud7ff")).toBe("a\ue000");
    expect(prefixEnd("a\uffff")).toBe("a\u{10000}");
    expect(prefixEnd("a\u{1f600}")).toBe("a\u{1f601}");
    expect(prefixEnd("a\u{10ffff}")).toBe("b");
    expect(prefixEnd("\u{10ffff}\u{10ffff}")).toBeUndefined();
    expect(prefixEnd("")).toBeUndefined();
  });
});
