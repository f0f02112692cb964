// The auditor's verification (issue 3 §2): recompute everything the log claims from the
// stored bytes alone and report the FIRST discrepancy.
//
//   verifyStore   a stopped core's store (`suyuan verify --data DIR`)
//   verifyRemote  a running core over gRPC (`suyuan verify --core ADDR`)
//
// Per entry: the leaf hash is SHA-256(0x00 ‖ record) (RFC 9162 §2.1.1); the record decodes;
// its event hashes to its hashId (CBV 2.0 §8.9) and to the stored event-hash column. Per
// tree: every stored complete-subtree hash equals the one recomputed from the leaves, the
// root at the checkpoint's size equals the signed root, and the checkpoint's signature
// verifies with the core key (C2SP signed-note). So any single changed byte of a stored
// event is caught — by its leaf hash, or, if the attacker fixed that up, by its event hash
// or by the tree above it.
import {
  appendToFrontier,
  bytesEqual,
  EMPTY_ROOT,
  eventFromProto,
  eventHashBytes,
  foldRight,
  leafHash,
  type NoteVerifier,
  openCheckpoint,
  parseEventHashId,
  parseVerifierKey,
  verifyConsistency,
} from "@suyuan/proto";
import type {
  GetCheckpointResponse,
  GetConsistencyProofResponse,
  GetEntriesResponse,
  LedgerServiceClient,
  LogEntry as PLogEntry,
} from "@suyuan/proto/gen/suyuan/v1/ledger.ts";
import { decodeRecord, logKeyOf } from "../model.ts";
import type { LedgerStore } from "../store/store.ts";

export type VerifyCode =
  /** The stored leaf hash is not SHA-256(0x00 ‖ record). */
  | "VERIFY_LEAF_MISMATCH"
  /** The record's event does not hash to its hashId, or the store's event-hash column differs. */
  | "VERIFY_EVENT_HASH_MISMATCH"
  /** A stored complete-subtree hash differs from the one recomputed from the leaves (or is missing). */
  | "VERIFY_NODE_MISMATCH"
  /** The tree recomputed from the leaves has another root than the signed checkpoint. */
  | "VERIFY_ROOT_MISMATCH"
  /** A checkpoint's signature does not verify with the core key (or it is malformed). */
  | "VERIFY_BAD_SIGNATURE"
  /** The checkpoint's unsigned fields disagree with its signed note, or origins differ. */
  | "VERIFY_CHECKPOINT_MISMATCH"
  /** The log has fewer entries than a signed checkpoint says it had. */
  | "VERIFY_STORE_BEHIND"
  /** A record that does not decode, or an entry out of place. */
  | "VERIFY_CORRUPT_RECORD"
  /** A checkpoint seen before is not a prefix of the current log: history was rewritten. */
  | "VERIFY_INCONSISTENT"
  /** The core could not be read (transport or server error). */
  | "VERIFY_UNREACHABLE";

export interface VerifyProblem {
  code: VerifyCode;
  /** Log index of the offending entry, when there is one. */
  index?: number;
  message: string;
}

export type VerifyReport =
  | {
      ok: true;
      /** Entries checked. */
      size: number;
      /** Hex RFC 9162 root of those entries. */
      root: string;
      /** Size of the signed checkpoint checked against (≤ size; 0 when there is none). */
      checkpointSize: number;
      /** The signed checkpoint note (for the auditor to keep as "seen"). */
      checkpoint?: string;
      /** Checks that could not be made, and why. */
      warnings: string[];
    }
  | { ok: false; problem: VerifyProblem };

export interface VerifyOptions {
  /** Expected checkpoint origin; default: whatever the checkpoint says. */
  origin?: string;
  /** Entries read per step (default 1000). */
  chunk?: number;
}

const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");

class Found extends Error {
  constructor(readonly problem: VerifyProblem) {
    super(problem.message);
  }
}

function fail(code: VerifyCode, message: string, index?: number): never {
  throw new Found(index === undefined ? { code, message } : { code, index, message });
}

/** Runs a check; a Found becomes the report, anything else propagates. */
async function report(run: () => Promise<VerifyReport>): Promise<VerifyReport> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof Found) return { ok: false, problem: e.problem };
    throw e;
  }
}

