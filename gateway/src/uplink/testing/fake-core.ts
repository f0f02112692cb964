// A fake core for gateway tests: a real grpc-js server implementing
// CaptureService.CaptureStream the way the core's contract says (batch.proto): verifies the
// batch signature, follows the per-gateway sequence and hash chain (gap / fork answers),
// dedupes by CBV 2.0 event hash (a resent event is a duplicate, never stored twice), and
// records what it stored so tests can check "every event exactly once".
import {
  Metadata,
  Server,
  ServerCredentials,
  type ServerDuplexStream,
  type ServerUnaryCall,
  type sendUnaryData,
  status,
} from "@grpc/grpc-js";
import { batchHash, eventFromProto, eventHashBytes, type GatewayKey, verifyBatch, ZERO_HASH } from "@suyuan/proto";
import type { BatchAck, EventOutcome, SignedBatch } from "@suyuan/proto/gen/suyuan/v1/batch.ts";
import { type CaptureServiceServer, CaptureServiceService } from "@suyuan/proto/gen/suyuan/v1/capture.ts";
import {
  type RecallNotice,
  type RecallServiceServer,
  RecallServiceService,
} from "@suyuan/proto/gen/suyuan/v1/recall.ts";
import { headerFromWire } from "../../outbox/codec.ts";

export interface StoredEvent {
  gatewayId: string;
  seq: bigint;
  hash: string;
  logIndex: bigint;
}

export interface StoredBatch {
  gatewayId: string;
  firstSeq: bigint;
  count: number;
  hash: string;
  prevBatchHash: string;
}

/** What a hook may make the fake core answer instead of processing a batch. */
export type HookAnswer =
  | { pushback: number }
  | { gap: bigint }
  | { grpcError: number; retryAfterMs?: number }
  | { rejected: { code: string; message: string } }
  /** Lose the batch: no processing, no answer (a message lost on the way). */
  | { ignore: true }
  | undefined;

export interface FakeCoreOptions {
  /** Verify signatures with these keys (by gatewayId); without, signatures are not checked. */
  keys?: Map<string, GatewayKey>;
  /** Per-event validation: a rejection for event `index` of a batch. */
  rejectEvent?: (hash: string, index: number) => { code: string; message: string; field: string } | undefined;
  /** Called for each received batch (n counts from 0 across the server's life). */
  hook?: (batch: SignedBatch, n: number) => HookAnswer;
  /** Delay each ack by this many ms (keeps batches in flight). */
  ackDelayMs?: number;
  /** Also serve RecallService.WatchRecalls: these notices (cursors "1", "2", …) as backlog. */
  recalls?: RecallNotice[];
}

