// Verified capture (issue 3 §1): signed gateway batches and partner EPCIS documents in,
// per-event outcomes out, accepted events appended to the verifiable log.
//
// A gateway batch goes through, in order: authorisation (a gateway token for the header's
// gateway), enrolment and key status, recomputation of every CBV 2.0 event hash and the
// batch root, the signature (one Ed25519 verification per batch, DESIGN.md "Authorship"),
// the gateway's sequence and hash chain (gap → resend, same content → harmless resend,
// other content → fork alarm), then per-event standard and policy checks. Accepted events
// and the gateway's new sequence state go to the ledger in ONE append, and the ack is built
// only from that append's durable outcome.
import { randomUUID } from "node:crypto";
import {
  type BatchHeader,
  batchHash,
  collectEventErrors,
  detectEpcisFormat,
  type EpcisDocument,
  type EpcisFormat,
  eventHashBytes,
  eventListPath,
  formatEventHashId,
  type GatewayKey,
  parseEpcisDocument,
  SuyuanError,
  type Vocabulary,
  validateEpcisDocument,
  ZERO_HASH,
} from "@suyuan/proto";
import type { BatchAck, EventOutcome, SignedBatch } from "@suyuan/proto/gen/suyuan/v1/batch.ts";
import { PUSHBACK } from "../grpc/errors.ts";
import type {
  GatewayEnrolment,
  GatewayKeyRecord,
  Ledger,
  MasterDataReader,
  PreparedEvent,
  Principal,
  StoredEvent,
} from "../model.ts";
import type { LedgerStore, MetaPut, StoredValue } from "../store/store.ts";
import {
  asRefusal,
  type BatchContext,
  type CheckedBatch,
  checkBatchEvents,
  decodeSignedBatch,
  errorText,
  eventError,
  KeyCache,
  Refusal,
} from "./batch-check.ts";
import type { CheckPool } from "./check-pool.ts";
import {
  type BatchRecord,
  batchKey,
  decodeBatchRecord,
  decodeState,
  encodeBatchRecord,
  encodeState,
  type GatewayState,
  type RejectedRecord,
  stateKey,
} from "./gateway-state.ts";
import { allowedSet, checkLocationPolicy, LocationCanonicaliser, type WriterScope } from "./policy.ts";
import { headerFromProto } from "./proto-header.ts";
import { readBatchEnvelope } from "./wire.ts";

export type LogFn = (msg: string, fields?: object) => void;

/** Key status from master data, when it knows more than the enrolment record (e.g. a fresh revocation). */
export type KeyStatusFn = (gatewayId: string, keyId: string) => "active" | "revoked" | undefined;

/** Raised when a gateway's history forks: same sequence, different content. */
export interface CaptureAlarm {
  kind: "fork";
  gatewayId: string;
  keyId: string;
  /** First sequence number of the refused batch (decimal). */
  seq: string;
  /** Hex hash of the batch the core holds at (or right before) that position, if known. */
  acceptedBatchHash: string | undefined;
  /** Hex hash of the refused batch. */
  receivedBatchHash: string;
  reason: string;
}

export type ErrorBehaviour = "proceed" | "rollback";

export interface CaptureProcessorOptions {
  ledger: Ledger;
  master: MasterDataReader & { keyStatus?: KeyStatusFn };
  /**
   * Where the gateways' sequence state is read back from (the meta entries the ledger
   * appends write). Without it the state lives in this process only and is lost on restart.
   */
  store?: Pick<LedgerStore, "getMeta">;
  now?: () => Date;
  log?: LogFn;
  /** Events accepted for processing but not yet durable above which new work is pushed back. Default 50 000. */
  maxInFlightEvents?: number;
  /** The retry hint given with a pushback. Default 250 ms. */
  retryAfterMs?: number;
  onAlarm?: (alarm: CaptureAlarm) => void;
  /** EPCIS master data found in a partner document (EPCIS 2.0 §7.5), before its events are checked. */
  onMasterData?: (vocabularies: Vocabulary[], principal: Principal) => void | Promise<void>;
  /** Capture job ids (EPCIS 2.0 §12 capture ID). Default: random UUIDs. */
  newCaptureId?: () => string;
  /**
   * Worker threads that check batches given as wire bytes (check-pool.ts). Without a pool
   * the same checks run on the event loop.
   */
  checkPool?: CheckPool;
  /**
   * The ledger indexes with index/records.ts `indexRecords`: the index records the check
   * workers pack (index/packed.ts, made with it) may then be handed to it with the events.
   * Default false.
   */
  packedIndexes?: boolean;
}

