// The gateway's composition root (CONVENTIONS "a composition root per service"): builds
// drivers → pipeline → batcher → outbox → uplink, the recall watcher and alerts, and the ops
// HTTP server from ONE validated config. Everything is injected into the parts from here.
import { readFile } from "node:fs/promises";
import { type ChannelCredentials, type ClientOptions, credentials } from "@grpc/grpc-js";
import { type EpcisEvent, type GatewayKey, importKey, SuyuanError } from "@suyuan/proto";
import { AlertPublisher, type Publish } from "./alerts/alert-publisher.ts";
import { RecallStore } from "./alerts/recall-store.ts";
import { RecallWatcher } from "./alerts/recall-watcher.ts";
import { Batcher } from "./batcher/batcher.ts";
import type { GatewayConfig } from "./config/config.ts";
import { type CreateDriverDeps, createDriver, type Driver } from "./drivers/index.ts";
import { assessHealth, type HealthReport } from "./ops/health.ts";
import { createGatewayMetrics, type GatewayGaugeSources, type GatewayMetrics } from "./ops/metrics.ts";
import { type OpsServer, startOpsServer } from "./ops/server.ts";
import { Outbox, type OutboxStats } from "./outbox/outbox.ts";
import { createPipeline, type Pipeline, type PipelineStats } from "./pipeline/pipeline.ts";
import type { PipelineAlert } from "./pipeline/types.ts";
import { Uplink, type UplinkStatus } from "./uplink/uplink.ts";

export type Log = (msg: string, fields?: object) => void;

export interface GatewayDeps {
  log?: Log;
  now?: () => Date;
  /** The signing key (default: read config.keyFile). */
  key?: GatewayKey;
  /** The bearer token (default: read config.core.tokenFile). */
  token?: string;
  /** gRPC channel credentials (default: from config.core.tls, else insecure). */
  channelCredentials?: ChannelCredentials;
  /** Alert publisher (default: the `alerts.mqttDevice` driver's broker). */
  publish?: Publish;
  /** Passed to createDriver (tests: serial binding, mock registry). */
  driverDeps?: CreateDriverDeps;
  /** Pipeline tick period (default 50 ms). */
  tickMs?: number;
}

export interface DeviceStatus {
  id: string;
  kind: string;
  connected: boolean;
  reads: number;
  errors: number;
  reconnects: number;
}

export interface GatewayStatus {
  gatewayId: string;
  health: HealthReport;
  uplink: UplinkStatus;
  outbox: OutboxStats;
  devices: DeviceStatus[];
  readsPerSecond: number;
  pipeline: PipelineStats;
  activeRecalls: number;
  http: { host: string; port: number } | undefined;
}

export interface RunningGateway {
  status(): GatewayStatus;
  readonly metrics: GatewayMetrics;
  stop(): Promise<void>;
}

const noLog: Log = () => {};

/** Reads the PKCS#8 PEM key written by `suyuan gateway keygen`. */
export async function loadGatewayKey(file: string): Promise<GatewayKey> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    throw new SuyuanError("GATEWAY_KEY_UNREADABLE", `keyFile ${file}: ${(e as Error).message}`, {
      field: "keyFile",
      cause: e,
    });
  }
  const key = importKey(text);
  if (key.privateKey === undefined) {
    throw new SuyuanError(
      "GATEWAY_KEY_UNREADABLE",
      `keyFile ${file}: holds no private key (run suyuan gateway keygen)`,
      {
        field: "keyFile",
      },
    );
  }
  return key;
}

