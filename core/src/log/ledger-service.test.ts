import { status } from "@grpc/grpc-js";
import {
  eventFromProto,
  eventHash,
  leafHash,
  openCheckpoint,
  parseEventHashId,
  parseVerifierKey,
  verifyConsistency,
  verifyInclusion,
} from "@suyuan/proto";
import type {
  GetCheckpointResponse,
  GetConsistencyProofResponse,
  GetEntriesResponse,
  GetInclusionProofResponse,
} from "@suyuan/proto/gen/suyuan/v1/ledger.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { suyuanCodeOf } from "../grpc/errors.ts";
import { MemoryStore } from "../store/memory/memory-store.ts";
import { type Served, serveLedger, unaryCall } from "./grpc-harness.ts";
import { ledgerServiceHandlers } from "./ledger-service.ts";
import { ORIGIN, stored, storedRange, testKey } from "./test-fixtures.ts";
import { VerifiableLog } from "./verifiable-log.ts";

const key = testKey();
const verifier = parseVerifierKey(key.verifierKey);
let log: VerifiableLog;
let served: Served;
let firstCheckpoint: { size: number; rootHash: Uint8Array };

beforeAll(async () => {
  const store = new MemoryStore();
  await store.open();
  log = await VerifiableLog.open({ store, signer: key.signer, verifierKey: key.verifierKey, origin: ORIGIN });
  await log.append(storedRange(0, 7));
  firstCheckpoint = await log.signCheckpointNow();
  await log.append(storedRange(7, 1000));
  await log.append(storedRange(1007, 10));
  await log.signCheckpointNow();
  await log.append(storedRange(2000, 3)); // beyond the latest checkpoint
  served = await serveLedger(ledgerServiceHandlers(log, store));
});

afterAll(async () => {
  await served.close();
  await log.close();
});

async function grpcError(p: Promise<unknown>): Promise<{ code: number; suyuan: string | undefined; details: string }> {
  try {
    await p;
  } catch (e) {
    return { code: (e as { code: number }).code, suyuan: suyuanCodeOf(e), details: (e as { details: string }).details };
  }
  throw new Error("expected the call to fail");
}