/** Outcome of one event of a partner document, by its position. */
export type DocumentEventOutcome =
  | { index: number; hashId: string; status: "accepted" | "duplicate"; logIndex: number }
  | { index: number; hashId?: string; status: "rejected"; code: string; message: string; field: string };

export interface DocumentCaptureResult {
  captureId: string;
  format: EpcisFormat;
  events: DocumentEventOutcome[];
  accepted: number;
  duplicates: number;
  rejected: number;
  /** True when errorBehaviour "rollback" stored nothing because an event was rejected. */
  rolledBack: boolean;
}

export interface DocumentCaptureOptions {
  /** EPCIS 2.0 §12 capture `GS1-Capture-Error-Behaviour`: rollback stores nothing if any event fails. Default proceed. */
  errorBehaviour?: ErrorBehaviour;
}

export interface CaptureStats {
  batchesAccepted: number;
  batchesResent: number;
  batchesRejected: number;
  gaps: number;
  forks: number;
  pushbacks: number;
  eventsAccepted: number;
  eventsDuplicate: number;
  eventsRejected: number;
  inFlightEvents: number;
}

/** A batch that passed every check that does not depend on the gateway's sequence state. */
interface VerifiedBatch {
  header: BatchHeader;
  signature: Uint8Array;
  hash: Uint8Array;
  enrolment: GatewayEnrolment;
  digests: Uint8Array[];
  /** Laid out for the log where the event passed every check (exactly where `refused` is undefined). */
  prepared: (PreparedEvent | undefined)[];
  refused: (SuyuanError | undefined)[];
}

/** What the event loop settles about a batch before its events are looked at. */
interface Preflight {
  enrolment: GatewayEnrolment;
  rec: GatewayKeyRecord;
  key: GatewayKey;
}

const HASH = 32;

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");
const buf = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength);
const bytesEqual = (a: Uint8Array, b: Uint8Array): boolean => buf(a).equals(buf(b));

export class CaptureProcessor {
  private readonly ledger: Ledger;
  private readonly master: MasterDataReader & { keyStatus?: KeyStatusFn };
  private readonly store: Pick<LedgerStore, "getMeta"> | undefined;
  private readonly now: () => Date;
  private readonly log: LogFn;
  private readonly maxInFlight: number;
  private readonly retryAfterMs: number;
  private readonly onAlarm: ((a: CaptureAlarm) => void) | undefined;
  private readonly onMasterData: CaptureProcessorOptions["onMasterData"];
  private readonly newCaptureId: () => string;
  private readonly pool: CheckPool | undefined;
  private readonly packedIndexes: boolean;

  private inFlight = 0;
  private readonly counters: Omit<CaptureStats, "inFlightEvents"> = {
    batchesAccepted: 0,
    batchesResent: 0,
    batchesRejected: 0,
    gaps: 0,
    forks: 0,
    pushbacks: 0,
    eventsAccepted: 0,
    eventsDuplicate: 0,
    eventsRejected: 0,
  };
  // gatewayId → its sequence state (null: no batch accepted yet); filled from meta on first use.
  private readonly states = new Map<string, GatewayState | null>();
  // gatewayId → tail of its batch queue: one gateway's batches are checked against the
  // sequence and appended strictly one after another.
  private readonly gatewayTails = new Map<string, Promise<unknown>>();
  // Meta written by our appends when no store was given to read it back from.
  private readonly localMeta = new Map<string, StoredValue>();
  private readonly keys = new KeyCache(10_000);
  private readonly canon = new LocationCanonicaliser();

