// The gRPC uplink (issue 4 §3): streams the outbox's signed batches to the core's
// CaptureService.CaptureStream and clears them as the core acknowledges them.
//
// Delivery is at-least-once from here (a batch stays in the outbox until its ack, and is
// resent after any disconnect or restart) and exactly-once overall because the core dedupes
// by CBV 2.0 event hash and by batch hash (a resent batch is answered with duplicates).
//
// Answers (proto/suyuan/v1/batch.proto BatchAck):
// - accepted: per-event outcomes; accepted/duplicate events are delivered, rejected ones go
//   to the outbox's dead-letter store; the batch is cleared.
// - gap: the core expects expected_seq: restart the stream from that sequence.
// - fork: the core holds another history: ALARM, stop sending, keep the outbox.
// - rejected (whole batch: bad signature, unknown key…): ALARM, retry with backoff (an
//   operator can enrol or rotate the key meanwhile), keep the outbox.
// - pushback, or gRPC RESOURCE_EXHAUSTED with `retry-after-ms` metadata: wait, resend.
import {
  type ChannelCredentials,
  type ClientDuplexStream,
  type ClientOptions,
  Metadata,
  makeGenericClientConstructor,
  type ServiceError,
  status,
} from "@grpc/grpc-js";
import { BatchAck } from "@suyuan/proto/gen/suyuan/v1/batch.ts";
import { CaptureServiceService } from "@suyuan/proto/gen/suyuan/v1/capture.ts";
import type { Outbox, PendingBatch, RejectedOutcome } from "../outbox/outbox.ts";
import { type BackoffPolicy, backoffDelay, DEFAULT_BACKOFF } from "./backoff.ts";

// The outbox holds the exact SignedBatch bytes: send them as they are (no decode/re-encode).
const RawCaptureService = {
  captureStream: {
    ...CaptureServiceService.captureStream,
    requestSerialize: (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength),
    responseDeserialize: (b: Buffer): BatchAck => BatchAck.decode(b),
  },
};
interface RawCaptureClient {
  captureStream(metadata: Metadata): ClientDuplexStream<Uint8Array, BatchAck>;
  close(): void;
}
const RawCaptureClient = makeGenericClientConstructor(RawCaptureService, "suyuan.v1.CaptureService") as unknown as {
  new (address: string, credentials: ChannelCredentials, options?: Partial<ClientOptions>): RawCaptureClient;
};

export interface Timers {
  setTimeout: (fn: () => void, ms: number) => unknown;
  clearTimeout: (h: unknown) => void;
}

export interface UplinkOptions {
  address: string;
  credentials: ChannelCredentials;
  /** Bearer token sent as `authorization: Bearer <token>`. */
  token?: string;
  outbox: Outbox;
  /** Maximum unacknowledged batches on the wire. Default 8. */
  window?: number;
  /**
   * A stream with batches in flight and no ack for this long is cancelled and reopened (a
   * half-dead connection must not hold the outbox back). Default 30 s.
   */
  ackTimeoutMs?: number;
  backoff?: Partial<BackoffPolicy>;
  random?: () => number;
  timers?: Timers;
  now?: () => Date;
  channelOptions?: Partial<ClientOptions>;
  log?: (msg: string, fields?: object) => void;
  onAcked?: (batch: PendingBatch, counts: { accepted: number; duplicate: number; rejected: number }) => void;
  onAlarm?: (kind: string, detail: object) => void;
  onError?: (kind: string) => void;
}

export interface UplinkStatus {
  connected: boolean;
  inFlight: number;
  reconnects: number;
  /** Set when the uplink stopped sending for good (fork, unrecoverable gap). */
  halted: string | undefined;
  lastError: string | undefined;
  lastAckAt: string | undefined;
}

/** Why a session ended and how long to wait before the next. */
interface SessionEnd {
  delayMs: number | "backoff";
  resendFrom?: bigint;
}

const seqKey = (s: bigint): string => s.toString(10);

export class Uplink {
  private readonly client: RawCaptureClient;
  private readonly backoff: BackoffPolicy;
  private readonly window: number;
  private readonly timers: Timers;
  private stopped = false;
  private running: Promise<void> | undefined;
  private attempt = 0;
  private connected = false;
  private inFlightCount = 0;
  private reconnects = 0;
  private halted: string | undefined;
  private lastError: string | undefined;
  private lastAckAt: string | undefined;
  private sleepHandle: { h: unknown; resolve: () => void } | undefined;
  private call: ClientDuplexStream<Uint8Array, BatchAck> | undefined;
  private resendFrom: bigint | undefined;

