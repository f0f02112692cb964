// Packed index records (store.ts PackedIndexRecords): the same records as IndexRecords, given
// as one UTF-8 buffer. Every backend must store them exactly as if given plainly — those
// that take them packed (supports.packedIndexes) and those the guard unpacks them for.
import { describe, expect, it } from "vitest";
import type { IndexRecord, PackedIndexRecords, PackedIndexSpan } from "../store.ts";
import { collect, entries, type SuiteContext } from "./fixtures.ts";

/** The packed layout written out by hand: key bytes then value bytes, row after row. */
function pack(records: readonly { index: string; key: string; value: string }[]): PackedIndexRecords {
  const enc = new TextEncoder();
  const names: string[] = [];
  const parts: Uint8Array[] = [];
  const rows = new Uint32Array(records.length * 3);
  let at = 0;
  records.forEach((r, i) => {
    if (!names.includes(r.index)) names.push(r.index);
    const k = enc.encode(r.key);
    const v = enc.encode(r.value);
    parts.push(k, v);
    rows[3 * i] = names.indexOf(r.index);
    rows[3 * i + 1] = at + k.length;
    rows[3 * i + 2] = at + k.length + v.length;
    at += k.length + v.length;
  });
  const bytes = new Uint8Array(at);
  let o = 0;
  for (const p of parts) {
    bytes.set(p, o);
    o += p.length;
  }
  return { bytes, rows, names };
}

const RECORDS = [
  { index: "id", key: "https://id.gs1.org/01/09506000134352/21/S1\u001f2024-06-01T00:00:00.000Z", value: "e\u001fO" },
  { index: "id", key: "urn:example:caf\u00e9", value: "accent \u00e9" },
  { index: "lot", key: "L1", value: "clef \ud834\udd1e" },
  { index: "id", key: "urn:example:caf", value: "" },
  { index: "lot", key: "L1", value: "second" },
];

export function packedTests(ctx: SuiteContext): void {
  describe("packed index records", () => {
    it("stores packed records exactly as the same records given plainly", async () => {
      const a = await ctx.openStore();
      const b = await ctx.openStore();
      await a.append({ entries: entries(0, 1), indexes: RECORDS as IndexRecord[] });
      await b.append({ entries: entries(0, 1), packed: [{ records: pack(RECORDS), from: 0, to: RECORDS.length }] });
      for (const name of ["id", "lot"]) {
        expect(await collect(b.scan(name))).toEqual(await collect(a.scan(name)));
      }
      expect(await b.lookup("lot", "L1")).toEqual(["clef \ud834\udd1e", "second"]);
      expect(await b.lookup("id", "urn:example:caf\u00e9")).toEqual(["accent \u00e9"]);
    });

    it("writes only the rows of the span, plain records first, each span in order", async () => {
      const store = await ctx.openStore();
      const p = pack(RECORDS);
      await store.append({
        entries: [],
        indexes: [{ index: "lot", key: "L1", value: "plain" }],
        packed: [
          { records: p, from: 4, to: 5 },
          { records: p, from: 2, to: 3 },
          { records: p, from: 1, to: 1 },
        ],
        transfer: true,
      });
      expect(await store.lookup("lot", "L1")).toEqual(["plain", "second", "clef \ud834\udd1e"]);
      expect(await collect(store.scan("id"))).toEqual([]);
    });

    it("copies packed records that are not handed over", async () => {
      const store = await ctx.openStore();
      const p = pack([{ index: "lot", key: "L9", value: "kept" }]);
      await store.append({ entries: [], packed: [{ records: p, from: 0, to: 1 }] });
      p.bytes.fill(0x41);
      expect(await store.lookup("lot", "L9")).toEqual(["kept"]);
    });

    it("refuses malformed packed records with TypeError and writes nothing", async () => {
      const store = await ctx.openStore();
      const good = pack([
        { index: "lot", key: "L1", value: "v" },
        { index: "lot", key: "L\u00e9", value: "w" },
      ]);
      const bad: Array<[string, PackedIndexSpan]> = [
        ["span beyond the rows", { records: good, from: 0, to: 3 }],
        ["from after to", { records: good, from: 2, to: 1 }],
        ["rows not in threes", { records: { ...good, rows: good.rows.slice(0, 5) }, from: 0, to: 1 }],
        ["unknown name", { records: { ...good, rows: Uint32Array.of(5, 2, 3) }, from: 0, to: 1 }],
        ["bad index name", { records: { ...good, names: ["lot!"] }, from: 0, to: 1 }],
        ["empty key", { records: { ...good, rows: Uint32Array.of(0, 0, 3) }, from: 0, to: 1 }],
        ["value before key end", { records: { ...good, rows: Uint32Array.of(0, 2, 1) }, from: 0, to: 1 }],
        ["past the bytes", { records: { ...good, rows: Uint32Array.of(0, 2, 99) }, from: 0, to: 1 }],
        // "Lé" is 4C C3 A9: a key ending after C3 cuts the character.
        ["cut character", { records: { ...good, rows: Uint32Array.of(0, 2, 3, 0, 5, 7) }, from: 1, to: 2 }],
        ["NUL in a key", { records: { ...good, bytes: Uint8Array.of(0x4c, 0x00, 0x76) }, from: 0, to: 1 }],
        ["not UTF-8", { records: { ...good, bytes: Uint8Array.of(0x4c, 0xff, 0x76) }, from: 0, to: 1 }],
        ["bytes not bytes", { records: { ...good, bytes: [1, 2, 3] as unknown as Uint8Array }, from: 0, to: 1 }],
      ];
      for (const [why, span] of bad) {
        await expect(
          store.append({ entries: entries(0, 1), packed: [span], transfer: true }),
          why,
        ).rejects.toBeInstanceOf(TypeError);
      }
      expect(await store.size()).toBe(0);
      expect(await collect(store.scan("lot"))).toEqual([]);
      // The same records well-formed are taken.
      await store.append({ entries: entries(0, 1), packed: [{ records: good, from: 0, to: 2 }], transfer: true });
      expect(await store.lookup("lot", "L\u00e9")).toEqual(["w"]);
    });
  });
}