/** Channel credentials from config.core.tls: server CA, and a client cert/key for mTLS. */
export async function channelFor(
  config: GatewayConfig,
): Promise<{ credentials: ChannelCredentials; options: Partial<ClientOptions> }> {
  const options: Partial<ClientOptions> = {
    // Notice a dead connection within ~40 s even when idle (gRPC keepalive, A8).
    "grpc.keepalive_time_ms": 30_000,
    "grpc.keepalive_timeout_ms": 10_000,
    "grpc.keepalive_permit_without_calls": 1,
  };
  const tls = config.core.tls;
  if (tls === undefined) return { credentials: credentials.createInsecure(), options };
  const read = async (f: string | undefined, field: string) => {
    if (f === undefined) return null;
    try {
      return await readFile(f);
    } catch (e) {
      throw new SuyuanError("CONFIG_INVALID", `core.tls.${field}: ${f} cannot be read (${(e as Error).message})`, {
        field: `core.tls.${field}`,
      });
    }
  };
  const ca = await read(tls.caFile, "caFile");
  const key = await read(tls.keyFile, "keyFile");
  const cert = await read(tls.certFile, "certFile");
  if (tls.serverName !== undefined) options["grpc.ssl_target_name_override"] = tls.serverName;
  return { credentials: credentials.createSsl(ca, key, cert), options };
}

