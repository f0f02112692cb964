import { SuyuanError } from "@suyuan/proto";

/** Structured log: a constant message and data in fields. */
export type Log = (msg: string, fields?: object) => void;
export const noLog: Log = () => {};

/** Timers by injection so reconnect backoff and inventory watchdogs are testable with fake time. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}
export const realTimers: Timers = {
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    // A driver's retry timer must not keep a gateway (or a test worker) alive on its own.
    t.unref?.();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/** What every driver takes by injection (all optional: defaults are real time, no logging). */
export interface DriverDeps {
  log?: Log;
  /** Receive time for reads that carry no device time. */
  now?: () => number;
  timers?: Timers;
}

/** Exponential backoff: initial, initial·factor, … capped at max. */
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  factor: number;
}
export const defaultBackoff: BackoffOptions = { initialMs: 200, maxMs: 10_000, factor: 2 };

export function backoffDelay(attempt: number, o: BackoffOptions): number {
  return Math.min(o.maxMs, o.initialMs * o.factor ** Math.max(0, attempt));
}

export function openFailed(deviceId: string, reason: string, cause?: unknown): SuyuanError {
  return new SuyuanError("DRIVER_OPEN_FAILED", `device ${deviceId}: ${reason}`, {
    field: deviceId,
    ...(cause === undefined ? {} : { cause }),
  });
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
