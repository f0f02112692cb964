import { describe, expect, it } from "vitest";
import {
  adaptiveCapacity,
  createDecoder,
  keylessAis,
  MAX_ADAPTIVE_CACHE,
  MIN_ADAPTIVE_CACHE,
  TwoGenerationCache,
} from "./decode.ts";
import { gln, gs1128, rfid, scan, sgtinDl, sgtinHex, sscc, TDS_SGTIN_HEX } from "./test-fixtures.ts";

describe("decode", () => {
  it("decodes RFID hex to the canonical Digital Link (TDS 2.1 SGTIN-96 example)", () => {
    const d = createDecoder();
    const r = d.decode(rfid("r1", TDS_SGTIN_HEX, 1));
    expect(r.ok).toBe(true);
    if (r.ok !== true) return;
    expect(r.decoded.id.canonical).toBe("https://id.gs1.org/01/80614141123458/21/6789");
    expect(r.decoded.id.epcUri).toBe("urn:epc:id:sgtin:0614141.812345.6789");
    expect(r.decoded.id.rfid?.filter).toBe(3);
    expect(r.decoded.read.deviceId).toBe("r1");
  });

  it("caches repeated RFID decodes (same result object, counted hits)", () => {
    const d = createDecoder();
    const a = d.decode(rfid("r1", sgtinHex(7), 1));
    const b = d.decode(rfid("r1", sgtinHex(7), 2));
    expect(a.ok === true && b.ok === true && a.decoded.id === b.decoded.id).toBe(true);
    expect(d.stats()).toMatchObject({ reads: 2, decoded: 2, cacheHits: 1 });
  });

  it("decodes barcode scan data and keeps the element string's AIs (lot, expiry, production date)", () => {
    const d = createDecoder();
    const r = d.decode(scan("s1", gs1128(`01${"09521234543213"}21S1`, "10LOT7", "17261231", "11240101"), 5));
    expect(r.ok).toBe(true);
    if (r.ok !== true) return;
    expect(r.decoded.id.canonical).toBe("https://id.gs1.org/01/09521234543213/21/S1");
    expect(r.decoded.id.ais).toEqual([
      { ai: "01", value: "09521234543213" },
      { ai: "21", value: "S1" },
      { ai: "10", value: "LOT7" },
      { ai: "17", value: "261231" },
      { ai: "11", value: "240101" },
    ]);
  });

  it("rejects unreadable codes with proto's error code, counts and logs them, and goes on", () => {
    const logs: Array<[string, Record<string, unknown> | undefined]> = [];
    const d = createDecoder({ log: (m, f) => logs.push([m, f]) });
    // GTIN with a wrong check digit (GS1 General Specifications §7.9).
    const bad = d.decode(scan("s1", gs1128("0109521234543214"), 1));
    expect(bad).toMatchObject({ ok: false, code: "ID_BAD_CHECK_DIGIT" });
    const junk = d.decode(rfid("r1", "ZZZZ", 2));
    expect(junk.ok).toBe(false);
    const junk2 = d.decode(rfid("r1", "ZZZZ", 3));
    expect(junk2.ok).toBe(false);
    const good = d.decode(rfid("r1", sgtinHex(1), 4));
    expect(good.ok).toBe(true);
    const s = d.stats();
    expect(s.rejected.ID_BAD_CHECK_DIGIT).toBe(1);
    expect(Object.values(s.rejected).reduce((a, b) => a + b, 0)).toBe(3);
    expect(s.decoded).toBe(1);
    expect(logs.filter(([m]) => m === "pipeline.decode.rejected")).toHaveLength(3);
    expect(logs[0]?.[1]).toMatchObject({ code: "ID_BAD_CHECK_DIGIT", deviceId: "s1" });
  });

  it("turns keyless GS1 labels (ship-to 410, lot/expiry) into attribute scans", () => {
    const d = createDecoder();
    const shipTo = gln("061414100001");
    const r = d.decode(scan("s1", gs1128(`410${shipTo}`), 1));
    expect(r).toEqual({
      ok: "attributes",
      scan: { read: scan("s1", gs1128(`410${shipTo}`), 1), ais: [{ ai: "410", value: shipTo }] },
    });
    const lot = d.decode(scan("s1", "(10)LOT9(17)270630", 2));
    expect(lot.ok).toBe("attributes");
    // A label with a key that fails is a rejection, not context.
    expect(keylessAis(gs1128("0109521234543214"))).toBeUndefined();
    expect(keylessAis(gs1128(`00${sscc("1234567890")}`))).toBeUndefined();
    expect(d.stats().attributes).toBe(2);
  });

  it("sensor reads are not codes", () => {
    const d = createDecoder();
    expect(d.decode({ deviceId: "t1", kind: "sensor", data: "t1", ts: 1 })).toMatchObject({
      ok: false,
      code: "DECODE_NOT_A_CODE",
    });
  });

  it("the RFID cache is bounded", () => {
    const c = new TwoGenerationCache<number>(8);
    for (let i = 0; i < 100; i++) c.set(`k${i}`, i);
    expect(c.size).toBeLessThanOrEqual(8);
    expect(c.get("k99")).toBe(99);
    expect(c.get("k0")).toBeUndefined();
    // A hot key survives generations when it keeps being read.
    c.set("hot", 1);
    for (let i = 0; i < 100; i++) {
      c.set(`x${i}`, i);
      expect(c.get("hot")).toBe(1);
    }
    expect(sgtinDl(1)).toBe("https://id.gs1.org/01/80614141123458/21/1");
  });

  it("decodeRfid returns the shared cache entry: the identifier, or the counted rejection", () => {
    const logs: string[] = [];
    const d = createDecoder({ log: (m) => logs.push(m) });
    const a = d.decodeRfid(rfid("r1", TDS_SGTIN_HEX, 1));
    const b = d.decodeRfid(rfid("r1", TDS_SGTIN_HEX, 2));
    expect("valid" in a && a.canonical).toBe("https://id.gs1.org/01/80614141123458/21/6789");
    expect(b).toBe(a);
    // Header 0x00 is "unprogrammed tag" in TDS 2.1 §14.2: not an EPC.
    const bad = d.decodeRfid(rfid("r1", "000000000000000000000000", 3));
    expect("valid" in bad).toBe(false);
    expect(d.stats()).toMatchObject({ reads: 3, decoded: 2, cacheHits: 1 });
    expect(Object.values(d.stats().rejected)).toEqual([1]);
    expect(logs).toEqual(["pipeline.decode.rejected"]);
  });

  it("the adaptive cache follows the tag population: 2.5 × tags, grown at once, shrunk below a quarter", () => {
    expect(adaptiveCapacity(MIN_ADAPTIVE_CACHE, 0)).toBe(MIN_ADAPTIVE_CACHE);
    // Issue 4 §6: 100 readers × 200 tags; the hot set must fit in one generation (half).
    expect(adaptiveCapacity(MIN_ADAPTIVE_CACHE, 20_000)).toBe(50_000);
    expect(adaptiveCapacity(50_000, 19_000)).toBe(50_000);
    expect(adaptiveCapacity(50_000, 6_000)).toBe(50_000);
    expect(adaptiveCapacity(50_000, 5_000)).toBe(12_500);
    expect(adaptiveCapacity(50_000, 1_000)).toBe(MIN_ADAPTIVE_CACHE);
    expect(adaptiveCapacity(50_000, 10_000_000)).toBe(MAX_ADAPTIVE_CACHE);
  });

  it("fitCache resizes an adaptive cache only; a configured size stays fixed", () => {
    const adaptive = createDecoder();
    expect(adaptive.stats().cacheCapacity).toBe(MIN_ADAPTIVE_CACHE);
    adaptive.fitCache(20_000);
    expect(adaptive.stats().cacheCapacity).toBe(50_000);
    const fixed = createDecoder({ cacheSize: 100 });
    fixed.fitCache(20_000);
    expect(fixed.stats().cacheCapacity).toBe(100);
  });

  it("a hot set larger than the default cache stays cached once the cache is fitted to it", () => {
    const d = createDecoder();
    const hex = Array.from({ length: 10_000 }, (_, i) => sgtinHex(i + 1));
    d.fitCache(hex.length);
    for (let round = 0; round < 3; round++) for (const h of hex) d.decodeRfid(rfid("r1", h, round));
    // Only the first round decodes; rounds 2 and 3 are all hits.
    expect(d.stats().cacheHits).toBe(20_000);
  });

  it("a shrunk cache is bounded again after the next generation change", () => {
    const c = new TwoGenerationCache<number>(64);
    for (let i = 0; i < 60; i++) c.set(`k${i}`, i);
    c.resize(8);
    expect(c.capacity).toBe(8);
    for (let i = 0; i < 20; i++) c.set(`y${i}`, i);
    expect(c.size).toBeLessThanOrEqual(8);
    expect(c.get("y19")).toBe(19);
  });
});
