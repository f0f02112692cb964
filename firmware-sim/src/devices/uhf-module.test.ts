import {
  Cmd,
  commands,
  decodeFrames,
  ErrorCode,
  encodeFrame,
  FrameType,
  InfoKind,
  parseError,
  parseInfo,
  parseTagNotice,
} from "@suyuan/proto/devices/uhf-m100.ts";
import { afterEach, describe, expect, it } from "vitest";
import type { RawRead } from "../../../gateway/src/drivers/driver.ts";
import { SerialUhfDriver } from "../../../gateway/src/drivers/serial-uhf/serial-uhf-driver.ts";
import type { Scheduler } from "./clock.ts";
import { mulberry32 } from "./random.ts";
import { epcHex } from "./tags.ts";
import { collect, delay, waitFor } from "./test-support.ts";
import { createPtyPair } from "./transport/pty.ts";
import { MockSerialBus, PtySerialTransport, type SerialTransport } from "./transport/serial.ts";
import { UhfModule } from "./uhf-module.ts";

// SGTIN-96 of GS1's example GTIN, serials 1..8 (TDS 2.1 §14.5.1), company prefix 0614141.
const TAGS = Array.from({ length: 8 }, (_, i) => epcHex(`urn:epc:id:sgtin:0614141.812345.${i + 1}`, { filter: 1 }));
const NEIGHBOURS = [epcHex("urn:epc:id:sscc:0614141.1234567890"), epcHex("urn:epc:id:sgtin:0614141.812345.999")];

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe("tags", () => {
  it("SGTIN-96 hex from proto's TDS encoder (TDS 2.1 example)", () => {
    // TDS 2.1 §14.5.1 worked example: urn:epc:tag:sgtin-96:3.0614141.812345.6789 → 3074257BF7194E4000001A85.
    expect(epcHex("urn:epc:id:sgtin:0614141.812345.6789", { filter: 3 })).toBe("3074257BF7194E4000001A85");
  });
});

describe("UHF module ↔ SerialUhfDriver over a socat pty", () => {
  it("with noise off the driver's reads are exactly the tags in the field, with PC and RSSI", async () => {
    const pair = await createPtyPair();
    const mod = new UhfModule({ id: "door-1", transport: new PtySerialTransport({ pair }), roundMs: 20 });
    cleanups.push(() => mod.stop());
    await mod.start();
    mod.setTagsInField(TAGS.slice(0, 5));
    const d = new SerialUhfDriver({ id: "door-1", path: pair.hostPath, antenna: 2 });
    cleanups.push(() => d.close());
    await d.open();
    const c = collect<RawRead>(d);
    await waitFor(() => mod.stats.rounds >= 5, "five rounds");
    const seen = new Set(c.reads.map((r) => r.data));
    expect([...seen].sort()).toEqual(TAGS.slice(0, 5).sort());
    for (const r of c.reads) {
      expect(r).toMatchObject({ kind: "rfid", deviceId: "door-1", antenna: 2, pc: "3000" });
      expect(r.rssi).toBeGreaterThanOrEqual(-65);
      expect(r.rssi).toBeLessThanOrEqual(-45);
    }
    // The scenario moves goods: the field changes, and so do the reads.
    mod.setTagsInField(TAGS.slice(5));
    const fresh = new Set(TAGS.slice(5));
    await waitFor(
      () => fresh.size === new Set(c.reads.filter((r) => fresh.has(r.data)).map((r) => r.data)).size,
      "new tags",
    );
    // Reads arrive in order: once the first new tag is read, no old tag follows.
    const first = c.reads.findIndex((r) => fresh.has(r.data));
    expect(c.reads.slice(first).every((r) => fresh.has(r.data))).toBe(true);
    expect(d.stats()).toMatchObject({ frameErrors: 0, crcErrors: 0, moduleErrors: 0 });
    // close() sends stop: the module stops its inventory.
    await d.close();
    await waitFor(() => !mod.inventoryRunning, "inventory stopped");
    await c.done;
  });

  it("an empty field yields 'no tag' rounds; unplug/replug restarts the inventory", async () => {
    const pair = await createPtyPair();
    const mod = new UhfModule({ id: "m", transport: new PtySerialTransport({ pair }), roundMs: 20 });
    cleanups.push(() => mod.stop());
    await mod.start();
    const d = new SerialUhfDriver({
      id: "m",
      path: pair.hostPath,
      reconnect: { initialMs: 20, maxMs: 100, factor: 2 },
    });
    cleanups.push(() => d.close());
    await d.open();
    const c = collect<RawRead>(d);
    await waitFor(() => d.stats().emptyRounds >= 3, "empty rounds");
    expect(c.reads).toEqual([]);
    await mod.unplug();
    expect(mod.inventoryRunning).toBe(false);
    await waitFor(() => !d.stats().connected, "driver sees the unplug");
    mod.setTagsInField([TAGS[0] as string]);
    await mod.replug();
    await waitFor(() => c.reads.length > 0, "reads after replug");
    expect(c.reads[0]?.data).toBe(TAGS[0]);
    expect(d.stats().reconnects).toBe(1);
    expect(d.stats().inventoryStarts).toBeGreaterThanOrEqual(2);
  });
});

