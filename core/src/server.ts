// The core's composition root: builds the store, the verifiable log, master data, auth, the
// query engine, capture and recalls from injected options, and serves them over gRPC.
// Nothing here reads process.env; `main.ts` (the CLI) turns flags into CoreOptions.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { Server, ServerCredentials } from "@grpc/grpc-js";
import { generateNoteKey, parseSignerKey } from "@suyuan/proto";
import { AdminServiceService } from "@suyuan/proto/gen/suyuan/v1/admin.ts";
import { LedgerServiceService } from "@suyuan/proto/gen/suyuan/v1/ledger.ts";
import { QueryServiceService } from "@suyuan/proto/gen/suyuan/v1/query.ts";
import { RecallServiceService } from "@suyuan/proto/gen/suyuan/v1/recall.ts";
import { AuthService } from "./auth/index.ts";
import { backupsInto, refuseIncompleteBackup } from "./backup.ts";
import { CheckPool, defaultCheckWorkers } from "./capture/check-pool.ts";
import { CaptureProcessor, CaptureServiceDefinition, captureServiceHandlers } from "./capture/index.ts";
import { exportRoutes } from "./export/routes.ts";
import { startHttp } from "./http/server.ts";
import { indexRecords } from "./index/records.ts";
import { ledgerServiceHandlers, loadOrCreateCoreKey, VerifiableLog } from "./log/index.ts";
import { adminServiceHandlers, MasterData } from "./master/index.ts";
import { createCoreMetrics, metricsRoute } from "./metrics.ts";
import type { Principal } from "./model.ts";
import { QueryEngine } from "./query/index.ts";
import { queryServiceHandlers } from "./query/query-service.ts";
import { RecallService, recallServiceHandlers } from "./recall/index.ts";
import { LevelStore } from "./store/level/level-store.ts";
import { MemoryStore } from "./store/memory/memory-store.ts";
import type { LedgerStore } from "./store/store.ts";
import { webRoutes } from "./web/routes.ts";

export type LogFn = (msg: string, fields?: object) => void;

export interface CoreOptions {
  /** Data folder: LevelDB ledger under `<dir>/ledger`, the core key in `<dir>/core-key.txt`. */
  dataDir?: string;
  /**
   * Folder that hot backups (AdminService.Backup) go into, each as a directory named by the
   * caller; without it (or without `dataDir`) the core refuses backups. Keeping them to one
   * folder means an admin token cannot make the core write anywhere else on its machine.
   */
  backupDir?: string;
  /** A store to use instead (tests, benches); not closed by stop() unless `ownStore`. */
  store?: LedgerStore;
  /** "host:port" for gRPC; default 127.0.0.1:0 (a free port). */
  grpcAddress?: string;
  /** "host:port" for HTTP (EPCIS REST binding, JSON API, web pages, exports); none when absent. */
  httpAddress?: string;
  /** Checkpoint origin line (C2SP tlog-checkpoint); default "suyuan.core/log". */
  origin?: string;
  checkpointIntervalMs?: number;
  /** Capture pushback threshold (events in flight). */
  maxInFlightEvents?: number;
  /**
   * Worker threads that check gateway batches (decode, hashes, signature, standard); 0 checks
   * them on the event loop. Default: one per core the process may use (fewer under a cgroup
   * CPU limit), at most 4; they run below the event loop's CPU priority.
   */
  captureWorkers?: number;
  now?: () => Date;
  log?: LogFn;
}

export interface RunningCore {
  /** The bound gRPC address (host:port). */
  grpcAddress: string;
  /** Base URL of the HTTP side (http://host:port), when `httpAddress` was given. */
  httpUrl?: string;
  /** The core's checkpoint verifier key (C2SP vkey): what auditors and bundles verify with. */
  verifierKey: string;
  /** The first admin token, when this start created it (printed once by `core start`). */
  bootstrapAdminToken?: string;
  store: LedgerStore;
  ledger: VerifiableLog;
  master: MasterData;
  auth: AuthService;
  query: QueryEngine;
  capture: CaptureProcessor;
  recalls: RecallService;
  stop(): Promise<void>;
}

const ORIGIN = "suyuan.core/log";

