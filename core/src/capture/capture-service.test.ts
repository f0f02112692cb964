// The capture service over real gRPC (127.0.0.1:0), with real gateway signatures, the real
// verifiable log over the in-memory store, and grpc-js clients.
import {
  type ClientDuplexStream,
  credentials,
  Client as GrpcClient,
  Metadata,
  Server,
  ServerCredentials,
  type ServiceError,
  status,
} from "@grpc/grpc-js";
import { SuyuanError } from "@suyuan/proto";
import {
  type BatchAck,
  BatchAck as BatchAckCodec,
  type SignedBatch,
  SignedBatch as SignedBatchCodec,
} from "@suyuan/proto/gen/suyuan/v1/batch.ts";
import {
  type CaptureDocumentResponse,
  CaptureServiceClient,
  DocumentFormat,
} from "@suyuan/proto/gen/suyuan/v1/capture.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readConformanceText } from "../../../tests/shared.ts";
import { suyuanCodeOf } from "../grpc/errors.ts";
import type { VerifiableLog } from "../log/verifiable-log.ts";
import type { Principal } from "../model.ts";
import type { MemoryStore } from "../store/memory/memory-store.ts";
import { CaptureServiceDefinition, captureServiceHandlers } from "./capture-service.ts";
import { CheckPool } from "./check-pool.ts";
import { type CaptureAlarm, CaptureProcessor } from "./processor.ts";
import {
  DOCK_A,
  FakeMaster,
  HeldLedger,
  observe,
  openLog,
  PARTY_A,
  PARTY_B,
  SITE_A,
  SITE_B,
  TestGateway,
} from "./test-fixtures.ts";

const TOKENS = new Map<string, Principal>();

function authenticate(md: Metadata): Principal {
  const v = md.get("authorization")[0];
  if (typeof v !== "string") throw new SuyuanError("AUTH_MISSING_TOKEN", "no bearer token", { field: "authorization" });
  const p = TOKENS.get(v.replace(/^Bearer /, ""));
  if (p === undefined) throw new SuyuanError("AUTH_BAD_TOKEN", "unknown token", { field: "authorization" });
  return p;
}

function bearer(token: string): Metadata {
  const md = new Metadata();
  md.set("authorization", `Bearer ${token}`);
  return md;
}

function bind(server: Server): Promise<string> {
  return new Promise((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (e, port) =>
      e ? reject(e) : resolve(`127.0.0.1:${port}`),
    ),
  );
}

function outcomes(ack: BatchAck): string[] {
  return ack.events.map((o) => {
    const oc = o.outcome;
    if (oc === undefined) return "none";
    if (oc.$case === "rejected") return `rejected:${oc.value.code}:${oc.value.field}`;
    return `${oc.$case}:${oc.value.logIndex}`;
  });
}

/** Bytes of the leading header field (tag, length, body) of an encoded SignedBatch. */
function headerLength(encoded: Uint8Array): number {
  expect(encoded[0]).toBe(0x0a); // field 1, length-delimited
  let len = 0;
  let at = 1;
  for (let shift = 0; ; shift += 7) {
    const b = encoded[at++]!;
    len += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) break;
  }
  return at + len;
}

const statusOf = (ack: BatchAck): string =>
  ack.status?.$case === "rejected" ? `rejected:${ack.status.value.code}` : String(ack.status?.$case);

