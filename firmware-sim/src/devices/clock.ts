/**
 * Time by injection: emulators schedule their rounds, heartbeats and scan pauses through a
 * `Scheduler`, so tests can run them with vitest fake timers or a manual clock, and scenarios
 * can speed the world up.
 */
export interface Scheduler {
  /** Milliseconds since the epoch (device time stamped on messages). */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realScheduler: Scheduler = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/** Resolves after `ms` on the scheduler's time (immediately, on the next tick, for ms ≤ 0). */
export function sleep(s: Scheduler, ms: number): Promise<void> {
  return new Promise((resolve) => {
    s.setTimeout(resolve, Math.max(0, ms));
  });
}

/** Structured log: a constant message and data in fields. */
export type Log = (msg: string, fields?: object) => void;
export const noLog: Log = () => {};

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
