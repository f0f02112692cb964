// gRPC binding of the capture service (proto/suyuan/v1/capture.proto). Transport only:
// authentication, (de)serialisation, ordering of acks and error mapping; the checks live in
// CaptureProcessor.
import type {
  handleBidiStreamingCall,
  handleUnaryCall,
  Metadata,
  ServerDuplexStream,
  ServerUnaryCall,
  sendUnaryData,
  UntypedHandleCall,
} from "@grpc/grpc-js";
import { type EpcisFormat, isSuyuanError, SuyuanError } from "@suyuan/proto";
import type { BatchAck, EventOutcome } from "@suyuan/proto/gen/suyuan/v1/batch.ts";
import {
  type CaptureDocumentRequest,
  type CaptureDocumentResponse,
  CaptureServiceService,
  DocumentFormat,
} from "@suyuan/proto/gen/suyuan/v1/capture.ts";
import { PUSHBACK, toGrpcError } from "../grpc/errors.ts";
import type { Principal } from "../model.ts";
import type { CaptureProcessor, DocumentEventOutcome, LogFn } from "./processor.ts";
import { readBatchEnvelope } from "./wire.ts";

/**
 * The capture service as served: signed batches are handed over as their wire bytes, not
 * decoded by the transport, so their events are decoded where they are checked (a capture
 * worker thread, see check-pool.ts) instead of on the event loop.
 */
export const CaptureServiceDefinition = {
  ...CaptureServiceService,
  captureStream: { ...CaptureServiceService.captureStream, requestDeserialize: (b: Buffer): Buffer => b },
  capture: { ...CaptureServiceService.capture, requestDeserialize: (b: Buffer): Buffer => b },
} as const;

/** Handlers of CaptureServiceDefinition. */
export interface CaptureServiceHandlers {
  [name: string]: UntypedHandleCall;
  captureStream: handleBidiStreamingCall<Buffer, BatchAck>;
  capture: handleUnaryCall<Buffer, BatchAck>;
  captureDocument: handleUnaryCall<CaptureDocumentRequest, CaptureDocumentResponse>;
}

export type Authenticate = (metadata: Metadata) => Principal | Promise<Principal>;

