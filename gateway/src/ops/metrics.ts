// A tiny Prometheus registry: counters and gauges with labels, rendered in the text
// exposition format 0.0.4 (https://prometheus.io/docs/instrumenting/exposition_formats/):
// one `# HELP` and one `# TYPE` line per metric family, then one sample line per label set.

export type Labels = Record<string, string>;

/** Prometheus metric and label names: [a-zA-Z_:][a-zA-Z0-9_:]* (labels without ':'). */
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

interface Family {
  name: string;
  help: string;
  type: "counter" | "gauge";
  labelNames: readonly string[];
  values: Map<string, { labels: Labels; value: number }>;
  collect?: () => number | Array<{ labels: Labels; value: number }>;
}

// Exposition format: label values escape backslash, double quote and line feed; HELP text
// escapes backslash and line feed.
function escapeLabel(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}
function escapeHelp(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}
function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Number.POSITIVE_INFINITY) return "+Inf";
  if (v === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(v);
}

function labelKey(f: Family, labels: Labels): string {
  for (const k of Object.keys(labels)) {
    if (!f.labelNames.includes(k)) throw new TypeError(`metric ${f.name}: unknown label ${k}`);
  }
  return f.labelNames.map((n) => labels[n] ?? "").join("\u0000");
}

export class Counter {
  constructor(private readonly family: Family) {}
  /** Counters only go up (exposition format: a counter is monotonically increasing). */
  inc(labels: Labels = {}, by = 1): void {
    if (!(by >= 0)) throw new TypeError(`counter ${this.family.name}: increment must be ≥ 0`);
    const key = labelKey(this.family, labels);
    const cur = this.family.values.get(key);
    if (cur) cur.value += by;
    else this.family.values.set(key, { labels: { ...labels }, value: by });
  }
  get(labels: Labels = {}): number {
    return this.family.values.get(labelKey(this.family, labels))?.value ?? 0;
  }
}

export class Gauge {
  constructor(private readonly family: Family) {}
  set(value: number, labels: Labels = {}): void {
    const key = labelKey(this.family, labels);
    this.family.values.set(key, { labels: { ...labels }, value });
  }
  get(labels: Labels = {}): number {
    return this.family.values.get(labelKey(this.family, labels))?.value ?? 0;
  }
}

export class Registry {
  private readonly families = new Map<string, Family>();

  private add(
    type: Family["type"],
    name: string,
    help: string,
    labelNames: readonly string[],
    collect?: Family["collect"],
  ): Family {
    if (!METRIC_NAME.test(name)) throw new TypeError(`metric name ${name} is not a Prometheus metric name`);
    for (const l of labelNames) {
      if (!LABEL_NAME.test(l) || l.startsWith("__")) throw new TypeError(`metric ${name}: bad label name ${l}`);
    }
    if (this.families.has(name)) throw new TypeError(`metric ${name} registered twice`);
    const f: Family = { name, help, type, labelNames, values: new Map() };
    if (collect) f.collect = collect;
    this.families.set(name, f);
    return f;
  }

  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    return new Counter(this.add("counter", name, help, labelNames));
  }

  /** A gauge set by hand, or read at scrape time from `collect`. */
  gauge(
    name: string,
    help: string,
    labelNames: readonly string[] = [],
    collect?: () => number | Array<{ labels: Labels; value: number }>,
  ): Gauge {
    return new Gauge(this.add("gauge", name, help, labelNames, collect));
  }

  /** Text exposition format 0.0.4 (Content-Type: text/plain; version=0.0.4). */
  render(): string {
    const out: string[] = [];
    for (const f of this.families.values()) {
      out.push(`# HELP ${f.name} ${escapeHelp(f.help)}`);
      out.push(`# TYPE ${f.name} ${f.type}`);
      let samples: Array<{ labels: Labels; value: number }> = [...f.values.values()];
      if (f.collect) {
        const c = f.collect();
        samples = typeof c === "number" ? [{ labels: {}, value: c }] : c;
      }
      // A family without labels always shows its single sample (0 before the first inc).
      if (samples.length === 0 && f.labelNames.length === 0) samples = [{ labels: {}, value: 0 }];
      for (const s of samples) {
        const names = f.labelNames.filter((n) => s.labels[n] !== undefined);
        const lbl = names.length === 0 ? "" : `{${names.map((n) => `${n}="${escapeLabel(s.labels[n]!)}"`).join(",")}}`;
        out.push(`${f.name}${lbl} ${formatValue(s.value)}`);
      }
    }
    return `${out.join("\n")}\n`;
  }
}

export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

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