/** Opens a signed checkpoint or fails with VERIFY_BAD_SIGNATURE / VERIFY_CHECKPOINT_MISMATCH. */
function openSigned(note: string, verifier: NoteVerifier, what: string, origin?: string) {
  try {
    return openCheckpoint(note, [verifier], origin === undefined ? undefined : { origin });
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === "CKPT_ORIGIN_MISMATCH") fail("VERIFY_CHECKPOINT_MISMATCH", `${what}: ${(e as Error).message}`);
    fail("VERIFY_BAD_SIGNATURE", `${what} does not verify with the core key ${verifier.name}: ${(e as Error).message}`);
  }
}

/**
 * Checks one entry from its bytes alone and returns its leaf hash. `eventHash` is the
 * store's event-hash column (the dedupe/lookup key), checked against the record's hashId.
 */
export function checkEntry(
  index: number,
  record: Uint8Array,
  storedLeaf: Uint8Array,
  eventHash: Uint8Array,
): Uint8Array {
  const leaf = leafHash(record);
  if (!bytesEqual(leaf, storedLeaf)) {
    fail(
      "VERIFY_LEAF_MISMATCH",
      `entry ${index}: stored leaf hash ${hex(storedLeaf)} is not the RFC 9162 hash of its record bytes (${hex(leaf)})`,
      index,
    );
  }
  let claimed: Uint8Array;
  let actual: Uint8Array;
  let key: Uint8Array;
  try {
    const stored = decodeRecord(record, index);
    claimed = parseEventHashId(stored.hashId);
    actual = eventHashBytes(stored.event);
    key = logKeyOf(stored);
  } catch (e) {
    fail("VERIFY_CORRUPT_RECORD", `entry ${index}: record does not decode: ${(e as Error).message}`, index);
  }
  if (!bytesEqual(actual, claimed)) {
    fail(
      "VERIFY_EVENT_HASH_MISMATCH",
      `entry ${index}: the stored event hashes to ${hex(actual)}, but its record says ${hex(claimed)} (CBV 2.0 §8.9)`,
      index,
    );
  }
  if (!bytesEqual(eventHash, key)) {
    fail(
      "VERIFY_EVENT_HASH_MISMATCH",
      `entry ${index}: the store's event hash ${hex(eventHash)} differs from the record's ${hex(key)}`,
      index,
    );
  }
  return leaf;
}

/** Incremental RFC 9162 tree over leaves fed in order; stops at given sizes to compare roots. */
class TreeBuilder {
  size = 0;
  frontier: Uint8Array[] = [];

  /** Adds leaves; returns every complete-subtree node they complete (level 0 included). */
  add(leaves: readonly Uint8Array[]) {
    const r = appendToFrontier(this.size, this.frontier, leaves);
    this.size = r.size;
    this.frontier = r.frontier;
    return r.nodes;
  }

  root(): Uint8Array {
    return this.size === 0 ? EMPTY_ROOT : foldRight(this.frontier);
  }
}

/**
 * Verifies a (stopped) core's store: every entry, every stored tree node, the checkpoint's
 * root and signature. Reads the store in chunks; never writes.
 */
