// RecallService over a real grpc-js server on 127.0.0.1:0: issue with an officer token, a
// holder gateway's watch stream receives the notice, cancel ends the stream cleanly,
// acknowledge, status.
import {
  type CallOptions,
  type ClientReadableStream,
  credentials,
  Metadata,
  Server,
  ServerCredentials,
  type ServiceError,
  status,
} from "@grpc/grpc-js";
import {
  RecallClass,
  RecallServiceClient,
  RecallServiceService,
  RecallState,
  type WatchRecallsResponse,
} from "@suyuan/proto/gen/suyuan/v1/recall.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthService } from "../auth/auth.ts";
import { suyuanCodeOf } from "../grpc/errors.ts";
import { recallServiceHandlers } from "./recall-service-grpc.ts";
import { DC, DISTRIB, FARM, LOT, RETAIL, recallFixture, STORE } from "./test-fixture.ts";

function bearer(token: string): Metadata {
  const md = new Metadata();
  md.set("authorization", `Bearer ${token}`);
  return md;
}

function unary<Req, Res>(
  // The generated client's last overload, from which TypeScript infers Req and Res.
  fn: (req: Req, md: Metadata, opts: Partial<CallOptions>, cb: (e: ServiceError | null, r: Res) => void) => unknown,
  client: RecallServiceClient,
  req: Req,
  token: string,
): Promise<{ res?: Res; err?: ServiceError }> {
  return new Promise((resolve) => {
    fn.call(client, req, bearer(token), {}, (err, res) => resolve(err ? { err } : { res }));
  });
}

/** Collects a stream's messages; `next(n)` waits until n have arrived. */
function collect(stream: ClientReadableStream<WatchRecallsResponse>) {
  const got: WatchRecallsResponse[] = [];
  let waiter: (() => void) | undefined;
  let error: ServiceError | undefined;
  stream.on("data", (m: WatchRecallsResponse) => {
    got.push(m);
    waiter?.();
  });
  stream.on("error", (e: ServiceError) => {
    error = e;
    waiter?.();
  });
  return {
    got,
    error: () => error,
    async next(n: number): Promise<WatchRecallsResponse[]> {
      const deadline = Date.now() + 3000;
      while (got.length < n && error === undefined) {
        if (Date.now() > deadline) throw new Error(`only ${got.length} of ${n} notices arrived`);
        await new Promise<void>((resolve) => {
          waiter = resolve;
          setTimeout(resolve, 50);
        });
      }
      return got.slice(0, n);
    },
  };
}

