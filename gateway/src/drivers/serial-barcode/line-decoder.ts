/**
 * Streaming line decoder for barcode scanners in serial (RS-232 / USB-CDC) mode: pure, no I/O.
 *
 * A scanner sends each decode as its data followed by a configured suffix (CR, LF or CRLF).
 * What is kept as data, and why:
 * - printable ASCII and bytes ≥ 0x80 (UTF-8 text in QR codes);
 * - the AIM symbology identifier prefix (`]C1` GS1-128, `]d2` GS1 DataMatrix, `]Q3` GS1 QR,
 *   `]e0` GS1 DataBar — ISO/IEC 15424) is ordinary printable text and passes through untouched,
 *   so the decode stage can tell GS1 element strings from plain data;
 * - GS (0x1D) is how scanners transmit FNC1 as a field separator inside GS1 data
 *   (GS1 General Specifications §5.4.7.5 / §7.8.5.2), and RS (0x1E) / EOT (0x04) delimit
 *   ISO/IEC 15434 envelopes (`[)>` RS `06` GS … RS EOT) used on drug packs: all kept.
 * Every other control byte is line noise (a floating RX line, a baud mismatch): dropped and
 * counted. A line that grows past `maxLineLength` without a suffix is discarded up to the next
 * suffix (the buffer stays bounded) and counted.
 */
export type Suffix = "CR" | "LF" | "CRLF";
export const SUFFIXES: readonly Suffix[] = ["CR", "LF", "CRLF"];

const CR = 0x0d;
const LF = 0x0a;
const GS = 0x1d;
const RS = 0x1e;
const EOT = 0x04;

export interface LineDecoderStats {
  /** Noise bytes dropped (control bytes that are not data or the suffix). */
  garbageBytes: number;
  /** Lines dropped because they exceeded maxLineLength. */
  overlongLines: number;
  /** Lines dropped because they were not valid UTF-8. */
  badLines: number;
}

export class LineDecoder {
  private buf: Buffer;
  private len = 0;
  private pendingCR = false;
  private discarding = false;
  readonly stats: LineDecoderStats = { garbageBytes: 0, overlongLines: 0, badLines: 0 };
  private readonly utf8 = new TextDecoder("utf-8", { fatal: true });

  constructor(
    private readonly suffix: Suffix,
    readonly maxLineLength = 4096,
  ) {
    if (!SUFFIXES.includes(suffix)) throw new TypeError(`suffix must be one of ${SUFFIXES.join(", ")}`);
    if (!Number.isInteger(maxLineLength) || maxLineLength < 1) throw new TypeError("maxLineLength must be ≥ 1");
    this.buf = Buffer.alloc(Math.min(maxLineLength, 256));
  }

  /** Feeds one chunk; returns the complete lines it ended (without suffix, non-empty). */
  push(chunk: Uint8Array): string[] {
    const out: string[] = [];
    for (const b of chunk) {
      if (this.suffix === "CRLF") {
        if (this.pendingCR) {
          this.pendingCR = false;
          if (b === LF) {
            this.endLine(out);
            continue;
          }
          // A lone CR in CRLF mode is noise; the byte after it is judged on its own.
          this.stats.garbageBytes++;
        }
        if (b === CR) {
          this.pendingCR = true;
          continue;
        }
        if (b === LF) {
          this.stats.garbageBytes++;
          continue;
        }
      } else if (b === (this.suffix === "CR" ? CR : LF)) {
        this.endLine(out);
        continue;
      }
      if (b < 0x20 || b === 0x7f) {
        if (b !== GS && b !== RS && b !== EOT) {
          this.stats.garbageBytes++;
          continue;
        }
      }
      this.append(b);
    }
    return out;
  }

  /** Forgets a partial line (the port was lost: what follows a reconnect is a new line). */
  reset(): number {
    const dropped = this.len;
    this.len = 0;
    this.pendingCR = false;
    this.discarding = false;
    return dropped;
  }

  /** Bytes of the partial line held. */
  get pending(): number {
    return this.len;
  }

  private append(b: number): void {
    if (this.discarding) return;
    if (this.len >= this.maxLineLength) {
      this.stats.overlongLines++;
      this.discarding = true;
      this.len = 0;
      return;
    }
    if (this.len >= this.buf.length) {
      const bigger = Buffer.alloc(Math.min(this.maxLineLength, this.buf.length * 2));
      this.buf.copy(bigger, 0, 0, this.len);
      this.buf = bigger;
    }
    this.buf[this.len++] = b;
  }

  private endLine(out: string[]): void {
    if (this.discarding) {
      this.discarding = false;
      this.len = 0;
      return;
    }
    if (this.len === 0) return; // an empty scan (suffix alone) carries nothing
    try {
      out.push(this.utf8.decode(this.buf.subarray(0, this.len)));
    } catch {
      this.stats.badLines++;
    }
    this.len = 0;
  }
}
