// The core's Prometheus metrics (GET /metrics on its HTTP side, admin token): the log, capture
// outcomes (the processor's own counts), requests by action (every access the audit log
// records), event-loop delay and memory. Read at scrape time; nothing here is on a hot path
// except one counter increment per recorded access.
import { monitorEventLoopDelay } from "node:perf_hooks";
import { status as grpcStatus, ServerInterceptingCall, type ServerInterceptor } from "@grpc/grpc-js";
import { type Counter, METRICS_CONTENT_TYPE, Registry } from "@suyuan/proto";
import type { BatchAck } from "@suyuan/proto/gen/suyuan/v1/batch.ts";
import { REFUSED_SUFFIX } from "./auth/audit.ts";
import { requireRole } from "./auth/roles.ts";
import type { CaptureStats } from "./capture/processor.ts";
import type { Route } from "./http/route.ts";
import { sendText } from "./http/util.ts";

export interface CoreMetricSources {
  logSize: () => number;
  /** Size of the latest signed checkpoint. */
  checkpointSize: () => number;
  capture: () => CaptureStats;
}

export interface CoreMetrics {
  registry: Registry;
  /** One recorded access (auth's audit): `action` as recorded, with REFUSED_SUFFIX when it was. */
  access(action: string): void;
  /** A gateway batch's ack, `seconds` after the batch was received. */
  ack(ack: BatchAck, seconds: number): void;
  /** A backup request's end: written, refused (its name, or one already running) or failed. */
  backup(outcome: "ok" | "refused" | "failed", seconds: number, bytes?: number): void;
  /** A finished HTTP request: route pattern, status, seconds. */
  request(route: string, status: number, seconds: number): void;
  /** A gRPC server interceptor timing every call by method and status code. */
  grpcInterceptor: ServerInterceptor;
  /** Stops the event-loop delay sampler. */
  close(): void;
}

/** gRPC status codes by number → their names (OK, INVALID_ARGUMENT, …). */
const GRPC_CODE_NAMES = new Map<number, string>(
  Object.entries(grpcStatus)
    .filter((e): e is [string, number] => typeof e[1] === "number")
    .map(([name, code]) => [code, name]),
);

