// Append throughput of the LevelDB store, the way capture will drive it: batches of 1000
// entries (~400-byte records), the ~1000 subtree hashes each batch completes, 5 index
// records per entry, synced writes. Not a test; run:
//   node --import tsx core/src/store/level/bench-append.ts [events=200000] [batch=1000] [sync=1]
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { IndexRecord, LogEntry, NodeHash } from "../store.ts";
import { LevelStore } from "./level-store.ts";

const total = Number(process.argv[2] ?? 200_000);
const batchSize = Number(process.argv[3] ?? 1000);
const sync = (process.argv[4] ?? "1") !== "0";

/** Subtrees completed by growing the log from `from` to `to` leaves (positions only; hashes are random here). */
function completedNodes(from: number, to: number): NodeHash[] {
  const out: NodeHash[] = [];
  for (let level = 1; 2 ** level <= to; level++) {
    const width = 2 ** level;
    for (let index = Math.floor(from / width); (index + 1) * width <= to; index++) {
      if ((index + 1) * width > from) out.push({ level, index, hash: randomBytes(32) });
    }
  }
  return out;
}

function makeBatch(start: number, count: number) {
  const entries: LogEntry[] = new Array(count);
  const indexes: IndexRecord[] = [];
  const pool = randomBytes(count * 64);
  for (let i = 0; i < count; i++) {
    const n = start + i;
    entries[i] = {
      index: n,
      eventHash: pool.subarray(i * 64, i * 64 + 32),
      leafHash: pool.subarray(i * 64 + 32, i * 64 + 64),
      record: randomBytes(400),
    };
    const ev = String(n);
    indexes.push(
      { index: "id", key: `urn:epc:id:sgtin:0614141.107346.${n}`, value: ev },
      { index: "child", key: `urn:epc:id:sscc:0614141.${String(Math.floor(n / 48)).padStart(10, "0")}`, value: ev },
      { index: "lot", key: `urn:epc:class:lgtin:0614141.107346.L${Math.floor(n / 5000)}`, value: ev },
      {
        index: "loc-time",
        key: `urn:epc:id:sgln:0614141.00777.${n % 20}|${new Date(1.7e12 + n * 10).toISOString()}`,
        value: ev,
      },
      { index: "party", key: `urn:epc:id:pgln:0614141.00000|${ev.padStart(12, "0")}`, value: ev },
    );
  }
  return {
    entries,
    nodes: completedNodes(start, start + count),
    indexes,
    meta: [{ key: "gw/bench", value: String(start + count) }],
  };
}

const dir = await mkdtemp(join(tmpdir(), "suyuan-bench-"));
const store = new LevelStore(dir, { sync });
await store.open();
try {
  let built = 0;
  let appended = 0;
  const t0 = performance.now();
  let buildMs = 0;
  for (let start = 0; start < total; start += batchSize) {
    const count = Math.min(batchSize, total - start);
    const b0 = performance.now();
    const batch = makeBatch(start, count);
    buildMs += performance.now() - b0;
    built += count;
    await store.append(batch);
    appended += count;
  }
  const ms = performance.now() - t0 - buildMs;
  const perSec = Math.round((appended / ms) * 1000);
  console.log(
    JSON.stringify({ events: appended, batch: batchSize, sync, appendMs: Math.round(ms), eventsPerSec: perSec, built }),
  );
} finally {
  await store.close();
  await rm(dir, { recursive: true, force: true });
}