export interface FakeCore {
  address: string;
  stored: StoredEvent[];
  batches: StoredBatch[];
  received: number;
  duplicates: number;
  tokens: string[];
  /** Ends every open stream with UNAVAILABLE (simulates a core restart / network cut). */
  dropStreams(): void;
  close(): Promise<void>;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

export async function startFakeCore(opts: FakeCoreOptions = {}): Promise<FakeCore> {
  const chains = new Map<string, { nextSeq: bigint; lastHash: Uint8Array; byFirstSeq: Map<bigint, string> }>();
  const byHash = new Map<string, StoredEvent>();
  const calls = new Set<ServerDuplexStream<SignedBatch, BatchAck>>();
  const core: FakeCore = {
    address: "",
    stored: [],
    batches: [],
    received: 0,
    duplicates: 0,
    tokens: [],
    dropStreams: () => {
      for (const c of calls) c.emit("error", { code: status.UNAVAILABLE, details: "fake core dropped the stream" });
      calls.clear();
    },
    close: async () => {},
  };

  function answer(b: SignedBatch, hooked: HookAnswer): BatchAck {
    const h = headerFromWire(b.header!);
    const bh = batchHash(h);
    const base: BatchAck = { gatewayId: h.gatewayId, firstSeq: h.firstSeq, batchHash: Buffer.from(bh), events: [] };
    if (hooked !== undefined) {
      if ("pushback" in hooked)
        return { ...base, status: { $case: "pushback", value: { retryAfterMs: hooked.pushback } } };
      if ("gap" in hooked) {
        return {
          ...base,
          status: {
            $case: "gap",
            value: { expectedSeq: hooked.gap, missingFrom: hooked.gap, missingTo: h.firstSeq - 1n },
          },
        };
      }
      if ("rejected" in hooked) return { ...base, status: { $case: "rejected", value: hooked.rejected } };
    }
    const digests = b.events.map((e) => eventHashBytes(eventFromProto(e)));
    const key = opts.keys?.get(h.gatewayId);
    if (opts.keys !== undefined) {
      try {
        if (key === undefined) throw new Error(`unknown gateway ${h.gatewayId}`);
        verifyBatch(h, b.signature, key, digests);
      } catch (e) {
        return { ...base, status: { $case: "rejected", value: { code: "CAPTURE_BAD_SIGNATURE", message: String(e) } } };
      }
    }
    let chain = chains.get(h.gatewayId);
    if (chain === undefined) {
      chain = { nextSeq: 0n, lastHash: ZERO_HASH, byFirstSeq: new Map() };
      chains.set(h.gatewayId, chain);
    }
    const known = chain.byFirstSeq.get(h.firstSeq);
    if (known !== undefined) {
      if (known !== hex(bh))
        return {
          ...base,
          status: { $case: "fork", value: { seq: h.firstSeq, acceptedBatchHash: Buffer.from(known, "hex") } },
        };
      // A resend of a batch already held: every event is a duplicate.
      core.duplicates += digests.length;
      const events: EventOutcome[] = digests.map((d, index) => {
        const s = byHash.get(hex(d));
        return {
          index,
          eventHash: Buffer.from(d),
          outcome: s ? { $case: "duplicate", value: { logIndex: s.logIndex } } : undefined,
        };
      });
      return { ...base, status: { $case: "accepted", value: {} }, events };
    }
    if (h.firstSeq > chain.nextSeq) {
      return {
        ...base,
        status: {
          $case: "gap",
          value: { expectedSeq: chain.nextSeq, missingFrom: chain.nextSeq, missingTo: h.firstSeq - 1n },
        },
      };
    }
    if (h.firstSeq < chain.nextSeq || !Buffer.from(h.prevBatchHash).equals(chain.lastHash)) {
      return {
        ...base,
        status: { $case: "fork", value: { seq: h.firstSeq, acceptedBatchHash: Buffer.from(chain.lastHash) } },
      };
    }
    const events: EventOutcome[] = [];
    digests.forEach((d, index) => {
      const hx = hex(d);
      const rej = opts.rejectEvent?.(hx, index);
      if (rej) {
        events.push({ index, eventHash: Buffer.from(d), outcome: { $case: "rejected", value: rej } });
        return;
      }
      const dup = byHash.get(hx);
      if (dup) {
        core.duplicates++;
        events.push({
          index,
          eventHash: Buffer.from(d),
          outcome: { $case: "duplicate", value: { logIndex: dup.logIndex } },
        });
        return;
      }
      const s: StoredEvent = {
        gatewayId: h.gatewayId,
        seq: h.firstSeq + BigInt(index),
        hash: hx,
        logIndex: BigInt(core.stored.length),
      };
      core.stored.push(s);
      byHash.set(hx, s);
      events.push({
        index,
        eventHash: Buffer.from(d),
        outcome: { $case: "accepted", value: { logIndex: s.logIndex } },
      });
    });
    chain.byFirstSeq.set(h.firstSeq, hex(bh));
    chain.nextSeq = h.firstSeq + BigInt(h.count);
    chain.lastHash = bh;
    core.batches.push({
      gatewayId: h.gatewayId,
      firstSeq: h.firstSeq,
      count: h.count,
      hash: hex(bh),
      prevBatchHash: hex(h.prevBatchHash),
    });
    return { ...base, status: { $case: "accepted", value: {} }, events };
  }

  const impl: CaptureServiceServer = {
    captureStream: (call: ServerDuplexStream<SignedBatch, BatchAck>) => {
      calls.add(call);
      const auth = call.metadata.get("authorization")[0];
      if (typeof auth === "string") core.tokens.push(auth);
      // Acks go out in order even when delayed: chain each answer after the previous.
      let tail = Promise.resolve();
      call.on("data", (b: SignedBatch) => {
        const n = core.received++;
        const hooked = opts.hook?.(b, n);
        if (hooked !== undefined && "grpcError" in hooked) {
          const md = new Metadata();
          if (hooked.retryAfterMs !== undefined) md.set("retry-after-ms", String(hooked.retryAfterMs));
          calls.delete(call);
          call.emit("error", { code: hooked.grpcError, details: "fake core error", metadata: md });
          return;
        }
        if (hooked !== undefined && "ignore" in hooked) return;
        const ack = answer(b, hooked);
        tail = tail.then(async () => {
          if (opts.ackDelayMs) await new Promise((r) => setTimeout(r, opts.ackDelayMs));
          if (calls.has(call) && !call.writableEnded && !call.destroyed) call.write(ack);
        });
      });
      call.on("end", () => {
        calls.delete(call);
        call.end();
      });
      call.on("error", () => calls.delete(call));
      call.on("cancelled", () => calls.delete(call));
    },
    capture: (_call: ServerUnaryCall<SignedBatch, BatchAck>, cb: sendUnaryData<BatchAck>) =>
      cb({ code: status.UNIMPLEMENTED }),
    captureDocument: (_call, cb) => cb({ code: status.UNIMPLEMENTED }),
  };
  const server = new Server();
  server.addService(CaptureServiceService, impl);
  if (opts.recalls !== undefined) {
    const notices = opts.recalls;
    const recallImpl: Partial<RecallServiceServer> = {
      watchRecalls: (call) => {
        const after = call.request.afterCursor === "" ? 0 : Number(call.request.afterCursor);
        notices.forEach((notice, i) => {
          if (i + 1 > after) call.write({ notice, cursor: String(i + 1), backlog: true });
        });
        // The stream stays open for live notices (none here) until the client cancels.
      },
    };
    server.addService(RecallServiceService, recallImpl as RecallServiceServer);
  }
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  core.address = `127.0.0.1:${port}`;
  core.close = () =>
    new Promise<void>((resolve) => {
      core.dropStreams();
      server.tryShutdown(() => resolve());
    });
  return core;
}
