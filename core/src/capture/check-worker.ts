// A capture check worker thread: runs checkBatchEvents (batch-check.ts) on the batches the
// pool (check-pool.ts) hands it and posts the packed answers back, their buffers transferred.
import { getPriority, setPriority } from "node:os";
import { parentPort, workerData } from "node:worker_threads";
import { checkBatchEvents, decodeSignedBatch, errorText, KeyCache, Refusal } from "./batch-check.ts";
import type { CheckReply, CheckRequest, CheckWorkerData } from "./check-pool.ts";

const port = parentPort;
if (port === null) throw new Error("check-worker.ts runs only as a worker thread");

lowerPriority((workerData as CheckWorkerData).niceSteps);

/**
 * Lowers this thread's CPU priority by `steps` nice steps (at most to 19), so the event loop
 * (queries, acks) goes first when the cores are busy (check-pool.ts WORKER_NICE_STEPS). Only
 * on Linux, where a nice value belongs to a thread (setpriority of "0" is the calling thread);
 * elsewhere it would be the whole process's. Lowering one's own priority needs no privilege;
 * if it fails anyway the worker runs as it is.
 */
function lowerPriority(steps: number): void {
  if (process.platform !== "linux" || !(steps > 0)) return;
  try {
    const now = getPriority(0);
    setPriority(0, Math.min(19, now + steps));
  } catch {
    // Not worth failing capture over.
  }
}

const keys = new KeyCache(1000);

port.on("message", (req: CheckRequest) => {
  let reply: CheckReply;
  let transfer: ArrayBuffer[] = [];
  try {
    const batch = decodeSignedBatch(req.bytes, req.events);
    const checked = checkBatchEvents(batch, req.header, keys.get(req.algorithm, req.publicKey), req.ctx, true);
    reply = { id: req.id, checked };
    const x = checked.indexes;
    transfer = [
      checked.digests,
      checked.records,
      checked.recordEnds,
      checked.leaves,
      checked.logKeys,
      ...(x === undefined ? [] : [x.bytes, x.rows, x.eventRows, x.holeStarts, x.holes, x.packed]),
    ].map((a) => a.buffer as ArrayBuffer);
  } catch (e) {
    reply =
      e instanceof Refusal
        ? { id: req.id, refusal: { code: e.code, reason: e.reason, field: e.field } }
        : { id: req.id, error: errorText(e) };
  }
  port.postMessage(reply, transfer);
});
