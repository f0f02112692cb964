import type { Timers } from "../common/deps.ts";

/** Timers a test fires by hand, recording each requested delay (for backoff assertions). */
export class ManualTimers implements Timers {
  private nextId = 1;
  readonly pending = new Map<number, { fn: () => void; ms: number }>();
  readonly delays: number[] = [];

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.pending.set(id, { fn, ms });
    this.delays.push(ms);
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }
  /** Runs every timer pending now (not ones they schedule), then lets I/O callbacks settle. */
  async fireAll(): Promise<void> {
    const due = [...this.pending.entries()];
    this.pending.clear();
    for (const [, t] of due) t.fn();
    await settle();
  }
}

/** Lets promise jobs and next-tick / immediate callbacks run (mock serial I/O is tick-based). */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}
