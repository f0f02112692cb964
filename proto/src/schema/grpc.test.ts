// Smoke test of the generated grpc-js service definitions: a real server on 127.0.0.1:0 and
// the generated clients, unary and bidirectional streaming, uint64 as bigint on the wire.
import { createHash } from "node:crypto";
import {
  type ClientDuplexStream,
  credentials,
  Server,
  ServerCredentials,
  type ServerDuplexStream,
  status,
} from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BatchAck, SignedBatch } from "../../gen/suyuan/v1/batch.ts";
import { CaptureServiceClient, type CaptureServiceServer, CaptureServiceService } from "../../gen/suyuan/v1/capture.ts";
import {
  type GetCheckpointResponse,
  LedgerServiceClient,
  type LedgerServiceServer,
  LedgerServiceService,
} from "../../gen/suyuan/v1/ledger.ts";
import type { EpcisEvent } from "../epcis/model.ts";
import { eventToProto } from "./convert.ts";

// RFC 9162 §2.1.1: the hash of an empty tree is SHA-256 of the empty string.
const EMPTY_ROOT = createHash("sha256").update("").digest();
// C2SP tlog-checkpoint body: origin, decimal size, base64 root hash, each on its own line.
const NOTE = `example.com/suyuan\n0\n${EMPTY_ROOT.toString("base64")}\n\n— example.com/suyuan AAAA\n`;

const event: EpcisEvent = {
  type: "ObjectEvent",
  eventTime: "2024-03-01T08:00:00+08:00",
  eventTimeZoneOffset: "+08:00",
  action: "OBSERVE",
  epcList: ["urn:epc:id:sgtin:0614141.107346.2017"],
  bizStep: "receiving",
};

describe("generated grpc-js services", () => {
  const server = new Server();
  let ledger: LedgerServiceClient;
  let capture: CaptureServiceClient;

  beforeAll(async () => {
    const ledgerImpl: LedgerServiceServer = {
      getCheckpoint: (_call, callback) => {
        const answer: GetCheckpointResponse = {
          checkpoint: { origin: "example.com/suyuan", size: 0n, rootHash: EMPTY_ROOT, signedNote: NOTE },
        };
        callback(null, answer);
      },
      getInclusionProof: (_call, callback) => callback({ code: status.UNIMPLEMENTED }),
      getConsistencyProof: (_call, callback) => callback({ code: status.UNIMPLEMENTED }),
      getEntries: (_call, callback) => callback({ code: status.UNIMPLEMENTED }),
    };
    const captureImpl: CaptureServiceServer = {
      // Acks each batch: accepted, one outcome per event at log index first_seq + i.
      captureStream: (call: ServerDuplexStream<SignedBatch, BatchAck>) => {
        call.on("data", (b: SignedBatch) => {
          const first = b.header?.firstSeq ?? 0n;
          call.write({
            gatewayId: b.header?.gatewayId ?? "",
            firstSeq: first,
            batchHash: b.header?.eventsRoot ?? Buffer.alloc(0),
            status: { $case: "accepted", value: {} },
            events: b.events.map((_e, i) => ({
              index: i,
              outcome: { $case: "accepted", value: { logIndex: first + BigInt(i) } },
              eventHash: Buffer.alloc(0),
            })),
          });
        });
        call.on("end", () => call.end());
      },
      capture: (_call, callback) => callback({ code: status.UNIMPLEMENTED }),
      captureDocument: (_call, callback) => callback({ code: status.UNIMPLEMENTED }),
    };
    server.addService(LedgerServiceService, ledgerImpl);
    server.addService(CaptureServiceService, captureImpl);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    ledger = new LedgerServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
    capture = new CaptureServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
  });

  afterAll(async () => {
    ledger?.close();
    capture?.close();
    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
  });

  it("LedgerService.GetCheckpoint answers with the canned checkpoint", async () => {
    const res = await new Promise<GetCheckpointResponse>((resolve, reject) =>
      ledger.getCheckpoint({}, (err, r) => (err ? reject(err) : resolve(r))),
    );
    expect(res.checkpoint?.origin).toBe("example.com/suyuan");
    expect(res.checkpoint?.size).toBe(0n);
    expect(Buffer.from(res.checkpoint?.rootHash ?? []).toString("hex")).toBe(
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    );
    expect(res.checkpoint?.signedNote).toBe(NOTE);
  });

  it("an unimplemented RPC comes back as gRPC UNIMPLEMENTED", async () => {
    const code = await new Promise<number | undefined>((resolve) =>
      ledger.getEntries({ start: 0n, count: 1 }, (err) => resolve(err?.code)),
    );
    expect(code).toBe(status.UNIMPLEMENTED);
  });

  it("CaptureService.CaptureStream carries signed batches and acks both ways", async () => {
    const call: ClientDuplexStream<SignedBatch, BatchAck> = capture.captureStream();
    const acks: BatchAck[] = [];
    const done = new Promise<void>((resolve, reject) => {
      call.on("data", (a: BatchAck) => acks.push(a));
      call.on("end", () => resolve());
      call.on("error", reject);
    });
    // Beyond 2^53: uint64 must travel exactly (forceLong=bigint).
    const firstSeqs = [1n, 9007199254740993n];
    for (const firstSeq of firstSeqs) {
      call.write({
        header: {
          version: 1,
          gatewayId: "gw-1",
          keyId: "k1",
          algorithm: "Ed25519",
          firstSeq,
          count: 2,
          prevBatchHash: Buffer.alloc(32),
          eventsRoot: Buffer.alloc(32, 1),
          createdAt: "2024-03-01T08:00:01Z",
        },
        signature: Buffer.alloc(64, 2),
        events: [eventToProto(event), eventToProto({ ...event, action: "ADD" })],
        eventHashes: [],
      });
    }
    call.end();
    await done;
    expect(acks.map((a) => a.firstSeq)).toEqual(firstSeqs);
    expect(acks.map((a) => a.status?.$case)).toEqual(["accepted", "accepted"]);
    const outcomes = acks[1]?.events.map((e) => (e.outcome?.$case === "accepted" ? e.outcome.value.logIndex : -1n));
    expect(outcomes).toEqual([9007199254740993n, 9007199254740994n]);
  });
});
