import { createHash } from "node:crypto";
import {
  EMPTY_ROOT,
  isSuyuanError,
  leafHash,
  openCheckpoint,
  parseVerifierKey,
  signCheckpoint,
  verifyConsistency,
  verifyInclusion,
} from "@suyuan/proto";
import { afterEach, describe, expect, it, vi } from "vitest";
import { encodeRecord, type StoredEvent } from "../model.ts";
import { MemoryStore } from "../store/memory/memory-store.ts";
import type { LedgerStore } from "../store/store.ts";
import { ORIGIN, restore, snapshot, stored, storedRange, testKey } from "./test-fixtures.ts";
import { VerifiableLog, type VerifiableLogOptions } from "./verifiable-log.ts";

const sha256 = (...parts: Uint8Array[]) => {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};
// RFC 9162 §2.1.1, written out independently of proto's merkle code.
const leaf = (s: StoredEvent) => sha256(Uint8Array.of(0), encodeRecord(s));
const node = (l: Uint8Array, r: Uint8Array) => sha256(Uint8Array.of(1), l, r);
const hx = (b: Uint8Array | undefined) => (b === undefined ? "(none)" : Buffer.from(b).toString("hex"));

const key = testKey();

async function openLog(store?: LedgerStore, extra: Partial<VerifiableLogOptions> = {}) {
  const s = store ?? new MemoryStore();
  await s.open();
  const log = await VerifiableLog.open({
    store: s,
    signer: key.signer,
    verifierKey: key.verifierKey,
    origin: ORIGIN,
    ...extra,
  });
  return { store: s, log };
}

async function rejectsWith(p: Promise<unknown>, code: string): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(isSuyuanError(e) ? e.code : e).toBe(code);
    return (e as Error).message;
  }
  throw new Error(`expected a rejection with ${code}`);
}

afterEach(() => {
  vi.useRealTimers();
});

describe("VerifiableLog: open", () => {
  it("signs a checkpoint of the empty tree at first open (C2SP tlog-checkpoint, RFC 9162 empty root)", async () => {
    const { store, log } = await openLog();
    const cp = log.checkpoint();
    expect(cp.size).toBe(0);
    expect(Buffer.from(cp.rootHash).toString("hex")).toBe(
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    );
    expect(cp.note.startsWith(`${ORIGIN}\n0\n${Buffer.from(EMPTY_ROOT).toString("base64")}\n\n— `)).toBe(true);
    const opened = openCheckpoint(cp.note, [parseVerifierKey(key.verifierKey)], { origin: ORIGIN });
    expect(opened.size).toBe(0);
    expect((await store.getCheckpoint())?.note).toBe(cp.note);
    await log.close();
  });

  it("refuses a verifier key that is not the signer's", async () => {
    const other = testKey("other.key");
    const store = new MemoryStore();
    await store.open();
    await rejectsWith(
      VerifiableLog.open({ store, signer: key.signer, verifierKey: other.verifierKey, origin: ORIGIN }),
      "CORE_LOG_KEY_MISMATCH",
    );
  });
});

