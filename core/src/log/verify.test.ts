import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { leafHash, parseEventHashId, signCheckpoint } from "@suyuan/proto";
import type { LedgerServiceServer } from "@suyuan/proto/gen/suyuan/v1/ledger.ts";
import { Level } from "level";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { encodeRecord } from "../model.ts";
import { ENTRIES_FILE, LevelStore } from "../store/level/level-store.ts";
import { MemoryStore } from "../store/memory/memory-store.ts";
import type { LedgerStore } from "../store/store.ts";
import { serveLedger } from "./grpc-harness.ts";
import { entryToProto, ledgerServiceHandlers } from "./ledger-service.ts";
import { ORIGIN, restore, snapshot, stored, storedRange, testKey } from "./test-fixtures.ts";
import { VerifiableLog } from "./verifiable-log.ts";
import { type VerifyReport, verifyRemote, verifyStore } from "./verify.ts";

const key = testKey();

async function buildLog(store: LedgerStore, batches: Array<[number, number]>, tag = "a") {
  await store.open();
  const log = await VerifiableLog.open({ store, signer: key.signer, verifierKey: key.verifierKey, origin: ORIGIN });
  const checkpoints: string[] = [];
  for (const [start, count] of batches) {
    await log.append(storedRange(start, count, tag));
    checkpoints.push((await log.signCheckpointNow()).note);
  }
  return { log, checkpoints };
}

function problem(r: VerifyReport): { code: string; index?: number; message: string } {
  return r.ok ? { code: "OK", message: "verified" } : r.problem;
}

// ---------------------------------------------------------------------------------------
// Raw tampering, as an attacker with the data directory would do it: LevelDB values and the
// entries file. Layout-agnostic: values are found by the bytes they contain (a record, a leaf
// hash), not by key format.
type Raw = Level<Buffer, Buffer>;

async function withRaw(dir: string, fn: (db: Raw) => Promise<void>): Promise<void> {
  const db: Raw = new Level<Buffer, Buffer>(dir, { keyEncoding: "buffer", valueEncoding: "buffer" });
  await db.open();
  try {
    await fn(db);
  } finally {
    await db.close();
  }
}

async function keysWhere(db: Raw, pred: (v: Buffer) => boolean): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const [k, v] of db.iterator()) if (pred(v)) out.push(k);
  return out;
}

async function keyHolding(db: Raw, needle: Uint8Array): Promise<[Buffer, Buffer]> {
  const ks = await keysWhere(db, (v) => v.includes(Buffer.from(needle)));
  expect(ks).toHaveLength(1);
  const v = (await db.get(ks[0]!))!;
  return [ks[0]!, v];
}

/** Replaces every occurrence of `from` inside any value with `to` (same length). */
async function replaceEverywhere(db: Raw, from: Uint8Array, to: Uint8Array): Promise<number> {
  let n = 0;
  for (const k of await keysWhere(db, (v) => v.includes(Buffer.from(from)))) {
    const v = Buffer.from((await db.get(k))!);
    let at = v.indexOf(Buffer.from(from));
    while (at >= 0) {
      v.set(to, at);
      n++;
      at = v.indexOf(Buffer.from(from), at + 1);
    }
    await db.put(k, v);
  }
  return n;
}

/** Rewrites the bytes of the entries file in place (same length) with `fn`. */
async function withEntriesFile(dir: string, fn: (data: Buffer) => void): Promise<void> {
  const path = join(dir, ENTRIES_FILE);
  const data = await readFile(path);
  fn(data);
  await writeFile(path, data);
}

/** The one position of `needle` in `data`. */
function onlyAt(data: Buffer, needle: Uint8Array): number {
  const at = data.indexOf(Buffer.from(needle));
  expect(at).toBeGreaterThanOrEqual(0);
  expect(data.indexOf(Buffer.from(needle), at + 1)).toBe(-1);
  return at;
}