async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 3000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("RecallService over gRPC", () => {
  const server = new Server();
  let client: RecallServiceClient;
  let f: Awaited<ReturnType<typeof recallFixture>>;
  let auth: AuthService;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    f = await recallFixture();
    auth = new AuthService({ store: f.store, master: f.master });
    await auth.open();
    tokens.officer = (await auth.issueToken({ role: "recall_officer", label: "officer" })).token;
    tokens.retail = (await auth.issueToken({ role: "partner", party: RETAIL, label: "retail ERP" })).token;
    tokens.dc = (await auth.issueToken({ role: "partner", party: DISTRIB, label: "dc" })).token;
    server.addService(RecallServiceService, recallServiceHandlers(f.recalls, auth, { master: f.master }));
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
    );
    client = new RecallServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
  });

  afterAll(async () => {
    client.close();
    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
  });

  it("issue → the watch stream of an affected holder receives the notice; cancel ends it cleanly", async () => {
    const stream = client.watchRecalls({ afterCursor: "", locationIds: [] }, bearer(tokens.retail!));
    const watch = collect(stream);
    await until(() => f.recalls.watcherCount() === 1, "watch registered");

    const denied = await unary(
      client.issueRecall,
      client,
      {
        lots: [LOT],
        identifiers: [],
        reason: "x",
        recallClass: RecallClass.I,
        issuedByPartyId: "",
      },
      tokens.retail!,
    );
    expect(denied.err?.code).toBe(status.PERMISSION_DENIED);

    const issued = await unary(
      client.issueRecall,
      client,
      {
        lots: ["(01)10614141073464(10)LOT1"],
        identifiers: [],
        reason: "Undeclared peanut allergen",
        recallClass: RecallClass.II,
        issuedByPartyId: "urn:epc:id:pgln:0614141.00000",
      },
      tokens.officer!,
    );
    expect(issued.err).toBeUndefined();
    const recall = issued.res!.recall!;
    expect(recall).toMatchObject({ lots: [LOT], recallClass: RecallClass.II, issuedBy: { id: FARM, name: "Farm" } });
    expect(recall.scope?.holders.map((h) => h.location?.id)).toContain(STORE);

    const [msg] = await watch.next(1);
    expect(msg).toMatchObject({
      backlog: false,
      notice: {
        recallId: recall.recallId,
        recallClass: RecallClass.II,
        reason: "Undeclared peanut allergen",
        lots: [LOT],
        holder: { location: { id: STORE, name: "Store 1" }, party: { id: RETAIL, name: "Retail" } },
      },
    });
    expect(msg!.cursor).not.toBe("");

    stream.cancel();
    await until(() => f.recalls.watcherCount() === 0, "watch ended after cancel");
    expect(watch.error()?.code).toBe(status.CANCELLED);
  });

  it("a reconnect with the last cursor receives only the backlog after it", async () => {
    const firstStream = client.watchRecalls({ afterCursor: "", locationIds: [] }, bearer(tokens.dc!));
    let ended = false;
    firstStream.on("status", (s: { code: status }) => {
      ended = s.code === status.OK;
    });
    const first = collect(firstStream);
    const [old] = await first.next(1);
    expect(old?.backlog).toBe(true);
    await unary(
      client.issueRecall,
      client,
      {
        lots: [LOT],
        identifiers: [],
        reason: "second",
        recallClass: RecallClass.III,
        issuedByPartyId: "",
      },
      tokens.officer!,
    );
    const [, live] = await first.next(2);
    expect(live?.notice?.reason).toBe("second");

    const again = client.watchRecalls({ afterCursor: old!.cursor, locationIds: [DC] }, bearer(tokens.dc!));
    const resumed = collect(again);
    const [b] = await resumed.next(1);
    expect(b).toMatchObject({ backlog: true, notice: { reason: "second" } });
    await new Promise((r) => setTimeout(r, 100));
    expect(resumed.got).toHaveLength(1);
    again.cancel();
    // On shutdown the service ends the open streams, which then close with OK.
    f.recalls.closeWatchers();
    await until(() => ended, "open watch ended with OK on closeWatchers()");
  });

  it("acknowledge, then GetRecallStatus shows who acknowledged and who is pending", async () => {
    const id = f.recalls.list()[0]!.id;
    const ack = await unary(
      client.acknowledgeRecall,
      client,
      {
        recallId: id,
        locationId: "",
        note: "pulled from shelves",
        unitsQuarantined: [],
      },
      tokens.retail!,
    );
    expect(ack.err).toBeUndefined();
    expect(ack.res?.acknowledgedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    const st = await unary(client.getRecallStatus, client, { recallId: id }, tokens.officer!);
    expect(st.res?.state).toBe(RecallState.OPEN);
    expect(st.res?.acknowledgements.map((a) => [a.party?.id, a.note])).toEqual([[RETAIL, "pulled from shelves"]]);
    expect(st.res?.pending.map((h) => h.party?.id)).toEqual([DISTRIB, FARM]);
    const notFound = await unary(client.getRecallStatus, client, { recallId: "rc-x" }, tokens.officer!);
    expect(notFound.err?.code).toBe(status.NOT_FOUND);
    expect(suyuanCodeOf(notFound.err)).toBe("RECALL_NOT_FOUND");
    const forbidden = await unary(client.getRecallStatus, client, { recallId: id }, tokens.retail!);
    expect(forbidden.err?.code).toBe(status.PERMISSION_DENIED);
  });
});
