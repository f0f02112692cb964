/** One benchmark figure as a JSON line on standard output. */
export function report(bench: string, metric: string, value: number, unit: string): void {
  const rounded = Math.abs(value) >= 100 ? Math.round(value) : Math.round(value * 1000) / 1000;
  console.log(JSON.stringify({ bench, metric, value: rounded, unit }));
}

/** Nearest-rank percentile (p from 0 to 100) of numbers sorted ascending; NaN when there are none. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1]!;
}

/** The nearest-rank median of numbers in any order. */
export function median(xs: readonly number[]): number {
  return percentile(
    [...xs].sort((a, b) => a - b),
    50,
  );
}

/**
 * Run `fn` (which processes `perCall` items) repeatedly for about `seconds` after a warm-up
 * and return items per second over the timed part.
 */
export function ratePerSecond(fn: () => void, perCall: number, seconds = 2): number {
  return rateSlices(fn, perCall, 1, seconds)[0]!;
}

/**
 * As ratePerSecond, timed in `slices` back-to-back slices of `seconds` each (after one
 * warm-up): one rate per slice, so a caller can see how much a shared machine's speed moved
 * and take their median rather than one window's luck.
 */
export function rateSlices(fn: () => void, perCall: number, slices: number, seconds: number): number[] {
  const warmUntil = performance.now() + 300;
  while (performance.now() < warmUntil) fn();
  const rates: number[] = [];
  for (let s = 0; s < slices; s++) {
    let calls = 0;
    const start = performance.now();
    const end = start + seconds * 1000;
    let now = start;
    while (now < end) {
      fn();
      calls++;
      now = performance.now();
    }
    rates.push((calls * perCall) / ((now - start) / 1000));
  }
  return rates;
}
