import { describe, expect, it } from "vitest";
import type { RawRead } from "../driver.ts";
import { ReadQueue } from "./read-queue.ts";

const read = (data: string): RawRead => ({ deviceId: "d", kind: "rfid", data, ts: 0 });

describe("ReadQueue", () => {
  it("signals pressure at 3/4 of capacity and release at 1/4", async () => {
    const signals: boolean[] = [];
    const q = new ReadQueue(8, (p) => signals.push(p));
    for (let i = 0; i < 6; i++) q.push(read(String(i)));
    expect(signals).toEqual([true]);
    const it = q.iterable()[Symbol.asyncIterator]();
    for (let i = 0; i < 3; i++) await it.next();
    expect(signals).toEqual([true]); // 3 left: still above 1/4
    await it.next();
    expect(signals).toEqual([true, false]); // 2 left = 1/4
  });

  it("hands a read straight to a waiting consumer, then ends", async () => {
    const q = new ReadQueue(1);
    const it = q.iterable()[Symbol.asyncIterator]();
    const pending = it.next();
    q.push(read("A"));
    expect((await pending).value?.data).toBe("A");
    const end = it.next();
    q.end();
    expect((await end).done).toBe(true);
    expect(q.push(read("B"))).toBe(false);
    expect(q.dropped).toBe(1);
  });

  it("keeps order across many pushes and pulls (ring compaction)", async () => {
    const q = new ReadQueue(5000);
    const it = q.iterable()[Symbol.asyncIterator]();
    const seen: string[] = [];
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 3000; i++) q.push(read(`${round}-${i}`));
      for (let i = 0; i < 2500; i++) seen.push(((await it.next()).value as RawRead).data);
    }
    q.end();
    for (let r = await it.next(); !r.done; r = await it.next()) seen.push(r.value.data);
    expect(seen).toHaveLength(9000);
    expect(seen[0]).toBe("0-0");
    expect(seen[2999]).toBe("0-2999");
    expect(seen[3000]).toBe("1-0");
    expect(seen.at(-1)).toBe("2-2999");
  });

  it("keeps order when the ring grows while wrapped around, and across waits", async () => {
    const q = new ReadQueue(100);
    const it = q.iterable()[Symbol.asyncIterator]();
    const seen: string[] = [];
    const pull = async (n: number) => {
      for (let i = 0; i < n; i++) seen.push(((await it.next()).value as RawRead).data);
    };
    for (let i = 0; i < 12; i++) q.push(read(`a${i}`));
    await pull(10); // head is now past the middle of the first ring
    for (let i = 0; i < 40; i++) q.push(read(`b${i}`)); // wraps, then grows twice
    expect(q.size).toBe(42);
    await pull(42);
    const waiting = it.next(); // empty: the consumer waits
    q.push(read("c0"));
    q.push(read("c1"));
    seen.push(((await waiting).value as RawRead).data);
    await pull(1);
    expect(seen).toEqual([
      ...Array.from({ length: 12 }, (_, i) => `a${i}`),
      ...Array.from({ length: 40 }, (_, i) => `b${i}`),
      "c0",
      "c1",
    ]);
    // Capacity still bounds the buffer after growth.
    for (let i = 0; i < 101; i++) q.push(read(`d${i}`));
    expect(q.size).toBe(100);
    expect(q.dropped).toBe(1);
  });

  it("rejects a bad capacity and concurrent next()", () => {
    expect(() => new ReadQueue(0)).toThrow(TypeError);
    const q = new ReadQueue(2);
    const it = q.iterable()[Symbol.asyncIterator]();
    void it.next();
    expect(() => it.next()).toThrow(TypeError);
    q.end();
  });
});