describe("UHF module ↔ SerialUhfDriver with noise", () => {
  async function line(
    kind: "mock" | "pty",
  ): Promise<{ transport: SerialTransport; hostPath: string; bus?: MockSerialBus }> {
    if (kind === "pty") {
      const pair = await createPtyPair();
      return { transport: new PtySerialTransport({ pair }), hostPath: pair.hostPath };
    }
    const bus = new MockSerialBus();
    cleanups.push(async () => bus.reset());
    return { transport: bus.transport("/dev/ttyUHF0"), hostPath: "/dev/ttyUHF0", bus };
  }

  for (const kind of ["mock", "pty"] as const) {
    it(`${kind}: 65 % read rate, repeats and corrupt frames: every tag is seen over several rounds, no phantom`, async () => {
      const l = await line(kind);
      const mod = new UhfModule({
        id: "dock",
        transport: l.transport,
        roundMs: 5,
        noise: { readRate: 0.65, repeats: [1, 3], corruptRate: 0.1 },
        random: mulberry32(2024),
      });
      cleanups.push(() => mod.stop());
      await mod.start();
      mod.setTagsInField(TAGS);
      const d = new SerialUhfDriver({ id: "dock", path: l.hostPath, ...(l.bus ? { binding: l.bus } : {}) });
      cleanups.push(() => d.close());
      await d.open();
      const c = collect<RawRead>(d);
      await waitFor(() => mod.stats.rounds >= 30, "thirty rounds");
      await delay(20);
      expect(new Set(c.reads.map((r) => r.data))).toEqual(new Set(TAGS));
      const s = d.stats();
      expect(mod.stats.corrupted).toBeGreaterThan(0);
      // Every damaged frame is caught by the driver (checksum/framing/CRC), never read as a tag.
      expect(s.frameErrors + s.crcErrors).toBeGreaterThan(0);
      // Per round about 65 % of the 8 tags, 1–3 times each: far fewer than 8 × 3.
      const perRound = mod.stats.notices / mod.stats.rounds;
      expect(perRound).toBeGreaterThan(8 * 0.65 * 1.5);
      expect(perRound).toBeLessThan(8 * 0.65 * 2.5);
    });
  }

  it("cross-reads from the neighbouring door arrive as weak phantom reads", async () => {
    const bus = new MockSerialBus();
    cleanups.push(async () => bus.reset());
    const mod = new UhfModule({
      id: "door-2",
      transport: bus.transport("/dev/ttyUHF1"),
      roundMs: 5,
      noise: { crossReads: { tags: NEIGHBOURS, probability: 0.3 } },
      random: mulberry32(1),
    });
    cleanups.push(() => mod.stop());
    await mod.start();
    mod.setTagsInField([TAGS[0] as string]);
    const d = new SerialUhfDriver({ id: "door-2", path: "/dev/ttyUHF1", binding: bus });
    cleanups.push(() => d.close());
    await d.open();
    const c = collect<RawRead>(d);
    await waitFor(() => mod.stats.rounds >= 20, "twenty rounds");
    await delay(20);
    const phantoms = c.reads.filter((r) => r.data !== TAGS[0]);
    expect(phantoms.length).toBe(mod.stats.crossReads);
    expect(phantoms.length).toBeGreaterThan(0);
    for (const p of phantoms) {
      expect(NEIGHBOURS).toContain(p.data);
      expect(p.rssi).toBeLessThanOrEqual(-72);
    }
  });
});

