/**
 * Drives a pipeline's clock: calls `tick` every `intervalMs` and hands the events to a sink.
 * The only timer of the pipeline; the stages themselves stay pure. The sink is awaited before the
 * next tick's events are handed over, so events reach the next stage in order.
 */
import type { EpcisEvent } from "@suyuan/proto";
import type { Pipeline } from "./pipeline.ts";
import { noLog, type PipelineLog } from "./types.ts";

export interface TickerOptions {
  /** Default 50 ms: cycle ends and timeouts are noticed within one interval. */
  intervalMs?: number;
  now: () => number;
  onEvents: (events: EpcisEvent[]) => void | Promise<void>;
  log?: PipelineLog;
}

export interface Ticker {
  /** Stops the timer and runs a last tick (flushing events already produced). */
  stop(): Promise<void>;
}

export function startTicker(pipeline: Pipeline, opts: TickerOptions): Ticker {
  const log = opts.log ?? noLog;
  let chain: Promise<void> = Promise.resolve();
  let stopped = false;
  const run = (): void => {
    const events = pipeline.tick(opts.now());
    if (events.length === 0) return;
    chain = chain
      .then(() => opts.onEvents(events))
      .catch((e: unknown) => {
        // The sink (the batcher) owns durability; a failure there is its to report, but it must
        // not stop the clock or lose the order of later events.
        log("pipeline.ticker.sink_failed", { events: events.length, error: String(e) });
      });
  };
  const timer = setInterval(run, opts.intervalMs ?? 50);
  return {
    async stop() {
      if (stopped) return chain;
      stopped = true;
      clearInterval(timer);
      run();
      await chain;
    },
  };
}