export async function startGateway(config: GatewayConfig, deps: GatewayDeps = {}): Promise<RunningGateway> {
  const log = deps.log ?? noLog;
  const now = deps.now ?? (() => new Date());
  for (const w of config.warnings) log("CONFIG WARNING", { warning: w });

  const key = deps.key ?? (await loadGatewayKey(config.keyFile));
  if (key.privateKey === undefined) throw new TypeError("startGateway: the gateway key needs its private half");
  let token = deps.token;
  if (token === undefined && config.core.tokenFile !== undefined) {
    token = (await readFile(config.core.tokenFile, "utf8")).trim();
  }
  const channel = deps.channelCredentials
    ? { credentials: deps.channelCredentials, options: {} }
    : await channelFor(config);

  const sources: GatewayGaugeSources = {};
  const metrics = createGatewayMetrics(sources);
  const alarm = (kind: string, detail: object) => {
    metrics.alarms.inc({ kind });
    log(`ALARM ${kind}`, detail);
  };

  const outbox = await Outbox.open(config.outbox.path, {
    quotaBytes: config.outbox.quotaBytes,
    now,
    log,
    onAlarm: alarm,
  });
  // What is started is closed again, last first, when a later part fails to start (an HTTP port
  // in use, an unreadable alerts folder): a gateway that cannot start must not keep its outbox
  // locked, its devices open or its timers and gRPC channels running, so `gateway start` exits.
  const started: Array<() => unknown> = [() => outbox.close()];
  const guard = async <T>(step: () => T | Promise<T>): Promise<T> => {
    try {
      return await step();
    } catch (e) {
      for (const undo of started.reverse()) {
        try {
          await undo();
        } catch (err) {
          log("start failed: part not closed", { error: String(err) });
        }
      }
      throw e;
    }
  };
  sources.outboxBatches = () => outbox.stats().batches;
  sources.outboxBytes = () => outbox.stats().bytes;
  sources.outboxOldestUnackedSeconds = () => outbox.oldestUnackedSeconds();
  sources.deadLetters = () => outbox.stats().deadLetters;

  const recalls = await guard(() => RecallStore.open(config.alerts.path));
  started.push(() => recalls.close());

  const drivers: Driver[] = [];
  started.push(() => Promise.allSettled(drivers.map((d) => d.close())));
  await guard(() => {
    for (const [i, d] of config.devices.entries())
      drivers.push(createDriver(d, { at: `devices[${i}]`, log, ...deps.driverDeps }));
  });
  let publish = deps.publish;
  if (publish === undefined && config.alerts.mqttDevice !== undefined) {
    const d = drivers.find((x) => x.id === config.alerts.mqttDevice) as
      | (Driver & { publish?: (t: string, p: string) => Promise<void> })
      | undefined;
    if (d?.publish) publish = (t, p) => d.publish!(t, p);
  }
  const alerts = new AlertPublisher({
    gatewayId: config.gatewayId,
    store: recalls,
    ...(publish ? { publish } : {}),
    log,
    onAlert: () => metrics.alerts.inc(),
    onError: (kind) => metrics.errors.inc({ kind }),
  });

  const batcher = new Batcher({
    gatewayId: config.gatewayId,
    key: { keyId: key.keyId, algorithm: key.algorithm, privateKey: key.privateKey },
    chain: outbox.chainState(),
    sink: outbox,
    maxEvents: config.batching.maxEvents,
    maxDelayMs: config.batching.maxDelayMs,
    now,
    onSealed: () => metrics.batchesSealed.inc(),
    onError: () => metrics.errors.inc({ kind: "outbox" }),
  });
  outbox.signals.on("space", () => batcher.notifySinkSpace());

  const onAlert = (a: PipelineAlert): void => {
    if (a.kind === "recall") {
      void alerts.alert({
        readPointId: a.readPoint,
        unit: a.unit,
        recallId: a.recallId,
        bizStep: a.bizStep,
        time: a.time,
      });
    } else {
      log("scan point workflow alert", a);
    }
  };
  const pipeline: Pipeline = await guard(() =>
    createPipeline(config.pipeline, { now, recallCheck: alerts.recallCheck, onAlert, log }),
  );
  started.push(() => batcher.abandon());

  const pushEvents = (events: EpcisEvent[]): void => {
    for (const ev of events) {
      try {
        batcher.push(ev);
        metrics.events.inc();
      } catch (e) {
        // An event that cannot even be hashed is a bug upstream: log and count it, keep going.
        metrics.errors.inc({ kind: "batch" });
        log("event not batched", { error: String(e), type: ev.type });
      }
    }
  };
  const tick = setInterval(() => pushEvents(pipeline.tick(now().getTime())), deps.tickMs ?? 50);
  started.push(() => clearInterval(tick));

  // Reads per second over the last ~10 s, sampled once a second.
  const readSamples: Array<{ t: number; reads: number }> = [];
  const totalReads = () => drivers.reduce((n, d) => n + d.stats().reads, 0);
  const sampler = setInterval(() => {
    readSamples.push({ t: now().getTime(), reads: totalReads() });
    if (readSamples.length > 11) readSamples.shift();
  }, 1000);
  started.push(() => clearInterval(sampler));
  const readsPerSecond = (): number => {
    const first = readSamples[0];
    const last = readSamples.at(-1);
    if (!first || !last || last.t === first.t) return 0;
    return ((last.reads - first.reads) * 1000) / (last.t - first.t);
  };

  // Driver read loops: open (retrying while the device is absent), then feed the pipeline.
  // When the batcher reports backpressure the loop waits, so the driver's queue holds reads
  // and the device is held back: nothing is discarded here.
  let stopping = false;
  // Wakes the open retries when the gateway stops: a device absent for a while waits up to 30 s
  // between attempts, and neither stop nor the process exit may wait for that.
  let wakeRetries: () => void = () => {};
  const stopSignal = new Promise<void>((r) => {
    wakeRetries = r;
  });
  const readLoops = drivers.map(async (d) => {
    let delay = 500;
    while (!stopping) {
      try {
        await d.open();
        break;
      } catch (e) {
        metrics.errors.inc({ kind: "driver" });
        log("device open failed; retrying", { device: d.id, error: String(e), retryMs: delay });
        let retry: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([new Promise((r) => (retry = setTimeout(r, delay))), stopSignal]);
        clearTimeout(retry);
        delay = Math.min(delay * 2, 30_000);
      }
    }
    if (stopping) return;
    try {
      for await (const read of d.reads()) {
        metrics.reads.inc({ driver: d.kind });
        try {
          pipeline.push(read);
        } catch (e) {
          metrics.errors.inc({ kind: "pipeline" });
          log("read not processed", { device: d.id, error: String(e) });
        }
        if (batcher.backpressured()) await batcher.writable();
      }
    } catch (e) {
      metrics.errors.inc({ kind: "driver" });
      log("device read loop ended with an error", { device: d.id, error: String(e) });
    }
  });
  started.push(async () => {
    stopping = true;
    wakeRetries();
    // The loops end once their drivers are closed (close is idempotent, driver.ts).
    await Promise.allSettled(drivers.map((d) => d.close()));
    await Promise.allSettled(readLoops);
  });

  const uplink = await guard(
    () =>
      new Uplink({
        address: config.core.address,
        credentials: channel.credentials,
        channelOptions: channel.options,
        ...(token === undefined ? {} : { token }),
        outbox,
        window: config.uplink.window,
        ackTimeoutMs: config.uplink.ackTimeoutMs,
        backoff: config.uplink.backoff,
        now,
        log,
        onAcked: () => {
          metrics.batchesAcked.inc();
          batcher.notifySinkSpace();
        },
        onAlarm: alarm,
        onError: (kind) => metrics.errors.inc({ kind }),
      }),
  );
  uplink.start();
  started.push(() => uplink.stop());

  const watcher = await guard(
    () =>
      new RecallWatcher({
        address: config.core.address,
        credentials: channel.credentials,
        channelOptions: channel.options,
        ...(token === undefined ? {} : { token }),
        store: recalls,
        locationIds: config.readPointLocations,
        backoff: config.uplink.backoff,
        log,
        onError: (kind) => metrics.errors.inc({ kind }),
      }),
  );
  watcher.start();
  started.push(() => watcher.stop());

  const deviceStatus = (): DeviceStatus[] =>
    drivers.map((d) => {
      const s = d.stats();
      return {
        id: d.id,
        kind: d.kind,
        connected: s.connected,
        reads: s.reads,
        errors: s.errors,
        reconnects: s.reconnects,
      };
    });
  const health = (): HealthReport => {
    const u = uplink.status();
    const o = outbox.stats();
    return assessHealth({
      core: { connected: u.connected, halted: u.halted, lastError: u.lastError, lastAckAt: u.lastAckAt },
      recalls: { connected: watcher.connected(), active: recalls.list().length },
      outbox: {
        batches: o.batches,
        bytes: o.bytes,
        quotaBytes: o.quotaBytes,
        full: o.full,
        oldestUnackedSeconds: outbox.oldestUnackedSeconds(),
        deadLetters: o.deadLetters,
      },
      devices: deviceStatus(),
      readsPerSecond: readsPerSecond(),
    });
  };

  let ops: OpsServer | undefined;
  if (config.http) {
    const { host, port } = config.http;
    ops = await guard(async () => {
      try {
        return await startOpsServer({ host, port, registry: metrics.registry, health, log });
      } catch (e) {
        const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
        throw new SuyuanError("GATEWAY_HTTP_LISTEN_FAILED", `http.listen ${host}:${port}: cannot listen (${why})`, {
          field: "http.listen",
          cause: e,
        });
      }
    });
  }
  log("gateway started", {
    gatewayId: config.gatewayId,
    keyId: key.keyId,
    core: config.core.address,
    devices: drivers.length,
    readPoints: config.readPointIds.length,
    outboxBatches: outbox.stats().batches,
    nextSeq: String(outbox.chainState().nextSeq),
  });

  return {
    metrics,
    status: () => ({
      gatewayId: config.gatewayId,
      health: health(),
      uplink: uplink.status(),
      outbox: outbox.stats(),
      devices: deviceStatus(),
      readsPerSecond: readsPerSecond(),
      pipeline: pipeline.stats(),
      activeRecalls: recalls.list().length,
      http: ops ? { host: ops.host, port: ops.port } : undefined,
    }),
    stop: async () => {
      stopping = true;
      wakeRetries();
      clearInterval(sampler);
      await Promise.allSettled(drivers.map((d) => d.close()));
      await Promise.allSettled(readLoops);
      clearInterval(tick);
      // Last events out of the pipeline, sealed and made durable before the outbox closes.
      pushEvents(pipeline.tick(now().getTime()));
      // The flush deadline is cleared once the flush is done and never holds the process open by
      // itself: a stopped gateway process exits at once, not 5 s later.
      let deadline: ReturnType<typeof setTimeout> | undefined;
      const flushed = await Promise.race([
        batcher.close().then(() => true),
        new Promise<boolean>((r) => {
          deadline = setTimeout(() => r(false), 5000);
          deadline.unref();
        }),
      ]);
      clearTimeout(deadline);
      if (!flushed) {
        batcher.abandon();
        log("ALARM stop: outbox full, the last sealed batches were not made durable", batcher.stats());
      }
      await uplink.stop();
      await watcher.stop();
      await ops?.close();
      await outbox.close();
      await recalls.close();
      log("gateway stopped", { gatewayId: config.gatewayId });
    },
  };
}