export interface CaptureServiceOptions {
  log?: LogFn;
  /**
   * Acks a stream may owe before the server stops reading it: a client that sends without
   * reading acks is held back by HTTP/2 flow control instead of growing our memory.
   */
  maxPendingAcksPerStream?: number;
  /** Told each batch's ack and the seconds from receipt to it (not for batches whose processing threw). */
  onAck?: (ack: BatchAck, seconds: number) => void;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

export function captureServiceHandlers(
  processor: CaptureProcessor,
  authenticate: Authenticate,
  options: CaptureServiceOptions = {},
): CaptureServiceHandlers {
  const log = options.log ?? (() => {});
  const window = options.maxPendingAcksPerStream ?? 32;
  const onAck = options.onAck;
  // Both the stream and the unary call hand batches over here.
  const handBatch: BatchProcessor =
    onAck === undefined
      ? (batch, principal) => processor.processBatch(batch, principal)
      : (batch, principal) => {
          const t0 = performance.now();
          return processor.processBatch(batch, principal).then((ack) => {
            onAck(ack, (performance.now() - t0) / 1000);
            return ack;
          });
        };

  const captureStream: handleBidiStreamingCall<Buffer, BatchAck> = (call) => {
    runStream(call, handBatch, authenticate, log, window).catch((e: unknown) => {
      // runStream handles its own failures; this is the last guard against an unhandled rejection.
      log("capture stream failed", { level: "error", error: e instanceof Error ? e.message : String(e) });
    });
  };

  const capture: handleUnaryCall<Buffer, BatchAck> = (call, callback) => {
    unary(call, callback, log, async () => handBatch(call.request, await authenticate(call.metadata)));
  };

  const captureDocument: handleUnaryCall<CaptureDocumentRequest, CaptureDocumentResponse> = (call, callback) => {
    unary(call, callback, log, async () => {
      const principal = await authenticate(call.metadata);
      const req = call.request;
      let text: string;
      try {
        text = utf8.decode(req.body);
      } catch {
        throw new SuyuanError("CAPTURE_BAD_DOCUMENT", "body is not UTF-8 text", { field: "body" });
      }
      const result = await processor.processDocument(text, formatOf(req.format), principal);
      return { captureId: result.captureId, events: result.events.map(outcomeToProto) };
    });
  };

  return { captureStream, capture, captureDocument };
}

function unary<Req, Res>(
  _call: ServerUnaryCall<Req, Res>,
  callback: sendUnaryData<Res>,
  log: LogFn,
  work: () => Promise<Res>,
): void {
  work().then(
    (res) => callback(null, res),
    (e: unknown) => {
      if (!isSuyuanError(e))
        log("capture call failed", { level: "error", error: e instanceof Error ? e.message : String(e) });
      callback(toGrpcError(e));
    },
  );
}

function formatOf(f: DocumentFormat): EpcisFormat | undefined {
  if (f === DocumentFormat.JSON_LD) return "jsonld";
  if (f === DocumentFormat.XML) return "xml";
  if (f === DocumentFormat.UNSPECIFIED) return undefined;
  throw new SuyuanError("CAPTURE_BAD_DOCUMENT", `format ${String(f)} is not a known DocumentFormat`, {
    field: "format",
  });
}

export function outcomeToProto(o: DocumentEventOutcome): EventOutcome {
  const eventHash = o.hashId === undefined ? Buffer.alloc(0) : hashDigest(o.hashId);
  if (o.status === "rejected") {
    return {
      index: o.index,
      outcome: { $case: "rejected", value: { code: o.code, message: o.message, field: o.field } },
      eventHash,
    };
  }
  const value = { logIndex: BigInt(o.logIndex) };
  return {
    index: o.index,
    outcome: o.status === "accepted" ? { $case: "accepted", value } : { $case: "duplicate", value },
    eventHash,
  };
}

// ni:///sha-256;<64 hex>?ver=CBV2.0 → the 32 digest bytes.
function hashDigest(hashId: string): Buffer {
  const m = /^ni:\/\/\/sha-256;([0-9a-f]{64})\?/.exec(hashId);
  return m?.[1] === undefined ? Buffer.alloc(0) : Buffer.from(m[1], "hex");
}

/** The ack for a batch whose processing threw: a status, never a broken stream. */
function errorAck(batch: Uint8Array, e: unknown): BatchAck {
  let h: { gatewayId: string; firstSeq: bigint } | undefined;
  try {
    h = readBatchEnvelope(batch).header;
  } catch {
    h = undefined; // not even an envelope: the ack names no gateway
  }
  const base = { gatewayId: h?.gatewayId ?? "", firstSeq: h?.firstSeq ?? 0n, batchHash: Buffer.alloc(0), events: [] };
  if (isSuyuanError(e, PUSHBACK)) {
    const retry = e.detail?.retryAfterMs;
    return { ...base, status: { $case: "pushback", value: { retryAfterMs: typeof retry === "number" ? retry : 0 } } };
  }
  if (isSuyuanError(e)) return { ...base, status: { $case: "rejected", value: { code: e.code, message: e.reason } } };
  return { ...base, status: { $case: "rejected", value: { code: "CORE_INTERNAL", message: "internal error" } } };
}

/** Writes one ack, waiting for the stream to drain; resolves early if the stream goes away. */
function writeAck(call: ServerDuplexStream<Buffer, BatchAck>, ack: BatchAck): Promise<void> {
  return new Promise((resolve) => {
    if (call.cancelled || call.destroyed || call.writableEnded) return resolve();
    if (call.write(ack)) return resolve();
    const done = () => {
      call.off("drain", done);
      call.off("close", done);
      resolve();
    };
    call.on("drain", done);
    call.on("close", done);
  });
}

/** CaptureProcessor.processBatch, as the service calls it. */
type BatchProcessor = (batch: Buffer, principal: Principal) => Promise<BatchAck>;

async function runStream(
  call: ServerDuplexStream<Buffer, BatchAck>,
  handBatch: BatchProcessor,
  authenticate: Authenticate,
  log: LogFn,
  window: number,
): Promise<void> {
  let principal: Principal;
  try {
    principal = await authenticate(call.metadata);
  } catch (e) {
    // The one failure that ends the stream: nothing it sends could be accepted.
    call.emit("error", toGrpcError(e));
    return;
  }
  // Batches are handed to the processor as they arrive (it keeps one gateway's batches in
  // order and overlaps verifying the next with storing the previous); acks are written
  // strictly in arrival order.
  let tail: Promise<void> = Promise.resolve();
  const pending: Promise<void>[] = [];
  let broken = false;
  try {
    // destroyOnReturn false: the default iterator destroys the stream when the client
    // half-closes, which would drop the acks still owed and never send the status.
    for await (const batch of call.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
      let ackP: Promise<BatchAck>;
      try {
        ackP = handBatch(batch, principal).catch((e: unknown) => errorAck(batch, e));
      } catch (e) {
        ackP = Promise.resolve(errorAck(batch, e));
      }
      tail = tail.then(async () => writeAck(call, await ackP));
      pending.push(tail);
      if (pending.length >= window) await pending.shift();
    }
  } catch (e) {
    // Client cancelled or the connection went away: finish storing what was received (acks
    // are then lost; the gateway resends and gets duplicates), write nothing more.
    broken = true;
    log("capture stream closed by peer", { error: e instanceof Error ? e.message : String(e) });
  }
  await tail;
  if (!broken && !call.cancelled && !call.destroyed && !call.writableEnded) call.end();
}