describe("verifyStore on the LevelDB backend: tamper tests", () => {
  let dir: string;
  const N = 20;
  const record = (i: number) => encodeRecord(stored(i));

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "suyuan-verify-"));
    const store = new LevelStore(dir);
    const { log } = await buildLog(store, [
      [0, 12],
      [12, N - 12],
    ]);
    await log.close();
    await store.close();
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function verifyDir(): Promise<VerifyReport> {
    const store = new LevelStore(dir);
    await store.open();
    try {
      return await verifyStore(store, key.verifierKey, { origin: ORIGIN, chunk: 7 });
    } finally {
      await store.close();
    }
  }

  it("an untouched store verifies: size, root of the signed checkpoint, no warnings", async () => {
    const r = await verifyDir();
    expect(r).toMatchObject({ ok: true, size: N, checkpointSize: N, warnings: [] });
    const store = new LevelStore(dir);
    await store.open();
    const cp = await store.getCheckpoint();
    await store.close();
    expect(r.ok && r.root).toBe(Buffer.from(cp!.rootHash).toString("hex"));
  });

  it("one changed byte of a stored event → VERIFY_LEAF_MISMATCH at its index", async () => {
    await withEntriesFile(dir, (data) => {
      const at = onlyAt(data, record(9));
      const inRecord = Buffer.from(record(9)).indexOf(Buffer.from('"bizStep":"receiving"')) + 12;
      data[at + inRecord] = "R".charCodeAt(0); // receiving → Receiving
    });
    expect(problem(await verifyDir())).toMatchObject({ code: "VERIFY_LEAF_MISMATCH", index: 9 });
  });

  it("one changed event byte with every copy of the leaf hash fixed up → VERIFY_EVENT_HASH_MISMATCH", async () => {
    const bad = Buffer.from(record(9));
    bad[bad.indexOf(Buffer.from('"bizStep":"receiving"')) + 12] = "R".charCodeAt(0);
    await withEntriesFile(dir, (data) => {
      bad.copy(data, onlyAt(data, record(9)));
      Buffer.from(leafHash(bad)).copy(data, onlyAt(data, leafHash(record(9))));
    });
    await withRaw(dir, async (db) => {
      expect(await replaceEverywhere(db, leafHash(record(9)), leafHash(bad))).toBeGreaterThanOrEqual(1);
    });
    expect(problem(await verifyDir())).toMatchObject({ code: "VERIFY_EVENT_HASH_MISMATCH", index: 9 });
  });

  it("one changed provenance byte with the leaf hash fixed up → caught by the tree above it", async () => {
    const bad = Buffer.from(record(9));
    bad[bad.indexOf(Buffer.from('"gatewayId":"gw-1"')) + 16] = "2".charCodeAt(0);
    await withEntriesFile(dir, (data) => {
      bad.copy(data, onlyAt(data, record(9)));
      Buffer.from(leafHash(bad)).copy(data, onlyAt(data, leafHash(record(9))));
    });
    await withRaw(dir, async (db) => {
      expect(await replaceEverywhere(db, leafHash(record(9)), leafHash(bad))).toBeGreaterThanOrEqual(1);
    });
    // Leaf 9's parent (level 1, index 4) over entries [8, 10) no longer matches.
    expect(problem(await verifyDir())).toMatchObject({ code: "VERIFY_NODE_MISMATCH", index: 8 });
  });

  it("the last entry removed → VERIFY_STORE_BEHIND", async () => {
    await withRaw(dir, async (db) => {
      // The row that makes the entry exist (it holds the entry's leaf hash).
      const [k] = await keyHolding(db, leafHash(record(N - 1)));
      await db.del(k);
    });
    const p = problem(await verifyDir());
    expect(p).toMatchObject({ code: "VERIFY_STORE_BEHIND" });
    expect(p.message).toContain(`size ${N - 1} < ${N}`);
  });

  it("two entries swapped → reported at the smallest stored subtree over the first of them", async () => {
    await withRaw(dir, async (db) => {
      // The rows that say where entries 3 and 14 are (each holds its entry's leaf hash).
      const [k3, v3] = await keyHolding(db, leafHash(record(3)));
      const [k14, v14] = await keyHolding(db, leafHash(record(14)));
      await db.put(k3, v14);
      await db.put(k14, v3);
    });
    const p = problem(await verifyDir());
    // Each swapped entry still carries its own leaf hash, so the first stored node that
    // disagrees is the level-1 subtree over [2, 4), which holds entry 3.
    expect(p).toMatchObject({ code: "VERIFY_NODE_MISMATCH", index: 2 });
    expect(p.message).toContain("level 1, index 1) over entries [2, 4)");
  });
});

