// Entry of a capture check worker thread (check-pool.ts). The core runs from TypeScript
// sources through tsx; a worker thread does not inherit the loader the parent registered, so
// it loads its TypeScript entry through tsx's API.
import { workerData } from "node:worker_threads";
import { tsImport } from "tsx/esm/api";

await tsImport(workerData.entry, import.meta.url);
