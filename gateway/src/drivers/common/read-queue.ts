import type { RawRead } from "../driver.ts";

/**
 * The bounded buffer between a device and the one consumer of `Driver.reads()`.
 *
 * Why one shared class: the contract (driver.ts) asks every driver for the same things — one
 * iterable per instance, arrival order, a bounded buffer with counted drops, and an end after
 * `close()` that still hands over what was accepted before it. Drivers whose source can be
 * paused (serial ports) listen to `onPressure` and stop reading at the high-water mark, so
 * they never need to drop; sources that cannot be paused (MQTT, mock) drop the newest read
 * and the drop is counted.
 */
export class ReadQueue {
  // Ring of pending reads: `count` reads from `ring[head]` on, wrapping, in arrival order. The
  // ring's length is a power of two (index masking); it doubles when full, up to the first
  // power of two ≥ capacity, and is never shrunk or reallocated while draining, so a steady
  // stream of reads allocates nothing here (the old grow-then-`slice` array did, per burst).
  private ring: Array<RawRead | undefined> = new Array(16).fill(undefined);
  private head = 0;
  private count = 0;
  private waiter: ((r: IteratorResult<RawRead>) => void) | undefined;
  // One executor for every wait: `new Promise(this.park)` allocates no closure per wait.
  private readonly park = (resolve: (r: IteratorResult<RawRead>) => void): void => {
    this.waiter = resolve;
  };
  private ended = false;
  private iterated = false;
  private paused = false;
  dropped = 0;

  /**
   * @param capacity reads held before `push` drops (and counts) the newest.
   * @param onPressure called with `true` when the buffer reaches 3/4 of capacity and with
   *   `false` once the consumer has drained it to 1/4; a pausable source stops reading between.
   */
  constructor(
    readonly capacity = 10_000,
    private readonly onPressure?: (paused: boolean) => void,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new TypeError("capacity must be a positive integer");
  }

  get size(): number {
    return this.count;
  }

  /** Hands a read to the consumer; returns false if it was dropped (buffer full or ended). */
  push(read: RawRead): boolean {
    if (this.ended) {
      this.dropped++;
      return false;
    }
    const w = this.waiter;
    if (w !== undefined) {
      this.waiter = undefined;
      w({ value: read, done: false });
      return true;
    }
    if (this.count >= this.capacity) {
      this.dropped++;
      return false;
    }
    if (this.count === this.ring.length) this.grow();
    this.ring[(this.head + this.count) & (this.ring.length - 1)] = read;
    this.count++;
    if (!this.paused && this.onPressure !== undefined && this.count >= (this.capacity * 3) / 4) {
      this.paused = true;
      this.onPressure(true);
    }
    return true;
  }

  /** No more reads will come: the consumer gets what is buffered, then `done`. Idempotent. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    const w = this.waiter;
    if (w !== undefined) {
      this.waiter = undefined;
      w({ value: undefined, done: true });
    }
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** Doubles the ring, unwrapping the pending reads to its start. */
  private grow(): void {
    const old = this.ring;
    const next = new Array<RawRead | undefined>(old.length * 2).fill(undefined);
    for (let i = 0; i < this.count; i++) next[i] = old[(this.head + i) & (old.length - 1)];
    this.ring = next;
    this.head = 0;
  }

  private shift(): RawRead | undefined {
    if (this.count === 0) return undefined;
    const r = this.ring[this.head];
    // Release the slot: a consumed read must not stay reachable from the ring.
    this.ring[this.head] = undefined;
    this.head = (this.head + 1) & (this.ring.length - 1);
    this.count--;
    if (this.paused && this.count <= this.capacity / 4) {
      this.paused = false;
      this.onPressure?.(false);
    }
    return r;
  }

  /** The one iterable of this queue: a second iteration is a programmer error. */
  iterable(): AsyncIterable<RawRead> {
    return {
      [Symbol.asyncIterator]: (): AsyncIterator<RawRead> => {
        if (this.iterated) throw new TypeError("reads() can be iterated once per driver instance");
        this.iterated = true;
        return {
          next: () => {
            const r = this.shift();
            if (r !== undefined) return Promise.resolve({ value: r, done: false });
            if (this.ended) return Promise.resolve({ value: undefined, done: true });
            if (this.waiter !== undefined) throw new TypeError("concurrent next() calls on reads()");
            return new Promise(this.park);
          },
          return: () => {
            // The consumer left (break out of for-await): keep buffering up to capacity, then
            // count drops — the driver keeps running until close().
            this.iterated = true;
            return Promise.resolve({ value: undefined, done: true });
          },
        };
      },
    };
  }
}