describe("verifyStore: checkpoint problems (memory backend)", () => {
  async function built() {
    const store = new MemoryStore();
    const { log } = await buildLog(store, [[0, 10]]);
    await log.close();
    return snapshot(store);
  }

  it("a checkpoint signed by another key → VERIFY_BAD_SIGNATURE", async () => {
    const copy = await built();
    const cp = copy.checkpoint!;
    copy.checkpoint = { ...cp, note: signCheckpoint({ origin: ORIGIN, ...cp }, testKey("impostor").signer) };
    expect(problem(await verifyStore(await restore(copy), key.verifierKey))).toMatchObject({
      code: "VERIFY_BAD_SIGNATURE",
    });
  });

  it("a validly signed checkpoint over other entries → VERIFY_ROOT_MISMATCH", async () => {
    const copy = await built();
    // Same key, same size, other events: a genuine signature over the wrong tree.
    const other = await snapshot(await otherStore());
    copy.checkpoint = other.checkpoint;
    expect(problem(await verifyStore(await restore(copy), key.verifierKey))).toMatchObject({
      code: "VERIFY_ROOT_MISMATCH",
    });
  });

  it("a record that is not JSON, leaf fixed up → VERIFY_CORRUPT_RECORD", async () => {
    const copy = await built();
    const junk = new TextEncoder().encode("{not json");
    copy.entries[4] = { ...copy.entries[4]!, record: junk, leafHash: leafHash(junk) };
    expect(problem(await verifyStore(await restore(copy), key.verifierKey))).toMatchObject({
      code: "VERIFY_CORRUPT_RECORD",
      index: 4,
    });
  });

  it("entries beyond the checkpoint are checked too, and reported as not yet covered", async () => {
    const store = new MemoryStore();
    const { log } = await buildLog(store, [[0, 10]]);
    await log.append(storedRange(10, 3));
    const r = await verifyStore(store, key.verifierKey);
    expect(r).toMatchObject({ ok: true, size: 13, checkpointSize: 10 });
    expect(r.ok && r.warnings).toEqual(["entries 10..12 are not yet covered by a signed checkpoint"]);
    await log.close();
  });
});

async function otherStore(): Promise<MemoryStore> {
  const s = new MemoryStore();
  const { log } = await buildLog(s, [[0, 10]], "z");
  await log.close();
  return s;
}

