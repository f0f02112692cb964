// A tiny Prometheus registry shared by the gateway and the core: counters, gauges and
// histograms with labels, rendered in the text exposition format 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/): one `# HELP` and one
// `# TYPE` line per metric family, then one sample line per label set (a histogram: one per
// bucket `le`, then `_sum` and `_count`).

export type Labels = Record<string, string>;

/** A family's samples read at scrape time: one value (no labels), or one per label set. */
export type Collect = () => number | Array<{ labels: Labels; value: number }>;

/** Prometheus metric and label names: [a-zA-Z_:][a-zA-Z0-9_:]* (labels without ':'). */
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

interface Family {
  name: string;
  help: string;
  type: "counter" | "gauge" | "histogram";
  labelNames: readonly string[];
  values: Map<string, { labels: Labels; value: number }>;
  collect?: Collect;
  /** Histograms: upper bounds, ascending, and per label set the bucket counts, sum and count. */
  buckets?: readonly number[];
  observed?: Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>;
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

export class Histogram {
  constructor(private readonly family: Family) {}
  /** Counts `value` in every bucket whose upper bound is ≥ it (buckets are cumulative). */
  observe(value: number, labels: Labels = {}): void {
    if (Number.isNaN(value)) throw new TypeError(`histogram ${this.family.name}: value is NaN`);
    const key = labelKey(this.family, labels);
    const buckets = this.family.buckets!;
    const observed = this.family.observed!;
    let h = observed.get(key);
    if (h === undefined) {
      h = { labels: { ...labels }, counts: new Array<number>(buckets.length).fill(0), sum: 0, count: 0 };
      observed.set(key, h);
    }
    for (let i = 0; i < buckets.length; i++) if (value <= buckets[i]!) h.counts[i]!++;
    h.sum += value;
    h.count++;
  }
  /** Observations so far with these labels. */
  count(labels: Labels = {}): number {
    return this.family.observed!.get(labelKey(this.family, labels))?.count ?? 0;
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

  /** A counter counted by hand (`inc`), or read at scrape time from `collect` (a total kept elsewhere). */
  counter(name: string, help: string, labelNames: readonly string[] = [], collect?: Collect): Counter {
    return new Counter(this.add("counter", name, help, labelNames, collect));
  }

  /** A gauge set by hand, or read at scrape time from `collect`. */
  gauge(name: string, help: string, labelNames: readonly string[] = [], collect?: Collect): Gauge {
    return new Gauge(this.add("gauge", name, help, labelNames, collect));
  }

  /** A histogram with these upper bounds (ascending; `+Inf` is added). */
  histogram(name: string, help: string, buckets: readonly number[], labelNames: readonly string[] = []): Histogram {
    if (labelNames.includes("le")) throw new TypeError(`metric ${name}: "le" is the bucket label`);
    if (buckets.length === 0 || buckets.some((b, i) => Number.isNaN(b) || (i > 0 && b <= buckets[i - 1]!))) {
      throw new TypeError(`metric ${name}: buckets must be ascending numbers`);
    }
    const f = this.add("histogram", name, help, labelNames);
    f.buckets =
      buckets[buckets.length - 1] === Number.POSITIVE_INFINITY ? buckets : [...buckets, Number.POSITIVE_INFINITY];
    f.observed = new Map();
    return new Histogram(f);
  }

  /** Text exposition format 0.0.4 (Content-Type: text/plain; version=0.0.4). */
  render(): string {
    const out: string[] = [];
    const labelText = (f: Family, labels: Labels, extra = ""): string => {
      const names = f.labelNames.filter((n) => labels[n] !== undefined);
      const parts = names.map((n) => `${n}="${escapeLabel(labels[n]!)}"`);
      if (extra !== "") parts.push(extra);
      return parts.length === 0 ? "" : `{${parts.join(",")}}`;
    };
    for (const f of this.families.values()) {
      out.push(`# HELP ${f.name} ${escapeHelp(f.help)}`);
      out.push(`# TYPE ${f.name} ${f.type}`);
      if (f.type === "histogram") {
        for (const h of f.observed!.values()) {
          f.buckets!.forEach((b, i) => {
            out.push(`${f.name}_bucket${labelText(f, h.labels, `le="${formatValue(b)}"`)} ${h.counts[i]}`);
          });
          out.push(`${f.name}_sum${labelText(f, h.labels)} ${formatValue(h.sum)}`);
          out.push(`${f.name}_count${labelText(f, h.labels)} ${h.count}`);
        }
        continue;
      }
      let samples: Array<{ labels: Labels; value: number }> = [...f.values.values()];
      if (f.collect) {
        const c = f.collect();
        samples = typeof c === "number" ? [{ labels: {}, value: c }] : c;
      }
      // A family without labels always shows its single sample (0 before the first inc).
      if (samples.length === 0 && f.labelNames.length === 0) samples = [{ labels: {}, value: 0 }];
      for (const s of samples) out.push(`${f.name}${labelText(f, s.labels)} ${formatValue(s.value)}`);
    }
    return `${out.join("\n")}\n`;
  }
}

export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
