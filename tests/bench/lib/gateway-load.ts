// The gateway benchmark's load (issue 4 §6), run by tests/bench/gateway.bench.ts in a gateway
// worker (tests/bench/lib/gateway-worker.ts, started by gateway/launch.mjs as `suyuan gateway
// start` is): the whole edge path on one core — mock drivers → decode → ALE-style smoothing →
// scan-point rules (event building) → CBV 2.0 §8.9 event hashing → batching → Ed25519 batch
// signing. See gateway.bench.ts for what each phase measures.
//
// The field (both phases): 100 fixed UHF readers, 200 tags in front of each. Goods move: every
// 1 s cycle about 5 % of the tags leave and fresh ones (new serials) arrive, so the rules keep
// emitting events. Read points mix what a site has: receiving / shipping / storing portals (one
// event per cycle of additions) and per-unit inspection stations (one event per arriving unit).
import { encodeEpcDetailed, generateGatewayKey, ZERO_HASH } from "@suyuan/proto";
import { Batcher, type SealedOutboxBatch } from "../../../gateway/src/batcher/batcher.ts";
import { type MockDevice, MockDeviceRegistry, MockDriver } from "../../../gateway/src/drivers/mock/mock-driver.ts";
import { createPipeline, type Pipeline } from "../../../gateway/src/pipeline/index.ts";
// Every module of the production gateway (gRPC, LevelDB, aedes, serialport, …) is loaded, as in
// `suyuan gateway start`: their code is part of the gateway's resident memory.
import "../../../gateway/src/index.ts";
import { report } from "../report.ts";
import { rng } from "./rng.ts";

const BENCH = "gateway";
const READERS = 100;
const TAGS_PER_READER = 200;
const CYCLE_MS = 1000;
const TURNOVER = 0.05;
/** Flat out: simulated cycles to run (after warm-up); ~2M reads. */
const CYCLES = 50;
const WARMUP_CYCLES = 5;
/** Issue 4 §6 design load: 100 readers × 200 tag reads/s. */
const DESIGN_READS_PER_S = READERS * TAGS_PER_READER;
const PACED_WARMUP_S = 5;
const PACED_STEADY_S = 30;
/** Paced: reads are handed over in slices this far apart (a reader reports every few ms). */
const SLICE_MS = 10;
/** The tick interval of gateway/src/main.ts. */
const TICK_MS = 50;
const MB = 1024 * 1024;

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
  // No decodeCacheSize: the gateway's default, whatever it is, is what is measured.
  return { eventTimeZoneOffset: "+08:00", readPoints };
}

interface TagState {
  hex: string;
  /** Flat out: per-cycle read rate. Paced: per-inventory-round read probability. */
  rate: number;
}

interface Gateway {
  devices: MockDevice[];
  pipeline: Pipeline;
  batcher: Batcher;
  reads(): number;
  sealedEvents(): number;
  sealedBatches(): number;
  stop(): Promise<void>;
}

/** Mock readers, pipeline and batcher wired as gateway/src/main.ts wires them. */
async function startGateway(now: () => number): Promise<Gateway> {
  const registry = new MockDeviceRegistry();
  const devices = Array.from({ length: READERS }, (_, r) => registry.createDevice(`reader-${r}`, "rfid"));
  const drivers = devices.map((d) => new MockDriver({ id: d.id, registry, now, queueSize: 10_000 }));
  for (const d of drivers) await d.open();
  const pipeline = createPipeline(readPointsConfig(), { now });
  let sealedEvents = 0;
  let sealedBatches = 0;
  const batcher = new Batcher({
    gatewayId: "bench-gw",
    key: generateGatewayKey(),
    chain: { nextSeq: 0n, prevBatchHash: ZERO_HASH },
    // Durability is the outbox's job (its own tests and bench); here the sealed batch is counted.
    sink: {
      append: async (b: SealedOutboxBatch) => {
        sealedBatches++;
        sealedEvents += b.events.length;
      },
    },
    now: () => new Date(now()),
  });
  let reads = 0;
  const loops = drivers.map(async (d) => {
    for await (const read of d.reads()) {
      pipeline.push(read);
      reads++;
      if (batcher.backpressured()) await batcher.writable();
    }
  });
  return {
    devices,
    pipeline,
    batcher,
    reads: () => reads,
    sealedEvents: () => sealedEvents,
    sealedBatches: () => sealedBatches,
    async stop() {
      batcher.seal();
      await batcher.flushed();
      for (const d of drivers) await d.close();
      await Promise.all(loops);
      await batcher.close();
    },
  };
}