describe("verifyRemote over gRPC", () => {
  it("an honest core verifies against every checkpoint seen before", async () => {
    const store = new MemoryStore();
    const { log, checkpoints } = await buildLog(store, [
      [0, 1],
      [1, 6],
      [7, 9],
      [16, 1],
    ]);
    const served = await serveLedger(ledgerServiceHandlers(log, store));
    try {
      const r = await verifyRemote(served.client, key.verifierKey, checkpoints.slice(0, 3), { chunk: 4 });
      expect(r).toMatchObject({ ok: true, size: 17, checkpointSize: 17, checkpoint: checkpoints[3] });
    } finally {
      await served.close();
      await log.close();
    }
  });

  it("a core that rewrote history since a seen checkpoint → VERIFY_INCONSISTENT", async () => {
    // What the auditor saw last time: 8 events.
    const seenStore = new MemoryStore();
    const seen = await buildLog(seenStore, [[0, 8]]);
    await seen.log.close();
    // What the core serves now: entry 5 replaced, then grown to 12, all signed with the same key.
    const store = new MemoryStore();
    await store.open();
    const log = await VerifiableLog.open({ store, signer: key.signer, verifierKey: key.verifierKey, origin: ORIGIN });
    await log.append([...storedRange(0, 5), stored(5, "forged"), ...storedRange(6, 6)]);
    await log.signCheckpointNow();
    const served = await serveLedger(ledgerServiceHandlers(log, store));
    try {
      const p = problem(await verifyRemote(served.client, key.verifierKey, seen.checkpoints));
      expect(p).toMatchObject({ code: "VERIFY_INCONSISTENT" });
      expect(p.message).toContain("consistency proof from seen checkpoint #1 (size 8) to size 12");
    } finally {
      await served.close();
      await log.close();
    }
  });

  it("honest proofs but entries that are not the signed ones → caught by recomputing the seen root", async () => {
    const store = new MemoryStore();
    const { log, checkpoints } = await buildLog(store, [
      [0, 6],
      [6, 6],
    ]);
    // A mirror serving the real checkpoint and proofs, but a different entry 2.
    const fake = await snapshot(store);
    // Self-consistent forgery: its event hash and leaf hash match its own bytes.
    const forged = stored(2, "forged");
    const rec = encodeRecord(forged);
    fake.entries[2] = { index: 2, eventHash: parseEventHashId(forged.hashId), leafHash: leafHash(rec), record: rec };
    const honest = ledgerServiceHandlers(log, store);
    const handlers: LedgerServiceServer = {
      ...honest,
      getEntries: ledgerServiceHandlers(log, await restore(fake)).getEntries,
    };
    const served = await serveLedger(handlers);
    try {
      const p = problem(await verifyRemote(served.client, key.verifierKey, checkpoints.slice(0, 1)));
      expect(p).toMatchObject({ code: "VERIFY_INCONSISTENT" });
      expect(p.message).toContain("at size 6, but seen checkpoint #1 says");
      // Without a seen checkpoint it is the latest root that does not match.
      expect(problem(await verifyRemote(served.client, key.verifierKey, []))).toMatchObject({
        code: "VERIFY_ROOT_MISMATCH",
      });
    } finally {
      await served.close();
      await log.close();
    }
  });

  it("a served event that does not hash to its event hash → VERIFY_EVENT_HASH_MISMATCH", async () => {
    const store = new MemoryStore();
    const { log } = await buildLog(store, [[0, 5]]);
    const honest = ledgerServiceHandlers(log, store);
    const handlers: LedgerServiceServer = {
      ...honest,
      getEntries: (call, cb) =>
        honest.getEntries(call, (err, res) => {
          // A server that rewrites an event's record and fixes up its leaf hash to match.
          const e = res?.entries[3];
          if (e !== undefined) {
            const stored = JSON.parse(Buffer.from(e.record).toString("utf8"));
            stored.event.bizStep = "urn:epcglobal:cbv:bizstep:shipping";
            e.record = Buffer.from(JSON.stringify(stored));
            e.leafHash = Buffer.from(leafHash(e.record));
          }
          cb(err, res);
        }),
    };
    const served = await serveLedger(handlers);
    try {
      expect(problem(await verifyRemote(served.client, key.verifierKey, []))).toMatchObject({
        code: "VERIFY_EVENT_HASH_MISMATCH",
        index: 3,
      });
    } finally {
      await served.close();
      await log.close();
    }
  });

  it("a core behind a checkpoint seen before (rolled back) → VERIFY_STORE_BEHIND", async () => {
    const big = await buildLog(new MemoryStore(), [[0, 9]]);
    await big.log.close();
    const store = new MemoryStore();
    const { log } = await buildLog(store, [[0, 4]]);
    const served = await serveLedger(ledgerServiceHandlers(log, store));
    try {
      expect(problem(await verifyRemote(served.client, key.verifierKey, big.checkpoints))).toMatchObject({
        code: "VERIFY_STORE_BEHIND",
      });
    } finally {
      await served.close();
      await log.close();
    }
  });

  it("entryToProto carries the record bytes for auditors", () => {
    const rec = encodeRecord(stored(1));
    const e = entryToProto({ index: 1, eventHash: new Uint8Array(32), leafHash: leafHash(rec), record: rec });
    expect(Buffer.from((e as { record?: Uint8Array }).record!).equals(Buffer.from(rec))).toBe(true);
  });
});
