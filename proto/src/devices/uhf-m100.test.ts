import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  Cmd,
  commands,
  crc16Gen2,
  decodeFrames,
  encodeFrame,
  errorFrame,
  type Frame,
  FrameDecoder,
  FrameType,
  infoResponseFrame,
  parseError,
  parseInfo,
  parseMultiInventory,
  parseTagNotice,
  stopResponseFrame,
  tagNoticeFrame,
} from "./uhf-m100.ts";

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ""), "hex");
const show = (b: Uint8Array) => Buffer.from(b).toString("hex").toUpperCase();

// Frames as printed in the module's published protocol description (M100 / YRM100 /
// M5Stack UHF-RFID unit user protocol): expected bytes come from there, not from this codec.
const PUBLISHED = {
  singleInventory: "BB 00 22 00 00 22 7E",
  multiInventory10000: "BB 00 27 00 03 22 27 10 83 7E",
  stop: "BB 00 28 00 00 28 7E",
  stopOk: "BB 01 28 00 01 00 2A 7E",
  hwVersion: "BB 00 03 00 01 00 04 7E",
  noTag: "BB 01 FF 00 01 15 16 7E",
  tagNotice: "BB 02 22 00 11 C9 34 00 30 75 1F EB 70 5C 59 04 E3 D5 0D 70 3A 76 EF 7E",
};

describe("M100 frame codec — published frames", () => {
  it("encodes the host commands byte for byte", () => {
    expect(show(encodeFrame(commands.singleInventory()))).toBe(show(hex(PUBLISHED.singleInventory)));
    expect(show(encodeFrame(commands.multiInventory(10000)))).toBe(show(hex(PUBLISHED.multiInventory10000)));
    expect(show(encodeFrame(commands.stopInventory()))).toBe(show(hex(PUBLISHED.stop)));
    expect(show(encodeFrame(commands.getInfo()))).toBe(show(hex(PUBLISHED.hwVersion)));
  });

  it("decodes the published tag notification: RSSI −55 dBm, PC 3400, 96-bit EPC, valid CRC", () => {
    const { frames, stats } = decodeFrames(hex(PUBLISHED.tagNotice));
    expect(stats).toMatchObject({ frames: 1, checksumErrors: 0, framingErrors: 0 });
    const t = parseTagNotice(frames[0] as Frame);
    expect(t).toEqual({ rssi: -55, pc: "3400", epc: "30751FEB705C5904E3D50D70", crc: "3A76", crcOk: true });
  });

  it("builds the same tag notification from its fields (module side, CRC computed)", () => {
    const f = tagNoticeFrame({ rssi: -55, pc: "3400", epc: "30751FEB705C5904E3D50D70" });
    expect(show(encodeFrame(f))).toBe(show(hex(PUBLISHED.tagNotice)));
    expect(crc16Gen2(hex("3400 30751FEB705C5904E3D50D70"))).toBe(0x3a76);
  });

  it("encodes and parses error and stop responses", () => {
    expect(show(encodeFrame(errorFrame(0x15)))).toBe(show(hex(PUBLISHED.noTag)));
    expect(show(encodeFrame(stopResponseFrame()))).toBe(show(hex(PUBLISHED.stopOk)));
    expect(parseError(decodeFrames(hex(PUBLISHED.noTag)).frames[0] as Frame)).toBe(0x15);
  });

  it("round-trips info and multi-inventory frames for the module side", () => {
    const info = decodeFrames(encodeFrame(infoResponseFrame(0, "M100 26dBm V1.0"))).frames[0] as Frame;
    expect(parseInfo(info)).toEqual({ kind: 0, text: "M100 26dBm V1.0" });
    const multi = decodeFrames(hex(PUBLISHED.multiInventory10000)).frames[0] as Frame;
    expect(multi).toMatchObject({ type: FrameType.Command, cmd: Cmd.MultiInventory });
    expect(parseMultiInventory(multi)).toBe(10000);
  });

  it("rejects a notice whose PC length disagrees with the frame", () => {
    const f = tagNoticeFrame({ rssi: -60, pc: "3000", epc: "30751FEB705C5904E3D50D70" }); // PC says 6 words
    expect(parseTagNotice(f)).toBeDefined();
    const bad = tagNoticeFrame({ rssi: -60, pc: "2000", epc: "30751FEB705C5904E3D50D70" }); // PC says 4 words
    expect(parseTagNotice(bad)).toBeUndefined();
  });

  it("flags a tag CRC that does not match", () => {
    const f = tagNoticeFrame({ rssi: -40, epc: "E2801160600002054A3C1B2D", crc: "0000" });
    expect(parseTagNotice(f)?.crcOk).toBe(false);
  });
});