export async function startCore(opts: CoreOptions = {}): Promise<RunningCore> {
  const log: LogFn = opts.log ?? (() => {});
  const now = opts.now ?? (() => new Date());
  const origin = opts.origin ?? ORIGIN;

  // Store and key: a data folder gives LevelDB and a persistent key; without one, memory.
  let store: LedgerStore;
  let keys: { signerKey: string; verifierKey: string };
  const ownStore = opts.store === undefined;
  if (opts.dataDir !== undefined) {
    await refuseIncompleteBackup(opts.dataDir);
    await mkdir(opts.dataDir, { recursive: true });
    keys = await loadOrCreateCoreKey(opts.dataDir, origin.split("/")[0] ?? origin, log);
    store = opts.store ?? new LevelStore(join(opts.dataDir, "ledger"));
  } else {
    keys = generateNoteKey(origin.split("/")[0] ?? origin);
    store = opts.store ?? new MemoryStore();
  }
  if (store.status !== "open") await store.open();

  const ledger = await VerifiableLog.open({
    store,
    signer: parseSignerKey(keys.signerKey),
    verifierKey: keys.verifierKey,
    origin,
    indexRecords,
    now: () => now().getTime(),
    log,
    ...(opts.checkpointIntervalMs === undefined ? {} : { checkpointIntervalMs: opts.checkpointIntervalMs }),
  });
  const master = new MasterData({ store, now, log });
  await master.open();
  // Its sources are read at scrape time, when /metrics is served: after everything below exists.
  const metrics = createCoreMetrics({
    logSize: () => ledger.size(),
    checkpointSize: () => ledger.checkpoint().size,
    capture: () => capture.stats(),
  });
  const auth = new AuthService({ store, master, now, log, onAccess: (e) => metrics.access(e.action) });
  await auth.open();
  const bootstrap = await auth.ensureAdminToken();

  const query = new QueryEngine({ store, ledger, master, log });
  const recalls = new RecallService({
    ledger,
    store,
    master,
    computeRecall: (scope) => query.recall(scope),
    now,
    log,
  });
  await recalls.open();
  // Capture asks for a key's status; master data keeps the whole key record.
  const captureMaster = {
    partyOfLocation: master.partyOfLocation.bind(master),
    location: master.location.bind(master),
    party: master.party.bind(master),
    product: master.product.bind(master),
    gateway: master.gateway.bind(master),
    keyStatus: (gatewayId: string, keyId: string) => master.keyStatus(gatewayId, keyId)?.status,
  };
  const workers = opts.captureWorkers ?? defaultCheckWorkers();
  const checkPool = workers > 0 ? new CheckPool(workers, log) : undefined;
  const capture = new CaptureProcessor({
    ...(checkPool === undefined ? {} : { checkPool }),
    // The log below indexes with records.ts indexRecords, which the workers pack records with.
    packedIndexes: true,
    ledger,
    master: captureMaster,
    store,
    now,
    log,
    ...(opts.maxInFlightEvents === undefined ? {} : { maxInFlightEvents: opts.maxInFlightEvents }),
    onAlarm: (alarm) => log("capture alarm", { alarm }),
    onMasterData: async (vocabularies, principal: Principal) => {
      // EPCIS master data in a partner's document: only an admin's is applied as the truth;
      // a partner's is recorded only for locations of its own party (policy, issue 3 §1).
      if (principal.role === "admin") await master.applyEpcisMasterData(vocabularies);
    },
  });

  const server = new Server({ interceptors: [metrics.grpcInterceptor] });
  const authenticate = (md: Parameters<AuthService["principalFromMetadata"]>[0]) => auth.principalFromMetadata(md);
  server.addService(
    CaptureServiceDefinition,
    captureServiceHandlers(capture, authenticate, { log, onAck: (ack, s) => metrics.ack(ack, s) }),
  );
  server.addService(LedgerServiceService, ledgerServiceHandlers(ledger, store));
  server.addService(QueryServiceService, queryServiceHandlers(query, auth, { ledger, master, log }));
  server.addService(RecallServiceService, recallServiceHandlers(recalls, auth, { master, log }));
  const dataDir = opts.dataDir;
  const backupDir = opts.backupDir;
  server.addService(
    AdminServiceService,
    adminServiceHandlers(master, auth, {
      log,
      ...(dataDir === undefined || backupDir === undefined
        ? {}
        : { backup: backupsInto(backupDir, dataDir, store, metrics) }),
    }),
  );
  const wanted = opts.grpcAddress ?? "127.0.0.1:0";
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(wanted, ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  const host = wanted.slice(0, wanted.lastIndexOf(":"));
  const grpcAddress = `${host}:${port}`;
  const services = { store, ledger, master, auth, query, capture, recalls, verifierKey: keys.verifierKey };
  const http =
    opts.httpAddress === undefined
      ? undefined
      : await startHttp({
          address: opts.httpAddress,
          core: services,
          routes: [metricsRoute(metrics), ...exportRoutes(services), ...webRoutes(services, { log })],
          onRequest: (route, status, s) => metrics.request(route, status, s),
          log,
          now,
        });
  log("core serving", { grpcAddress, httpUrl: http?.url, origin, size: ledger.size(), captureWorkers: workers });

  let stopped = false;
  return {
    grpcAddress,
    ...(http === undefined ? {} : { httpUrl: http.url }),
    verifierKey: keys.verifierKey,
    ...(bootstrap === undefined ? {} : { bootstrapAdminToken: bootstrap.token }),
    store,
    ledger,
    master,
    auth,
    query,
    capture,
    recalls,
    async stop() {
      if (stopped) return;
      stopped = true;
      recalls.closeWatchers();
      await http?.close();
      metrics.close();
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      await checkPool?.close();
      await recalls.flush();
      await auth.flush();
      await ledger.close();
      if (ownStore) await store.close();
    },
  };
}
