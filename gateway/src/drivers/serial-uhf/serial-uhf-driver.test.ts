import { autoDetect } from "@serialport/bindings-cpp";
import { SerialPortStream } from "@serialport/stream";
import {
  Cmd,
  decodeFrames,
  encodeFrame,
  errorFrame,
  type Frame,
  FrameDecoder,
  parseMultiInventory,
  stopResponseFrame,
  tagNoticeFrame,
} from "@suyuan/proto/devices/uhf-m100.ts";
import { afterEach, describe, expect, it } from "vitest";
import type { RawRead } from "../driver.ts";
import { type PtyPair, startPtyPair, UnpluggableMockBinding, waitFor } from "../testing/pty.ts";
import { ManualTimers, settle } from "../testing/timers.ts";
import { SerialUhfDriver } from "./serial-uhf-driver.ts";

// Published frames (M100 protocol description): what the driver must send.
const MULTI_65535 = "BB0027000322FFFF4A7E"; // 0x00+0x27+0x00+0x03+0x22+0xFF+0xFF = 0x14A → 0x4A
const STOP = "BB00280000287E";
// The published tag notification: RSSI 0xC9 (−55 dBm), PC 3400, EPC 30751FEB705C5904E3D50D70, CRC 3A76.
const NOTICE = Buffer.from("BB022200 11C93400 30751FEB 705C5904 E3D50D70 3A76EF7E".replace(/\s/g, ""), "hex");

function collect(d: SerialUhfDriver): { reads: RawRead[]; done: Promise<void> } {
  const reads: RawRead[] = [];
  const done = (async () => {
    for await (const r of d.reads()) reads.push(r);
  })();
  return { reads, done };
}

const written = (recording: Buffer) => recording.toString("hex").toUpperCase();

describe("serial UHF driver — mock binding", () => {
  const binding = new UnpluggableMockBinding();
  afterEach(() => binding.reset());

  it("starts continuous inventory on open and turns tag notices into rfid reads", async () => {
    binding.createPort("/dev/ttyUHF0");
    const timers = new ManualTimers();
    const d = new SerialUhfDriver({ id: "door-1", path: "/dev/ttyUHF0", binding, timers, now: () => 1000 });
    await d.open();
    await settle();
    expect(written(binding.port.recording)).toBe(MULTI_65535);
    const c = collect(d);
    binding.port.emitData(NOTICE.subarray(0, 9));
    binding.port.emitData(Buffer.concat([NOTICE.subarray(9), encodeFrame(errorFrame(0x15))]));
    await waitFor(() => c.reads.length === 1, "one read");
    expect(c.reads[0]).toEqual({
      deviceId: "door-1",
      kind: "rfid",
      data: "30751FEB705C5904E3D50D70",
      ts: 1000,
      antenna: 1,
      rssi: -55,
      pc: "3400",
    });
    expect(d.stats()).toMatchObject({ reads: 1, errors: 0, emptyRounds: 1, inventoryStarts: 1, connected: true });
    await d.close();
    await c.done;
    // Close stops the inventory.
    expect(written(binding.port.recording)).toBe(MULTI_65535 + STOP);
    expect(timers.pending.size).toBe(0);
  });

  it("counts corrupt frames, CRC mismatches and module errors; keeps good reads", async () => {
    binding.createPort("/dev/ttyUHF1");
    const logs: string[] = [];
    const d = new SerialUhfDriver({
      id: "u",
      path: "/dev/ttyUHF1",
      binding,
      timers: new ManualTimers(),
      log: (m) => logs.push(m),
    });
    await d.open();
    const c = collect(d);
    const corrupt = Buffer.from(NOTICE);
    corrupt[10] = (corrupt[10] as number) ^ 0xff;
    binding.port.emitData(
      Buffer.concat([
        Buffer.from([0x55, 0xaa, 0x00]), // line noise
        corrupt,
        encodeFrame(tagNoticeFrame({ rssi: -60, epc: "E2801160600002054A3C1B2D", crc: "1234" })), // bad tag CRC
        encodeFrame(errorFrame(0x17)), // module: command error
        encodeFrame(tagNoticeFrame({ rssi: -48, epc: "3034257BF7194E4000001A85" })),
      ]),
    );
    await waitFor(() => c.reads.length === 1, "the good read");
    expect(c.reads[0]).toMatchObject({ data: "3034257BF7194E4000001A85", rssi: -48, pc: "3000" });
    expect(d.stats()).toMatchObject({ frameErrors: 1, crcErrors: 1, moduleErrors: 1, errors: 3, reads: 1 });
    expect(logs).toEqual(expect.arrayContaining(["uhf corrupt frame", "uhf tag crc mismatch", "uhf module error"]));
    await d.close();
  });

  it("re-issues the inventory when the module goes silent or reports it stopped", async () => {
    binding.createPort("/dev/ttyUHF2");
    const timers = new ManualTimers();
    const d = new SerialUhfDriver({
      id: "w",
      path: "/dev/ttyUHF2",
      binding,
      timers,
      watchdogMs: 500,
      reissueMs: 1500,
      rounds: 10000,
    });
    await d.open();
    await settle();
    const starts = () => decodeFrames(binding.port.recording).frames.filter((f) => f.cmd === Cmd.MultiInventory);
    expect(starts().map((f) => parseMultiInventory(f))).toEqual([10000]);
    // A tick with frames flowing: nothing re-sent.
    binding.port.emitData(encodeFrame(errorFrame(0x15)));
    await settle();
    await timers.fireAll();
    expect(starts()).toHaveLength(1);
    // A silent tick: re-issued.
    await timers.fireAll();
    await settle();
    expect(starts()).toHaveLength(2);
    // The module says it stopped (not at our request): re-issued at once.
    binding.port.emitData(encodeFrame(stopResponseFrame()));
    await settle();
    expect(starts()).toHaveLength(3);
    // Periodic: after reissueMs (3 ticks) even while frames flow.
    for (let i = 0; i < 3; i++) {
      binding.port.emitData(encodeFrame(errorFrame(0x15)));
      await settle();
      await timers.fireAll();
    }
    await settle();
    expect(starts()).toHaveLength(4);
    expect(d.stats().inventoryStarts).toBe(4);
    expect(timers.delays.every((ms) => ms === 500)).toBe(true);
    await d.close();
  });

  it("restarts the inventory after an unplug and replug", async () => {
    binding.createPort("/dev/ttyUHF3");
    const timers = new ManualTimers();
    const d = new SerialUhfDriver({
      id: "r",
      path: "/dev/ttyUHF3",
      binding,
      timers,
      reconnect: { initialMs: 50, maxMs: 400, factor: 2 },
    });
    await d.open();
    await settle();
    binding.unplug("/dev/ttyUHF3");
    await settle();
    expect(d.stats().connected).toBe(false);
    binding.replug("/dev/ttyUHF3");
    await timers.fireAll(); // the reconnect timer (the watchdog was cancelled on unplug)
    await settle();
    expect(d.stats()).toMatchObject({ connected: true, reconnects: 1, inventoryStarts: 2 });
    expect(written(binding.port.recording)).toBe(MULTI_65535); // the new port got its own start
    await d.close();
  });
});

