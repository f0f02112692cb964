/** Test support (used by *.test.ts only): collect a driver's reads, poll for a condition. */

export function collect<T>(d: { reads(): AsyncIterable<T> }): { reads: T[]; done: Promise<void> } {
  const reads: T[] = [];
  const done = (async () => {
    for await (const r of d.reads()) reads.push(r);
  })();
  return { reads, done };
}

/** Polls until `cond()` holds (real time, bounded): for I/O through real ptys and sockets. */
export async function waitFor(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
