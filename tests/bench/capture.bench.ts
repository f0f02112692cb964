// npm run bench -- capture (issue 3 §8): verified capture throughput of a core with the
// LevelDB store (synced writes). A separate load process (lib/capture-load.ts) sends
// pre-signed batches of 1000 events over gRPC CaptureService.CaptureStream, one stream per
// enrolled gateway with a small window of batches in flight; an event counts once its ack
// says accepted — verified, durable and indexed (the ack is built from the append's outcome).
//
// The yardstick measured in the same run: Ed25519 verifications per second on one core with
// a reused public KeyObject, over a ~150-byte header. capture_to_verify_ratio = events per
// second / verifications per second; above 1 means capture is cheaper per event than one
// signature check, which is what batch signing buys (one verification per 1000 events).
// This machine's speed moves by a third from one second to the next (other tenants), so the
// yardstick is timed in 250 ms slices, eight before the capture and eight after it (the core
// stopped, so no compaction runs beside them), and ed25519_verify_per_s is their median; the
// medians before and after are reported too, to show how far the machine moved meanwhile.
//
// A second phase, after the figures above are taken, asks how an inspector fares while
// gateways write: four more gateways stream 100 000 events into the same core while the load
// process asks QueryService.GetChain (inspector token, over gRPC) for units of the first
// phase, one query at a time with a 20 ms pause, then as many again once the core is idle.
// A third phase asks whether either side starves when both push: four more gateways stream
// 100 000 events while QUERY_LANES lookups are always in flight (each lane asks its next the
// moment its answer comes), so a lookup is always waiting for the core.
import { spawn } from "node:child_process";
import { sign, verify } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateGatewayKey, parseCode } from "@suyuan/proto";
import { startCore } from "../../core/src/server.ts";
import type { LoadPlan, LoadPlanGateway, LoadResult } from "./lib/capture-load.ts";
import { unitCode, unitsIn } from "./lib/capture-units.ts";
import { rng } from "./lib/rng.ts";
import { median, rateSlices, report } from "./report.ts";

const BENCH = "capture";
const GATEWAYS = 4;
const BATCH_SIZE = 1000;
/** Batches per gateway: 4 × 50 × 1000 = 200 000 events. */
const BATCHES_PER_GATEWAY = 50;
const WINDOW = 4;
/** The second phase: 4 × 25 × 1000 = 100 000 events from other gateways, with chain lookups. */
const MIXED_BATCHES_PER_GATEWAY = 25;
const CHAIN_CODES = 500;
const CHAIN_PAUSE_MS = 20;
/** The third phase: GetChain calls always in flight while gateways stream. */
const QUERY_LANES = 8;
/** Gateway sets: phase 1, phase 2, phase 3 (each its own, so every batch is new). */
const PHASES = 3;

const YARDSTICK_SLICES = 8;
const YARDSTICK_SLICE_S = 0.25;

/** Ed25519 verifications per second in each of YARDSTICK_SLICES slices. */
function ed25519VerifyRates(): number[] {
  const key = generateGatewayKey();
  // About the size of a batch header's canonical bytes.
  const header = Buffer.alloc(150, 0x5a);
  const signature = sign(null, header, key.privateKey);
  return rateSlices(
    () => {
      for (let i = 0; i < 20; i++) verify(null, header, key.publicKey, signature);
    },
    20,
    YARDSTICK_SLICES,
    YARDSTICK_SLICE_S,
  );
}

function runLoad(planFile: string): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", join(import.meta.dirname, "lib", "capture-load.ts"), planFile],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let out = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (d: string) => {
      out += d;
    });
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code !== 0) return reject(new Error(`capture load process exited with ${code}`));
      try {
        resolve(JSON.parse(out.trim().split("\n").pop() ?? "") as LoadResult);
      } catch (e) {
        reject(new Error(`capture load process printed no result: ${String(e)}`));
      }
    });
  });
}