describe("FrameDecoder — streaming and resynchronisation", () => {
  it("handles 0xBB and 0x7E inside an EPC (length-delimited, not scanned)", () => {
    const f = tagNoticeFrame({ rssi: -70, epc: "BB7EBB7E0000000000007EBB" });
    const { frames } = decodeFrames(Buffer.concat([encodeFrame(f), encodeFrame(f)]));
    expect(frames.map((x) => parseTagNotice(x)?.epc)).toEqual(["BB7EBB7E0000000000007EBB", "BB7EBB7E0000000000007EBB"]);
  });

  it("skips noise, counts a bad checksum, and recovers the next frame", () => {
    const good = encodeFrame(errorFrame(0x15));
    const bad = Buffer.from(encodeFrame(tagNoticeFrame({ rssi: -50, epc: "300000000000000000000001" })));
    bad[8] = (bad[8] as number) ^ 0x01; // corrupt one EPC byte
    const d = new FrameDecoder();
    const frames = d.push(Buffer.concat([Buffer.from([0x00, 0x13, 0x37]), bad, good]));
    expect(frames).toHaveLength(1);
    expect(parseError(frames[0] as Frame)).toBe(0x15);
    expect(d.stats.checksumErrors).toBe(1);
    expect(d.stats.skippedBytes).toBeGreaterThanOrEqual(3);
  });

  it("does not hold good frames behind a false header announcing a long payload", () => {
    const good = encodeFrame(stopResponseFrame());
    const d = new FrameDecoder();
    // 0xBB then a PL of 200: incomplete, but a complete valid frame follows.
    const frames = d.push(Buffer.concat([Buffer.from([0xbb, 0x02, 0x22, 0x00, 0xc8]), good]));
    expect(frames).toHaveLength(1);
    expect(d.stats.framingErrors).toBe(1);
    expect(d.pending).toBe(0);
  });

  it("rejects an absurd PL and a missing end byte", () => {
    const d = new FrameDecoder();
    expect(d.push(Buffer.from([0xbb, 0x01, 0xff, 0xff, 0xff]))).toEqual([]);
    const noEnd = Buffer.from(encodeFrame(errorFrame(0x15)));
    noEnd[noEnd.length - 1] = 0x00;
    expect(d.push(noEnd)).toEqual([]);
    expect(d.stats.framingErrors).toBe(2);
  });

  const epcArb = fc
    .array(
      fc.integer({ min: 0, max: 255 }).filter((b) => b !== 0xbb),
      { minLength: 2, maxLength: 62 },
    )
    .filter((a) => a.length % 2 === 0)
    .map((a) => Buffer.from(a).toString("hex").toUpperCase());
  const noticeArb = fc.record({ rssi: fc.integer({ min: -128, max: 127 }), epc: epcArb });
  const chunking = fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 8 });

  function feed(d: FrameDecoder, all: Buffer, cuts: number[]): Frame[] {
    const out: Frame[] = [];
    let i = 0;
    let c = 0;
    while (i < all.length) {
      const n = cuts[c++ % cuts.length] as number;
      out.push(...d.push(all.subarray(i, i + n)));
      i += n;
    }
    return out;
  }

  it("property: decode(encode(x)) = x under any chunking", () => {
    fc.assert(
      fc.property(fc.array(noticeArb, { minLength: 1, maxLength: 6 }), chunking, (tags, cuts) => {
        const all = Buffer.concat(tags.map((t) => encodeFrame(tagNoticeFrame(t))));
        const got = feed(new FrameDecoder(), all, cuts).map((f) => parseTagNotice(f));
        expect(got.map((t) => [t?.rssi, t?.epc, t?.crcOk])).toEqual(tags.map((t) => [t.rssi, t.epc, true]));
      }),
      { numRuns: 200 },
    );
  });

  it("property: one corrupted byte loses exactly that frame; the others are recovered", () => {
    fc.assert(
      fc.property(
        fc.array(noticeArb, { minLength: 2, maxLength: 6 }),
        fc.nat(),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        chunking,
        (tags, which, where, flip, cuts) => {
          const encoded = tags.map((t) => Buffer.from(encodeFrame(tagNoticeFrame(t))));
          const m = which % encoded.length;
          const victim = encoded[m] as Buffer;
          // Corrupt a byte between type and checksum (a changed PL is covered by the tests above).
          const pos = [1, 2, ...Array.from({ length: victim.length - 6 }, (_, k) => 5 + k)][
            where % (victim.length - 4)
          ];
          victim[pos as number] = (victim[pos as number] as number) ^ flip;
          const d = new FrameDecoder();
          const got = feed(d, Buffer.concat(encoded), cuts).map((f) => parseTagNotice(f)?.epc);
          expect(got).toEqual(tags.filter((_, k) => k !== m).map((t) => t.epc));
          expect(d.errors).toBeGreaterThanOrEqual(1);
        },
      ),
      { numRuns: 200 },
    );
  });
});