export function verifyStore(
  store: LedgerStore,
  verifierKey: string,
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  const verifier = parseVerifierKey(verifierKey);
  const chunk = options.chunk ?? 1000;
  return report(async () => {
    const size = await store.size();
    const stored = await store.getCheckpoint();
    const warnings: string[] = [];
    let cpSize = 0;
    let cpRoot = EMPTY_ROOT;
    if (stored === undefined) {
      if (size > 0) warnings.push(`the store holds ${size} entries but no signed checkpoint`);
    } else {
      const cp = openSigned(stored.note, verifier, "the stored checkpoint", options.origin);
      if (cp.size !== stored.size || !bytesEqual(cp.rootHash, stored.rootHash)) {
        fail(
          "VERIFY_CHECKPOINT_MISMATCH",
          `the stored checkpoint's fields (size ${stored.size}, root ${hex(stored.rootHash)}) differ from its signed note (size ${cp.size}, root ${hex(cp.rootHash)})`,
        );
      }
      if (size < cp.size) {
        fail("VERIFY_STORE_BEHIND", `store is behind its last signed checkpoint: size ${size} < ${cp.size}`, size);
      }
      cpSize = cp.size;
      cpRoot = cp.rootHash;
    }
    if (size > cpSize) warnings.push(`entries ${cpSize}..${size - 1} are not yet covered by a signed checkpoint`);

    const tree = new TreeBuilder();
    const checkRoot = () => {
      const root = tree.root();
      if (!bytesEqual(root, cpRoot)) {
        fail(
          "VERIFY_ROOT_MISMATCH",
          `the entries give root ${hex(root)} at size ${cpSize}, but the signed checkpoint says ${hex(cpRoot)}`,
        );
      }
    };
    if (cpSize === 0 && stored !== undefined) checkRoot();
    while (tree.size < size) {
      const from = tree.size;
      // Stop exactly at the checkpoint's size to compare its root.
      const to = Math.min(from + chunk, from < cpSize ? cpSize : size);
      const entries = await store.getEntries(from, to - from);
      if (entries.length !== to - from) {
        fail("VERIFY_STORE_BEHIND", `entries [${from}, ${to}): the store returned ${entries.length}`, from);
      }
      const leaves: Uint8Array[] = new Array(entries.length);
      for (let i = 0; i < entries.length; i++) {
        const e = entries[i]!;
        if (e.index !== from + i)
          fail("VERIFY_CORRUPT_RECORD", `entry ${from + i}: store returned index ${e.index}`, from + i);
        leaves[i] = checkEntry(e.index, e.record, e.leafHash, e.eventHash);
      }
      const nodes = tree.add(leaves);
      const got = await store.getNodeHashes(nodes);
      for (let i = 0; i < nodes.length; i++) {
        const n = nodes[i]!;
        const h = got[i];
        if (h === undefined || !bytesEqual(h, n.hash)) {
          const first = n.index * 2 ** n.level;
          fail(
            "VERIFY_NODE_MISMATCH",
            `tree node (level ${n.level}, index ${n.index}) over entries [${first}, ${first + 2 ** n.level}): ` +
              (h === undefined ? "missing from the store" : `stored ${hex(h)}, recomputed ${hex(n.hash)}`),
            first,
          );
        }
      }
      if (tree.size === cpSize) checkRoot();
    }
    return {
      ok: true,
      size,
      root: hex(tree.root()),
      checkpointSize: cpSize,
      ...(stored === undefined ? {} : { checkpoint: stored.note }),
      warnings,
    };
  });
}