describe("UHF module command handling (host played by the test)", () => {
  function rig() {
    const out: Buffer[] = [];
    let onData: (b: Buffer) => void = () => {};
    const pending: (() => void)[] = [];
    const scheduler: Scheduler = {
      now: () => 0,
      setTimeout: (fn) => {
        pending.push(fn);
        return pending.length;
      },
      clearTimeout: () => {},
    };
    const transport: SerialTransport = {
      connected: true,
      open: async (cb) => {
        onData = cb;
      },
      write: async (b) => {
        out.push(Buffer.from(b));
      },
      unplug: async () => {},
      replug: async () => {},
      close: async () => {},
    };
    const frames = () => decodeFrames(Buffer.concat(out.splice(0))).frames;
    const host = (f: Parameters<typeof encodeFrame>[0]) => onData(encodeFrame(f));
    const tick = async () => {
      const fns = pending.splice(0);
      for (const fn of fns) fn();
      await delay(0);
    };
    return { transport, scheduler, frames, host, tick };
  }

  it("answers info, single inventory (tags or 0x15), unknown commands with 0x17", async () => {
    const r = rig();
    const mod = new UhfModule({ id: "u", transport: r.transport, scheduler: r.scheduler, info: { software: "V9" } });
    await mod.start();
    r.host(commands.getInfo(InfoKind.Software));
    r.host(commands.singleInventory());
    r.host({ type: FrameType.Command, cmd: 0x99, payload: new Uint8Array() });
    await delay(0);
    const [info, noTag, bad] = r.frames();
    expect(info && parseInfo(info)).toEqual({ kind: InfoKind.Software, text: "V9" });
    expect(noTag && parseError(noTag)).toBe(ErrorCode.NoTag);
    expect(bad && parseError(bad)).toBe(ErrorCode.CommandError);
    mod.setTagsInField([TAGS[0] as string]);
    r.host(commands.singleInventory());
    await delay(0);
    const [notice] = r.frames();
    expect(notice && parseTagNotice(notice)).toMatchObject({ epc: TAGS[0], pc: "3000", crcOk: true });
  });

  it("multiple inventory runs the requested rounds, then stops; stop answers §3.3", async () => {
    const r = rig();
    const mod = new UhfModule({ id: "u", transport: r.transport, scheduler: r.scheduler });
    await mod.start();
    mod.setTagsInField([TAGS[0] as string, TAGS[1] as string]);
    r.host(commands.multiInventory(3));
    for (let i = 0; i < 5; i++) await r.tick();
    const fs = r.frames();
    expect(fs.filter((f) => f.type === FrameType.Notice)).toHaveLength(6);
    expect(mod.stats.rounds).toBe(3);
    expect(mod.inventoryRunning).toBe(false);
    r.host(commands.multiInventory(100));
    await r.tick();
    expect(mod.inventoryRunning).toBe(true);
    r.host(commands.stopInventory());
    await delay(0);
    expect(mod.inventoryRunning).toBe(false);
    const last = r.frames().at(-1);
    expect(last).toMatchObject({ type: FrameType.Response, cmd: Cmd.StopInventory });
    expect(Array.from(last?.payload ?? [])).toEqual([0]);
  });
});