/** Phase 1: the design load in real time; resident memory at its end and at its peak. */
export async function paced(): Promise<void> {
  const random = rng(20261127);
  const rssBaseline = process.memoryUsage().rss;
  let nextSerial = 1_000_000;
  // A reader inventories its tags round after round; in each round a tag answers with its own
  // probability (0.4–0.8: orientation, distance, shadowing). Reads leave at the design rate,
  // so a round takes as long as its reads do (~0.6 s): every tag is read about once a second.
  const fresh = (): TagState => ({ hex: sgtinHex(nextSerial++), rate: 0.4 + 0.4 * random() });
  const field: TagState[][] = [];
  for (let r = 0; r < READERS; r++) field.push(Array.from({ length: TAGS_PER_READER }, fresh));
  const cursor = new Array<number>(READERS).fill(0);

  const gw = await startGateway(Date.now);
  const tick = setInterval(() => {
    for (const ev of gw.pipeline.tick(Date.now())) gw.batcher.push(ev);
  }, TICK_MS);

  /** Emits the reader's next `n` reads, continuing its inventory round. */
  const emit = (r: number, n: number): void => {
    const tags = field[r]!;
    const dev = gw.devices[r]!;
    let i = cursor[r]!;
    for (let k = 0; k < n; ) {
      const t = tags[i]!;
      if (random() < t.rate) {
        dev.emitRead({ data: t.hex, rssi: -55 - (i % 20) });
        k++;
      }
      i = i + 1 === tags.length ? 0 : i + 1;
    }
    cursor[r] = i;
  };

  const t0 = performance.now();
  const end = t0 + (PACED_WARMUP_S + PACED_STEADY_S) * 1000;
  let emitted = 0;
  /** The reader the remainder of the next slice starts at (remainders go round-robin). */
  let extraFrom = 0;
  let nextMove = t0 + CYCLE_MS;
  let rssPeak = 0;
  let nextSample = t0;
  let steady: { t: number; reads: number; cpu: NodeJS.CpuUsage; events: number } | undefined;
  for (;;) {
    const now = performance.now();
    if (now >= end) break;
    if (steady === undefined && now >= t0 + PACED_WARMUP_S * 1000)
      steady = { t: now, reads: gw.reads(), cpu: process.cpuUsage(), events: gw.sealedEvents() };
    // Reads due by now at the design rate, spread over the readers (round-robin remainder):
    // a late slice catches up, so the average rate holds on a busy machine.
    const due = Math.floor(((now - t0) / 1000) * DESIGN_READS_PER_S) - emitted;
    const each = Math.floor(due / READERS);
    const rest = due - each * READERS;
    for (let r = 0; r < READERS; r++) {
      const n = each + ((r - extraFrom + READERS) % READERS < rest ? 1 : 0);
      if (n > 0) emit(r, n);
    }
    extraFrom = (extraFrom + rest) % READERS;
    emitted += due;
    if (now >= nextMove) {
      // Goods move: a share of the tags leave, fresh ones arrive.
      nextMove += CYCLE_MS;
      const perCycle = Math.round(READERS * TAGS_PER_READER * TURNOVER);
      for (let k = 0; k < perCycle; k++)
        field[Math.floor(random() * READERS)]![Math.floor(random() * TAGS_PER_READER)] = fresh();
    }
    if (now >= nextSample) {
      nextSample += 1000;
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    }
    await new Promise((r) => setTimeout(r, SLICE_MS));
  }
  const s = steady!;
  const wallS = (performance.now() - s.t) / 1000;
  const cpu = process.cpuUsage(s.cpu);
  const mem = process.memoryUsage();
  rssPeak = Math.max(rssPeak, mem.rss);
  clearInterval(tick);
  const readsSteady = gw.reads() - s.reads;
  const eventsSteady = gw.sealedEvents() - s.events;
  await gw.stop();

  report(BENCH, "gateway_rss_mb", mem.rss / MB, "MB");
  report(BENCH, "gateway_rss_peak_mb", rssPeak / MB, "MB");
  // The process before the gateway existed (node, the gateway worker, the modules): what the
  // gateway itself adds is the difference.
  report(BENCH, "gateway_rss_baseline_mb", rssBaseline / MB, "MB");
  report(BENCH, "gateway_heap_used_mb", mem.heapUsed / MB, "MB");
  // The V8 heap the gateway holds (used or not): the rest of the resident set is Node, the
  // modules' code and native memory.
  report(BENCH, "gateway_heap_total_mb", mem.heapTotal / MB, "MB");
  report(BENCH, "gateway_paced_reads_per_s", readsSteady / wallS, "1/s");
  report(BENCH, "gateway_paced_events_per_s", eventsSteady / wallS, "1/s");
  // Share of one core the design load takes (includes the load generator itself).
  report(BENCH, "gateway_paced_cpu_pct", ((cpu.user + cpu.system) / 1e6 / wallS) * 100, "%");
}

/** Phase 2: flat out in simulated time; reads per second of wall and of CPU time. */
export async function flatOut(): Promise<void> {
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

  const gw = await startGateway(now);
  const { devices, pipeline, batcher } = gw;
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
  const reads0 = gw.reads();
  const events0 = gw.sealedEvents();
  const batches0 = gw.sealedBatches();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let c = WARMUP_CYCLES; c < WARMUP_CYCLES + CYCLES; c++) await runCycle(c);
  batcher.seal();
  await batcher.flushed();
  const wallS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  const timedReads = gw.reads() - reads0;
  const rss = process.memoryUsage().rss;
  await gw.stop();

  // Wall time on one JS thread is the figure; CPU time (which includes libuv/GC helper
  // threads) is reported too, so a busy shared machine can be told apart.
  report(BENCH, "gateway_reads_per_s", timedReads / wallS, "1/s");
  report(BENCH, "gateway_reads_per_cpu_s", timedReads / cpuS, "1/s");
  report(BENCH, "gateway_reads", timedReads, "reads");
  report(BENCH, "gateway_events", gw.sealedEvents() - events0, "events");
  report(BENCH, "gateway_batches", gw.sealedBatches() - batches0, "batches");
  report(BENCH, "gateway_rss_flatout_mb", rss / MB, "MB");
}
