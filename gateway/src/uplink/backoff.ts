// Reconnect delays after the gRPC connection-backoff algorithm (grpc/grpc
// doc/connection-backoff.md): INITIAL_BACKOFF 1 s, MULTIPLIER 1.6, JITTER 0.2, MAX_BACKOFF
// 120 s; each wait is the current backoff ± JITTER × backoff, uniformly, so that many gateways
// coming back after a core restart do not reconnect in lock step.

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  multiplier: number;
  /** Fraction in [0, 1). */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 1000, maxMs: 120_000, multiplier: 1.6, jitter: 0.2 };

/** The wait before reconnect attempt `attempt` (0-based); `random` returns [0, 1). */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number): number {
  const base = Math.min(policy.initialMs * policy.multiplier ** Math.max(0, attempt), policy.maxMs);
  const spread = base * policy.jitter;
  return Math.max(0, Math.round(base - spread + random() * 2 * spread));
}
