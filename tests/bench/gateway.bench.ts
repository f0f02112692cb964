// npm run bench -- gateway (issue 4 §6): raw reads per second through the whole edge path on
// one core — mock drivers → decode → ALE-style smoothing → scan-point rules (event building)
// → CBV 2.0 §8.9 event hashing → batching → Ed25519 batch signing — and the process's
// resident memory afterwards.
//
// The field: 100 fixed UHF readers, 200 tags in front of each. Every 1 s event cycle each tag
// is seen by its reader with a per-tag read rate of 65–100 % and, when seen, read in 1–4 of
// the reader's 4 inventory rounds. Goods move: every cycle about 5 % of the tags leave and
// fresh ones (new serials) arrive, so the rules keep emitting events.
// Read points mix what a site has: receiving / shipping / storing portals (one event per cycle
// of additions) and per-unit inspection stations (one event per arriving unit). Time is
// simulated: cycles advance the gateway clock, so the figure is CPU throughput, not wall time.
import { encodeEpcDetailed, generateGatewayKey, ZERO_HASH } from "@suyuan/proto";
import { Batcher, type SealedOutboxBatch } from "../../gateway/src/batcher/batcher.ts";
import { MockDeviceRegistry, MockDriver } from "../../gateway/src/drivers/mock/mock-driver.ts";
import { createPipeline } from "../../gateway/src/pipeline/index.ts";
import { rng } from "./lib/rng.ts";
import { report } from "./report.ts";

const BENCH = "gateway";
const READERS = 100;
const TAGS_PER_READER = 200;
const CYCLE_MS = 1000;
const TURNOVER = 0.05;
/** Simulated cycles to run (after warm-up); ~2.4M reads. */
const CYCLES = 50;
const WARMUP_CYCLES = 5;

/** SGTIN-96 (TDS 2.1 §14.5.1) hex for GTIN 0614141 / item 812345 with a serial. */
function sgtinHex(serial: number): string {
  return encodeEpcDetailed(`urn:epc:tag:sgtin-96:1.0614141.812345.${serial}`).hex;
}

const RULES = ["receiving", "shipping", "storing", "inspecting"] as const;

function readPointsConfig() {
  const readPoints = [];
  for (let r = 0; r < READERS; r++) {
    const rule = RULES[r % RULES.length]!;
    const site = 100 + Math.floor(r / 10);
    readPoints.push({
      id: `rp-${r}`,
      rule,
      readPoint: `urn:epc:id:sgln:0614141.00${site}.${r + 1}`,
      bizLocation: `urn:epc:id:sgln:0614141.00${site}.0`,
      devices: [{ deviceId: `reader-${r}` }],
      cycle: { durationMs: CYCLE_MS, minReadRate: 0.6 },
      ...(rule === "inspecting" ? { perUnit: true } : {}),
      ...(rule === "shipping" ? { destinations: [{ type: "location", id: `urn:epc:id:sgln:0614141.00999.0` }] } : {}),
    });
  }
  // The default decode cache (8192 entries) is smaller than the 20 000 tags in the field: the
  // conservative case, every read of a tag not in the cache is decoded again.
  return { eventTimeZoneOffset: "+08:00", readPoints };
}

interface TagState {
  hex: string;
  rate: number;
}

