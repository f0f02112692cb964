import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { entries } from "./conformance/fixtures.ts";
import { MemoryBackend } from "./memory/memory-store.ts";
import { type CleanBatch, compareKeys, GuardedLedgerStore } from "./store.ts";

describe("compareKeys", () => {
  it("orders like the UTF-8 bytes of the strings (what LevelDB and PostgreSQL's C collation use)", () => {
    const sign = (n: number) => Math.sign(n);
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), fc.string({ unit: "grapheme" }), (a, b) => {
        expect(sign(compareKeys(a, b))).toBe(sign(Buffer.compare(Buffer.from(a), Buffer.from(b))));
      }),
      { numRuns: 2000 },
    );
  });

  it("puts U+10000 and above after U+E000..U+FFFF, unlike UTF-16 order", () => {
    expect(compareKeys("\uffff", "😀")).toBeLessThan(0);
    expect(compareKeys("\ue000", "\u{10000}")).toBeLessThan(0);
    expect("\uffff" < "😀").toBe(false); // the UTF-16 order this function corrects
    expect(compareKeys("a", "a")).toBe(0);
    expect(compareKeys("a", "ab")).toBeLessThan(0);
  });
});

describe("GuardedLedgerStore", () => {
  class SpyBackend extends MemoryBackend {
    batches: CleanBatch[] = [];
    override async append(batch: CleanBatch): Promise<void> {
      this.batches.push(batch);
      await super.append(batch);
    }
  }

  it("hands the backend private copies and never calls it for a rejected batch", async () => {
    const backend = new SpyBackend();
    const store = new GuardedLedgerStore(backend);
    await store.open();
    const es = entries(0, 2);
    await store.append({ entries: es, indexes: [{ index: "id", key: "k", value: new Uint8Array([1]) }] });
    expect(backend.batches).toHaveLength(1);
    const seen = backend.batches[0]!;
    expect(seen.start).toBe(0);
    expect(seen.nodes).toEqual([]);
    expect(seen.meta).toEqual([]);
    expect(seen.entries[0]!.record).not.toBe(es[0]!.record);
    expect(seen.entries[0]!.eventHash).not.toBe(es[0]!.eventHash);
    await expect(store.append({ entries: entries(5, 1) })).rejects.toMatchObject({ code: "STORE_BAD_INDEX" });
    await expect(
      store.append({ entries: [{ ...entries(2, 1)[0]!, eventHash: es[0]!.eventHash }] }),
    ).rejects.toMatchObject({ code: "STORE_DUPLICATE" });
    await expect(store.append({ entries: [{ ...entries(2, 1)[0]!, leafHash: new Uint8Array(1) }] })).rejects.toThrow(
      TypeError,
    );
    expect(backend.batches).toHaveLength(1);
    await store.close();
  });

  /** Lookups wait for `gate` (when set) after reading, to let an append complete meanwhile. */
  class SlowLookupBackend extends SpyBackend {
    lookups: Uint8Array[][] = [];
    gate: Promise<void> | undefined;
    override async findByEventHashes(hashes: readonly Uint8Array[]): Promise<(number | undefined)[]> {
      this.lookups.push([...hashes]);
      const found = await super.findByEventHashes(hashes);
      if (this.gate !== undefined) await this.gate;
      return found;
    }
  }

  it("skips the uniqueness lookup only for hashes a lookup found absent with no append completing meanwhile", async () => {
    const backend = new SlowLookupBackend();
    const store = new GuardedLedgerStore(backend);
    await store.open();
    const [a, b] = entries(0, 2);
    // A lookup finds a and b absent; appending a then needs no second lookup for it.
    expect(await store.findByEventHashes([a!.eventHash, b!.eventHash])).toEqual([undefined, undefined]);
    const lookups = backend.lookups.length;
    await store.append({ entries: [a!] });
    expect(backend.lookups.length).toBe(lookups);
    // a is in the log now: it is no longer known absent, and appending it again is refused.
    await expect(store.append({ entries: [{ ...b!, index: 1, eventHash: a!.eventHash }] })).rejects.toMatchObject({
      code: "STORE_DUPLICATE",
    });
    // An append that completes while a lookup of the same hash is under way: that lookup's
    // "absent" is stale and must not be remembered.
    let open: () => void = () => {};
    backend.gate = new Promise<void>((r) => {
      open = r;
    });
    const lookup = store.findByEventHashes([b!.eventHash]);
    await new Promise((r) => setTimeout(r, 5));
    await store.append({ entries: [{ ...b!, index: 1 }] });
    open();
    expect(await lookup).toEqual([undefined]); // read before the append landed
    backend.gate = undefined;
    await expect(store.append({ entries: [{ ...a!, index: 2, eventHash: b!.eventHash }] })).rejects.toMatchObject({
      code: "STORE_DUPLICATE",
      detail: { existingIndex: 1 },
    });
    expect(await store.size()).toBe(2);
    await store.close();
  });
});
