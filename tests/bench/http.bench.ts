// npm run bench -- http (issue 6 §4): the chain of a code over the core's HTTP side, and the
// inspector page in Debian's Chromium.
//
// A core with a LevelDB store in a temp folder is seeded through the real capture path
// (lib/http-ledger.ts: ~50 000 events of a mango → juice chain in partner EPCIS documents),
// then stopped and started again on the same folder so the query engine's caches start empty.
//
//   http_chain_*      GET /api/v1/chain?code=<bottle>&proofs=1 with an inspector token over one
//                     keep-alive connection (node fetch), one request at a time, timed from the
//                     request to the last body byte. 20 warm-up requests on other bottles (JIT,
//                     connection, shared lot/mango steps), then 500 distinct random sold bottles:
//                     http_chain_p50_ms / _p99_ms. The same 500 again: http_chain_warm_*
//                     (every event of every chain cached).
//   page_first_chain  the inspector page `/?code=<bottle>` (its own URL parameter; the token in
//                     the tab's session storage, as the page keeps it) in a fresh browser
//                     context each run (cold HTTP cache), from navigation start (the page's
//                     performance time origin) until the timeline shows every step with its
//                     proof badge verified and the checkpoint badge verified. 11 runs on
//                     bottles not asked before, the first discarded, median reported.
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseCode } from "@suyuan/proto";
import { chromium } from "playwright-core";
import { startCore } from "../../core/src/server.ts";
import { randomSoldBottles, seedJuiceLedger } from "./lib/http-ledger.ts";
import { median, percentile, report } from "./report.ts";

const BENCH = "http";
const WARMUP = 20;
const REQUESTS = 500;
const PAGE_RUNS = 11;
const CHROMIUM = "/usr/bin/chromium";
/** The flags of the browser tests (tests/browser/pages.test.ts). */
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--no-first-run",
  "--disable-component-update",
  "--disable-sync",
];

interface Timed {
  ms: number[];
  bytes: number;
  steps: number;
  failures: number;
}

async function chainRequests(base: string, token: string, codes: string[]): Promise<Timed> {
  const out: Timed = { ms: [], bytes: 0, steps: 0, failures: 0 };
  for (const code of codes) {
    const url = `${base}/api/v1/chain?code=${encodeURIComponent(code)}&proofs=1`;
    const t0 = performance.now();
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    const body = await res.text();
    out.ms.push(performance.now() - t0);
    out.bytes += body.length;
    if (res.status !== 200) {
      out.failures++;
      continue;
    }
    out.steps += (JSON.parse(body) as { steps: unknown[] }).steps.length;
  }
  out.ms.sort((a, b) => a - b);
  return out;
}

/**
 * Installed before the page's scripts (a string: this project type-checks without the DOM
 * library): records performance.now() — ms since navigation start — the first moment the
 * timeline has every step's proof badge verified and the checkpoint badge verified, or the
 * reason of the first badge that failed.
 */
const WATCH_FOR_VERIFIED_CHAIN = `(() => {
  const check = () => {
    if (window.__chainDone !== undefined || window.__chainFailed !== undefined) return;
    const failed = document.querySelector('[data-verify="failed"]');
    if (failed !== null) {
      window.__chainFailed = failed.getAttribute("data-reason") || "failed";
      return;
    }
    const timeline = document.getElementById("timeline");
    if (timeline === null) return;
    const steps = timeline.querySelectorAll("li.step").length;
    if (steps === 0) return;
    if (document.querySelector('[data-verify="checking"]') !== null) return;
    if (timeline.querySelectorAll('[data-verify="ok"]').length !== steps) return;
    if (document.querySelector('#checkpoint [data-verify="ok"]') === null) return;
    window.__chainDone = performance.now();
    window.__chainSteps = steps;
  };
  new MutationObserver(check).observe(document, { childList: true, subtree: true, attributes: true });
})();`;

const RESULT = `(() => {
  const api = performance.getEntriesByType("resource").find((e) => e.name.includes("/api/v1/chain"));
  return { done: window.__chainDone, failed: window.__chainFailed, steps: window.__chainSteps, fetchEnd: api && api.responseEnd };
})()`;

