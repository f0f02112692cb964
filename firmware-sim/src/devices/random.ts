/**
 * Seeded pseudo-random numbers so a noisy run reproduces: mulberry32 (a 32-bit state, period
 * 2^32), plenty for simulation noise and not for anything secret.
 */

/** A source of uniform numbers in [0, 1). Emulators take one by injection. */
export type Random = () => number;

export function mulberry32(seed: number): Random {
  if (!Number.isFinite(seed)) throw new TypeError("seed must be a finite number");
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Integer in [min, max] inclusive. */
export function randomInt(rng: Random, min: number, max: number): number {
  if (!Number.isInteger(min) || !Number.isInteger(max) || max < min) throw new TypeError("need integers min ≤ max");
  return min + Math.floor(rng() * (max - min + 1));
}

/** Uniform in [min, max). */
export function randomBetween(rng: Random, min: number, max: number): number {
  return min + rng() * (max - min);
}

/** Standard normal variate (Box–Muller). */
export function randomNormal(rng: Random): number {
  let u = 0;
  while (u === 0) u = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

export function chance(rng: Random, p: number): boolean {
  return p > 0 && rng() < p;
}