/** Calls a grpc-js unary method as a promise. */
function call<Req, Res>(
  client: LedgerServiceClient,
  method: (req: Req, cb: (err: Error | null, res: Res) => void) => unknown,
  req: Req,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    method.call(client, req, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

/**
 * Verifies a running core: fetches its latest checkpoint and the whole log up to it,
 * recomputes leaves (from the record bytes when the core serves them), event hashes and the
 * tree, and checks that every checkpoint in `seenCheckpoints` (signed notes the auditor kept
 * from earlier runs) is consistent with the current one — by the core's consistency proof
 * AND by recomputing the old root from the fetched leaves.
 */
export function verifyRemote(
  client: LedgerServiceClient,
  verifierKey: string,
  seenCheckpoints: readonly string[],
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  const verifier = parseVerifierKey(verifierKey);
  return report(async () => {
    const rpc = async <Req, Res>(
      method: (req: Req, cb: (err: Error | null, res: Res) => void) => unknown,
      req: Req,
      what: string,
    ): Promise<Res> => {
      try {
        return await call(client, method, req);
      } catch (e) {
        fail("VERIFY_UNREACHABLE", `${what}: ${(e as Error).message}`);
      }
    };
    const res: GetCheckpointResponse = await rpc(client.getCheckpoint, {}, "GetCheckpoint");
    const pcp = res.checkpoint;
    if (pcp === undefined) fail("VERIFY_BAD_SIGNATURE", "GetCheckpoint returned no checkpoint");
    const cp = openSigned(pcp.signedNote, verifier, "the core's latest checkpoint", options.origin);
    if (BigInt(cp.size) !== pcp.size || !bytesEqual(cp.rootHash, pcp.rootHash) || cp.origin !== pcp.origin) {
      fail("VERIFY_CHECKPOINT_MISMATCH", "the latest checkpoint's fields differ from its signed note");
    }

    // Seen checkpoints, by size; each must be signed by the core for the same log.
    const seen = seenCheckpoints.map((note, k) => {
      const s = openSigned(note, verifier, `seen checkpoint #${k + 1}`, cp.origin);
      if (s.size > cp.size) {
        fail(
          "VERIFY_STORE_BEHIND",
          `the core's log (size ${cp.size}) is behind a checkpoint seen before (#${k + 1}, size ${s.size}): it rolled back`,
        );
      }
      return { k, size: s.size, root: s.rootHash };
    });
    seen.sort((a, b) => a.size - b.size);
    // RFC 9162 §2.1.4.2: the core's own proof that each old tree is a prefix of the new one.
    for (const s of seen) {
      if (s.size === 0) continue;
      const p: GetConsistencyProofResponse = await rpc(
        client.getConsistencyProof,
        { fromSize: BigInt(s.size), toSize: BigInt(cp.size) },
        "GetConsistencyProof",
      );
      if (!verifyConsistency(s.size, cp.size, p.proof?.path ?? [], s.root, cp.rootHash)) {
        fail(
          "VERIFY_INCONSISTENT",
          `the core's consistency proof from seen checkpoint #${s.k + 1} (size ${s.size}) to size ${cp.size} does not verify: history was rewritten`,
        );
      }
    }

    const warnings: string[] = [];
    const tree = new TreeBuilder();
    let next = 0; // next seen checkpoint (sorted) to compare
    const compareSeen = () => {
      while (next < seen.length && seen[next]!.size === tree.size) {
        const s = seen[next++]!;
        const root = tree.root();
        if (!bytesEqual(root, s.root)) {
          fail(
            "VERIFY_INCONSISTENT",
            `the fetched entries give root ${hex(root)} at size ${s.size}, but seen checkpoint #${s.k + 1} says ${hex(s.root)}: history was rewritten`,
          );
        }
      }
    };
    compareSeen();
    let noRecords = false;
    while (tree.size < cp.size) {
      const from = tree.size;
      const page: GetEntriesResponse = await rpc(
        client.getEntries,
        { start: BigInt(from), count: Math.min(options.chunk ?? 1000, cp.size - from) },
        "GetEntries",
      );
      if (page.entries.length === 0) {
        fail(
          "VERIFY_STORE_BEHIND",
          `the core returned no entries from ${from}, but its checkpoint has ${cp.size}`,
          from,
        );
      }
      // Stop at the next size that needs a root check (a seen checkpoint or the latest).
      const stopAt = Math.min(cp.size, next < seen.length ? seen[next]!.size : cp.size);
      const entries = page.entries.slice(0, stopAt - from);
      const leaves = entries.map((e, i) => {
        const index = from + i;
        if (e.index !== BigInt(index)) {
          fail("VERIFY_CORRUPT_RECORD", `entry ${index}: the core returned index ${e.index}`, index);
        }
        const record = (e as PLogEntry & { record?: Uint8Array }).record;
        if (record !== undefined && record.length > 0) return checkEntry(index, record, e.leafHash, e.eventHash);
        noRecords = true;
        checkProtoEvent(index, e);
        return new Uint8Array(e.leafHash);
      });
      tree.add(leaves);
      compareSeen();
    }
    const root = tree.root();
    if (!bytesEqual(root, cp.rootHash)) {
      fail(
        "VERIFY_ROOT_MISMATCH",
        `the fetched entries give root ${hex(root)} at size ${cp.size}, but the signed checkpoint says ${hex(cp.rootHash)}`,
      );
    }
    if (noRecords) {
      warnings.push(
        "the core serves no record bytes (LogEntry.record): leaf hashes were taken as served, and only the events' hashes were recomputed",
      );
    }
    return { ok: true, size: cp.size, root: hex(root), checkpointSize: cp.size, checkpoint: pcp.signedNote, warnings };
  });
}

/** Without record bytes: at least the served event must hash to the served event hash. */
function checkProtoEvent(index: number, e: PLogEntry): void {
  if (e.leafHash.length !== 32) fail("VERIFY_CORRUPT_RECORD", `entry ${index}: leaf hash is not 32 bytes`, index);
  if (e.event === undefined) fail("VERIFY_CORRUPT_RECORD", `entry ${index}: the core served no event`, index);
  let actual: Uint8Array;
  try {
    actual = eventHashBytes(eventFromProto(e.event));
  } catch (err) {
    fail(
      "VERIFY_CORRUPT_RECORD",
      `entry ${index}: the served event does not convert: ${(err as Error).message}`,
      index,
    );
  }
  if (!bytesEqual(actual, e.eventHash)) {
    fail(
      "VERIFY_EVENT_HASH_MISMATCH",
      `entry ${index}: the served event hashes to ${hex(actual)}, but the entry says ${hex(e.eventHash)} (CBV 2.0 §8.9)`,
      index,
    );
  }
}
