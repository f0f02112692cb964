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
  // Ring of pending reads: items[head .. items.length) are waiting, in arrival order.
  private items: RawRead[] = [];
  private head = 0;
  private waiter: ((r: IteratorResult<RawRead>) => void) | undefined;
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
    return this.items.length - this.head;
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
    if (this.size >= this.capacity) {
      this.dropped++;
      return false;
    }
    this.items.push(read);
    if (!this.paused && this.onPressure !== undefined && this.size >= (this.capacity * 3) / 4) {
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

  private shift(): RawRead | undefined {
    if (this.head >= this.items.length) return undefined;
    const r = this.items[this.head];
    this.head++;
    if (this.head >= this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    if (this.paused && this.size <= this.capacity / 4) {
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
            return new Promise((resolve) => {
              this.waiter = resolve;
            });
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