  constructor(opts: CaptureProcessorOptions) {
    this.ledger = opts.ledger;
    this.master = opts.master;
    this.store = opts.store;
    this.now = opts.now ?? (() => new Date());
    this.log = opts.log ?? (() => {});
    this.maxInFlight = opts.maxInFlightEvents ?? 50_000;
    this.retryAfterMs = opts.retryAfterMs ?? 250;
    this.onAlarm = opts.onAlarm;
    this.onMasterData = opts.onMasterData;
    this.newCaptureId = opts.newCaptureId ?? randomUUID;
    this.pool = opts.checkPool;
    this.packedIndexes = opts.packedIndexes ?? false;
  }

  stats(): CaptureStats {
    return { ...this.counters, inFlightEvents: this.inFlight };
  }

  /**
   * Verifies and records one signed batch, decoded or as its wire bytes (the gRPC service
   * hands over bytes, so the events are decoded where they are checked: on a check worker
   * when the processor has a pool). Resolves with the ack only after the accepted events are
   * durable. Throws (rather than acking) only AUTH_FORBIDDEN (the principal may not write for
   * this gateway), CORE_PUSHBACK (retry later) and storage failures; every other refusal is
   * an ack with a gap, fork or rejected status.
   */
  processBatch(batch: SignedBatch | Uint8Array, principal: Principal): Promise<BatchAck> {
    // Everything up to serialise() runs synchronously, so batches enter their gateway's
    // queue in call order (the order they came off the stream).
    try {
      if (principal.role !== "gateway") {
        throw new SuyuanError("AUTH_FORBIDDEN", `role ${principal.role} may not send gateway batches`, {
          field: "authorization",
        });
      }
      let header: BatchHeader;
      let n: number;
      try {
        if (batch instanceof Uint8Array) {
          const envelope = readBatchEnvelope(batch);
          header = headerFromProto(envelope.header);
          n = envelope.events;
        } else {
          if (batch === null || typeof batch !== "object" || !Array.isArray(batch.events)) {
            throw new Refusal("CAPTURE_BAD_HEADER", "not a signed batch");
          }
          header = headerFromProto(batch.header);
          n = batch.events.length;
        }
      } catch (e) {
        return Promise.resolve(this.rejectedAck(undefined, asRefusal(e)));
      }
      if (principal.gatewayId !== header.gatewayId) {
        throw new SuyuanError("AUTH_FORBIDDEN", `token ${principal.id} is not a token of gateway ${header.gatewayId}`, {
          field: "header.gatewayId",
        });
      }
      this.reserve(n);
      let checked: Promise<VerifiedBatch>;
      try {
        checked = this.check(batch, header, n, this.preflight(header));
      } catch (e) {
        this.inFlight -= n;
        if (e instanceof Refusal) return Promise.resolve(this.rejectedAck(header, e));
        throw e;
      }
      checked.catch(() => undefined); // awaited in the gateway's queue
      return this.serialise(header.gatewayId, async () => {
        let verified: VerifiedBatch;
        try {
          verified = await checked;
        } catch (e) {
          if (e instanceof Refusal) return this.rejectedAck(header, e);
          throw e;
        }
        return this.commitBatch(verified);
      }).finally(() => {
        this.inFlight -= n;
      });
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Pushback (issue 3 §1): refuse new work rather than buffer without bound. */
  private reserve(n: number): void {
    // A lone request larger than the limit still runs when nothing else is in flight,
    // otherwise it could never be accepted.
    if (this.inFlight > 0 && this.inFlight + n > this.maxInFlight) {
      this.counters.pushbacks++;
      this.log("capture pushback", { inFlightEvents: this.inFlight, requested: n, limit: this.maxInFlight });
      throw new SuyuanError(PUSHBACK, `${this.inFlight} events are being stored; retry after ${this.retryAfterMs} ms`, {
        detail: { retryAfterMs: this.retryAfterMs },
      });
    }
    this.inFlight += n;
  }

  private serialise<T>(gatewayId: string, task: () => Promise<T>): Promise<T> {
    const prev = this.gatewayTails.get(gatewayId) ?? Promise.resolve();
    const run = prev.then(task);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.gatewayTails.set(gatewayId, tail);
    void tail.then(() => {
      if (this.gatewayTails.get(gatewayId) === tail) this.gatewayTails.delete(gatewayId);
    });
    return run;
  }

  /** Enrolment and key status; throws Refusal for a batch-level refusal. */
  private preflight(header: BatchHeader): Preflight {
    const gw = header.gatewayId;
    const enrolment = this.master.gateway(gw);
    if (enrolment === undefined) {
      throw new Refusal("CAPTURE_UNKNOWN_GATEWAY", `gateway ${gw} is not enrolled`, "header.gatewayId");
    }
    const rec = enrolment.keys.find((k) => k.keyId === header.keyId);
    if (rec === undefined) {
      throw new Refusal("CAPTURE_UNKNOWN_KEY", `key ${header.keyId} is not enrolled for gateway ${gw}`, "header.keyId");
    }
    const status = this.master.keyStatus?.(gw, header.keyId) ?? rec.status;
    if (status !== "active") {
      throw new Refusal(
        "CAPTURE_KEY_REVOKED",
        `key ${header.keyId} of gateway ${gw} is revoked; its batches are refused`,
        "header.keyId",
      );
    }
    return { enrolment, rec, key: this.keyOf(rec, header) };
  }

  /**
   * The checks that need no sequence state (batch-check.ts), on a worker when there is a
   * pool and the batch is wire bytes, then the write policy. Rejects with a Refusal for a
   * batch-level refusal.
   */
  private check(
    batch: SignedBatch | Uint8Array,
    header: BatchHeader,
    events: number,
    pre: Preflight,
  ): Promise<VerifiedBatch> {
    const ctx: BatchContext = {
      gatewayId: header.gatewayId,
      keyId: header.keyId,
      party: pre.enrolment.party,
      recordTime: this.now().toISOString(),
    };
    const inline = (): Promise<CheckedBatch> => {
      try {
        const decoded = batch instanceof Uint8Array ? decodeSignedBatch(batch, events) : batch;
        return Promise.resolve(checkBatchEvents(decoded, header, pre.key, ctx));
      } catch (e) {
        return Promise.reject(asRefusal(e));
      }
    };
    let checked: Promise<CheckedBatch>;
    const pool = this.pool;
    if (pool?.available() === true && batch instanceof Uint8Array) {
      checked = pool
        .run(batch, header, events, pre.rec.algorithm.toLowerCase(), pre.rec.publicKey, ctx)
        .catch((e: unknown) => {
          // A worker that died or stopped has not answered for this batch: check it here.
          if (e instanceof Refusal) throw e;
          this.log("capture batch checked on the event loop", { gatewayId: header.gatewayId, why: errorText(e) });
          return inline();
        });
    } else {
      checked = inline();
    }
    return checked.then((c) => this.applyPolicy(c, header, pre.enrolment));
  }

  /** Unpacks a checked batch and refuses, per event, what the write policy forbids. */
  private applyPolicy(c: CheckedBatch, header: BatchHeader, enrolment: GatewayEnrolment): VerifiedBatch {
    const n = c.recordEnds.length;
    const digests: Uint8Array[] = new Array(n);
    const refused: (SuyuanError | undefined)[] = new Array(n);
    const prepared: (PreparedEvent | undefined)[] = new Array(n);
    for (const [i, code, reason, field] of c.refused) refused[i] = new SuyuanError(code, reason, { field });
    const scope: WriterScope = {
      party: enrolment.party,
      allowedLocations: enrolment.allowedReadPoints,
      who: `gateway ${header.gatewayId}`,
    };
    const allowed = allowedSet(enrolment.allowedReadPoints, this.canon);
    const block = this.packedIndexes ? c.indexes : undefined;
    // A batch names a few locations over and over (a line's read points, its site): a pair the
    // policy allowed once is allowed for every event of the batch (master data is read once
    // per pair; a refusal is worked out per event, for its field path).
    const allowedPairs = new Set<string>();
    let start = 0;
    for (let i = 0; i < n; i++) {
      const end = c.recordEnds[i]!;
      const h = i * HASH;
      digests[i] = c.digests.subarray(h, h + HASH);
      if (refused[i] === undefined) {
        const rp = c.locations[2 * i]!;
        const bl = c.locations[2 * i + 1]!;
        const pair = `${rp}\u0000${bl}`;
        if (!allowedPairs.has(pair)) {
          refused[i] = checkLocationPolicy(
            { ...(rp === "" ? {} : { readPoint: { id: rp } }), ...(bl === "" ? {} : { bizLocation: { id: bl } }) },
            `events[${i}]`,
            this.master,
            scope,
            allowed,
            this.canon,
          );
        }
        if (refused[i] === undefined) {
          allowedPairs.add(pair);
          prepared[i] = {
            eventHash: c.logKeys.subarray(h, h + HASH),
            record: c.records.subarray(start, end),
            leaf: c.leaves.subarray(h, h + HASH),
            ...(block?.packed[i] === 1 ? { packed: { block, event: i } } : {}),
          };
        }
      }
      start = end;
    }
    return { header, signature: c.signature, hash: c.hash, enrolment, digests, prepared, refused };
  }

  private keyOf(rec: GatewayKeyRecord, header: BatchHeader): GatewayKey {
    const algorithm = rec.algorithm.toLowerCase();
    if (algorithm !== header.algorithm) {
      throw new Refusal(
        "CAPTURE_KEY_MISMATCH",
        `key ${rec.keyId} is enrolled for ${algorithm}, the batch says ${header.algorithm}`,
        "header.algorithm",
      );
    }
    try {
      return this.keys.get(algorithm, rec.publicKey);
    } catch (e) {
      throw new Refusal(
        "CAPTURE_KEY_MISMATCH",
        `enrolled key ${rec.keyId} cannot be used: ${errorText(e)}`,
        "header.keyId",
      );
    }
  }

  private async readMeta(key: string): Promise<StoredValue | undefined> {
    if (this.store === undefined) return this.localMeta.get(key);
    return this.store.getMeta(key);
  }

  private async loadState(gw: string): Promise<GatewayState | null> {
    const cached = this.states.get(gw);
    if (cached !== undefined) return cached;
    const v = await this.readMeta(stateKey(gw));
    const s = v === undefined ? null : decodeState(gw, v);
    this.states.set(gw, s);
    return s;
  }

  private async loadBatchRecord(gw: string, firstSeq: bigint): Promise<BatchRecord | undefined> {
    const v = await this.readMeta(batchKey(gw, firstSeq));
    return v === undefined ? undefined : decodeBatchRecord(gw, firstSeq, v);
  }

  /** Sequence and chain checks, then the one durable append. Runs in the gateway's queue. */
  private async commitBatch(b: VerifiedBatch): Promise<BatchAck> {
    const h = b.header;
    const gw = h.gatewayId;
    const state = await this.loadState(gw);
    const prevIsZero = bytesEqual(h.prevBatchHash, ZERO_HASH);

    if (state === null) {
      // The gateway's first batch names no predecessor (sign/batch.ts: all-zero prevBatchHash)
      // and may start at any sequence number. One naming a predecessor means the core never
      // saw the gateway's earlier batches: ask for them from the start.
      if (!prevIsZero) {
        if (h.firstSeq === 0n) {
          return this.forkAck(b, undefined, "the first batch at seq 0 names a previous batch the core never held");
        }
        return this.gapAck(b, 0n);
      }
      return this.append(b);
    }
    const expected = state.nextSeq;
    if (h.firstSeq > expected) return this.gapAck(b, expected);
    if (h.firstSeq < expected) {
      const held = await this.loadBatchRecord(gw, h.firstSeq);
      if (held !== undefined && bytesEqual(held.batchHash, b.hash)) return this.resendAck(b, held);
      return this.forkAck(
        b,
        held?.batchHash,
        held === undefined
          ? `seq ${h.firstSeq} falls inside a batch already accepted with other boundaries`
          : `a different batch was already accepted at seq ${h.firstSeq}`,
      );
    }
    if (!bytesEqual(h.prevBatchHash, state.lastBatchHash)) {
      return this.forkAck(
        b,
        state.lastBatchHash,
        `prevBatchHash ${hex(h.prevBatchHash)} is not the hash of the last accepted batch`,
      );
    }
    return this.append(b);
  }

  private async append(b: VerifiedBatch): Promise<BatchAck> {
    const h = b.header;
    const gw = h.gatewayId;
    const items: PreparedEvent[] = [];
    const positions: number[] = [];
    const rejected: RejectedRecord[] = [];
    for (let i = 0; i < b.prepared.length; i++) {
      const err = b.refused[i];
      if (err !== undefined) {
        rejected.push({ index: i, code: err.code, field: err.field ?? `events[${i}]`, message: err.reason });
        continue;
      }
      items.push(b.prepared[i]!);
      positions.push(i);
    }
    const next: GatewayState = {
      nextSeq: h.firstSeq + BigInt(h.count),
      lastBatchHash: b.hash,
      lastFirstSeq: h.firstSeq,
    };
    const meta: MetaPut[] = [
      encodeState(gw, next),
      encodeBatchRecord({ batchHash: b.hash, header: h, signature: b.signature, eventHashes: b.digests, rejected }),
    ];
    let results: Awaited<ReturnType<Ledger["append"]>>;
    try {
      results = await this.ledger.appendPrepared(items, meta);
    } catch (e) {
      // The append may or may not have happened: read the state back next time.
      this.states.delete(gw);
      throw e;
    }
    this.states.set(gw, next);
    if (this.store === undefined) for (const m of meta) this.localMeta.set(m.key, m.value);

    const outcomes: EventOutcome[] = new Array(b.prepared.length);
    for (const r of rejected) outcomes[r.index] = rejectedOutcome(r, b.digests[r.index]);
    let accepted = 0;
    let duplicates = 0;
    for (let k = 0; k < positions.length; k++) {
      const i = positions[k]!;
      const r = results[k];
      if (r === undefined) throw new TypeError(`ledger.append returned ${results.length} outcomes for ${items.length}`);
      if (r.status === "accepted") accepted++;
      else duplicates++;
      outcomes[i] = {
        index: i,
        outcome:
          r.status === "accepted"
            ? { $case: "accepted", value: { logIndex: BigInt(r.index) } }
            : { $case: "duplicate", value: { logIndex: BigInt(r.index) } },
        eventHash: buf(b.digests[i]!),
      };
    }
    this.counters.batchesAccepted++;
    this.counters.eventsAccepted += accepted;
    this.counters.eventsDuplicate += duplicates;
    this.counters.eventsRejected += rejected.length;
    this.log("capture batch accepted", {
      gatewayId: gw,
      firstSeq: h.firstSeq.toString(10),
      count: h.count,
      accepted,
      duplicates,
      rejected: rejected.length,
    });
    return this.ack(h, b.hash, { $case: "accepted", value: {} }, outcomes);
  }

  /** A batch the core already holds, sent again (its ack was lost): nothing is stored twice. */
  private async resendAck(b: VerifiedBatch, held: BatchRecord): Promise<BatchAck> {
    const refusedBefore = new Map(held.rejected.map((r) => [r.index, r]));
    const outcomes: EventOutcome[] = [];
    for (let i = 0; i < b.digests.length; i++) {
      const digest = b.digests[i]!;
      const before = refusedBefore.get(i);
      if (before !== undefined) {
        outcomes.push(rejectedOutcome(before, digest));
        continue;
      }
      const at = await this.ledger.indexOf(formatEventHashId(digest));
      outcomes.push(
        at === undefined
          ? rejectedOutcome(
              {
                index: i,
                code: "CAPTURE_NOT_STORED",
                field: `events[${i}]`,
                message: "the batch was accepted before but this event is not in the log",
              },
              digest,
            )
          : { index: i, outcome: { $case: "duplicate", value: { logIndex: BigInt(at) } }, eventHash: buf(digest) },
      );
    }
    this.counters.batchesResent++;
    this.log("capture batch resent", { gatewayId: b.header.gatewayId, firstSeq: b.header.firstSeq.toString(10) });
    return this.ack(b.header, b.hash, { $case: "accepted", value: {} }, outcomes);
  }

  private gapAck(b: VerifiedBatch, expected: bigint): BatchAck {
    const h = b.header;
    this.counters.gaps++;
    this.log("capture gap", {
      gatewayId: h.gatewayId,
      expectedSeq: expected.toString(10),
      firstSeq: h.firstSeq.toString(10),
    });
    return this.ack(h, b.hash, {
      $case: "gap",
      value: { expectedSeq: expected, missingFrom: expected, missingTo: h.firstSeq - 1n },
    });
  }

  private forkAck(b: VerifiedBatch, held: Uint8Array | undefined, reason: string): BatchAck {
    const h = b.header;
    this.counters.forks++;
    const alarm: CaptureAlarm = {
      kind: "fork",
      gatewayId: h.gatewayId,
      keyId: h.keyId,
      seq: h.firstSeq.toString(10),
      acceptedBatchHash: held === undefined ? undefined : hex(held),
      receivedBatchHash: hex(b.hash),
      reason,
    };
    this.log("capture fork", { level: "error", ...alarm });
    try {
      this.onAlarm?.(alarm);
    } catch (e) {
      this.log("capture alarm handler failed", { level: "error", error: errorText(e) });
    }
    return this.ack(h, b.hash, {
      $case: "fork",
      value: { seq: h.firstSeq, acceptedBatchHash: held === undefined ? Buffer.alloc(0) : buf(held) },
    });
  }

  private rejectedAck(header: BatchHeader | undefined, r: Refusal): BatchAck {
    this.counters.batchesRejected++;
    this.log("capture batch rejected", {
      gatewayId: header?.gatewayId,
      firstSeq: header?.firstSeq.toString(10),
      code: r.code,
      field: r.field,
    });
    let hash: Uint8Array | undefined;
    if (header !== undefined) {
      try {
        hash = batchHash(header);
      } catch {
        hash = undefined; // a malformed header has no hash
      }
    }
    return {
      gatewayId: header?.gatewayId ?? "",
      firstSeq: header?.firstSeq ?? 0n,
      batchHash: hash === undefined ? Buffer.alloc(0) : buf(hash),
      status: { $case: "rejected", value: { code: r.code, message: r.reason } },
      events: [],
    };
  }

  private ack(h: BatchHeader, hash: Uint8Array, status: BatchAck["status"], events: EventOutcome[] = []): BatchAck {
    return { gatewayId: h.gatewayId, firstSeq: h.firstSeq, batchHash: buf(hash), status, events };
  }

  /**
   * EPCIS 2.0 §8.2.6 capture of a whole document by a partner system (or an admin). The
   * document's own structure must be sound (else the whole document is refused with the
   * coded error); then each event is checked and stored on its own, unless
   * `errorBehaviour: "rollback"` asks for all or nothing.
   */
  async processDocument(
    text: string,
    format: EpcisFormat | undefined,
    principal: Principal,
    options: DocumentCaptureOptions = {},
  ): Promise<DocumentCaptureResult> {
    if (principal.role !== "partner" && principal.role !== "admin") {
      throw new SuyuanError("AUTH_FORBIDDEN", `role ${principal.role} may not capture EPCIS documents`, {
        field: "authorization",
      });
    }
    if (principal.role === "partner" && (principal.party === undefined || principal.party === "")) {
      throw new SuyuanError("AUTH_FORBIDDEN", `partner token ${principal.id} is not bound to a party`, {
        field: "authorization",
      });
    }
    if (typeof text !== "string") throw new TypeError("processDocument: text must be a string");
    const errorBehaviour = options.errorBehaviour ?? "proceed";
    if (errorBehaviour !== "proceed" && errorBehaviour !== "rollback") {
      throw new SuyuanError(
        "CAPTURE_BAD_OPTION",
        `errorBehaviour "${String(errorBehaviour)}" is not proceed or rollback`,
        {
          field: "errorBehaviour",
        },
      );
    }
    const fmt = format ?? detectEpcisFormat(text);
    const doc = parseEpcisDocument(text, { format: fmt, validate: false });
    checkDocumentLevel(doc);

    const n = doc.events.length;
    this.reserve(n);
    try {
      return await this.captureDocument(doc, fmt, principal, errorBehaviour);
    } finally {
      this.inFlight -= n;
    }
  }

  private async captureDocument(
    doc: EpcisDocument,
    format: EpcisFormat,
    principal: Principal,
    errorBehaviour: ErrorBehaviour,
  ): Promise<DocumentCaptureResult> {
    if (doc.vocabularies !== undefined && doc.vocabularies.length > 0 && this.onMasterData !== undefined) {
      // Before the events: a document may describe the very locations its events name.
      await this.onMasterData(doc.vocabularies, principal);
    }
    const captureId = this.newCaptureId();
    // An admin acts for no party unless its token names one; it is not bound by the policy.
    const party = principal.party ?? `admin:${principal.id}`;
    const scope: WriterScope | undefined =
      principal.role === "partner" ? { party, who: `partner ${principal.id}` } : undefined;
    const base = eventListPath(doc);
    const recordTime = this.now().toISOString();
    const outcomes: DocumentEventOutcome[] = new Array(doc.events.length);
    const items: StoredEvent[] = [];
    const positions: number[] = [];
    for (let i = 0; i < doc.events.length; i++) {
      const ev = doc.events[i]!;
      const path = `${base}[${i}]`;
      const err =
        collectEventErrors(ev, path)[0] ??
        (scope === undefined ? undefined : checkLocationPolicy(ev, path, this.master, scope, undefined, this.canon));
      let hashId: string | undefined;
      let hashErr: SuyuanError | undefined;
      try {
        hashId = formatEventHashId(eventHashBytes(ev));
      } catch (e) {
        hashErr = eventError(e, path);
      }
      const bad = err ?? hashErr;
      if (bad !== undefined || hashId === undefined) {
        const e = bad ?? new SuyuanError("CAPTURE_BAD_EVENT", "event hash could not be computed", { field: path });
        outcomes[i] = {
          index: i,
          ...(hashId === undefined ? {} : { hashId }),
          status: "rejected",
          code: e.code,
          message: e.reason,
          field: e.field ?? path,
        };
        continue;
      }
      items.push({
        v: 1,
        hashId,
        event: ev,
        provenance: { kind: "partner", party, principal: principal.id, format, documentId: captureId },
        recordTime,
      });
      positions.push(i);
    }
    const rejectedCount = doc.events.length - items.length;
    let rolledBack = false;
    if (errorBehaviour === "rollback" && rejectedCount > 0) {
      rolledBack = true;
      for (let k = 0; k < positions.length; k++) {
        const i = positions[k]!;
        outcomes[i] = {
          index: i,
          hashId: items[k]!.hashId,
          status: "rejected",
          code: "CAPTURE_ROLLED_BACK",
          message: "not stored: another event of the document was rejected and errorBehaviour is rollback",
          field: `${base}[${i}]`,
        };
      }
    } else if (items.length > 0) {
      const results = await this.ledger.append(items);
      for (let k = 0; k < positions.length; k++) {
        const i = positions[k]!;
        const r = results[k];
        if (r === undefined)
          throw new TypeError(`ledger.append returned ${results.length} outcomes for ${items.length}`);
        outcomes[i] = { index: i, hashId: items[k]!.hashId, status: r.status, logIndex: r.index };
      }
    }
    let accepted = 0;
    let duplicates = 0;
    for (const o of outcomes) {
      if (o.status === "accepted") accepted++;
      else if (o.status === "duplicate") duplicates++;
    }
    const rejected = outcomes.length - accepted - duplicates;
    this.counters.eventsAccepted += accepted;
    this.counters.eventsDuplicate += duplicates;
    this.counters.eventsRejected += rejected;
    this.log("capture document", {
      captureId,
      principal: principal.id,
      party,
      format,
      events: outcomes.length,
      accepted,
      duplicates,
      rejected,
      rolledBack,
    });
    return { captureId, format, events: outcomes, accepted, duplicates, rejected, rolledBack };
  }
}

/**
 * Document-level rules (EPCIS 2.0 §9 / §10 header, master data) without the per-event ones,
 * which are reported per event. Capture takes EPCISDocument only (EPCIS 2.0 §8.2.6).
 */
function checkDocumentLevel(doc: EpcisDocument): void {
  if (doc.kind !== "EPCISDocument") {
    throw new SuyuanError("CAPTURE_BAD_DOCUMENT", `a ${doc.kind} cannot be captured; send an EPCISDocument`, {
      field: "type",
    });
  }
  validateEpcisDocument({ ...doc, events: [] });
}

function rejectedOutcome(r: RejectedRecord, digest: Uint8Array | undefined): EventOutcome {
  return {
    index: r.index,
    outcome: { $case: "rejected", value: { code: r.code, message: r.message, field: r.field } },
    eventHash: digest === undefined ? Buffer.alloc(0) : buf(digest),
  };
}
