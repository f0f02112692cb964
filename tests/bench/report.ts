/** One benchmark figure as a JSON line on standard output. */
export function report(bench: string, metric: string, value: number, unit: string): void {
  const rounded = Math.abs(value) >= 100 ? Math.round(value) : Math.round(value * 1000) / 1000;
  console.log(JSON.stringify({ bench, metric, value: rounded, unit }));
}

/**
 * Run `fn` (which processes `perCall` items) repeatedly for about `seconds` after a warm-up
 * and return items per second over the timed part.
 */
export function ratePerSecond(fn: () => void, perCall: number, seconds = 2): number {
  const warmUntil = performance.now() + 300;
  while (performance.now() < warmUntil) fn();
  let calls = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  let now = start;
  while (now < end) {
    fn();
    calls++;
    now = performance.now();
  }
  return (calls * perCall) / ((now - start) / 1000);
}
