// How a gateway process runs (issue 4 §6: resident memory ≤ 150 MB at the design load). Plain
// JavaScript with Node built-ins only, so the process that loads it stays small.
//
// `suyuan gateway start` (cli/bin/suyuan.mjs) and the gateway benchmark (tests/bench) both run
// their entry point through `runGatewayEntry`, so the benchmark measures the gateway exactly as
// it runs in production:
//
// 1. Transpiled JavaScript, not tsx: the entry is bundled by gateway/scripts/build.mjs into
//    gateway/dist/ (rebuilt when a source file changed, checked by size and mtime). tsx's
//    loader would cost the process ~35 MB resident for its whole life.
// 2. In a worker thread whose V8 heap is sized for the gateway (`GATEWAY_HEAP`). Node 20 reads
//    heap flags (--max-semi-space-size, --max-old-space-size) only at process start, and a
//    re-spawned child would break what the outbox promises for `kill -9` (a killed parent
//    would leave its child running, holding the outbox). A worker's `resourceLimits` size its
//    heap in the same process: a signal, or kill -9, reaches the whole gateway. Serial ports
//    stay on the main thread (gateway/serial-host.mjs), where the native binding can read.
//
// When the build cannot be made (no esbuild, a read-only tree without a prebuilt dist/),
// `runGatewayEntry` returns undefined and the caller runs the TypeScript through tsx as before.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { MessageChannel, Worker } from "node:worker_threads";
import { serveSerial } from "./serial-host.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = resolve(here, "..");
const BUILD_SCRIPT = join(here, "scripts/build.mjs");
const DIST = join(here, "dist");
/** Must match gateway/scripts/build.mjs (a manifest of another format is stale). */
const BUILD_FORMAT = 2;

/**
 * The gateway's V8 heap (worker `resourceLimits`, in MB).
 *
 * - Young generation 6 MB (2 MB semi-spaces, V8 sizes it 3 × semi-space) instead of V8's
 *   default 48 MB ceiling on 64-bit. At the design load (20 000 reads/s) the process allocates
 *   ~20 MB/s, nearly all of it short-lived (the read loop's promises, event building): with
 *   2 MB semi-spaces that is a scavenge every ~0.1 s of ~1–2 ms (a few % of a core; the bench's
 *   paced CPU did not measurably change from 4 MB semi-spaces, and RSS fell by ~9 MB). The
 *   default semi-spaces grow to 2 × 16 MB of resident memory that only make scavenges rarer.
 * - Old generation capped at 512 MB. V8 lets the old generation grow to 4 × the live heap
 *   before a full GC when the cap is ≥ 2 GB (the default on a 64-bit machine with a few GB),
 *   and only ~1.4 × under a 512 MB cap (V8 heap-controller: the growing factor scales with the
 *   cap). The live heap at the design load is ~40 MB, and ~150 MB with the largest decode
 *   cache (pipeline/decode.ts MAX_ADAPTIVE_CACHE, ~80 MB) full: 512 MB is headroom, not a
 *   limit the gateway works against. Beyond it the worker ends with ERR_WORKER_OUT_OF_MEMORY
 *   and the process exits 1: what is sealed is in the outbox, as after kill -9, and the
 *   supervisor (systemd Restart=always, the system runner) restarts it.
 */
export const GATEWAY_HEAP = Object.freeze({ maxYoungGenerationSizeMb: 6, maxOldGenerationSizeMb: 512 });

/** The JavaScript module of `entry` in gateway/dist/ (by its path in the repository). */
export function distPathOf(entry) {
  const rel = relative(REPO_ROOT, resolve(entry)).split(sep).join("__");
  return join(DIST, rel.replace(/\.ts$/, ".mjs"));
}

/** True when `out` was built from the current sources (every input unchanged). */
function fresh(out) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(`${out}.inputs.json`, "utf8"));
  } catch {
    return false;
  }
  if (manifest.format !== BUILD_FORMAT || !existsSync(out)) return false;
  for (const [file, [size, mtimeMs]] of Object.entries(manifest.inputs)) {
    try {
      const s = statSync(join(REPO_ROOT, file));
      if (s.size !== size || s.mtimeMs !== mtimeMs) return false;
    } catch {
      return false;
    }
  }
  return true;
}

