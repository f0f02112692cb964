// A capture check worker thread: runs checkBatchEvents (batch-check.ts) on the batches the
// pool (check-pool.ts) hands it and posts the packed answers back, their buffers transferred.
import { parentPort } from "node:worker_threads";
import { checkBatchEvents, decodeSignedBatch, errorText, KeyCache, Refusal } from "./batch-check.ts";
import type { CheckReply, CheckRequest } from "./check-pool.ts";

const port = parentPort;
if (port === null) throw new Error("check-worker.ts runs only as a worker thread");

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
