// Entry of the gateway benchmark's load phases: run by gateway/launch.mjs in the gateway worker,
// transpiled and with the heap `suyuan gateway start` has (gateway/launch.mjs GATEWAY_HEAP), so
// the figures are those of the gateway as it runs in production. `workerData.args[0]` names the
// phase; the figures are printed as JSON lines (tests/bench/report.ts).
import { workerData } from "node:worker_threads";
import { flatOut, paced } from "./gateway-load.ts";

const phase = (workerData as { args?: string[] } | null)?.args?.[0];
if (phase === "paced") await paced();
else if (phase === "flatout") await flatOut();
else throw new TypeError(`gateway-worker.ts: unknown phase ${JSON.stringify(phase)} (paced, flatout)`);