// Every case three times: batches checked on the event loop, on a real worker thread, and on
// two (the default on a 2-core machine: a stream's batches are then checked side by side).
describe.each([
  { mode: "checks on the event loop", workers: 0 },
  { mode: "checks on a worker thread", workers: 1 },
  { mode: "checks on two worker threads", workers: 2 },
])("capture service over gRPC ($mode)", ({ workers }) => {
  const pool = workers > 0 ? new CheckPool(workers) : undefined;
  const server = new Server();
  const pushServer = new Server();
  let addr: string;
  let client: CaptureServiceClient;
  let pushClient: CaptureServiceClient;
  let log: VerifiableLog;
  let store: MemoryStore;
  let held: HeldLedger;
  const master = new FakeMaster().own(PARTY_A, SITE_A).own(PARTY_A, DOCK_A).own(PARTY_B, SITE_B);
  const alarms: CaptureAlarm[] = [];
  /** What the service told its onAck (metrics). */
  const observed: Array<{ ack: BatchAck; seconds: number }> = [];
  const gw = new TestGateway("gw-1", PARTY_A);
  const gwPush = new TestGateway("gw-push", PARTY_A);
  const gwSlow = new TestGateway("gw-slow", PARTY_A);
  const gwStream = new TestGateway("gw-stream", PARTY_A);
  const gwHostile = new TestGateway("gw-hostile", PARTY_A);
  const gwGarbage = new TestGateway("gw-garbage", PARTY_A);

  const unary = (batch: SignedBatch, token: string, via = client): Promise<BatchAck> =>
    new Promise((resolve, reject) =>
      via.capture(batch, bearer(token), (err, res) => (err ? reject(err) : resolve(res))),
    );

  /** Sends `batches` on one stream, half-closes, and collects the acks until the server ends it. */
  async function stream(batches: SignedBatch[], token: string, via = client): Promise<BatchAck[]> {
    const call = via.captureStream(bearer(token));
    const acks: BatchAck[] = [];
    const done = new Promise<void>((resolve, reject) => {
      call.on("data", (a: BatchAck) => acks.push(a));
      call.on("error", reject);
      call.on("end", resolve);
    });
    for (const b of batches) call.write(b);
    call.end();
    await done;
    return acks;
  }

  beforeAll(async () => {
    ({ log, store } = await openLog());
    held = new HeldLedger(log);
    for (const g of [gw, gwPush, gwSlow, gwStream, gwHostile, gwGarbage]) {
      master.gateways.set(g.id, g.enrolment());
      TOKENS.set(`t-${g.id}`, { id: `t-${g.id}`, role: "gateway", party: PARTY_A, gatewayId: g.id });
    }
    TOKENS.set("t-partner", { id: "t-partner", role: "partner", party: PARTY_B });
    // Pushback needs few events in flight; the stream tests send several batches at once.
    const pushProcessor = new CaptureProcessor({
      ledger: held,
      master,
      store,
      maxInFlightEvents: 4,
      retryAfterMs: 75,
      onAlarm: (a) => alarms.push(a),
      ...(pool === undefined ? {} : { checkPool: pool }),
    });
    const roomy = new CaptureProcessor({
      ledger: log,
      master,
      store,
      onAlarm: (a) => alarms.push(a),
      ...(pool === undefined ? {} : { checkPool: pool }),
    });
    server.addService(
      CaptureServiceDefinition,
      captureServiceHandlers(roomy, authenticate, { onAck: (ack, seconds) => observed.push({ ack, seconds }) }),
    );
    pushServer.addService(CaptureServiceDefinition, captureServiceHandlers(pushProcessor, authenticate));
    addr = await bind(server);
    client = new CaptureServiceClient(addr, credentials.createInsecure());
    pushClient = new CaptureServiceClient(await bind(pushServer), credentials.createInsecure());
  });

  afterAll(async () => {
    client.close();
    pushClient.close();
    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    await new Promise<void>((resolve) => pushServer.tryShutdown(() => resolve()));
    await log.close();
    await store.close();
  });

  it("Capture: accepted, then the same batch as duplicates, a gap, a fork, and refusals with codes", async () => {
    const t = "t-gw-1";
    const b0 = gw.seal([observe(1), observe(2), observe(3, SITE_B)]);
    const a0 = await unary(b0.batch, t);
    expect(statusOf(a0)).toBe("accepted");
    expect(outcomes(a0)).toEqual(["accepted:0", "accepted:1", "rejected:POLICY_FORBIDDEN:events[2].readPoint"]);
    expect(a0.events.every((o) => o.eventHash.length === 32)).toBe(true);

    const again = await unary(b0.batch, t);
    expect(outcomes(again)).toEqual(["duplicate:0", "duplicate:1", "rejected:POLICY_FORBIDDEN:events[2].readPoint"]);
    expect(log.size()).toBe(2);

    gw.seal([observe(4)]); // seq 3, "lost"
    const b2 = gw.seal([observe(5)]); // seq 4
    const gap = await unary(b2.batch, t);
    expect(gap.status).toEqual({ $case: "gap", value: { expectedSeq: 3n, missingFrom: 3n, missingTo: 3n } });

    const fork = gw.seal([observe(9)], { firstSeq: 0n, prev: new Uint8Array(32), advance: false });
    expect(statusOf(await unary(fork.batch, t))).toBe("fork");
    expect(alarms.map((a) => a.gatewayId)).toEqual(["gw-1"]);

    const bad = structuredClone(b2.batch);
    bad.signature = Buffer.alloc(64, 1);
    expect(statusOf(await unary(bad, t))).toBe("rejected:CAPTURE_BAD_SIGNATURE");
    const badRoot = structuredClone(b2.batch);
    badRoot.header!.eventsRoot = Buffer.alloc(32);
    expect(statusOf(await unary(badRoot, t))).toBe("rejected:CAPTURE_ROOT_MISMATCH");
    expect(log.size()).toBe(2);
  });

  it("Capture: a revoked key's batches are refused from then on; an unknown gateway is refused", async () => {
    const g = new TestGateway("gw-revoke", PARTY_A);
    master.gateways.set(g.id, g.enrolment());
    TOKENS.set("t-rev", { id: "t-rev", role: "gateway", party: PARTY_A, gatewayId: g.id });
    expect(statusOf(await unary(g.seal([observe(20)]).batch, "t-rev"))).toBe("accepted");
    master.revoked.add(`${g.id}/${g.key.keyId}`);
    expect(statusOf(await unary(g.seal([observe(21)]).batch, "t-rev"))).toBe("rejected:CAPTURE_KEY_REVOKED");

    const ghost = new TestGateway("gw-ghost", PARTY_A);
    TOKENS.set("t-ghost", { id: "t-ghost", role: "gateway", party: PARTY_A, gatewayId: ghost.id });
    expect(statusOf(await unary(ghost.seal([observe(22)]).batch, "t-ghost"))).toBe("rejected:CAPTURE_UNKNOWN_GATEWAY");
  });

  it("Capture: authentication and authorisation failures are gRPC statuses", async () => {
    const b = gw.seal([observe(30)], { advance: false }).batch;
    const noToken = await new Promise<ServiceError>((resolve) => client.capture(b, new Metadata(), (e) => resolve(e!)));
    expect(noToken.code).toBe(status.UNAUTHENTICATED);
    expect(suyuanCodeOf(noToken)).toBe("AUTH_MISSING_TOKEN");
    const other = await unary(b, "t-gw-stream").catch((e: ServiceError) => e);
    expect((other as ServiceError).code).toBe(status.PERMISSION_DENIED);
    expect(suyuanCodeOf(other)).toBe("AUTH_FORBIDDEN");
  });

  it("Capture: pushback is RESOURCE_EXHAUSTED with a retry-after-ms hint; the stream acks it as pushback", async () => {
    held.hold();
    const before = held.appendCalls;
    const slow = unary(gwSlow.seal([observe(40), observe(41), observe(42)]).batch, "t-gw-slow", pushClient);
    // Wait until the first batch is inside the ledger (3 events in flight, limit 4).
    while (held.appendCalls === before) await new Promise((r) => setTimeout(r, 5));
    const calls = held.appendCalls;
    const err = (await unary(
      gwPush.seal([observe(43), observe(44)], { advance: false }).batch,
      "t-gw-push",
      pushClient,
    ).catch((e: ServiceError) => e)) as ServiceError;
    expect(err.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(err.metadata.get("retry-after-ms")).toEqual(["75"]);
    expect(suyuanCodeOf(err)).toBe("CORE_PUSHBACK");

    const acks = await stream(
      [gwPush.seal([observe(43), observe(44)], { advance: false }).batch],
      "t-gw-push",
      pushClient,
    );
    expect(acks.map((a) => a.status)).toEqual([{ $case: "pushback", value: { retryAfterMs: 75 } }]);
    expect(held.appendCalls).toBe(calls);

    held.release();
    expect(statusOf(await slow)).toBe("accepted");
    const retried = await unary(gwPush.seal([observe(43), observe(44)]).batch, "t-gw-push", pushClient);
    expect(statusOf(retried)).toBe("accepted");
  });

  it("CaptureStream: acks in order; a bad batch in the middle gets a rejected ack, not a broken stream", async () => {
    const b0 = gwStream.seal([observe(50)]);
    const b1 = gwStream.seal([observe(51), observe(52)]);
    const forged = structuredClone(gwStream.seal([observe(53)], { advance: false }).batch);
    forged.signature = Buffer.alloc(64, 9);
    const b2 = gwStream.seal([observe(53)]);
    const partnerish = structuredClone(b2.batch);
    partnerish.header!.gatewayId = "gw-1"; // not this token's gateway
    const acks = await stream([b0.batch, b1.batch, forged, b2.batch, partnerish, b0.batch], "t-gw-stream");
    expect(acks.map(statusOf)).toEqual([
      "accepted",
      "accepted",
      "rejected:CAPTURE_BAD_SIGNATURE",
      "accepted",
      "rejected:AUTH_FORBIDDEN",
      "accepted",
    ]);
    expect(acks.map((a) => a.firstSeq)).toEqual([0n, 1n, 3n, 3n, 3n, 0n]);
    const first = outcomes(acks[0]!)[0]!;
    expect(outcomes(acks[5]!)).toEqual([first.replace("accepted", "duplicate")]);
    // onAck heard every ack the processor answered (not the one for a batch it threw on,
    // the other gateway's), with the time it took.
    const heard = observed.filter((o) => o.ack.gatewayId === "gw-stream");
    const sent = acks.filter((a) => statusOf(a) !== "rejected:AUTH_FORBIDDEN");
    expect(heard.map((o) => [statusOf(o.ack), o.ack.firstSeq])).toEqual(sent.map((a) => [statusOf(a), a.firstSeq]));
    for (const o of heard) expect(o.seconds >= 0 && o.seconds < 60).toBe(true);
  });

  it("CaptureStream: no token ends the stream with UNAUTHENTICATED", async () => {
    const call = client.captureStream(new Metadata());
    const err = await new Promise<ServiceError>((resolve) => {
      call.on("error", resolve);
      call.on("data", () => {});
      call.write(gwStream.seal([observe(60)], { advance: false }).batch);
    });
    expect(err.code).toBe(status.UNAUTHENTICATED);
  });

  it("CaptureDocument: Example 9.6.1 from a partner whose party owns the locations", async () => {
    // EPCIS 2.0 §9.6.1 example locations, owned here by the partner's party B.
    for (const l of ["urn:epc:id:sgln:0614141.07346.1234", "urn:epc:id:sgln:0012345.11111.400"]) master.own(PARTY_B, l);
    const text = readConformanceText("epcis-examples", "gs1-epcis", "JSON", "Example_9.6.1-ObjectEvent.jsonld");
    const res = await new Promise<CaptureDocumentResponse>((resolve, reject) =>
      client.captureDocument(
        { format: DocumentFormat.JSON_LD, body: Buffer.from(text) },
        bearer("t-partner"),
        (e, r) => (e ? reject(e) : resolve(r)),
      ),
    );
    expect(res.captureId).not.toBe("");
    expect(res.events.map((o) => o.outcome?.$case)).toEqual(["accepted", "accepted"]);
    expect(res.events.every((o) => o.eventHash.length === 32)).toBe(true);

    const bad = await new Promise<ServiceError>((resolve) =>
      client.captureDocument(
        { format: DocumentFormat.UNSPECIFIED, body: Buffer.from("{ not json") },
        bearer("t-partner"),
        (e) => resolve(e!),
      ),
    );
    expect(bad.code).toBe(status.INVALID_ARGUMENT);
    expect(suyuanCodeOf(bad)).toMatch(/^EPCIS_/);
  });

  afterAll(async () => {
    await pool?.close();
  });

  it("survives hostile clients: garbage bytes, a gateway it does not know, a cancelled stream", async () => {
    // Raw bytes that are no SignedBatch: a field-1 length prefix running past the end, and
    // an events field (3) whose bytes are no Event. Each gets a coded rejected ack; the
    // stream goes on and ends normally.
    const raw = new GrpcClient(addr, credentials.createInsecure());
    const garbage = await new Promise<{ acks: BatchAck[]; error: ServiceError | undefined }>((resolve) => {
      const acks: BatchAck[] = [];
      const call = raw.makeBidiStreamRequest(
        "/suyuan.v1.CaptureService/CaptureStream",
        (b: Buffer) => b,
        (b: Buffer) => BatchAckCodec.decode(b),
        bearer("t-gw-garbage"),
      );
      call.on("data", (a: BatchAck) => acks.push(a));
      call.on("error", (e: ServiceError) => resolve({ acks, error: e }));
      call.on("end", () => resolve({ acks, error: undefined }));
      call.write(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 1, 2, 3]));
      const header = SignedBatchCodec.encode(gwGarbage.seal([observe(69)]).batch).finish();
      // A valid header followed by field 3 holding a truncated varint.
      call.write(
        Buffer.concat([Buffer.from(header).subarray(0, headerLength(header)), Buffer.from([0x1a, 0x02, 0x08, 0xff])]),
      );
      call.end();
    });
    raw.close();
    expect(garbage.error).toBeUndefined();
    expect(garbage.acks.map(statusOf)).toEqual(["rejected:CAPTURE_BAD_BATCH", "rejected:CAPTURE_BAD_BATCH"]);
    expect(garbage.acks[0]!.status?.$case === "rejected" && garbage.acks[0]!.status.value.message).toMatch(
      /not a signed batch: field 1 runs past the end/,
    );

    // A stream that names an unknown gateway, then is cancelled mid-way.
    const ghost = new TestGateway("gw-nobody", PARTY_A);
    TOKENS.set("t-nobody", { id: "t-nobody", role: "gateway", party: PARTY_A, gatewayId: ghost.id });
    const call: ClientDuplexStream<SignedBatch, BatchAck> = client.captureStream(bearer("t-nobody"));
    const firstAck = await new Promise<BatchAck>((resolve) => {
      call.on("data", resolve);
      call.on("error", () => {}); // the cancel below
      call.write(ghost.seal([observe(70)]).batch);
    });
    expect(statusOf(firstAck)).toBe("rejected:CAPTURE_UNKNOWN_GATEWAY");
    call.write(ghost.seal([observe(71)]).batch);
    call.cancel();

    // The server is still up and a new stream of valid batches is served.
    const acks = await stream(
      [gwHostile.seal([observe(72)]).batch, gwHostile.seal([observe(73), observe(74)]).batch],
      "t-gw-hostile",
    );
    expect(acks.map(statusOf)).toEqual(["accepted", "accepted"]);
  });
});
