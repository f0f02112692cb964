// The units the capture bench's gateways commission (capture-load.ts makes their events), so
// the bench can name units already in the ledger without running the load process's code.

/** The code of unit `n` (from 0) that gateway number `gwIndex` commissions. */
export function unitCode(companyPrefix: string, gwIndex: number, n: number): string {
  return `urn:epc:id:sgtin:${companyPrefix}.${itemReference(companyPrefix, gwIndex)}.${FIRST_SERIAL + n}`;
}

const FIRST_SERIAL = 1_000_000;

// TDS 2.1 §6.3.1: company prefix + item reference (with its indicator digit) = 13 digits.
function itemReference(companyPrefix: string, gwIndex: number): string {
  return `1${String(gwIndex).padStart(12 - companyPrefix.length, "0")}`;
}

/** Units a gateway has commissioned once it has sent `events` events (6 per case of 3 events). */
export function unitsIn(events: number): number {
  return Math.floor(events / 3) * 6;
}