describe("serial UHF driver — real pty pair, the test plays the module", () => {
  let pair: PtyPair | undefined;
  let module: SerialPortStream | undefined;
  afterEach(async () => {
    const m = module;
    if (m?.isOpen) await new Promise((r) => m.close(r));
    module = undefined;
    await pair?.close();
    pair = undefined;
  });

  it("runs inventory against an emulated M100 module", async () => {
    pair = await startPtyPair();
    const m = new SerialPortStream({ binding: autoDetect(), path: pair.b, baudRate: 115200, autoOpen: false });
    module = m;
    await new Promise<void>((resolve, reject) => m.open((e) => (e ? reject(e) : resolve())));
    const received: Frame[] = [];
    const dec = new FrameDecoder();
    const tags = ["3034257BF7194E4000001A85", "3034257BF7194E4000001A86"];
    m.on("data", (chunk: Buffer) => {
      for (const f of dec.push(chunk)) {
        received.push(f);
        if (f.cmd === Cmd.MultiInventory) {
          // One round with both tags, a corrupted copy, and an empty round.
          const bad = Buffer.from(encodeFrame(tagNoticeFrame({ rssi: -61, epc: tags[0] as string })));
          bad[9] = (bad[9] as number) ^ 0xff; // an EPC byte
          m.write(
            Buffer.concat([
              encodeFrame(tagNoticeFrame({ rssi: -61, epc: tags[0] as string })),
              Buffer.from([0x7e, 0x7e, 0xbb]),
              bad,
              encodeFrame(tagNoticeFrame({ rssi: -72, epc: tags[1] as string })),
              encodeFrame(errorFrame(0x15)),
            ]),
          );
        }
        if (f.cmd === Cmd.StopInventory) m.write(encodeFrame(stopResponseFrame()));
      }
    });
    const d = new SerialUhfDriver({ id: "pty-uhf", path: pair.a, watchdogMs: 5000 });
    await d.open();
    const c = collect(d);
    await waitFor(() => c.reads.length === 2, "two tag reads over the pty");
    expect(c.reads.map((r) => [r.data, r.rssi, r.antenna])).toEqual([
      [tags[0], -61, 1],
      [tags[1], -72, 1],
    ]);
    await waitFor(() => d.stats().emptyRounds === 1, "the empty round");
    // The corrupted copy (checksum) and the false header in the noise (absurd PL).
    expect(d.stats()).toMatchObject({ frameErrors: 2, reads: 2 });
    await d.close();
    await c.done;
    await waitFor(() => received.some((f) => f.cmd === Cmd.StopInventory), "stop command at the module");
    expect(received.map((f) => f.cmd)).toEqual([Cmd.MultiInventory, Cmd.StopInventory]);
  });
});
