import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { credentials, Server, ServerCredentials, type ServerWritableStream, status } from "@grpc/grpc-js";
import { parseCode } from "@suyuan/proto";
import {
  RecallClass,
  type RecallNotice,
  type RecallServiceServer,
  RecallServiceService,
  type WatchRecallsRequest,
  type WatchRecallsResponse,
} from "@suyuan/proto/gen/suyuan/v1/recall.ts";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { waitFor } from "../uplink/testing/wait.ts";
import { AlertPublisher } from "./alert-publisher.ts";
import { RecallStore } from "./recall-store.ts";
import { RecallWatcher } from "./recall-watcher.ts";

// GS1 example prefix 0614141, GTIN 10614141073464 (check digit 4).
const LOT = "urn:epc:class:lgtin:0614141.107346.LOT42";
const UNIT = "urn:epc:id:sgtin:0614141.107346.9001";

function notice(id: string, extra: Partial<RecallNotice> = {}): RecallNotice {
  return {
    recallId: id,
    recallClass: RecallClass.I,
    reason: "Listeria monocytogenes found in lot LOT42",
    lots: [LOT],
    holder: {
      location: { id: "urn:epc:id:sgln:4012345.00042.0", name: "Store 42" },
      party: { id: "urn:epc:id:pgln:4012345.00000", name: "Retailer" },
      units: [UNIT],
    },
    issuedAt: "2024-06-02T09:00:00Z",
    ...extra,
  };
}

/** A fake RecallService: notices with cursors "1", "2", …; backlog after the request's cursor, then live. */
async function startRecallCore() {
  const notices: RecallNotice[] = [];
  const requests: WatchRecallsRequest[] = [];
  const live = new Set<ServerWritableStream<WatchRecallsRequest, WatchRecallsResponse>>();
  const impl: Partial<RecallServiceServer> = {
    watchRecalls: (call) => {
      requests.push(call.request);
      const after = call.request.afterCursor === "" ? 0 : Number(call.request.afterCursor);
      notices.forEach((n, i) => {
        if (i + 1 > after) call.write({ notice: n, cursor: String(i + 1), backlog: true });
      });
      live.add(call);
      call.on("cancelled", () => live.delete(call));
    },
  };
  const server = new Server();
  server.addService(RecallServiceService, impl as RecallServiceServer);
  const port = await new Promise<number>((res, rej) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))),
  );
  return {
    address: `127.0.0.1:${port}`,
    requests,
    add(n: RecallNotice) {
      notices.push(n);
      for (const c of live) c.write({ notice: n, cursor: String(notices.length), backlog: false });
    },
    drop() {
      for (const c of live) c.emit("error", { code: status.UNAVAILABLE, details: "restart" });
      live.clear();
    },
    close: () =>
      new Promise<void>((r) => {
        for (const c of live) c.end();
        server.tryShutdown(() => r());
      }),
  };
}

describe("recall alerts", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "suyuan-recalls-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("gets the backlog, matches lots and units, publishes alerts, and keeps working after a restart offline", async () => {
    const core = await startRecallCore();
    core.add(notice("R-1"));
    const store = await RecallStore.open(join(dir, "recalls"));
    const watcher = new RecallWatcher({
      address: core.address,
      credentials: credentials.createInsecure(),
      store,
      backoff: { initialMs: 10, maxMs: 20 },
    });
    watcher.start();
    await waitFor(() => store.list().length === 1, "backlog notice");

    const published: Array<[string, string]> = [];
    const alerts = new AlertPublisher({
      gatewayId: "store-0042-gw",
      store,
      publish: (t, p) => void published.push([t, p]),
    });
    // A unit of the recalled lot, scanned as a GS1 DataMatrix element string (lot in AI 10).
    const scanned = parseCode("(01)10614141073464(10)LOT42(21)777");
    expect(alerts.recallCheck(scanned)?.recallId).toBe("R-1");
    expect(store.check(scanned)?.matched).toBe("lot");
    // The recalled unit named by the core, read from its RFID tag (no lot on the tag).
    expect(store.check(parseCode(UNIT))).toMatchObject({ matched: "unit", recall: { recallId: "R-1" } });
    // Another lot of the same GTIN is not recalled.
    expect(alerts.recallCheck(parseCode("(01)10614141073464(10)LOT43(21)777"))).toBeUndefined();

    await alerts.alert({
      readPointId: "pos-1",
      unit: scanned.canonical,
      recallId: "R-1",
      bizStep: "retail_selling",
      time: "2024-06-02T10:00:00.000+08:00",
    });
    expect(published).toHaveLength(1);
    expect(published[0]![0]).toBe("suyuan/store-0042-gw/pos-1/alert");
    const payload = JSON.parse(published[0]![1]);
    expect(payload).toMatchObject({
      type: "recall",
      unit: "https://id.gs1.org/01/10614141073464/21/777",
      recallId: "R-1",
      recallClass: "I",
      reason: "Listeria monocytogenes found in lot LOT42",
      lots: [LOT],
    });
    expect(payload.action).toMatch(/do not sell/);

    // Live notice, then a dropped stream: the watcher resumes after the last cursor.
    core.add(notice("R-2", { lots: ["urn:epc:class:lgtin:0614141.107346.LOT77"], holder: undefined }));
    await waitFor(() => store.list().length === 2, "live notice");
    core.drop();
    await waitFor(() => core.requests.length >= 2, "reconnect");
    expect(core.requests.at(-1)!.afterCursor).toBe("2");
    await watcher.stop();
    await store.close();
    await core.close();

    // Restart with the core gone: the recall list is still there.
    const again = await RecallStore.open(join(dir, "recalls"));
    expect(again.cursor()).toBe("2");
    expect(again.check(parseCode("(01)10614141073464(10)LOT77(21)1"))?.recall.recallId).toBe("R-2");
    expect(again.check(parseCode(UNIT))?.recall.recallId).toBe("R-1");
    await again.close();
  });

  it("merges notices of the same recall and survives a failing publisher", async () => {
    const store = await RecallStore.open(join(dir, "recalls"));
    await store.put(
      { recallId: "R-9", recallClass: "II", reason: "label error", lots: [LOT], units: [], issuedAt: "x" },
      "5",
    );
    await store.put(
      { recallId: "R-9", recallClass: "II", reason: "label error", lots: [], units: [UNIT], issuedAt: "x" },
      "6",
    );
    expect(store.list()).toHaveLength(1);
    expect(store.list()[0]).toMatchObject({ lots: [LOT], units: [UNIT] });
    const errors: string[] = [];
    const alerts = new AlertPublisher({
      gatewayId: "gw",
      store,
      publish: () => {
        throw new Error("broker down");
      },
      onError: (k) => errors.push(k),
    });
    const p = await alerts.alert({
      readPointId: "door/1",
      unit: UNIT,
      recallId: "R-9",
      bizStep: "receiving",
      time: "t",
    });
    expect(p.action).toMatch(/do not put away/);
    expect(errors).toEqual(["alert_publish"]);
    expect(alerts.topic("door/1")).toBe("suyuan/gw/door_1/alert");
    await store.close();
  });
});
