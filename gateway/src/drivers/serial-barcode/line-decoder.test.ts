import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LineDecoder } from "./line-decoder.ts";

const bytes = (s: string) => Buffer.from(s, "latin1");

describe("LineDecoder", () => {
  it("splits on each configured suffix", () => {
    expect(new LineDecoder("CR").push(bytes("A1\rB2\r"))).toEqual(["A1", "B2"]);
    expect(new LineDecoder("LF").push(bytes("A1\nB2\n"))).toEqual(["A1", "B2"]);
    expect(new LineDecoder("CRLF").push(bytes("A1\r\nB2\r\n"))).toEqual(["A1", "B2"]);
  });

  it("keeps AIM symbology identifiers and GS (FNC1) as data", () => {
    // GS1-128 with a variable-length AI (10) followed by FNC1/GS, then AI (17): GS1 GenSpecs §7.8.5.2.
    const gs1128 = "]C10109506000134352101234\x1d17261231";
    const dm = "]d201095060001343521722123110ABC\x1d21XYZ";
    const qr = "]Q3https://id.gs1.org/01/09506000134352/10/ABC";
    const databar = "]e00109506000134352";
    const d = new LineDecoder("CRLF");
    expect(d.push(bytes(`${gs1128}\r\n${dm}\r\n${qr}\r\n${databar}\r\n`))).toEqual([gs1128, dm, qr, databar]);
    expect(d.stats.garbageBytes).toBe(0);
  });

  it("keeps an ISO/IEC 15434 envelope (RS, GS, EOT)", () => {
    const env = "[)>\x1e06\x1d9N12345\x1e\x04";
    expect(new LineDecoder("CR").push(bytes(`${env}\r`))).toEqual([env]);
  });

  it("joins partial lines across chunks, including a CRLF split between chunks", () => {
    const d = new LineDecoder("CRLF");
    expect(d.push(bytes("]C1010950"))).toEqual([]);
    expect(d.push(bytes("6000134352\r"))).toEqual([]);
    expect(d.push(bytes("\n]E0"))).toEqual(["]C10109506000134352"]);
    expect(d.push(bytes("4006381333931\r\n"))).toEqual(["]E04006381333931"]);
  });

  it("drops and counts noise bytes, ignores empty lines", () => {
    const d = new LineDecoder("CR");
    expect(d.push(Buffer.from([0x00, 0x41, 0x07, 0x42, 0x1b, 0x0d, 0x0d, 0x0a, 0x43, 0x0d]))).toEqual(["AB", "C"]);
    expect(d.stats.garbageBytes).toBe(4); // NUL, BEL, ESC, and LF (not the suffix in CR mode)
  });

  it("treats a lone CR in CRLF mode as noise", () => {
    const d = new LineDecoder("CRLF");
    expect(d.push(bytes("AB\rC\r\n"))).toEqual(["ABC"]);
    expect(d.stats.garbageBytes).toBe(1);
  });

  it("bounds an over-long line without suffix and resynchronises at the next suffix", () => {
    const d = new LineDecoder("LF", 16);
    expect(d.push(bytes("X".repeat(40)))).toEqual([]);
    expect(d.pending).toBeLessThanOrEqual(16);
    expect(d.push(bytes("tail-of-noise\nGOOD\n"))).toEqual(["GOOD"]);
    expect(d.stats.overlongLines).toBe(1);
    // Exactly maxLineLength is still a line.
    expect(d.push(bytes(`${"Y".repeat(16)}\n`))).toEqual(["Y".repeat(16)]);
  });

  it("decodes UTF-8 (QR content) and counts invalid UTF-8 lines", () => {
    const d = new LineDecoder("LF");
    expect(d.push(Buffer.concat([Buffer.from("]Q1溯源", "utf8"), bytes("\n")]))).toEqual(["]Q1溯源"]);
    expect(d.push(Buffer.from([0xff, 0xfe, 0x0a]))).toEqual([]);
    expect(d.stats.badLines).toBe(1);
  });

  it("reset forgets a partial line", () => {
    const d = new LineDecoder("CR");
    d.push(bytes("HALF"));
    expect(d.reset()).toBe(4);
    expect(d.push(bytes("NEW\r"))).toEqual(["NEW"]);
  });

  it("property: any chunking of suffixed printable lines yields the lines", () => {
    const line = fc.stringMatching(/^[\x20-\x7e\x1d]{1,40}$/);
    fc.assert(
      fc.property(
        fc.array(line, { minLength: 1, maxLength: 8 }),
        fc.constantFrom("CR" as const, "LF" as const, "CRLF" as const),
        fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 10 }),
        (lines, suffix, cuts) => {
          const sfx = { CR: "\r", LF: "\n", CRLF: "\r\n" }[suffix];
          const all = bytes(lines.map((l) => l + sfx).join(""));
          const d = new LineDecoder(suffix);
          const got: string[] = [];
          let i = 0;
          let c = 0;
          while (i < all.length) {
            const n = cuts[c++ % cuts.length] as number;
            got.push(...d.push(all.subarray(i, i + n)));
            i += n;
          }
          expect(got).toEqual(lines);
        },
      ),
      { numRuns: 200 },
    );
  });
});
