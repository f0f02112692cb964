// Test data for the log's tests: real EPCIS events with real CBV 2.0 event hashes, and a
// helper that copies a store's contents into a fresh one (optionally altered), writing
// straight to the backend so that the copy may break the rules GuardedLedgerStore enforces
// (e.g. a checkpoint beyond the log, as a store restored from an old backup would have).
import { type EpcisEvent, eventHash, generateNoteKey, type NoteSigner, parseSignerKey } from "@suyuan/proto";
import type { StoredEvent } from "../model.ts";
import { MemoryBackend } from "../store/memory/memory-store.ts";
import {
  type Checkpoint,
  GuardedLedgerStore,
  type LedgerStore,
  type LogEntry,
  type NodeHash,
  type NodeRef,
  type StoreBackend,
} from "../store/store.ts";

export const ORIGIN = "suyuan.test/log";

export function testKey(name = "suyuan.test"): { signer: NoteSigner; signerKey: string; verifierKey: string } {
  const { signerKey, verifierKey } = generateNoteKey(name);
  return { signer: parseSignerKey(signerKey), signerKey, verifierKey };
}

/** The i-th test event: an ObjectEvent observing one SGTIN (distinct serial per i). */
export function testEvent(i: number, tag = "a"): EpcisEvent {
  return {
    type: "ObjectEvent",
    eventTime: `2024-03-01T08:${String(Math.floor(i / 60) % 60).padStart(2, "0")}:${String(i % 60).padStart(2, "0")}.000+08:00`,
    eventTimeZoneOffset: "+08:00",
    action: "OBSERVE",
    epcList: [`urn:epc:id:sgtin:0614141.107346.${tag}${i}`],
    bizStep: "receiving",
    disposition: "in_progress",
    readPoint: { id: "urn:epc:id:sgln:0614141.00777.0" },
  };
}

export function stored(i: number, tag = "a"): StoredEvent {
  const event = testEvent(i, tag);
  return {
    v: 1,
    hashId: eventHash(event),
    event,
    provenance: {
      kind: "gateway",
      gatewayId: "gw-1",
      keyId: "k1",
      party: "urn:epc:id:pgln:0614141.00000",
      batchHash: "ab".repeat(32),
      seq: String(i),
      batchIndex: i % 1000,
    },
    recordTime: "2024-03-01T00:00:00.000Z",
  };
}

export function storedRange(start: number, count: number, tag = "a"): StoredEvent[] {
  return Array.from({ length: count }, (_, k) => stored(start + k, tag));
}

/** Every stored complete-subtree node of level ≥ 1 in a tree of `size` leaves. */
export async function allNodes(store: LedgerStore, size: number): Promise<NodeHash[]> {
  const refs: NodeRef[] = [];
  for (let level = 1; 2 ** level <= size; level++) {
    for (let index = 0; (index + 1) * 2 ** level <= size; index++) refs.push({ level, index });
  }
  const hashes = refs.length === 0 ? [] : await store.getNodeHashes(refs);
  const out: NodeHash[] = [];
  refs.forEach((r, k) => {
    const h = hashes[k];
    if (h !== undefined) out.push({ ...r, hash: h });
  });
  return out;
}

export interface StoreCopy {
  entries: LogEntry[];
  nodes: NodeHash[];
  checkpoint: Checkpoint | undefined;
}

export async function snapshot(store: LedgerStore): Promise<StoreCopy> {
  const size = await store.size();
  return {
    entries: await store.getEntries(0, size),
    nodes: await allNodes(store, size),
    checkpoint: await store.getCheckpoint(),
  };
}

/**
 * Writes `copy` into `backend` (opened through a GuardedLedgerStore first, since opening a
 * memory backend empties it) and returns the open store. Entries must be contiguous from 0;
 * nodes must only cover those entries.
 */
export async function restore(copy: StoreCopy, backend: StoreBackend = new MemoryBackend()): Promise<LedgerStore> {
  const store = new GuardedLedgerStore(backend);
  await store.open();
  const size = copy.entries.length;
  await backend.append({
    start: 0,
    entries: copy.entries,
    nodes: copy.nodes.filter((n) => (n.index + 1) * 2 ** n.level <= size),
    indexes: [],
    packed: [],
    meta: [],
  });
  if (copy.checkpoint !== undefined) await backend.putCheckpoint(copy.checkpoint);
  return store;
}
