import { afterEach, describe, expect, it } from "vitest";
import { type Entry, SEP } from "../index/records.ts";
import { MemoryStore } from "../store/memory/memory-store.ts";
import type { IndexRecord } from "../store/store.ts";
import { childList, inSlices, MERGE_GAP, QueryContext, TIME_MAX, Walk } from "./context.ts";
import { QueryEngine } from "./engine.ts";
import { appendNamed, type Built, buildLedger, C, ID, mainOrder, masterData } from "./test-fixtures.ts";
import type { QueryLedger } from "./types.ts";

let open: Built[] = [];
afterEach(async () => {
  for (const b of open) await b.log.close();
  open = [];
});

const value = (n: number) => ["e", "O", "OBSERVE", "", "", `urn:loc:${n}`, "", "", "", "", ""].join(SEP);
const key = (id: string, t: number, i: number) =>
  `${id}${SEP}2026-01-01T00:00:${String(t % 60).padStart(2, "0")}.000Z${SEP}${String(i).padStart(12, "0")}`;

describe("QueryContext.entriesMany", () => {
  it("gives every identifier exactly what its own prefix scan gives, across gaps, long runs and odd keys", async () => {
    const store = new MemoryStore();
    await store.open();
    const recs: IndexRecord[] = [];
    let i = 0;
    const put = (id: string, n: number, sameKey = false) => {
      for (let k = 0; k < n; k++) {
        i++;
        recs.push({ index: "id", key: sameKey ? key(id, 0, 1) : key(id, k, i), value: value(i) });
      }
    };
    const wanted: string[] = [];
    for (let n = 0; n < 120; n++) {
      const id = `https://id.gs1.org/01/00000000000017/21/${String(n).padStart(4, "0")}`;
      put(id, n % 4); // 0 to 3 records; some wanted ids have none
      if (n % 3 !== 2) wanted.push(id);
      // Identifiers nobody asks for between the wanted ones: short runs are stepped over,
      // runs longer than MERGE_GAP close the range and open a new one.
      put(`${id}-x`, n % 10 === 0 ? MERGE_GAP * 3 : 1);
    }
    // More records under one key than the first range limit (bags keep their order; a range
    // cut inside them must neither repeat nor lose any).
    const dup = "https://id.gs1.org/01/00000000000017/21/0004";
    put(dup, 100, true);
    // An identifier holding ␟ (scanned on its own) and a key whose time part holds ␟.
    const odd = `urn:odd${SEP}id`;
    put(odd, 2);
    const oddAt = [i - 1, i];
    put("urn:odd", 1);
    const plainAt = i;
    i++;
    recs.push({ index: "id", key: `urn:odd${SEP}bad${SEP}time${SEP}000000000999`, value: value(i) });
    // Records of one event (one log index) under several identifiers: same value and time
    // (one shared entry may serve them), another value, and the same value at another time.
    const shared = ["urn:s:1", "urn:s:2", "urn:s:3", "urn:s:4"];
    recs.push({ index: "id", key: key(shared[0]!, 7, 5000), value: value(5000) });
    recs.push({ index: "id", key: key(shared[1]!, 7, 5000), value: value(5000) });
    recs.push({ index: "id", key: key(shared[2]!, 7, 5000), value: value(5001) });
    recs.push({ index: "id", key: key(shared[3]!, 8, 5000), value: value(5000) });
    wanted.push(...shared);
    // Ids whose prefixes `id ␟` sort otherwise than the ids (a code unit below ␟) or whose
    // UTF-16 order is not code point order (U+FFFF against U+1F600).
    const unusual = ["urn:c", "urn:c\u0001x", "urn:w\uffff", "urn:w\u{1F600}", "urn:w"];
    for (const id of unusual) put(id, 2);
    wanted.push(...unusual);
    put("urn:x", 1);
    wanted.push(odd, "urn:odd", "urn:none", wanted[0]!); // and a repeat
    await store.append({ entries: [], indexes: recs });

    const ctx = new QueryContext(store, {} as QueryLedger, masterData(), 100);
    const got = await ctx.entriesMany("id", wanted);
    const expected = new Map<string, Entry[]>();
    for (const id of wanted) expected.set(id, await ctx.entries("id", id));
    expect([...got.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [id, es] of expected) expect(got.get(id), id).toEqual(es);
    // The checks above must see something: the repeated key's 100 records, the odd time, and
    // (as a prefix scan does) the records of the identifier that extends "urn:odd␟".
    expect(got.get(dup)).toHaveLength(100);
    expect(new Set(got.get(dup)?.map((e) => e.bizLocation)).size).toBe(100);
    // In key order: "urn:odd" itself, then "urn:odd␟bad" (time "time", index 999), then `odd`.
    expect(got.get("urn:odd")?.map((e) => [e.time, e.index])).toEqual([
      ["2026-01-01T00:00:00.000Z", plainAt],
      ["time", 999],
      ["2026-01-01T00:00:00.000Z", oddAt[0]],
      ["2026-01-01T00:00:01.000Z", oddAt[1]],
    ]);
    expect(shared.map((id) => got.get(id)?.map((e) => [e.time.slice(-7), e.bizLocation]))).toEqual([
      [["07.000Z", "urn:loc:5000"]],
      [["07.000Z", "urn:loc:5000"]],
      [["07.000Z", "urn:loc:5001"]],
      [["08.000Z", "urn:loc:5000"]],
    ]);
    for (const id of unusual) expect(got.get(id), id).toHaveLength(2);
    // Only plain ids wanted, with keys of wide ones between them (read over, not wanted).
    const plainOnly = await ctx.entriesMany("id", ["urn:w", "urn:x"]);
    expect(plainOnly.get("urn:w")).toEqual(await ctx.entries("id", "urn:w"));
    expect(plainOnly.get("urn:x")).toEqual(await ctx.entries("id", "urn:x"));
    expect(plainOnly.get("urn:x")).toHaveLength(1);
    expect(got.get(wanted[0]!)).toHaveLength(0);
    expect(got.get(wanted[1]!)).toHaveLength(1);
    await store.close();
  });
});

describe("records shared across queries", () => {
  it("are read again after an append: a lot event logged between two chains joins the second", async () => {
    const b = await buildLedger(mainOrder().filter((n) => n !== "inspectJ1"));
    open.push(b);
    const q = new QueryEngine({ store: b.store, ledger: b.log, master: masterData() });
    const names = async () =>
      (await q.getChain(ID.B1)).steps.map((s) => [b.nameAt.get(s.proof.logIndex), s.via] as const);
    const before = await names();
    expect(before.map(([n]) => n)).not.toContain("inspectJ1");
    await appendNamed(b, "inspectJ1");
    const after = await names();
    expect(after).toContainEqual(["inspectJ1", `lot:${C(ID.J1)}`]);
    expect(after).toHaveLength(before.length + 1);
  });
});

describe("childList (the children of a `child` record)", () => {
  it("reads the per-event JSON list, and the one child of a record indexed before lists", () => {
    expect(childList('["https://id.gs1.org/00/1","https://id.gs1.org/00/2"]')).toEqual([
      "https://id.gs1.org/00/1",
      "https://id.gs1.org/00/2",
    ]);
    expect(childList('["*"]')).toEqual(["*"]);
    expect(childList("*")).toEqual(["*"]);
    expect(childList("https://id.gs1.org/01/10614141073464/21/CA1")).toEqual([
      "https://id.gs1.org/01/10614141073464/21/CA1",
    ]);
    expect(childList("[not json")).toEqual(["[not json"]);
  });
});

describe("Walk.containers (EPCIS 2.0 §7.4.3: when an object sat in which container)", () => {
  const T = (s: number) => `2026-01-01T00:00:${String(s).padStart(2, "0")}.000Z`;
  // An `id` record: role, type, action, …, link (records.ts field order).
  const rec = (id: string, s: number, i: number, role: string, action: string, link: string): IndexRecord => ({
    index: "id",
    key: `${id}${SEP}${T(s)}${SEP}${String(i).padStart(12, "0")}`,
    value: [role, "A", action, "", "", "", "", "", "", link, "", ""].join(SEP),
  });
  const intervals = async (recs: IndexRecord[], id: string, window?: { from: string; to: string }) => {
    const store = new MemoryStore();
    await store.open();
    await store.append({ entries: [], indexes: recs });
    const walk = new Walk(new QueryContext(store, {} as QueryLedger, masterData(), 100));
    const got = await walk.containers(id, window);
    // The synchronous form (records already read) gives the same.
    expect(walk.containersSync(id, window)).toEqual(got);
    await store.close();
    return Object.fromEntries(got);
  };
  const U = "urn:u";

  it("an ADD opens, a DELETE of the child closes, an ADD to another parent moves it", async () => {
    expect(await intervals([rec(U, 1, 1, "c", "ADD", "P1"), rec(U, 3, 2, "c", "DELETE", "P1")], U)).toEqual({
      P1: [{ from: T(1), to: T(3) }],
    });
    expect(await intervals([rec(U, 1, 1, "c", "ADD", "P1"), rec(U, 2, 2, "c", "ADD", "P2")], U)).toEqual({
      P1: [{ from: T(1), to: T(2) }],
      P2: [{ from: T(2), to: TIME_MAX }],
    });
  });

  it("OBSERVEs of several parents keep each open until an ADD elsewhere; a DELETE closes only its own", async () => {
    const recs = [
      rec(U, 1, 1, "c", "OBSERVE", "P1"),
      rec(U, 2, 2, "c", "OBSERVE", "P2"),
      rec(U, 3, 3, "c", "OBSERVE", "P3"),
      rec(U, 4, 4, "c", "DELETE", "P2"),
      rec(U, 5, 5, "c", "ADD", "P4"),
    ];
    expect(await intervals(recs, U)).toEqual({
      P2: [{ from: T(2), to: T(4) }],
      P1: [{ from: T(1), to: T(5) }],
      P3: [{ from: T(3), to: T(5) }],
      P4: [{ from: T(5), to: TIME_MAX }],
    });
  });

  it("a DELETE of the parent without children ends it; events count in time order, not log order", async () => {
    const recs = [
      // Logged late (index 9) but earlier in time: the ADD to P1.
      rec(U, 1, 9, "c", "ADD", "P1"),
      rec("P1", 4, 3, "p", "DELETE", "*"),
      rec(U, 6, 4, "c", "ADD", "P1"),
    ];
    expect(await intervals(recs, U)).toEqual({
      P1: [
        { from: T(1), to: T(4) },
        { from: T(6), to: TIME_MAX },
      ],
    });
    // Clipped to a window; an interval outside it is left out.
    expect(await intervals(recs, U, { from: T(2), to: T(5) })).toEqual({ P1: [{ from: T(2), to: T(4) }] });
  });
});

describe("inSlices", () => {
  it("covers [0, total) once, in order, in slices of at most `size`", async () => {
    for (const [total, size] of [
      [0, 4],
      [3, 4],
      [8, 4],
      [9, 4],
      [1, 1],
    ] as const) {
      const slices: Array<[number, number]> = [];
      await inSlices(total, size, (from, to) => {
        slices.push([from, to]);
      });
      const covered = slices.flatMap(([from, to]) => Array.from({ length: to - from }, (_, i) => from + i));
      expect(covered).toEqual(Array.from({ length: total }, (_, i) => i));
      expect(slices.every(([from, to]) => to > from && to - from <= size)).toBe(true);
      expect(slices.length).toBe(Math.ceil(total / size));
    }
  });

  it("lets the event loop turn between slices, not before the first", async () => {
    const seen: string[] = [];
    setImmediate(() => seen.push("turn"));
    await inSlices(3, 1, (from) => {
      seen.push(`slice ${from}`);
    });
    // A callback queued before the call runs after the first slice, before the second.
    expect(seen.slice(0, 3)).toEqual(["slice 0", "turn", "slice 1"]);
  });
});