describe("VerifiableLog: append", () => {
  it("stores record bytes as leaf data and builds the RFC 9162 tree", async () => {
    const { store, log } = await openLog();
    const items = storedRange(0, 3);
    const out = await log.append(items);
    expect(out).toEqual([
      { status: "accepted", index: 0 },
      { status: "accepted", index: 1 },
      { status: "accepted", index: 2 },
    ]);
    expect(log.size()).toBe(3);
    const e1 = await store.getEntry(1);
    expect(Buffer.from(e1!.record).toString()).toBe(JSON.stringify(items[1]));
    expect(hx(e1!.leafHash)).toBe(hx(leaf(items[1]!)));
    expect(Buffer.from(e1!.eventHash).toString("hex")).toBe(items[1]!.hashId.slice(14, 78));
    // MTH(D[3]) = H(1 ‖ H(1 ‖ l0 ‖ l1) ‖ l2)
    const [l0, l1, l2] = items.map(leaf) as [Uint8Array, Uint8Array, Uint8Array];
    expect(hx(await store.getNodeHash(1, 0))).toBe(hx(node(l0, l1)));
    const cp = await log.signCheckpointNow();
    expect(cp.size).toBe(3);
    expect(hx(cp.rootHash)).toBe(hx(node(node(l0, l1), l2)));
    await log.close();
  });

  it("dedupes by event hash against the log and within the batch, giving the original index", async () => {
    const { store, log } = await openLog();
    await log.append(storedRange(0, 2));
    const again = stored(1);
    // Same event, different provenance and record time: still the same event hash.
    const fromPartner: StoredEvent = {
      ...stored(0),
      provenance: { kind: "partner", party: "p", principal: "t", format: "jsonld" },
      recordTime: "2025-01-01T00:00:00.000Z",
    };
    const out = await log.append([stored(2), again, stored(3), stored(2), fromPartner, stored(3)]);
    expect(out).toEqual([
      { status: "accepted", index: 2 },
      { status: "duplicate", index: 1 },
      { status: "accepted", index: 3 },
      { status: "duplicate", index: 2 },
      { status: "duplicate", index: 0 },
      { status: "duplicate", index: 3 },
    ]);
    expect(await store.size()).toBe(4);
    expect(log.size()).toBe(4);
    // The first record wins: index 0 keeps its gateway provenance.
    expect((await log.getEvent(0))?.provenance.kind).toBe("gateway");
    await log.close();
  });

  it("writes index records and the caller's meta in the same append, also for an all-duplicate batch", async () => {
    const indexRecords = vi.fn((s: StoredEvent, index: number) => [
      { index: "id", key: (s.event.epcList ?? [])[0]!, value: String(index) },
    ]);
    const { store, log } = await openLog(undefined, { indexRecords });
    await log.append(storedRange(0, 2), [{ key: "gw/gw-1", value: "seq=2" }]);
    expect(await store.lookup("id", "urn:epc:id:sgtin:0614141.107346.a1")).toEqual(["1"]);
    expect(await store.getMeta("gw/gw-1")).toBe("seq=2");
    await log.append([stored(1)], [{ key: "gw/gw-1", value: "seq=3" }]);
    expect(await store.getMeta("gw/gw-1")).toBe("seq=3");
    expect(indexRecords).toHaveBeenCalledTimes(2);
    await log.close();
  });

  it("does not move the tree when the store write fails, and later appends still fit", async () => {
    const { store, log } = await openLog();
    await log.append(storedRange(0, 2));
    const spy = vi.spyOn(store, "append").mockRejectedValueOnce(new Error("disk full"));
    await expect(log.append(storedRange(2, 2))).rejects.toThrow("disk full");
    expect(log.size()).toBe(2);
    spy.mockRestore();
    const out = await log.append(storedRange(2, 3));
    expect(out.map((o) => o.index)).toEqual([2, 3, 4]);
    const cp = await log.signCheckpointNow();
    const leaves = storedRange(0, 5).map(leaf);
    expect(hx(cp.rootHash)).toBe(
      hx(node(node(node(leaves[0]!, leaves[1]!), node(leaves[2]!, leaves[3]!)), leaves[4]!)),
    );
    await log.close();
  });

  it("serialises concurrent appends (indexes contiguous, no event twice)", async () => {
    const { store, log } = await openLog();
    const results = await Promise.all([
      log.append(storedRange(0, 50)),
      log.append(storedRange(25, 50)),
      log.append(storedRange(60, 10)),
    ]);
    expect(results[0]!.map((o) => o.index)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(results[1]!.slice(0, 25).every((o) => o.status === "duplicate")).toBe(true);
    expect(results[1]![25]).toEqual({ status: "accepted", index: 50 });
    expect(results[2]![0]).toEqual({ status: "duplicate", index: 60 });
    expect(await store.size()).toBe(75);
    // The in-memory dedupe window is emptied once no lookup is pending.
    expect(Reflect.get(log, "recent")).toEqual([]);
    await log.close();
  });

  it("plans the next append while the previous write is pending; the served tree moves only when durable", async () => {
    const indexRecords = vi.fn(() => []);
    const { store, log } = await openLog(undefined, { indexRecords });
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const realAppend = store.append.bind(store);
    const spy = vi.spyOn(store, "append").mockImplementationOnce(async (b) => {
      await gate;
      return realAppend(b);
    });
    const first = log.append(storedRange(0, 3));
    const second = log.append(storedRange(2, 3)); // event 2 repeats one of the first batch
    await vi.waitFor(() => expect(indexRecords).toHaveBeenCalledTimes(5));
    // Both planned (3 + 2 fresh events), neither durable: no size, no checkpoint, one write issued.
    expect(log.size()).toBe(0);
    expect(spy).toHaveBeenCalledTimes(1);
    release();
    expect((await first).map((o) => o.index)).toEqual([0, 1, 2]);
    expect(await second).toEqual([
      { status: "duplicate", index: 2 },
      { status: "accepted", index: 3 },
      { status: "accepted", index: 4 },
    ]);
    expect(log.size()).toBe(5);
    expect(await store.size()).toBe(5);
    expect(Reflect.get(log, "recent")).toEqual([]);
    spy.mockRestore();
    await log.close();
  });

  it("after a failed write, appends planned on top of it fail too (none acknowledged), later ones are re-planned", async () => {
    const { store, log } = await openLog();
    await log.append(storedRange(0, 2));
    let fail!: (e: Error) => void;
    const gate = new Promise<void>((_, reject) => {
      fail = reject;
    });
    const spy = vi.spyOn(store, "append").mockImplementationOnce(() => gate);
    const doomed = log.append(storedRange(2, 2));
    // Only duplicates of the doomed batch, with meta: must not be acked as stored nor write its meta.
    const onTop = log.append(storedRange(2, 2), [{ key: "gw/x", value: "after-doomed" }]);
    await new Promise((r) => setTimeout(r, 10));
    fail(new Error("disk full"));
    await expect(doomed).rejects.toThrow("disk full");
    await expect(onTop).rejects.toThrow("disk full");
    expect(spy).toHaveBeenCalledTimes(1);
    expect(await store.getMeta("gw/x")).toBeUndefined();
    expect(log.size()).toBe(2);
    spy.mockRestore();
    expect((await log.append(storedRange(2, 3))).map((o) => `${o.status}:${o.index}`)).toEqual([
      "accepted:2",
      "accepted:3",
      "accepted:4",
    ]);
    expect(await store.size()).toBe(5);
    const cp = await log.signCheckpointNow();
    const leaves = storedRange(0, 5).map(leaf);
    expect(hx(cp.rootHash)).toBe(
      hx(node(node(node(leaves[0]!, leaves[1]!), node(leaves[2]!, leaves[3]!)), leaves[4]!)),
    );
    await log.close();
  });

  it("getEvent / getEvents / indexOf read back what was appended", async () => {
    const { log } = await openLog();
    const items = storedRange(0, 10);
    await log.append(items);
    expect(await log.getEvent(4)).toEqual({ ...items[4], index: 4 });
    expect(await log.getEvent(10)).toBeUndefined();
    const evs = await log.getEvents([7, 2, 3, 9, 2]);
    expect(evs.map((e) => e.index)).toEqual([7, 2, 3, 9, 2]);
    expect(evs[0]!.hashId).toBe(items[7]!.hashId);
    await rejectsWith(log.getEvents([1, 10]), "LOG_BAD_RANGE");
    expect(await log.indexOf(items[6]!.hashId)).toBe(6);
    expect(await log.indexOf(stored(99).hashId)).toBeUndefined();
    await log.close();
  });
});

describe("VerifiableLog: proofs", () => {
  it("every inclusion proof verifies against the signed checkpoint, and fails for any other leaf", async () => {
    const { log } = await openLog();
    const items = storedRange(0, 13);
    await log.append(items.slice(0, 6));
    await log.append(items.slice(6));
    const cp = await log.signCheckpointNow();
    const opened = openCheckpoint(cp.note, [parseVerifierKey(key.verifierKey)], { origin: ORIGIN });
    const leaves = items.map(leaf);
    for (let i = 0; i < 13; i++) {
      const proof = await log.inclusionProof(i, opened.size);
      expect(verifyInclusion(leaves[i]!, i, opened.size, proof, opened.rootHash)).toBe(true);
      expect(verifyInclusion(leaves[(i + 1) % 13]!, i, opened.size, proof, opened.rootHash)).toBe(false);
    }
    await log.close();
  });

  it("consistency proofs verify between every pair of signed checkpoints", async () => {
    const { log } = await openLog();
    const cps = [];
    for (const [s, n] of [
      [0, 1],
      [1, 3],
      [4, 4],
      [8, 9],
      [17, 1],
    ] as const) {
      await log.append(storedRange(s, n));
      cps.push(await log.signCheckpointNow());
    }
    for (const a of cps) {
      for (const b of cps) {
        if (a.size > b.size) continue;
        const proof = await log.consistencyProof(a.size, b.size);
        expect(verifyConsistency(a.size, b.size, proof, a.rootHash, b.rootHash)).toBe(true);
        if (a.size < b.size) expect(verifyConsistency(a.size, b.size, proof, b.rootHash, b.rootHash)).toBe(false);
      }
    }
    await log.close();
  });

  it("rejects sizes beyond the log with LOG_BAD_RANGE", async () => {
    const { log } = await openLog();
    await log.append(storedRange(0, 4));
    await rejectsWith(log.inclusionProof(0, 5), "LOG_BAD_RANGE");
    await rejectsWith(log.inclusionProof(4, 4), "LOG_BAD_RANGE");
    await rejectsWith(log.consistencyProof(2, 5), "LOG_BAD_RANGE");
    await rejectsWith(log.consistencyProof(0, 4), "LOG_BAD_RANGE");
    await rejectsWith(log.consistencyProof(3, 2), "LOG_BAD_RANGE");
    await log.close();
  });
});

describe("VerifiableLog: checkpoint timer", () => {
  it("signs within the interval while the log grows, and not while it is idle", async () => {
    vi.useFakeTimers();
    const { store, log } = await openLog(undefined, { checkpointIntervalMs: 1000 });
    const put = vi.spyOn(store, "putCheckpoint");
    await vi.advanceTimersByTimeAsync(5000);
    expect(put).not.toHaveBeenCalled();

    // After an idle spell the checkpoint is already due: signed at once.
    await log.append(storedRange(0, 3));
    await vi.advanceTimersByTimeAsync(0);
    expect(log.checkpoint().size).toBe(3);
    expect(put).toHaveBeenCalledTimes(1);
    // Growth right after a checkpoint waits for the interval, no longer.
    await log.append(storedRange(3, 1));
    await vi.advanceTimersByTimeAsync(999);
    expect(log.checkpoint().size).toBe(3);
    await vi.advanceTimersByTimeAsync(1);
    expect(log.checkpoint().size).toBe(4);
    expect(put).toHaveBeenCalledTimes(2);

    // Steady growth: one checkpoint per interval, not one per append.
    for (let t = 0; t < 10; t++) {
      await log.append(storedRange(4 + t, 1));
      await vi.advanceTimersByTimeAsync(250);
    }
    // 2.5 s of appends every 250 ms after the last checkpoint: two more, at +1 s and +2 s.
    expect(put).toHaveBeenCalledTimes(4);
    await vi.advanceTimersByTimeAsync(1000);
    expect(log.checkpoint().size).toBe(14);
    const calls = put.mock.calls.length;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(put.mock.calls.length).toBe(calls);
    await log.close();
  });

  it("signCheckpointNow signs only when the log grew; close() signs the tail", async () => {
    const { store, log } = await openLog(undefined, { checkpointIntervalMs: 60_000 });
    const first = log.checkpoint();
    expect(await log.signCheckpointNow()).toBe(first);
    await log.append(storedRange(0, 2));
    const cp = await log.signCheckpointNow();
    expect(cp.size).toBe(2);
    await log.append(storedRange(2, 1));
    await log.close();
    expect((await store.getCheckpoint())?.size).toBe(3);
    await rejectsWith(log.append(storedRange(3, 1)), "LOG_CLOSED");
  });
});

describe("VerifiableLog: restart and the no-rollback check", () => {
  it("reopens on the same store: frontier recomputed, appends continue, roots consistent", async () => {
    const { store, log } = await openLog();
    await log.append(storedRange(0, 7));
    const before = await log.signCheckpointNow();
    await log.append(storedRange(7, 2)); // not yet checkpointed
    await log.close();

    const again = await VerifiableLog.open({
      store,
      signer: key.signer,
      verifierKey: key.verifierKey,
      origin: ORIGIN,
    });
    expect(again.size()).toBe(9);
    expect(again.checkpoint().size).toBe(9);
    expect((await again.append(storedRange(8, 5))).map((o) => o.status)).toEqual([
      "duplicate",
      "accepted",
      "accepted",
      "accepted",
      "accepted",
    ]);
    const after = await again.signCheckpointNow();
    expect(after.size).toBe(13);
    const proof = await again.consistencyProof(before.size, after.size);
    expect(verifyConsistency(before.size, after.size, proof, before.rootHash, after.rootHash)).toBe(true);
    // The same events appended in one go to a fresh log give the same root.
    const { log: fresh } = await openLog();
    await fresh.append(storedRange(0, 13));
    expect(hx((await fresh.signCheckpointNow()).rootHash)).toBe(hx(after.rootHash));
    await again.close();
    await fresh.close();
  });

  it("signs a covering checkpoint at open when the store has entries but none (crash before the first)", async () => {
    const { store, log } = await openLog();
    await log.append(storedRange(0, 3));
    await log.close();
    const copy = await snapshot(store);
    copy.checkpoint = undefined;
    const { store: s2, log: again } = await openLog(await restore(copy));
    expect(again.checkpoint().size).toBe(3);
    expect((await s2.getCheckpoint())?.size).toBe(3);
    // Same root as the checkpoint the original store had signed at size 3.
    expect(hx(again.checkpoint().rootHash)).toBe(hx((await store.getCheckpoint())?.rootHash));
    await again.close();
  });

  it("refuses a store that is behind its last signed checkpoint", async () => {
    const { store, log } = await openLog();
    await log.append(storedRange(0, 6));
    await log.close();
    const copy = await snapshot(store);
    expect(copy.checkpoint?.size).toBe(6);
    copy.entries = copy.entries.slice(0, 4);
    const truncated = await restore(copy);
    const msg = await rejectsWith(openLog(truncated), "CORE_LOG_INCONSISTENT");
    expect(msg).toContain("store is behind its last signed checkpoint: size 4 < 6");
  });

  it("refuses a store whose node hash disagrees with the checkpoint's root", async () => {
    const { store, log } = await openLog();
    await log.append(storedRange(0, 6));
    await log.close();
    const copy = await snapshot(store);
    const n = copy.nodes.find((x) => x.level === 2 && x.index === 0)!;
    n.hash = new Uint8Array(32).fill(7);
    const msg = await rejectsWith(openLog(await restore(copy)), "CORE_LOG_INCONSISTENT");
    expect(msg).toMatch(/root at size 6 is [0-9a-f]{64}, but the signed checkpoint says/);
  });

  it("refuses a store missing a tree node", async () => {
    const { store, log } = await openLog();
    await log.append(storedRange(0, 6));
    await log.close();
    const copy = await snapshot(store);
    copy.nodes = copy.nodes.filter((x) => !(x.level === 1 && x.index === 2));
    const msg = await rejectsWith(openLog(await restore(copy)), "CORE_LOG_INCONSISTENT");
    expect(msg).toMatch(/level 1, index 2\) .* missing/);
  });

  it("refuses entries past the checkpoint whose nodes are not consistent with it", async () => {
    const { store, log } = await openLog();
    await log.append(storedRange(0, 5));
    await log.close();
    const copy = await snapshot(store);
    // Later entries written without going through the log, with a level-3 node that is not
    // the hash of the signed subtrees: the tree of size 8 does not extend the signed one.
    const extra = storedRange(5, 3).map((s, k) => {
      const record = encodeRecord(s);
      return { index: 5 + k, eventHash: new Uint8Array(32).fill(k + 1), leafHash: leafHash(record), record };
    });
    copy.entries.push(...extra);
    const l = copy.entries.map((e) => e.leafHash);
    copy.nodes = [
      { level: 1, index: 0, hash: node(l[0]!, l[1]!) },
      { level: 1, index: 1, hash: node(l[2]!, l[3]!) },
      { level: 1, index: 2, hash: node(l[4]!, l[5]!) },
      { level: 1, index: 3, hash: node(l[6]!, l[7]!) },
      { level: 2, index: 0, hash: node(node(l[0]!, l[1]!), node(l[2]!, l[3]!)) },
      { level: 2, index: 1, hash: node(node(l[4]!, l[5]!), node(l[6]!, l[7]!)) },
      { level: 3, index: 0, hash: new Uint8Array(32).fill(9) },
    ];
    const msg = await rejectsWith(openLog(await restore(copy)), "CORE_LOG_INCONSISTENT");
    expect(msg).toContain("the stored tree of size 8 is not consistent with the signed checkpoint of size 5");
  });

  it("refuses a stored checkpoint that does not verify with the core key", async () => {
    const { store, log } = await openLog();
    await log.append(storedRange(0, 2));
    await log.close();
    const copy = await snapshot(store);
    const cp = copy.checkpoint!;
    // Same body, signed by an impostor key: the core key's signature is gone.
    copy.checkpoint = { ...cp, note: signCheckpoint({ origin: ORIGIN, ...cp }, testKey("impostor").signer) };
    const msg = await rejectsWith(openLog(await restore(copy)), "CORE_LOG_INCONSISTENT");
    expect(msg).toMatch(/does not verify with the core key/);
  });
});
