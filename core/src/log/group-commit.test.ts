import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { entries as fixtureEntries } from "../store/conformance/fixtures.ts";
import { LevelStore } from "../store/level/level-store.ts";
import { MemoryStore } from "../store/memory/memory-store.ts";
import type { AppendBatch } from "../store/store.ts";
import { GroupCommit, mergeBatches } from "./group-commit.ts";

/** A write the test finishes by hand. */
function gatedWriter() {
  const calls: Array<{ batch: AppendBatch; done: () => void; fail: (e: Error) => void }> = [];
  const write = (batch: AppendBatch) =>
    new Promise<void>((done, fail) => {
      calls.push({ batch, done, fail });
    });
  return { calls, write };
}

const tick = () => new Promise((r) => setImmediate(r));
const batch = (start: number, count: number, meta?: string): AppendBatch => ({
  entries: fixtureEntries(start, count),
  indexes: [{ index: "id", key: `k${start}`, value: `v${start}` }],
  ...(meta === undefined ? {} : { meta: [{ key: "gw", value: meta }] }),
});

describe("GroupCommit", () => {
  it("merges the appends queued behind a write in flight into the next write, in order", async () => {
    const { calls, write } = gatedWriter();
    const g = new GroupCommit(write);
    const done: string[] = [];
    const a = g.commit(batch(0, 2), 0).then(() => done.push("a"));
    await tick();
    const b = g.commit(batch(2, 1), 0).then(() => done.push("b"));
    const n = g.commit(undefined, 0).then(() => done.push("nothing"));
    const c = g.commit(batch(3, 3), 0).then(() => done.push("c"));
    await tick();
    expect(calls).toHaveLength(1); // a alone: b, nothing, c wait for it
    expect(calls[0]!.batch.entries.map((e) => e.index)).toEqual([0, 1]);
    calls[0]!.done();
    await a;
    await tick();
    expect(done).toEqual(["a"]); // b and c are not durable yet
    expect(calls).toHaveLength(2);
    expect(calls[1]!.batch.entries.map((e) => e.index)).toEqual([2, 3, 4, 5]);
    expect(calls[1]!.batch.indexes?.map((r) => r.key)).toEqual(["k2", "k3"]);
    calls[1]!.done();
    await Promise.all([b, n, c]);
    expect(done).toEqual(["a", "b", "nothing", "c"]);
    expect(g.writes).toBe(2);
  });

  it("fails a write's appends and every later one of the same epoch with its error; a later epoch is written", async () => {
    const { calls, write } = gatedWriter();
    const g = new GroupCommit(write);
    const first = g.commit(batch(0, 1), 0);
    await tick();
    const onTop = g.commit(batch(1, 1), 0);
    await tick();
    calls[0]!.fail(new Error("disk full"));
    await expect(first).rejects.toThrow("disk full");
    await expect(onTop).rejects.toThrow("disk full");
    expect(calls).toHaveLength(1); // onTop was never written
    await expect(g.commit(batch(1, 1), 0)).rejects.toThrow("disk full"); // planned before the failure was seen
    const replanned = g.commit(batch(1, 1), 1);
    await tick();
    expect(calls).toHaveLength(2);
    expect(calls[1]!.batch.entries.map((e) => e.index)).toEqual([1]);
    calls[1]!.done();
    await replanned;
  });

  it("stages each batch as it is committed, while the write ahead of it is in flight; never a voided one", async () => {
    const { calls, write } = gatedWriter();
    const staged: number[][] = [];
    const g = new GroupCommit(write, (b) => staged.push(b.entries.map((e) => e.index)));
    const first = g.commit(batch(0, 2), 0);
    await tick();
    const second = g.commit(batch(2, 1), 0);
    const nothing = g.commit(undefined, 0);
    // Staged at once, though only the first write has been issued.
    expect(staged).toEqual([[0, 1], [2]]);
    expect(calls).toHaveLength(1);
    calls[0]!.fail(new Error("disk full"));
    await expect(first).rejects.toThrow("disk full");
    await expect(second).rejects.toThrow("disk full");
    await expect(nothing).rejects.toThrow("disk full");
    // Planned on the failed tree: neither staged nor written.
    await expect(g.commit(batch(2, 1), 0)).rejects.toThrow("disk full");
    expect(staged).toEqual([[0, 1], [2]]);
    const replanned = g.commit(batch(2, 2), 1);
    expect(staged).toEqual([[0, 1], [2], [2, 3]]);
    await tick();
    calls[1]!.done();
    await replanned;
    expect(calls.map((c) => c.batch.entries.map((e) => e.index))).toEqual([
      [0, 1],
      [2, 3],
    ]);
  });

  it("a merged append is what the appends one after another would have stored", async () => {
    const one = new MemoryStore();
    const merged = new MemoryStore();
    await one.open();
    await merged.open();
    const parts = [batch(0, 2, "after-0"), batch(2, 3, "after-2"), batch(5, 1)];
    for (const p of parts) await one.append(p);
    await merged.append(mergeBatches(parts)!);
    expect(await merged.size()).toBe(await one.size());
    expect(await merged.getMeta("gw")).toBe("after-2"); // the later value of a key wins
    expect(await merged.getMeta("gw")).toBe(await one.getMeta("gw"));
    const keys = async (s: MemoryStore) => {
      const out = [];
      for await (const h of s.scan("id")) out.push(`${h.key}=${String(h.value)}`);
      return out;
    };
    expect(await keys(merged)).toEqual(await keys(one));
    expect(mergeBatches([undefined, undefined])).toBeUndefined();
  });

  it("keeps every index record in append order when packed and plain records mix", async () => {
    // Three appends writing one key: packed, plain, packed. A store writes an append's plain
    // records before its packed ones, so the merge must not put the second before the first.
    const enc = (v: string) => new TextEncoder().encode(`k${v}`);
    const packedOf = (v: string) => {
      const bytes = enc(v);
      return { records: { bytes, rows: Uint32Array.of(0, 1, bytes.length), names: ["lot"] }, from: 0, to: 1 };
    };
    const parts: AppendBatch[] = [
      { entries: [], packed: [packedOf("1")], transfer: true },
      { entries: [], indexes: [{ index: "lot", key: "k", value: "2" }], transfer: true },
      { entries: [], packed: [packedOf("3")], transfer: true },
    ];
    const dir = await mkdtemp(join(tmpdir(), "suyuan-gc-"));
    for (const Store of [MemoryStore, LevelStore]) {
      const store = Store === MemoryStore ? new MemoryStore() : new LevelStore(join(dir, "db"));
      await store.open();
      await store.append(mergeBatches(parts)!);
      expect(await store.lookup("lot", "k"), Store.name).toEqual(["1", "2", "3"]);
      await store.close();
    }
    await rm(dir, { recursive: true, force: true });
  });
});