export async function run(): Promise<void> {
  // The yardstick before and after the capture, while the machine is otherwise quiet.
  const verifyBefore = ed25519VerifyRates();
  let r: LoadResult;
  let mixed: LoadResult;
  let contended: LoadResult;
  let cpu: NodeJS.CpuUsage;

  const dir = await mkdtemp(join(tmpdir(), "suyuan-bench-capture-"));
  const core = await startCore({ dataDir: dir });
  try {
    // Master data: each gateway's party, its site (so the location policy passes) and the
    // gateway's enrolment with its public key; a gateway token per gateway.
    const gateways: LoadPlanGateway[] = [];
    for (let i = 0; i < PHASES * GATEWAYS; i++) {
      // 7-digit company prefixes 0614140, 0614141, …, one per gateway.
      const cp = String(614140 + i).padStart(7, "0");
      const party = parseCode(`urn:epc:id:pgln:${cp}.00000`).canonical;
      const site = `urn:epc:id:sgln:${cp}.07346.0`;
      await core.master.putParty({ id: party, name: `Packer ${i}` });
      await core.master.putLocation({ id: site, name: `Packhouse ${i}`, party });
      const key = generateGatewayKey();
      const gatewayId = `bench-gw-${i}`;
      await core.master.enrollGateway({
        gatewayId,
        party,
        keys: [{ keyId: key.keyId, algorithm: "ed25519", publicKey: Buffer.from(key.publicKeyRaw).toString("base64") }],
      });
      const token = await core.auth.issueToken({ role: "gateway", party, gatewayId, label: gatewayId });
      gateways.push({
        gatewayId,
        token: token.token,
        keyId: key.keyId,
        privateKeyPem: key.privateKey.export({ format: "pem", type: "pkcs8" }).toString(),
        companyPrefix: cp,
        site,
        readPoints: [1, 2, 3].map((x) => `urn:epc:id:sgln:${cp}.07346.${x}`),
      });
    }
    const plan: LoadPlan = {
      address: core.grpcAddress,
      gateways: gateways.slice(0, GATEWAYS),
      batchesPerGateway: BATCHES_PER_GATEWAY,
      batchSize: BATCH_SIZE,
      window: WINDOW,
    };
    const planFile = join(dir, "plan.json");
    await writeFile(planFile, JSON.stringify(plan));
    const cpu0 = process.cpuUsage();
    r = await runLoad(planFile);
    // CPU of the core's process (every thread: event loop, LevelDB, GC helpers) per accepted
    // event: less sensitive than wall time to whatever else the machine is running.
    cpu = process.cpuUsage(cpu0);

    const random = rng(7);
    const units = unitsIn(BATCHES_PER_GATEWAY * BATCH_SIZE);
    const codes: string[] = [];
    for (let q = 0; q < CHAIN_CODES; q++) {
      const gi = Math.floor(random() * GATEWAYS);
      codes.push(unitCode(gateways[gi]!.companyPrefix, gi, Math.floor(random() * units)));
    }
    const inspector = await core.auth.issueToken({ role: "inspector", label: "bench inspector" });
    const mixedPlan: LoadPlan = {
      ...plan,
      gateways: gateways.slice(GATEWAYS, 2 * GATEWAYS),
      batchesPerGateway: MIXED_BATCHES_PER_GATEWAY,
      chainQueries: { token: inspector.token, codes, pauseMs: CHAIN_PAUSE_MS },
    };
    await writeFile(planFile, JSON.stringify(mixedPlan));
    mixed = await runLoad(planFile);

    const contendedPlan: LoadPlan = {
      ...plan,
      gateways: gateways.slice(2 * GATEWAYS),
      batchesPerGateway: MIXED_BATCHES_PER_GATEWAY,
      chainQueries: { token: inspector.token, codes, pauseMs: 0, concurrency: QUERY_LANES, idleAfter: false },
    };
    await writeFile(planFile, JSON.stringify(contendedPlan));
    contended = await runLoad(planFile);
  } finally {
    await core.stop();
    await rm(dir, { recursive: true, force: true });
  }
  const verifyAfter = ed25519VerifyRates();
  for (const x of [r, mixed, contended]) {
    if (x.batchesNotAccepted > 0 || x.rejected > 0) {
      console.error(
        `capture bench: ${x.batchesNotAccepted} batches not accepted, ${x.rejected} events rejected (${x.firstProblem ?? "?"})`,
      );
    }
  }
  const eventsPerS = r.accepted / (r.wallMs / 1000);
  const verifyPerS = median([...verifyBefore, ...verifyAfter]);
  report(BENCH, "capture_events_per_s", eventsPerS, "1/s");
  report(BENCH, "capture_ack_p50_ms", r.ackP50Ms, "ms");
  report(BENCH, "capture_ack_p99_ms", r.ackP99Ms, "ms");
  report(BENCH, "capture_events_accepted", r.accepted, "events");
  report(BENCH, "capture_core_cpu_us_per_event", (cpu.user + cpu.system) / Math.max(1, r.accepted), "us");
  // The load process (gateways' stand-in) shares the machine's cores with the core.
  report(BENCH, "capture_load_cpu_us_per_event", (r.cpuMs * 1000) / Math.max(1, r.accepted), "us");
  report(BENCH, "ed25519_verify_per_s", verifyPerS, "1/s");
  report(BENCH, "ed25519_verify_per_s_before", median(verifyBefore), "1/s");
  report(BENCH, "ed25519_verify_per_s_after", median(verifyAfter), "1/s");
  report(BENCH, "capture_to_verify_ratio", eventsPerS / verifyPerS, "ratio");
  report(BENCH, "capture_mixed_events_per_s", mixed.accepted / (mixed.wallMs / 1000), "1/s");
  const during = mixed.chainUnderLoad;
  const idle = mixed.chainIdle;
  if (during === undefined || idle === undefined) throw new Error("capture bench: the load process asked no chains");
  report(BENCH, "capture_chain_queries", during.queries, "queries");
  report(BENCH, "capture_chain_p50_ms", during.p50Ms, "ms");
  report(BENCH, "capture_chain_p99_ms", during.p99Ms, "ms");
  report(BENCH, "capture_chain_max_ms", during.maxMs, "ms");
  report(BENCH, "idle_chain_p50_ms", idle.p50Ms, "ms");
  report(BENCH, "idle_chain_p99_ms", idle.p99Ms, "ms");
  // Phase 3: capture and lookups that never pause, side by side.
  const pushed = contended.chainUnderLoad;
  if (pushed === undefined) throw new Error("capture bench: the load process asked no chains in phase 3");
  report(BENCH, "contended_capture_events_per_s", contended.accepted / (contended.wallMs / 1000), "1/s");
  report(BENCH, "contended_ack_p99_ms", contended.ackP99Ms, "ms");
  report(BENCH, "contended_chain_per_s", pushed.perS, "1/s");
  report(BENCH, "contended_chain_p50_ms", pushed.p50Ms, "ms");
  report(BENCH, "contended_chain_p99_ms", pushed.p99Ms, "ms");
}
