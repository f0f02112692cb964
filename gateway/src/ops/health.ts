// /healthz assessment: "ok", or "degraded" with one reason per problem an operator must see.
// Pure: main.ts gathers the inputs.

export interface HealthInput {
  core: {
    connected: boolean;
    halted?: string | undefined;
    lastError?: string | undefined;
    lastAckAt?: string | undefined;
  };
  recalls?: { connected: boolean; active: number };
  outbox: {
    batches: number;
    bytes: number;
    quotaBytes: number;
    full: boolean;
    oldestUnackedSeconds: number;
    deadLetters: number;
  };
  devices: Array<{ id: string; kind: string; connected: boolean; reads: number; errors: number }>;
  readsPerSecond?: number;
}

export interface HealthReport extends HealthInput {
  status: "ok" | "degraded";
  reasons: string[];
}

/** Outbox fill at which health degrades (well before backpressure starts at 100 %). */
export const OUTBOX_FILL_WARN = 0.8;

export function assessHealth(h: HealthInput): HealthReport {
  const reasons: string[] = [];
  if (h.core.halted) reasons.push(`core: uplink halted (${h.core.halted}); outbox kept, operator action needed`);
  else if (!h.core.connected) reasons.push(`core: not connected${h.core.lastError ? ` (${h.core.lastError})` : ""}`);
  const fill = h.outbox.quotaBytes > 0 ? h.outbox.bytes / h.outbox.quotaBytes : 0;
  if (h.outbox.full) reasons.push("outbox: FULL — devices held back (backpressure)");
  else if (fill >= OUTBOX_FILL_WARN) reasons.push(`outbox: ${Math.round(fill * 100)}% of quota used`);
  if (h.outbox.deadLetters > 0) reasons.push(`dead letters: ${h.outbox.deadLetters} events rejected by the core`);
  for (const d of h.devices) if (!d.connected) reasons.push(`device ${d.id} (${d.kind}): not connected`);
  return { status: reasons.length === 0 ? "ok" : "degraded", reasons, ...h };
}