describe("LedgerService over grpc-js", () => {
  it("GetCheckpoint returns the latest signed checkpoint, verifiable with the core key", async () => {
    const res: GetCheckpointResponse = await unaryCall(served.client, served.client.getCheckpoint, {});
    const cp = res.checkpoint!;
    expect(cp.size).toBe(1017n);
    expect(cp.origin).toBe(ORIGIN);
    const opened = openCheckpoint(cp.signedNote, [verifier], { origin: ORIGIN });
    expect(opened.size).toBe(1017);
    expect(Buffer.from(opened.rootHash).equals(cp.rootHash)).toBe(true);
  });

  it("GetInclusionProof by event hash at the latest checkpoint: proof, leaf hash and checkpoint", async () => {
    const s = stored(500);
    const res: GetInclusionProofResponse = await unaryCall(served.client, served.client.getInclusionProof, {
      leaf: { $case: "eventHash", value: Buffer.from(parseEventHashId(s.hashId)) },
      treeSize: 0n,
    });
    const opened = openCheckpoint(res.checkpoint!.signedNote, [verifier], { origin: ORIGIN });
    expect(res.proof!.logIndex).toBe(500n);
    expect(res.proof!.treeSize).toBe(1017n);
    // The leaf is the hash of the stored record bytes (RFC 9162 §2.1.1).
    expect(res.leafHash.equals(Buffer.from(leafHash(Buffer.from(JSON.stringify(s)))))).toBe(true);
    expect(verifyInclusion(res.leafHash, 500, opened.size, res.proof!.path, opened.rootHash)).toBe(true);
  });

  it("GetInclusionProof by log index at an older checkpoint's size", async () => {
    const res: GetInclusionProofResponse = await unaryCall(served.client, served.client.getInclusionProof, {
      leaf: { $case: "logIndex", value: 3n },
      treeSize: BigInt(firstCheckpoint.size),
    });
    expect(res.checkpoint).toBeUndefined();
    expect(verifyInclusion(res.leafHash, 3, 7, res.proof!.path, firstCheckpoint.rootHash)).toBe(true);
  });

  it("GetInclusionProof errors: unknown event NOT_FOUND, beyond the tree INVALID_ARGUMENT, no leaf", async () => {
    const unknown = await grpcError(
      unaryCall(served.client, served.client.getInclusionProof, {
        leaf: { $case: "eventHash", value: Buffer.from(parseEventHashId(eventHash(stored(9999).event))) },
        treeSize: 0n,
      }),
    );
    expect(unknown).toMatchObject({ code: status.NOT_FOUND, suyuan: "LOG_NOT_FOUND" });
    // Index 2000 is logged but not yet under the latest checkpoint.
    const beyond = await grpcError(
      unaryCall(served.client, served.client.getInclusionProof, {
        leaf: { $case: "logIndex", value: 1018n },
        treeSize: 0n,
      }),
    );
    expect(beyond).toMatchObject({ code: status.INVALID_ARGUMENT, suyuan: "LOG_BAD_RANGE" });
    const tooBig = await grpcError(
      unaryCall(served.client, served.client.getInclusionProof, {
        leaf: { $case: "logIndex", value: 1n },
        treeSize: 5000n,
      }),
    );
    expect(tooBig).toMatchObject({ code: status.INVALID_ARGUMENT, suyuan: "LOG_BAD_RANGE" });
    const noLeaf = await grpcError(unaryCall(served.client, served.client.getInclusionProof, { treeSize: 0n }));
    expect(noLeaf).toMatchObject({ code: status.INVALID_ARGUMENT, suyuan: "LOG_BAD_REQUEST" });
    const shortHash = await grpcError(
      unaryCall(served.client, served.client.getInclusionProof, {
        leaf: { $case: "eventHash", value: Buffer.alloc(5) },
        treeSize: 0n,
      }),
    );
    expect(shortHash.suyuan).toBe("LOG_BAD_REQUEST");
  });

  it("GetConsistencyProof from an old checkpoint to the latest verifies (RFC 9162 §2.1.4.2)", async () => {
    const res: GetConsistencyProofResponse = await unaryCall(served.client, served.client.getConsistencyProof, {
      fromSize: 7n,
      toSize: 0n,
    });
    const latest = log.checkpoint();
    expect(res.proof!.toSize).toBe(1017n);
    expect(verifyConsistency(7, 1017, res.proof!.path, firstCheckpoint.rootHash, latest.rootHash)).toBe(true);
    const bad = await grpcError(
      unaryCall(served.client, served.client.getConsistencyProof, { fromSize: 0n, toSize: 7n }),
    );
    expect(bad.suyuan).toBe("LOG_BAD_RANGE");
  });

  it("GetEntries pages entries with leaf hashes and events, at most 1000 per call", async () => {
    const page: GetEntriesResponse = await unaryCall(served.client, served.client.getEntries, {
      start: 5n,
      count: 5000,
    });
    expect(page.entries).toHaveLength(1000);
    expect(page.entries[0]!.index).toBe(5n);
    const e = page.entries[2]!;
    const s = stored(7);
    expect(e.index).toBe(7n);
    expect(e.gatewayId).toBe("gw-1");
    expect(e.batchHash.toString("hex")).toBe("ab".repeat(32));
    expect(e.eventHash.equals(Buffer.from(parseEventHashId(s.hashId)))).toBe(true);
    expect(e.leafHash.equals(Buffer.from(leafHash(Buffer.from(JSON.stringify(s)))))).toBe(true);
    expect(eventHash(eventFromProto(e.event!))).toBe(s.hashId);
    const tail: GetEntriesResponse = await unaryCall(served.client, served.client.getEntries, {
      start: 1015n,
      count: 0,
    });
    expect(tail.entries.map((x) => x.index)).toEqual([1015n, 1016n, 1017n, 1018n, 1019n]);
    const none: GetEntriesResponse = await unaryCall(served.client, served.client.getEntries, {
      start: 9999n,
      count: 10,
    });
    expect(none.entries).toEqual([]);
  });
});
