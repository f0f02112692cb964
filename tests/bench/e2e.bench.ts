// `npm run bench -- e2e` (issue 5 §4): the whole system — device emulators on ptys and MQTT,
// one child-process gateway per site, signed batches over gRPC into a LevelDB core — playing
// the default food scenario scaled up five times (300 cases, ~1 300 units, ~2 100 events) at a
// high clock speed, with scanners at a 5 ms pace.
//
// Figures:
// - e2e_events_per_s: events acknowledged into the core's log / play wall time (from the first
//   emulated read until every gateway's outbox has drained and a checkpoint covers the log).
//   The scenario's device pace (RFID dwell, scan pace) bounds it: it says how fast the system
//   keeps up with this supply chain, not the core's capture ceiling (see the core benches).
// - e2e_events_per_s_peak: the most events recorded within one second of record time (the
//   bottling and store bursts), closer to what the pipeline sustains when devices push.
// - e2e_latency_p50_ms / e2e_latency_p99_ms: read to ledger — an event's recordTime minus the
//   time the emulator put out the read that completed it (the runner's latencies(): the event
//   time clamped into its action's emission interval). RFID events include the gateway's
//   smoothing (an event closes after 2 missed 400 ms cycles), scans only the pipeline.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSystem } from "../../cli/src/system/run-system.ts";
import { percentile, report } from "./report.ts";

const BENCH = "e2e";
const UNITS = 300; // FOOD_DEFAULTS.units × 5
const SPEED = 200_000;

/** Most records whose recordTime falls in one 1-s window (sliding over the record times). */
async function peakPerSecond(ledger: {
  size(): number;
  getEvents(i: readonly number[]): Promise<Array<{ recordTime: string }>>;
}): Promise<number> {
  const times: number[] = [];
  for (let from = 0; from < ledger.size(); from += 1000) {
    const idx = Array.from({ length: Math.min(1000, ledger.size() - from) }, (_, k) => from + k);
    for (const e of await ledger.getEvents(idx)) times.push(Date.parse(e.recordTime));
  }
  times.sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; j < times.length; j++) {
    while ((times[j] as number) - (times[i] as number) >= 1000) i++;
    best = Math.max(best, j - i + 1);
  }
  return best;
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "suyuan-bench-e2e-"));
  const sys = await startSystem({
    scenario: "food",
    units: UNITS,
    speed: SPEED,
    timing: { scanIntervalMs: 5 },
    dataDir: dir,
    transport: "auto",
    gatewayMode: "process",
  });
  try {
    const r = await sys.play();
    const lat = (await sys.latencies()).sort((a, b) => a - b);
    report(BENCH, "e2e_events_per_s", r.eventsAcked / (r.wallMs / 1000), "events/s");
    report(BENCH, "e2e_events_per_s_peak", await peakPerSecond(sys.core.ledger), "events/s");
    report(BENCH, "e2e_latency_p50_ms", percentile(lat, 50), "ms");
    report(BENCH, "e2e_latency_p99_ms", percentile(lat, 99), "ms");
    report(BENCH, "e2e_events", r.eventsAcked, "events");
    report(BENCH, "e2e_expected_events", sys.truth.events.length, "events");
    report(BENCH, "e2e_reads", r.readsSent, "reads");
    report(BENCH, "e2e_play_wall_ms", r.wallMs, "ms");
  } finally {
    await sys.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
