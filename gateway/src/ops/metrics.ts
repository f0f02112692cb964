// The gateway's Prometheus instruments (issue 4 §5), on the registry it shares with the core
// (@suyuan/proto metrics/registry.ts).
import { type Counter, Registry } from "@suyuan/proto";

/** The gateway's instruments (issue 4 §5). Gauges read live state through `collect`. */
export interface GatewayMetrics {
  registry: Registry;
  reads: Counter;
  events: Counter;
  batchesSealed: Counter;
  batchesAcked: Counter;
  errors: Counter;
  alerts: Counter;
  alarms: Counter;
}

export interface GatewayGaugeSources {
  outboxBatches?: () => number;
  outboxBytes?: () => number;
  outboxOldestUnackedSeconds?: () => number;
  deadLetters?: () => number;
}

export function createGatewayMetrics(sources: GatewayGaugeSources = {}, registry = new Registry()): GatewayMetrics {
  const p = "suyuan_gateway";
  const m: GatewayMetrics = {
    registry,
    reads: registry.counter(`${p}_reads_total`, "Raw reads received from devices, by driver kind.", ["driver"]),
    events: registry.counter(`${p}_events_total`, "EPCIS events built by the pipeline and handed to the batcher."),
    batchesSealed: registry.counter(`${p}_batches_sealed_total`, "Signed batches sealed and written to the outbox."),
    batchesAcked: registry.counter(`${p}_batches_acked_total`, "Batches acknowledged by the core and cleared."),
    errors: registry.counter(`${p}_errors_total`, "Errors by kind (driver, decode, uplink, outbox, ...).", ["kind"]),
    alerts: registry.counter(`${p}_alerts_total`, "Recall alerts raised at scan points."),
    alarms: registry.counter(`${p}_alarms_total`, "Operator alarms (outbox full, fork, rejected batch), by kind.", [
      "kind",
    ]),
  };
  registry.gauge(`${p}_outbox_batches`, "Sealed batches in the outbox not yet acknowledged.", [], () =>
    (sources.outboxBatches ?? (() => 0))(),
  );
  registry.gauge(`${p}_outbox_bytes`, "Bytes held by unacknowledged batches in the outbox.", [], () =>
    (sources.outboxBytes ?? (() => 0))(),
  );
  registry.gauge(
    `${p}_outbox_oldest_unacked_seconds`,
    "Age of the oldest unacknowledged batch in seconds (0 when empty).",
    [],
    () => (sources.outboxOldestUnackedSeconds ?? (() => 0))(),
  );
  registry.gauge(`${p}_dead_letters`, "Events the core rejected, kept in the dead-letter store.", [], () =>
    (sources.deadLetters ?? (() => 0))(),
  );
  return m;
}
