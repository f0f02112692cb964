// Hot backups of the LevelDB store (backup.ts) on real LevelDB directories: what the copy
// holds is checked against what was appended, not against the source as the backup read it.
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collect, entries, expectEntry, rejectsWithCode } from "../conformance/fixtures.ts";
import type { IndexRecord } from "../store.ts";
import { within } from "./backup.ts";
import { ENTRIES_FILE, LevelStore } from "./level-store.ts";

let root: string;
let n = 0;
const freshDir = () => join(root, `db-${n++}`);

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "suyuan-level-backup-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const PER_APPEND = 50;

/** Append number `a`: PER_APPEND entries, one `n` index record per entry naming it, a meta row. */
async function appendNo(store: LevelStore, a: number): Promise<void> {
  const es = entries(a * PER_APPEND, PER_APPEND, "e", 60);
  const indexes: IndexRecord[] = es.map((e) => ({
    index: "n",
    key: `k${String(e.index).padStart(8, "0")}`,
    value: `v${e.index}`,
  }));
  await store.append({ entries: es, indexes, meta: [{ key: "last-append", value: String(a) }] });
}

async function filled(appends: number): Promise<LevelStore> {
  const store = new LevelStore(freshDir());
  await store.open();
  for (let a = 0; a < appends; a++) await appendNo(store, a);
  await store.putCheckpoint({ size: appends * PER_APPEND, rootHash: new Uint8Array(32).fill(7), note: "note" });
  return store;
}

describe("LevelStore hot backup", () => {
  it("copies whole appends only, while appends go on, into a store that opens as it is", async () => {
    const before = 40;
    const store = await filled(before);
    const target = join(root, `backup-${n++}`);
    // Appends keep coming while the copy runs; the copy holds those before its snapshot.
    let more = before;
    let stop = false;
    const writer = (async () => {
      while (!stop && more < before + 200) await appendNo(store, more++);
    })();
    const info = await store.backup(target);
    stop = true;
    await writer;
    const written = more;
    await store.close();

    const copy = new LevelStore(target);
    await copy.open();
    try {
      const size = await copy.size();
      expect(size % PER_APPEND).toBe(0);
      expect(size).toBeGreaterThanOrEqual(before * PER_APPEND);
      expect(size).toBeLessThanOrEqual(written * PER_APPEND);
      expect(info.entries).toBe(size);
      expect(info.location).toBe(target);
      const copied = await copy.getEntries(0, size);
      const expected = entries(0, size, "e", 60);
      expect(copied).toHaveLength(size);
      for (let i = 0; i < size; i += 97) expectEntry(copied[i], expected[i]!);
      expectEntry(copied[size - 1], expected[size - 1]!);
      // The index records of exactly those appends, and the meta row of the last of them.
      const hits = await collect(copy.scan("n"));
      expect(hits.map((h) => h.value)).toEqual(Array.from({ length: size }, (_, i) => `v${i}`));
      expect(await copy.getMeta("last-append")).toBe(String(size / PER_APPEND - 1));
      const cp = await copy.getCheckpoint();
      expect(cp?.size).toBe(before * PER_APPEND);
      expect(cp?.note).toBe("note");
      // entries.dat holds the copied entries and nothing after them: 1 + 32 + 32 + record each.
      expect((await stat(join(target, ENTRIES_FILE))).size).toBe(size * (1 + 32 + 32 + 60));
      // And the copy is a store of its own: it takes the next append.
      await appendNo(copy, size / PER_APPEND);
      expect(await copy.size()).toBe(size + PER_APPEND);
    } finally {
      await copy.close();
    }
  });

  it("refuses a target that is not empty, is a file, or lies inside the store, and writes nothing there", async () => {
    const store = await filled(2);
    try {
      const full = join(root, `full-${n++}`);
      await rm(full, { recursive: true, force: true });
      await mkdir(full);
      await writeFile(join(full, "keep.txt"), "mine");
      await rejectsWithCode(store.backup(full), "BACKUP_TARGET");
      expect(await readdir(full)).toEqual(["keep.txt"]);
      expect(await readFile(join(full, "keep.txt"), "utf8")).toBe("mine");

      const file = join(root, `file-${n++}`);
      await writeFile(file, "x");
      await rejectsWithCode(store.backup(file), "BACKUP_TARGET");
      expect(await readFile(file, "utf8")).toBe("x");

      await rejectsWithCode(store.backup(join(store.location, "inside")), "BACKUP_TARGET");
      await rejectsWithCode(store.backup(store.location), "BACKUP_TARGET");
      await rejectsWithCode(store.backup(root), "BACKUP_TARGET"); // holds the store (and is not empty)
      await rejectsWithCode(store.backup(""), "BACKUP_TARGET");
      // The store still works.
      expect(await store.size()).toBe(2 * PER_APPEND);
    } finally {
      await store.close();
    }
  });

  it("runs one backup at a time", async () => {
    const store = await filled(20);
    try {
      const first = store.backup(join(root, `one-${n++}`));
      await rejectsWithCode(store.backup(join(root, `two-${n++}`)), "BACKUP_BUSY");
      expect((await first).entries).toBe(20 * PER_APPEND);
      // Once it is done, another may start.
      expect((await store.backup(join(root, `three-${n++}`))).entries).toBe(20 * PER_APPEND);
    } finally {
      await store.close();
    }
  });

  it("stops when the store closes, leaving no half copy", async () => {
    const store = await filled(200);
    const target = join(root, `closed-${n++}`);
    const backup = store.backup(target);
    const closed = store.close();
    await rejectsWithCode(backup, "BACKUP_FAILED");
    await closed;
    await expect(stat(target)).rejects.toMatchObject({ code: "ENOENT" });
    expect(store.status).toBe("closed");
    // What was appended is intact.
    const again = new LevelStore(store.location);
    await again.open();
    expect(await again.size()).toBe(200 * PER_APPEND);
    await again.close();
  });

  it("tells paths inside a directory from paths beside it", () => {
    expect(within("/srv/data", "/srv/data")).toBe(true);
    expect(within("/srv/data", "/srv/data/ledger")).toBe(true);
    expect(within("/srv/data", "/srv/data/a/../b")).toBe(true);
    // A name that merely starts with ".." is still inside.
    expect(within("/srv/data", "/srv/data/..backup")).toBe(true);
    expect(within("/srv/data", "/srv/data-backups")).toBe(false);
    expect(within("/srv/data", "/srv/data/../backups")).toBe(false);
    expect(within("/srv/data", "/srv")).toBe(false);
    expect(within("/srv/data", "/")).toBe(false);
  });

  it("needs an open store", async () => {
    const store = new LevelStore(freshDir());
    await rejectsWithCode(store.backup(join(root, `x-${n++}`)), "STORE_NOT_OPEN");
  });
});
