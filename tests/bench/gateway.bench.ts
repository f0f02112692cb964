// npm run bench -- gateway (issue 4 §6): the whole edge path on one core — mock drivers →
// decode → ALE-style smoothing → scan-point rules (event building) → CBV 2.0 §8.9 event hashing
// → batching → Ed25519 batch signing — measured twice:
//
// 1. Paced, in real time, at the design load of issue 4 §6: 100 fixed readers each reporting
//    200 tag reads/s (20 000 raw reads/s), for a warm-up and then ≥ 30 s of steady running,
//    wired as gateway/src/main.ts wires it (one read loop per driver, a 50 ms tick interval
//    handing events to the batcher). `gateway_rss_mb` is the resident set at the end of the
//    steady run, `gateway_rss_peak_mb` the highest one-second sample during the whole paced
//    run: the gateway's resident memory under the load.
// 2. Flat out, in simulated time: cycles advance the gateway clock as fast as the CPU goes, so
//    `gateway_reads_per_s` is CPU throughput, not wall time. Its RSS (`gateway_rss_flatout_mb`)
//    is reported for reference only: a heap fed 3–4× faster than the design load grows to
//    match the allocation rate, so it says more about V8's sizing than about the gateway.
//
// Each phase runs in a fresh process started as `suyuan gateway start` starts the gateway
// (gateway/launch.mjs: transpiled JavaScript in the gateway worker with its production heap
// sizes), hosting the gateway and the mock readers' load generator (tests/bench/lib/
// gateway-load.ts); the resident set is that whole process's. Paced runs first, so nothing of
// the flat-out phase is in it.
//
// The field (both phases): 100 fixed UHF readers, 200 tags in front of each. Goods move: every
// 1 s cycle about 5 % of the tags leave and fresh ones (new serials) arrive, so the rules keep
// emitting events. Read points mix what a site has: receiving / shipping / storing portals (one
// event per cycle of additions) and per-unit inspection stations (one event per arriving unit).
import { spawn } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** Runs one phase in its own gateway process; its JSON lines go to our standard output. */
function phase(name: "paced" | "flatout"): Promise<void> {
  const child = spawn(
    process.execPath,
    [join(root, "gateway/launch.mjs"), join(root, "tests/bench/lib/gateway-worker.ts"), name],
    { cwd: root, stdio: ["ignore", "inherit", "inherit"] },
  );
  return new Promise((ok, fail) => {
    child.on("error", fail);
    child.on("exit", (code, signal) =>
      code === 0 ? ok() : fail(new Error(`gateway bench phase ${name} exited ${code ?? signal}`)),
    );
  });
}

export async function run(): Promise<void> {
  await phase("paced");
  await phase("flatout");
}