  constructor(private readonly opts: UplinkOptions) {
    this.client = new RawCaptureClient(opts.address, opts.credentials, opts.channelOptions);
    this.backoff = { ...DEFAULT_BACKOFF, ...opts.backoff };
    this.window = opts.window ?? 8;
    if (!Number.isInteger(this.window) || this.window < 1) throw new TypeError("uplink window must be ≥ 1");
    this.timers = opts.timers ?? {
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
    };
  }

  start(): void {
    if (this.running !== undefined) return;
    this.running = this.loop();
  }

  status(): UplinkStatus {
    return {
      connected: this.connected,
      inFlight: this.inFlightCount,
      reconnects: this.reconnects,
      halted: this.halted,
      lastError: this.lastError,
      lastAckAt: this.lastAckAt,
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.call?.cancel();
    if (this.sleepHandle) {
      this.timers.clearTimeout(this.sleepHandle.h);
      this.sleepHandle.resolve();
    }
    await this.running;
    this.client.close();
  }

  private log(msg: string, fields?: object): void {
    this.opts.log?.(msg, fields);
  }

  private alarm(kind: string, detail: object): void {
    this.log(`ALARM uplink ${kind}`, detail);
    this.opts.onAlarm?.(kind, detail);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const h = this.timers.setTimeout(() => {
        this.sleepHandle = undefined;
        resolve();
      }, ms);
      this.sleepHandle = { h, resolve };
    });
  }

  private async loop(): Promise<void> {
    while (!this.stopped && this.halted === undefined) {
      let end: SessionEnd;
      try {
        end = await this.session();
      } catch (e) {
        end = this.classify(e);
      }
      this.connected = false;
      this.inFlightCount = 0;
      if (this.stopped || this.halted !== undefined) break;
      if (end.resendFrom !== undefined) this.resendFrom = end.resendFrom;
      let delay: number;
      if (end.delayMs === "backoff") {
        delay = backoffDelay(this.attempt, this.backoff, this.opts.random ?? Math.random);
        this.attempt++;
      } else {
        delay = end.delayMs;
      }
      this.reconnects++;
      this.log("uplink reconnect scheduled", { delayMs: delay, attempt: this.attempt });
      if (delay > 0) await this.sleep(delay);
    }
  }

  private classify(e: unknown): SessionEnd {
    const err = e as Partial<ServiceError>;
    if (this.stopped) return { delayMs: 0 };
    this.lastError = err.details ?? err.message ?? String(e);
    this.opts.onError?.("uplink");
    if (err.code === status.RESOURCE_EXHAUSTED) {
      // Pushback (CONVENTIONS "Errors"): the core names how long to back off.
      const v = err.metadata?.get("retry-after-ms")[0];
      const ms = typeof v === "string" ? Number.parseInt(v, 10) : Number.NaN;
      this.log("uplink pushback", { retryAfterMs: Number.isFinite(ms) ? ms : undefined });
      if (Number.isFinite(ms) && ms >= 0) return { delayMs: ms };
      return { delayMs: "backoff" };
    }
    if (err.code === status.UNAUTHENTICATED || err.code === status.PERMISSION_DENIED) {
      this.alarm("auth", { code: err.code, details: err.details });
    } else {
      this.log("uplink stream failed", { code: err.code, error: this.lastError });
    }
    return { delayMs: "backoff" };
  }

  /** One CaptureStream call: send from the outbox within the window, process acks in order. */
  private async session(): Promise<SessionEnd> {
    const outbox = this.opts.outbox;
    const md = new Metadata();
    if (this.opts.token !== undefined) md.set("authorization", `Bearer ${this.opts.token}`);
    const call = this.client.captureStream(md);
    this.call = call;
    // Errors surface through the async iterator below; keep node from treating them as unhandled.
    call.on("error", () => {});
    call.on("metadata", () => {
      this.connected = true;
    });
    const inflight = new Map<string, PendingBatch>();
    const first = outbox.list()[0];
    let nextToSend: bigint = this.resendFrom ?? first?.firstSeq ?? outbox.chainState().nextSeq;
    this.resendFrom = undefined;
    let active = true;
    let wake: (() => void) | undefined;
    const signal = (): void => {
      const w = wake;
      wake = undefined;
      w?.();
    };
    outbox.signals.on("append", signal);

    const pump = async (): Promise<void> => {
      while (active) {
        const p = inflight.size < this.window ? outbox.firstFrom(nextToSend) : undefined;
        if (p === undefined) {
          await new Promise<void>((r) => {
            wake = r;
          });
          continue;
        }
        const bytes = await outbox.read(p.firstSeq).catch(() => undefined);
        if (!active) return;
        if (bytes === undefined) continue; // acked meanwhile (firstFrom will skip it)
        inflight.set(seqKey(p.firstSeq), p);
        this.inFlightCount = inflight.size;
        nextToSend = p.firstSeq + BigInt(p.count);
        if (!call.write(bytes)) {
          await new Promise<void>((r) => {
            call.once("drain", r);
            wake = r;
          });
        }
      }
    };
    // Watchdog: no ack for ackTimeoutMs while batches are in flight → cancel (→ reconnect).
    let lastProgress = Date.now();
    const ackTimeout = this.opts.ackTimeoutMs ?? 30_000;
    let watchdog: unknown;
    const arm = (): void => {
      watchdog = this.timers.setTimeout(
        () => {
          if (!active) return;
          if (inflight.size > 0 && Date.now() - lastProgress >= ackTimeout) {
            this.log("uplink ack timeout: reopening the stream", { inFlight: inflight.size, ackTimeoutMs: ackTimeout });
            this.opts.onError?.("ack_timeout");
            call.cancel();
            return;
          }
          if (inflight.size === 0) lastProgress = Date.now();
          arm();
        },
        Math.max(10, Math.floor(ackTimeout / 4)),
      );
    };
    arm();
    const pumping = pump().catch((e) => {
      this.log("uplink send failed", { error: String(e) });
      call.cancel();
    });

    try {
      for await (const ack of call as AsyncIterable<BatchAck>) {
        this.connected = true;
        lastProgress = Date.now();
        const p = inflight.get(seqKey(ack.firstSeq));
        if (p === undefined) {
          this.log("uplink ack for a batch not in flight", { firstSeq: String(ack.firstSeq) });
          continue;
        }
        const st = ack.status;
        if (st === undefined) {
          this.log("uplink ack without status", { firstSeq: String(ack.firstSeq) });
          return { delayMs: "backoff" };
        }
        switch (st.$case) {
          case "accepted": {
            const rejected: RejectedOutcome[] = [];
            let accepted = 0;
            let duplicate = 0;
            for (const o of ack.events) {
              if (o.outcome?.$case === "rejected") {
                rejected.push({
                  index: o.index,
                  code: o.outcome.value.code,
                  message: o.outcome.value.message,
                  field: o.outcome.value.field,
                });
              } else if (o.outcome?.$case === "duplicate") duplicate++;
              else if (o.outcome?.$case === "accepted") accepted++;
            }
            await outbox.ack(p.firstSeq, rejected);
            inflight.delete(seqKey(p.firstSeq));
            this.inFlightCount = inflight.size;
            this.attempt = 0;
            this.lastAckAt = (this.opts.now ?? (() => new Date()))().toISOString();
            this.opts.onAcked?.(p, { accepted, duplicate, rejected: rejected.length });
            signal();
            break;
          }
          case "gap": {
            const expected = st.value.expectedSeq;
            this.log("uplink gap: resending from the core's expected sequence", {
              firstSeq: String(p.firstSeq),
              expectedSeq: String(expected),
              missingFrom: String(st.value.missingFrom),
              missingTo: String(st.value.missingTo),
            });
            const oldest = outbox.list()[0];
            if (oldest === undefined || expected < oldest.firstSeq) {
              // The core lacks events this gateway no longer holds: nothing to resend.
              this.halt("gap_unrecoverable", {
                expectedSeq: String(expected),
                oldestPending: oldest === undefined ? null : String(oldest.firstSeq),
              });
              return { delayMs: 0 };
            }
            // Batches wholly below expected_seq are held by the core (batch.proto BatchGap).
            for (const q of outbox.list()) {
              if (q.firstSeq + BigInt(q.count) <= expected) await outbox.ack(q.firstSeq);
            }
            return { delayMs: 0, resendFrom: expected };
          }
          case "fork":
            this.halt("fork", {
              seq: String(st.value.seq),
              acceptedBatchHash: Buffer.from(st.value.acceptedBatchHash).toString("hex"),
            });
            return { delayMs: 0 };
          case "rejected":
            this.lastError = `${st.value.code}: ${st.value.message}`;
            this.opts.onError?.("batch_rejected");
            this.alarm("batch_rejected", {
              firstSeq: String(p.firstSeq),
              code: st.value.code,
              message: st.value.message,
            });
            return { delayMs: "backoff" };
          case "pushback":
            this.log("uplink pushback", { firstSeq: String(p.firstSeq), retryAfterMs: st.value.retryAfterMs });
            return { delayMs: st.value.retryAfterMs };
        }
      }
      // The core ended the stream: reconnect with backoff (reset by the next ack).
      return { delayMs: "backoff" };
    } finally {
      active = false;
      this.timers.clearTimeout(watchdog);
      signal();
      outbox.signals.off("append", signal);
      call.cancel();
      await pumping;
      this.call = undefined;
    }
  }

  private halt(kind: string, detail: object): void {
    this.halted = kind;
    this.alarm(kind, detail);
  }
}