export async function run(): Promise<void> {
  const random = rng(20261126);
  let simNow = Date.UTC(2026, 10, 26, 0, 0, 0);
  const now = () => simNow;

  // The tag population: hex codes are precomputed outside the timed part (a reader delivers hex).
  let nextSerial = 1_000_000;
  const fresh = (): TagState => ({ hex: sgtinHex(nextSerial++), rate: 0.65 + 0.35 * random() });
  const field: TagState[][] = [];
  for (let r = 0; r < READERS; r++) field.push(Array.from({ length: TAGS_PER_READER }, fresh));
  // Arrivals for every cycle, drawn up front (encoding them is not the gateway's work).
  const arrivals: TagState[][] = [];
  const perCycle = Math.round(READERS * TAGS_PER_READER * TURNOVER);
  for (let c = 0; c < CYCLES + WARMUP_CYCLES; c++) arrivals.push(Array.from({ length: perCycle }, fresh));

  const registry = new MockDeviceRegistry();
  const devices = Array.from({ length: READERS }, (_, r) => registry.createDevice(`reader-${r}`, "rfid"));
  const drivers = devices.map((d) => new MockDriver({ id: d.id, registry, now, queueSize: 10_000 }));
  for (const d of drivers) await d.open();

  const pipeline = createPipeline(readPointsConfig(), { now });
  const key = generateGatewayKey();
  let sealedEvents = 0;
  let sealedBatches = 0;
  const batcher = new Batcher({
    gatewayId: "bench-gw",
    key,
    chain: { nextSeq: 0n, prevBatchHash: ZERO_HASH },
    // Durability is the outbox's job (its own tests); here the sealed batch is just counted.
    sink: {
      append: async (b: SealedOutboxBatch) => {
        sealedBatches++;
        sealedEvents += b.events.length;
      },
    },
    now: () => new Date(simNow),
  });

  // The gateway's read loops (as gateway/src/main.ts runs them): one per driver.
  let reads = 0;
  const loops = drivers.map(async (d) => {
    for await (const read of d.reads()) {
      pipeline.push(read);
      reads++;
      if (batcher.backpressured()) await batcher.writable();
    }
  });
  // Let the read loops take what the queues hold: they run on microtasks, which all run
  // before the next macrotask. Draining after each reader's report (not after all 100) keeps
  // reads short-lived, as they are when a real reader reports every few milliseconds.
  const drain = () => new Promise<void>((r) => setImmediate(r));

  const runCycle = async (c: number) => {
    const cycleStart = simNow;
    // Per tag this cycle: seen with its read rate, and then read in 1–4 of the 4 inventory
    // rounds the reader runs per cycle.
    const counts = field.map((tags) => tags.map((t) => (random() < t.rate ? 1 + Math.floor(random() * 4) : 0)));
    for (let round = 0; round < 4; round++) {
      simNow = cycleStart + round * (CYCLE_MS / 4) + 1;
      for (let r = 0; r < READERS; r++) {
        const dev = devices[r]!;
        const tags = field[r]!;
        const n = counts[r]!;
        for (let t = 0; t < tags.length; t++) {
          if (n[t]! > round) dev.emitRead({ data: tags[t]!.hex, rssi: -55 - ((t * 7 + round) % 20) });
        }
        await drain();
      }
      for (const ev of pipeline.tick(simNow)) batcher.push(ev);
    }
    simNow = cycleStart + CYCLE_MS;
    for (const ev of pipeline.tick(simNow)) batcher.push(ev);
    // Goods move: a share of each reader's tags leave, new ones arrive.
    const incoming = arrivals[c]!;
    for (let k = 0; k < incoming.length; k++) {
      const r = Math.floor(random() * READERS);
      const slot = Math.floor(random() * TAGS_PER_READER);
      field[r]![slot] = incoming[k]!;
    }
  };

  for (let c = 0; c < WARMUP_CYCLES; c++) await runCycle(c);
  const reads0 = reads;
  const events0 = sealedEvents;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let c = WARMUP_CYCLES; c < WARMUP_CYCLES + CYCLES; c++) await runCycle(c);
  batcher.seal();
  await batcher.flushed();
  const wallS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  const timedReads = reads - reads0;

  for (const d of drivers) await d.close();
  await Promise.all(loops);
  await batcher.close();

  // Wall time on one JS thread is the figure; CPU time (which includes libuv/GC helper
  // threads) is reported too, so a busy shared machine can be told apart.
  report(BENCH, "gateway_reads_per_s", timedReads / wallS, "1/s");
  report(BENCH, "gateway_reads_per_cpu_s", timedReads / cpuS, "1/s");
  report(BENCH, "gateway_reads", timedReads, "reads");
  report(BENCH, "gateway_events", sealedEvents - events0, "events");
  report(BENCH, "gateway_batches", sealedBatches, "batches");
  report(BENCH, "gateway_rss_mb", process.memoryUsage().rss / (1024 * 1024), "MB");
}