async function pageRuns(base: string, token: string, codes: string[]) {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const runs: { done: number; fetchEnd: number; steps: number }[] = [];
  try {
    for (const code of codes) {
      const context = await browser.newContext({ locale: "en-GB", viewport: { width: 1100, height: 900 } });
      try {
        // The token where the page keeps it (inspector.js: sessionStorage "suyuan.token").
        await context.addInitScript({ content: `sessionStorage.setItem("suyuan.token", ${JSON.stringify(token)});` });
        await context.addInitScript({ content: WATCH_FOR_VERIFIED_CHAIN });
        const page = await context.newPage();
        await page.goto(`${base}/?code=${encodeURIComponent(code)}`);
        // A function, not a string: the page's CSP (script-src 'self') forbids eval.
        await page.waitForFunction(
          () => {
            const w = globalThis as { __chainDone?: number; __chainFailed?: string };
            return w.__chainDone !== undefined || w.__chainFailed !== undefined;
          },
          undefined,
          { timeout: 30_000, polling: 50 },
        );
        const r = (await page.evaluate(RESULT)) as {
          done?: number;
          failed?: string;
          steps?: number;
          fetchEnd?: number;
        };
        if (r.failed !== undefined || r.done === undefined) {
          throw new Error(`inspector page did not verify the chain of ${code}: ${r.failed ?? "no result"}`);
        }
        runs.push({ done: r.done, fetchEnd: r.fetchEnd ?? Number.NaN, steps: r.steps ?? 0 });
      } finally {
        await context.close();
      }
    }
  } finally {
    await browser.close();
  }
  return runs.slice(1);
}

export async function run(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), "suyuan-bench-http-"));
  try {
    // Seed through capture, then restart on the same folder: the served core starts cold.
    const seeding = await startCore({ dataDir, httpAddress: "127.0.0.1:0" });
    const t0 = performance.now();
    let seeded: Awaited<ReturnType<typeof seedJuiceLedger>>;
    try {
      seeded = await seedJuiceLedger(seeding);
    } finally {
      await seeding.stop();
    }
    if (seeded.rejected > 0) throw new Error(`seed events rejected (${seeded.rejected}): ${seeded.firstRejection}`);
    report(BENCH, "seed_capture_s", (performance.now() - t0) / 1000, "s");

    const core = await startCore({ dataDir, httpAddress: "127.0.0.1:0" });
    try {
      report(BENCH, "ledger_events", core.ledger.size(), "events");
      const base = core.httpUrl;
      if (base === undefined) throw new Error("the core serves no HTTP");
      const { token } = await core.auth.issueToken({ role: "inspector", label: "http bench inspector" });

      const picks = randomSoldBottles(WARMUP + REQUESTS + PAGE_RUNS, 42).map((c) => parseCode(c).canonical);
      const warmup = picks.slice(0, WARMUP);
      const measured = picks.slice(WARMUP, WARMUP + REQUESTS);
      const forPages = picks.slice(WARMUP + REQUESTS);

      await chainRequests(base, token, warmup);
      const first = await chainRequests(base, token, measured);
      report(BENCH, "http_chain_p50_ms", percentile(first.ms, 50), "ms");
      report(BENCH, "http_chain_p99_ms", percentile(first.ms, 99), "ms");
      report(BENCH, "http_chain_steps_avg", first.steps / measured.length, "steps");
      report(BENCH, "http_chain_body_kb_avg", first.bytes / measured.length / 1024, "KiB");
      if (first.failures > 0) report(BENCH, "http_chain_failures", first.failures, "requests");
      const warm = await chainRequests(base, token, measured);
      report(BENCH, "http_chain_warm_p50_ms", percentile(warm.ms, 50), "ms");
      report(BENCH, "http_chain_warm_p99_ms", percentile(warm.ms, 99), "ms");

      if (!existsSync(CHROMIUM)) {
        console.error(`${CHROMIUM} is missing: page_first_chain_ms not measured (apt-get install -y chromium)`);
        return;
      }
      const runs = await pageRuns(base, token, forPages);
      report(BENCH, "page_first_chain_ms", median(runs.map((r) => r.done)), "ms");
      report(BENCH, "page_chain_response_end_ms", median(runs.map((r) => r.fetchEnd)), "ms");
      report(BENCH, "page_chain_steps", median(runs.map((r) => r.steps)), "steps");
    } finally {
      await core.stop();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}