/** Upper bounds (seconds) of the request-time histograms, HTTP and gRPC alike. */
const REQUEST_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createCoreMetrics(src: CoreMetricSources, registry = new Registry()): CoreMetrics {
  const p = "suyuan_core";
  registry.gauge(`${p}_log_entries`, "Entries in the verifiable log.", [], src.logSize);
  registry.gauge(`${p}_checkpoint_size`, "Tree size of the latest signed checkpoint.", [], src.checkpointSize);
  // The processor's own totals, one sample per outcome.
  const byOutcome = (pick: (s: CaptureStats) => Record<string, number>) => () =>
    Object.entries(pick(src.capture())).map(([outcome, value]) => ({ labels: { outcome }, value }));
  registry.counter(
    `${p}_capture_batches_total`,
    "Gateway batches by outcome: accepted, resent (already held), rejected, gap, fork, pushback.",
    ["outcome"],
    byOutcome((s) => ({
      accepted: s.batchesAccepted,
      resent: s.batchesResent,
      rejected: s.batchesRejected,
      gap: s.gaps,
      fork: s.forks,
      pushback: s.pushbacks,
    })),
  );
  registry.counter(
    `${p}_capture_events_total`,
    "Captured events by outcome (gateway batches and partner documents): accepted, duplicate, rejected.",
    ["outcome"],
    byOutcome((s) => ({ accepted: s.eventsAccepted, duplicate: s.eventsDuplicate, rejected: s.eventsRejected })),
  );
  registry.gauge(
    `${p}_capture_in_flight_events`,
    "Events accepted for processing and not yet durable (pushback above the limit).",
    [],
    () => src.capture().inFlightEvents,
  );
  const requests: Counter = registry.counter(
    `${p}_requests_total`,
    "Requests recorded in the access log, by action (e.g. Query.GetChain) and whether the role was refused.",
    ["action", "outcome"],
  );
  const ackSeconds = registry.histogram(
    `${p}_capture_ack_seconds`,
    "Seconds from receiving a gateway batch to its ack (durable), by batch status.",
    [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    ["status"],
  );
  const requestSeconds = registry.histogram(
    `${p}_http_request_seconds`,
    "HTTP requests by route pattern and status class, in seconds.",
    REQUEST_BUCKETS,
    ["route", "status"],
  );
  const grpcSeconds = registry.histogram(
    `${p}_grpc_request_seconds`,
    "gRPC calls by method and status code, in seconds (a stream: its whole life).",
    REQUEST_BUCKETS,
    ["method", "code"],
  );
  const grpcInterceptor: ServerInterceptor = (method, call) => {
    const t0 = performance.now();
    return new ServerInterceptingCall(call, {
      sendStatus(status, next) {
        grpcSeconds.observe((performance.now() - t0) / 1000, {
          method: method.path,
          code: GRPC_CODE_NAMES.get(status.code) ?? String(status.code),
        });
        next(status);
      },
    });
  };
  // Percentiles since the previous scrape, then reset.
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  registry.gauge(
    `${p}_event_loop_delay_seconds`,
    "Event-loop delay since the previous scrape (quantile 1 = the longest).",
    ["quantile"],
    () => {
      // Nanoseconds to seconds; 0 with no sample yet (the histogram then reads ±Infinity or NaN).
      const q = (v: number) => (delay.count > 0 && Number.isFinite(v) ? v / 1e9 : 0);
      const out = [
        { labels: { quantile: "0.5" }, value: q(delay.percentile(50)) },
        { labels: { quantile: "0.99" }, value: q(delay.percentile(99)) },
        { labels: { quantile: "1" }, value: q(delay.max) },
      ];
      delay.reset();
      return out;
    },
  );
  const backups = registry.counter(
    `${p}_backups_total`,
    "Hot backups (AdminService.Backup) by outcome: ok, refused (the name, or one already running), failed.",
    ["outcome"],
  );
  // Of the last backup written since the core started (0 before one is): alert on its age.
  const lastBackup = registry.gauge(
    `${p}_backup_last_success_timestamp_seconds`,
    "Unix time the last successful backup finished (0: none since the core started).",
  );
  const lastBackupSeconds = registry.gauge(
    `${p}_backup_last_duration_seconds`,
    "Seconds the last successful backup took.",
  );
  const lastBackupBytes = registry.gauge(`${p}_backup_last_bytes`, "Bytes the last successful backup copied.");
  registry.gauge(
    `${p}_heap_used_bytes`,
    "V8 heap in use (event loop isolate).",
    [],
    () => process.memoryUsage().heapUsed,
  );
  registry.gauge(`${p}_resident_memory_bytes`, "Resident set size of the process.", [], () =>
    process.memoryUsage.rss(),
  );
  return {
    registry,
    access(action: string) {
      const refused = action.endsWith(REFUSED_SUFFIX);
      requests.inc({
        action: refused ? action.slice(0, -REFUSED_SUFFIX.length) : action,
        outcome: refused ? "refused" : "allowed",
      });
    },
    ack(a: BatchAck, seconds: number) {
      ackSeconds.observe(seconds, { status: a.status?.$case ?? "none" });
    },
    backup(outcome, seconds, bytes) {
      backups.inc({ outcome });
      if (outcome !== "ok") return;
      lastBackup.set(Date.now() / 1000);
      lastBackupSeconds.set(seconds);
      lastBackupBytes.set(bytes ?? 0);
    },
    grpcInterceptor,
    request(route: string, status: number, seconds: number) {
      requestSeconds.observe(seconds, { route, status: `${Math.floor(status / 100)}xx` });
    },
    close() {
      delay.disable();
    },
  };
}

/**
 * GET /metrics: the text exposition format for Prometheus, with an admin token (a scrape
 * config's `authorization` bearer credentials). Scrapes are not recorded in the access log:
 * they read no product data, and every 15 s they would crowd it out.
 */
export function metricsRoute(metrics: CoreMetrics): Route {
  return {
    method: "GET",
    path: "/metrics",
    handler(ctx) {
      requireRole(ctx.principal, ["admin"], "Metrics");
      sendText(ctx.res, 200, metrics.registry.render(), METRICS_CONTENT_TYPE);
    },
  };
}
