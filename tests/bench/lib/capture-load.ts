// The capture bench's load process (run by tests/bench/capture.bench.ts as a child process, so
// building and sending batches does not share the core's event loop):
//   node --import tsx tests/bench/lib/capture-load.ts <plan.json>
// It builds every batch before the clock starts — realistic EPCIS events with distinct SGTINs,
// hashed (CBV 2.0 §8.9), sealed and Ed25519-signed as a gateway does, then protobuf-encoded —
// and streams them over CaptureService.CaptureStream, one stream per gateway, each with a
// small window of batches in flight. It prints one JSON line with what the acks said.
// With `chainQueries` in the plan it also asks QueryService.GetChain for units captured
// earlier while it streams — one query at a time, or `concurrency` at a time — and then, one
// at a time, as often again once the core is idle (unless `idleAfter` is false): how an
// inspector's lookup fares while gateways write, and how both fare when lookups never pause.
import { createPrivateKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { credentials, Metadata, makeGenericClientConstructor } from "@grpc/grpc-js";
import {
  type AlgorithmName,
  batchHash,
  type EpcisEvent,
  eventHashBytes,
  eventToProto,
  sealBatch,
  ZERO_HASH,
} from "@suyuan/proto";
import { type BatchAck, SignedBatch } from "@suyuan/proto/gen/suyuan/v1/batch.ts";
import { CaptureServiceService } from "@suyuan/proto/gen/suyuan/v1/capture.ts";
import { QueryServiceClient } from "@suyuan/proto/gen/suyuan/v1/query.ts";
import { headerToProto } from "../../../core/src/capture/proto-header.ts";
import { percentile } from "../report.ts";
import { unitCode } from "./capture-units.ts";

export interface LoadPlanGateway {
  gatewayId: string;
  token: string;
  keyId: string;
  /** PKCS#8 PEM of the gateway's Ed25519 key. */
  privateKeyPem: string;
  /** GS1 Company Prefix of the gateway's party (its products and SSCCs). */
  companyPrefix: string;
  /** SGLN site (bizLocation) and its read points (EPC URIs) registered to the gateway's party. */
  site: string;
  readPoints: string[];
}

export interface LoadPlan {
  address: string;
  gateways: LoadPlanGateway[];
  batchesPerGateway: number;
  batchSize: number;
  /** Batches a stream may have sent and not yet seen acked. */
  window: number;
  chainQueries?: ChainQueryPlan;
}

export interface ChainQueryPlan {
  /** An inspector token. */
  token: string;
  /** Codes already in the ledger, asked in turn (cycling). */
  codes: string[];
  /** Pause after each answer before the next query, ms. */
  pauseMs: number;
  /** Queries in flight at once while streaming, each waiting for its answer (default 1). */
  concurrency?: number;
  /** Ask as many again on the idle core after the streams end (default true). */
  idleAfter?: boolean;
}

export interface ChainLatencies {
  queries: number;
  /** Queries answered per second of the time they ran. */
  perS: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface LoadResult {
  batches: number;
  events: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  batchesNotAccepted: number;
  firstProblem?: string;
  wallMs: number;
  ackP50Ms: number;
  ackP99Ms: number;
  buildMs: number;
  /** CPU time of this load process (user + system) while streaming, in ms. */
  cpuMs: number;
  /** With plan.chainQueries: chain lookups while streaming and (idleAfter) after it, on the idle core. */
  chainUnderLoad?: ChainLatencies;
  chainIdle?: ChainLatencies;
}

const MDA = "urn:epcglobal:cbv:mda";

/**
 * One gateway's event stream at a packing line: each case is 6 units commissioned with their
 * lot (ObjectEvent ADD, ILMD cbvmda:lotNumber, CBV 2.0 §8.2), packed into a case SSCC
 * (AggregationEvent ADD) and the case observed at put-away (ObjectEvent OBSERVE storing).
 */
function* gatewayEvents(g: LoadPlanGateway, gwIndex: number): Generator<EpcisEvent> {
  const cp = g.companyPrefix;
  const t0 = Date.UTC(2026, 10, 26, 0, 0, 0);
  let unit = 0;
  for (let caseNo = 0; ; caseNo++) {
    const t = t0 + caseNo * 3000;
    const time = (ms: number) => new Date(ms).toISOString().replace("Z", "+00:00");
    const lot = `L${gwIndex}-${Math.floor(caseNo / 500)}`;
    const units: string[] = [];
    for (let u = 0; u < 6; u++) units.push(unitCode(cp, gwIndex, unit++));
    const rp = g.readPoints[caseNo % g.readPoints.length]!;
    const caseId = `urn:epc:id:sscc:${cp}.${String(caseNo).padStart(17 - cp.length, "0")}`;
    yield {
      type: "ObjectEvent",
      eventTime: time(t),
      eventTimeZoneOffset: "+08:00",
      action: "ADD",
      epcList: units,
      bizStep: "commissioning",
      disposition: "active",
      readPoint: { id: rp },
      bizLocation: { id: g.site },
      ilmd: [{ ns: MDA, prefix: "cbvmda", name: "lotNumber", value: lot }],
    };
    yield {
      type: "AggregationEvent",
      eventTime: time(t + 1000),
      eventTimeZoneOffset: "+08:00",
      action: "ADD",
      parentID: caseId,
      childEPCs: units,
      bizStep: "packing",
      disposition: "in_progress",
      readPoint: { id: rp },
      bizLocation: { id: g.site },
    };
    yield {
      type: "ObjectEvent",
      eventTime: time(t + 2000),
      eventTimeZoneOffset: "+08:00",
      action: "OBSERVE",
      epcList: [caseId],
      bizStep: "storing",
      disposition: "in_progress",
      readPoint: { id: g.readPoints[(caseNo + 1) % g.readPoints.length]! },
      bizLocation: { id: g.site },
    };
  }
}

/** Every batch of one gateway, sealed and encoded, in sequence order. */
function buildBatches(g: LoadPlanGateway, gwIndex: number, count: number, size: number): Buffer[] {
  const key = { keyId: g.keyId, algorithm: "ed25519" as AlgorithmName, privateKey: createPrivateKey(g.privateKeyPem) };
  const source = gatewayEvents(g, gwIndex);
  const out: Buffer[] = [];
  let seq = 0n;
  let prev: Uint8Array = ZERO_HASH;
  for (let b = 0; b < count; b++) {
    const events: EpcisEvent[] = [];
    for (let i = 0; i < size; i++) events.push(source.next().value as EpcisEvent);
    const digests = events.map((e) => eventHashBytes(e));
    const sealed = sealBatch(
      {
        gatewayId: g.gatewayId,
        keyId: g.keyId,
        algorithm: "ed25519",
        firstSeq: seq,
        prevBatchHash: prev,
        createdAt: new Date(Date.UTC(2026, 10, 26) + b * 1000).toISOString(),
      },
      digests,
      key,
    );
    seq += BigInt(size);
    prev = batchHash(sealed.header);
    const msg: SignedBatch = {
      header: headerToProto(sealed.header),
      signature: Buffer.from(sealed.signature),
      events: events.map(eventToProto),
      eventHashes: digests.map((d) => Buffer.from(d)),
    };
    out.push(Buffer.from(SignedBatch.encode(msg).finish()));
  }
  return out;
}

// The stream with pre-encoded requests: the client sends the bytes as they are.
const RawCapture = makeGenericClientConstructor(
  { captureStream: { ...CaptureServiceService.captureStream, requestSerialize: (b: Buffer) => b } },
  "suyuan.v1.CaptureService",
);

/**
 * Asks GetChain for plan.codes in turn (from position `from`), `lanes` queries at a time, each
 * lane asking its next once its answer came, until `stop()` says so (checked after each
 * answer) or `count` queries were asked. A chain without steps is a failure: every code was
 * captured before.
 */
async function askChains(
  client: QueryServiceClient,
  plan: ChainQueryPlan,
  from: number,
  until: { stop?: () => boolean; count?: number },
  lanes = 1,
): Promise<ChainLatencies> {
  const md = new Metadata();
  md.set("authorization", `Bearer ${plan.token}`);
  const ms: number[] = [];
  let q = from;
  const t = performance.now();
  const lane = async (): Promise<void> => {
    for (;;) {
      if (until.count !== undefined && q - from >= until.count) return;
      if (until.stop?.() === true) return;
      await askOne(client, md, plan, q++, ms);
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
  const seconds = (performance.now() - t) / 1000;
  ms.sort((a, b) => a - b);
  return {
    queries: ms.length,
    perS: ms.length / seconds,
    p50Ms: percentile(ms, 50),
    p99Ms: percentile(ms, 99),
    maxMs: ms.at(-1) ?? Number.NaN,
  };
}

/** One GetChain for the q-th code; its time goes into `ms`, then the plan's pause. */
async function askOne(
  client: QueryServiceClient,
  md: Metadata,
  plan: ChainQueryPlan,
  q: number,
  ms: number[],
): Promise<void> {
  const code = plan.codes[q % plan.codes.length]!;
  const t0 = performance.now();
  const steps = await new Promise<number>((resolve, reject) =>
    client.getChain({ identifier: code, includeProofs: false }, md, (err, res) =>
      err ? reject(err) : resolve(res.steps.length),
    ),
  );
  ms.push(performance.now() - t0);
  if (steps === 0) throw new Error(`GetChain ${code}: no steps`);
  await new Promise((r) => setTimeout(r, plan.pauseMs));
}

async function main(): Promise<void> {
  const plan = JSON.parse(readFileSync(process.argv[2]!, "utf8")) as LoadPlan;
  const b0 = performance.now();
  const perGateway = plan.gateways.map((g, i) => buildBatches(g, i, plan.batchesPerGateway, plan.batchSize));
  const buildMs = performance.now() - b0;

  const client = new RawCapture(plan.address, credentials.createInsecure(), {
    "grpc.max_send_message_length": 64 * 1024 * 1024,
    "grpc.max_receive_message_length": 64 * 1024 * 1024,
  }) as unknown as {
    captureStream(md: Metadata): import("@grpc/grpc-js").ClientDuplexStream<Buffer, BatchAck>;
    close(): void;
  };
  const latencies: number[] = [];
  const result = {
    accepted: 0,
    duplicates: 0,
    rejected: 0,
    batchesNotAccepted: 0,
    firstProblem: undefined as string | undefined,
  };

  const queries =
    plan.chainQueries === undefined
      ? undefined
      : { plan: plan.chainQueries, client: new QueryServiceClient(plan.address, credentials.createInsecure()) };
  let streaming = true;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const underLoad =
    queries && askChains(queries.client, queries.plan, 0, { stop: () => !streaming }, queries.plan.concurrency ?? 1);
  await Promise.all(
    plan.gateways.map(
      (g, gi) =>
        new Promise<void>((resolve, reject) => {
          const md = new Metadata();
          md.set("authorization", `Bearer ${g.token}`);
          const call = client.captureStream(md);
          const batches = perGateway[gi]!;
          const sentAt: number[] = [];
          let sent = 0;
          let acked = 0;
          const pump = () => {
            while (sent < batches.length && sent - acked < plan.window) {
              sentAt.push(performance.now());
              call.write(batches[sent]!);
              sent++;
            }
            if (sent === batches.length && acked === sent) call.end();
          };
          call.on("data", (ack: BatchAck) => {
            latencies.push(performance.now() - sentAt[acked]!);
            acked++;
            if (ack.status?.$case !== "accepted") {
              result.batchesNotAccepted++;
              result.firstProblem ??= JSON.stringify(ack.status, (_k, v) => (typeof v === "bigint" ? String(v) : v));
            }
            for (const o of ack.events) {
              if (o.outcome?.$case === "accepted") result.accepted++;
              else if (o.outcome?.$case === "duplicate") result.duplicates++;
              else {
                result.rejected++;
                if (o.outcome?.$case === "rejected")
                  result.firstProblem ??= `${o.outcome.value.code}: ${o.outcome.value.message}`;
              }
            }
            pump();
          });
          call.on("error", reject);
          call.on("end", () => resolve());
          pump();
        }),
    ),
  );
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  streaming = false;
  client.close();
  let chains: Pick<LoadResult, "chainUnderLoad" | "chainIdle"> = {};
  if (queries !== undefined && underLoad !== undefined) {
    const chainUnderLoad = await underLoad;
    chains = { chainUnderLoad };
    if (queries.plan.idleAfter !== false) {
      // As many again on the idle core, other units of the same list.
      chains.chainIdle = await askChains(queries.client, queries.plan, chainUnderLoad.queries, {
        count: chainUnderLoad.queries,
      });
    }
    queries.client.close();
  }
  latencies.sort((a, b) => a - b);
  const out: LoadResult = {
    batches: latencies.length,
    events: plan.gateways.length * plan.batchesPerGateway * plan.batchSize,
    ...result,
    wallMs,
    ackP50Ms: percentile(latencies, 50),
    ackP99Ms: percentile(latencies, 99),
    buildMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    ...chains,
  };
  if (out.firstProblem === undefined) delete out.firstProblem;
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

await main();
