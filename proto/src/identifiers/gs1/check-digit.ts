// GS1 check digit and check character pair calculations.

/**
 * GS1 mod-10 check digit (GS1 General Specifications §7.9.1): weights 3,1,3,1… from the
 * rightmost data digit. `digits` is the key WITHOUT its check digit and must hold only 0–9
 * (programmer error otherwise). Returns the check digit 0–9.
 */
export function gs1CheckDigit(digits: string): number {
  let sum = 0;
  let weight = 3;
  for (let i = digits.length - 1; i >= 0; i--) {
    const d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) throw new TypeError(`gs1CheckDigit: non-digit in ${JSON.stringify(digits)}`);
    sum += d * weight;
    weight = 4 - weight;
  }
  return (10 - (sum % 10)) % 10;
}

/** True when the last digit of `key` (all digits, length ≥ 2) is its GS1 mod-10 check digit. */
export function hasValidGs1CheckDigit(key: string): boolean {
  if (key.length < 2) return false;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return gs1CheckDigit(key.slice(0, -1)) === key.charCodeAt(key.length - 1) - 48;
}

// GS1 General Specifications §7.9.5 (check character pair for AIs 8013, 8014): each CSET 82
// character maps to its index in this table; the weighted sum of the data uses the prime
// weights below (right-aligned), and the pair is two characters from CSET 32.
const CSET82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";
const CSET32 = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
const PRIMES = [
  2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 101, 103, 107, 109,
  113, 127, 131, 137, 139, 149, 151, 157, 163, 167, 173, 179, 181, 191, 193, 197, 199, 211, 223, 227, 229, 233, 239,
  241, 251, 257, 263, 269, 271, 277, 281, 283, 293, 307, 311, 313, 317, 331, 337, 347, 349, 353, 359, 367, 373, 379,
  383, 389, 397, 401, 409, 419, 421, 431, 433, 439, 443, 449, 457, 461, 463, 467, 479, 487, 491, 499, 503, 509, 521,
  523, 541,
];
const CSET82_INDEX = new Int16Array(128).fill(-1);
for (let i = 0; i < CSET82.length; i++) CSET82_INDEX[CSET82.charCodeAt(i)] = i;

/**
 * Longest data part (excluding the pair) accepted. AIs using the pair allow at most 23 data
 * characters; 97 matches the reference linter's implementation limit.
 */
export const CHECK_PAIR_MAX_DATA = 97;

/**
 * GS1 check character pair (§7.9.5) for `data` (CSET 82, without the pair). Returns the two
 * CSET 32 characters, or undefined when a character is outside CSET 82 or the data is longer
 * than CHECK_PAIR_MAX_DATA.
 */
export function gs1CheckPair(data: string): string | undefined {
  const n = data.length;
  if (n > CHECK_PAIR_MAX_DATA) return undefined;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const c = data.charCodeAt(i);
    const v = c < 128 ? CSET82_INDEX[c]! : -1;
    if (v < 0) return undefined;
    sum += v * PRIMES[n - 1 - i]!;
  }
  sum %= 1021;
  return CSET32[sum >> 5]! + CSET32[sum & 31]!;
}
