/**
 * Real-world noise, pure: what an inventory round reports for the tags in a reader's field, and
 * how bytes on a serial line get damaged. Emulators apply these with a seeded `Random` so a
 * noisy run reproduces exactly.
 *
 * What is modelled and why:
 * - missed reads: a Gen2 inventory round singulates only part of the population (collisions,
 *   orientation, detuning near liquids and metal); 60–70 % per round is normal at a dock door;
 * - repeated reads: a tag that stays in the field answers every round, and readers without
 *   on-board filtering report it each time (many times per second);
 * - cross-reads: tags at a neighbouring dock door, seen weakly through side lobes;
 * - corrupt frames: byte errors and cut frames on a serial line (noise, a baud glitch, a reset).
 */
import { chance, type Random, randomInt } from "./random.ts";

/** A tag the scenario has placed in a reader's field. */
export interface TagInField {
  /** EPC bank, hex (whole 16-bit words). */
  epc: string;
  antenna?: number;
  /** dBm; default: drawn per report in −65..−45. */
  rssi?: number;
}

/** One tag report an inventory round produces. */
export interface TagReport {
  epc: string;
  antenna: number;
  /** dBm, integer. */
  rssi: number;
  /** True for a tag from the neighbouring door (not really present: a phantom for ground truth). */
  crossRead: boolean;
}

export interface CrossReadNoise {
  /** EPC hex of the tags at the neighbouring door. */
  tags: readonly string[];
  /** Probability, per neighbouring tag and round, that it is reported here. */
  probability: number;
  /** dBm range of a cross-read (default −82..−72: well below a tag in the field). */
  rssi?: readonly [number, number];
}

export interface ReadNoise {
  /** Probability that a present tag is reported in a round (default 1 = noise off). */
  readRate?: number;
  /** Reports per reported tag per round: a number, or an inclusive [min, max] (default 1). */
  repeats?: number | readonly [number, number];
  crossReads?: CrossReadNoise;
}

export interface SerialNoise {
  /** Probability that a frame (or a scanner line) written to the serial line is damaged (default 0). */
  corruptRate?: number;
}

export function validateReadNoise(n: ReadNoise | undefined): void {
  if (n === undefined) return;
  if (n.readRate !== undefined && !(n.readRate >= 0 && n.readRate <= 1)) throw new TypeError("readRate must be 0..1");
  const [lo, hi] = repeatRange(n.repeats);
  if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < 1 || hi < lo) {
    throw new TypeError("repeats must be an integer ≥ 1 or a range [min, max] of such");
  }
  const c = n.crossReads;
  if (c !== undefined && !(c.probability >= 0 && c.probability <= 1)) {
    throw new TypeError("crossReads.probability must be 0..1");
  }
}

function repeatRange(r: ReadNoise["repeats"]): readonly [number, number] {
  if (r === undefined) return [1, 1];
  return typeof r === "number" ? [r, r] : r;
}

/**
 * One inventory round: each present tag is reported with probability `readRate`, `repeats`
 * times; each neighbouring tag is cross-read with its probability at low RSSI. Order is
 * shuffled the way singulation order is random.
 */
export function inventoryRound(
  field: readonly TagInField[],
  noise: ReadNoise | undefined,
  rng: Random,
  defaultAntenna = 1,
): TagReport[] {
  const readRate = noise?.readRate ?? 1;
  const [lo, hi] = repeatRange(noise?.repeats);
  const out: TagReport[] = [];
  for (const t of field) {
    if (readRate < 1 && !chance(rng, readRate)) continue;
    const k = lo === hi ? lo : randomInt(rng, lo, hi);
    for (let i = 0; i < k; i++) {
      out.push({
        epc: t.epc,
        antenna: t.antenna ?? defaultAntenna,
        rssi: t.rssi ?? randomInt(rng, -65, -45),
        crossRead: false,
      });
    }
  }
  const c = noise?.crossReads;
  if (c !== undefined && c.probability > 0) {
    const [rlo, rhi] = c.rssi ?? [-82, -72];
    for (const epc of c.tags) {
      if (chance(rng, c.probability)) {
        out.push({ epc, antenna: defaultAntenna, rssi: randomInt(rng, rlo, rhi), crossRead: true });
      }
    }
  }
  // Fisher–Yates: Gen2 singulation answers in slot order, which is random (ISO/IEC 18000-63 §6.3.2.10).
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const a = out[i] as TagReport;
    out[i] = out[j] as TagReport;
    out[j] = a;
  }
  return out;
}

/**
 * Damages one frame: either flips one byte (XOR with a non-zero mask) or cuts the frame short.
 * A flipped byte always changes the M100 checksum, the 0xBB header, PL or the 0x7E end, so the
 * host's decoder can always detect it; a cut frame leaves a false header for it to skip.
 */
export function corruptFrame(frame: Uint8Array, rng: Random): Buffer {
  const out = Buffer.from(frame);
  if (out.length < 2) return out;
  if (rng() < 0.5) {
    const i = Math.floor(rng() * out.length);
    out[i] = (out[i] as number) ^ randomInt(rng, 1, 255);
    return out;
  }
  return out.subarray(0, randomInt(rng, 1, out.length - 1));
}

/**
 * Line noise between scanner lines: control bytes a floating RX line or a baud glitch produces.
 * Never CR, LF (suffixes), GS, RS or EOT (data in GS1 and ISO/IEC 15434 scans), so the host's
 * line decoder drops them and the scans themselves arrive intact.
 */
const NOISE_BYTES = [0x00, 0x01, 0x02, 0x03, 0x07, 0x08, 0x0b, 0x0c, 0x0e, 0x11, 0x13, 0x18, 0x1b, 0x7f];
export function lineNoise(rng: Random, maxBytes = 4): Buffer {
  const n = randomInt(rng, 1, Math.max(1, maxBytes));
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = NOISE_BYTES[Math.floor(rng() * NOISE_BYTES.length)] as number;
  return out;
}