/**
 * The transpiled module of `entry` (a .ts file of the repository), built now if missing or
 * stale. Builds in a child process, so esbuild is never loaded into the gateway. Returns
 * `{ file }`, or `{ error }` when no build could be made.
 */
export function ensureBuilt(entry) {
  const out = distPathOf(entry);
  if (fresh(out)) return { file: out };
  try {
    mkdirSync(DIST, { recursive: true });
  } catch (e) {
    return { error: `cannot create ${DIST}: ${e.message}` };
  }
  const r = spawnSync(process.execPath, [BUILD_SCRIPT, resolve(entry), out], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "ignore", "pipe"],
    encoding: "utf8",
  });
  if (r.status !== 0) return { error: (r.stderr || r.error?.message || `build exited ${r.status}`).trim() };
  return { file: out };
}

/**
 * Runs `entry` in a gateway worker (transpiled, `GATEWAY_HEAP`) and resolves with its exit code,
 * or with undefined (and `onUnavailable(reason)` called) when it cannot be built.
 *
 * The worker gets `args` as `workerData.args`, and the port of this thread's serial host as
 * `workerData.serialHost` (gateway/serial-host.mjs). The first SIGINT or SIGTERM is handed to it as a
 * `{ type: "stop", signal }` message: worker threads receive no signals of their own, and the
 * entry decides how to stop (the gateway seals, flushes and closes its outbox).
 */
export async function runGatewayEntry(entry, args, { onUnavailable } = {}) {
  const built = ensureBuilt(entry);
  if (built.file === undefined) {
    onUnavailable?.(built.error);
    return undefined;
  }
  // Serial ports are opened on this thread (gateway/serial-host.mjs says why).
  const serial = new MessageChannel();
  const closeSerial = serveSerial(serial.port1);
  const worker = new Worker(pathToFileURL(built.file), {
    workerData: { args, serialHost: serial.port2 },
    transferList: [serial.port2],
    resourceLimits: GATEWAY_HEAP,
  });
  // Once, as a process handling its own signals would: a second signal finds no handler and
  // ends the process (an operator's second Ctrl-C while a stop hangs).
  const forward = (signal) => {
    process.off("SIGINT", forward);
    process.off("SIGTERM", forward);
    worker.postMessage({ type: "stop", signal });
  };
  process.on("SIGINT", forward);
  process.on("SIGTERM", forward);
  try {
    return await new Promise((resolveCode) => {
      let failed = false;
      worker.on("error", (e) => {
        failed = true;
        process.stderr.write(`${e?.stack ?? String(e)}\n`);
      });
      worker.on("exit", (code) => resolveCode(failed && code === 0 ? 1 : code));
    });
  } finally {
    process.off("SIGINT", forward);
    process.off("SIGTERM", forward);
    await closeSerial();
  }
}

// `node gateway/launch.mjs ENTRY.ts [ARGS…]`: runs an entry as the gateway runs (the gateway
// benchmark starts its load phases this way). `--build-only` just builds the entry.
if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [first, ...rest] = process.argv.slice(2);
  if (first === "--build-only") {
    let failed = false;
    for (const e of rest.length > 0 ? rest : [join(here, "src/start-worker.ts")]) {
      const r = ensureBuilt(e);
      process.stderr.write(r.file ? `built ${relative(REPO_ROOT, r.file)}\n` : `${e}: ${r.error}\n`);
      failed ||= r.file === undefined;
    }
    process.exitCode = failed ? 1 : 0;
  } else if (first === undefined) {
    process.stderr.write("usage: node gateway/launch.mjs ENTRY.ts [ARGS…] | --build-only [ENTRY.ts…]\n");
    process.exitCode = 2;
  } else {
    const code = await runGatewayEntry(first, rest, {
      onUnavailable: (why) => process.stderr.write(`gateway build unavailable: ${why}\n`),
    });
    process.exitCode = code ?? 1;
  }
}
