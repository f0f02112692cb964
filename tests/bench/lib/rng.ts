/** Deterministic pseudo-random numbers in [0, 1) (mulberry32): benches generate the same data every run. */
export { mulberry32 as rng } from "../../../firmware-sim/src/devices/random.ts";
