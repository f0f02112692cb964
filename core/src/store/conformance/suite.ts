// The shared conformance suite every `LedgerStore` backend runs (abstract-level style: one
// suite, each backend's test file calls it with a factory for fresh isolated instances).
// Expected values are fixed by the contract in `../store.ts`, never read back from a backend.
import { afterEach, describe } from "vitest";
import type { LedgerStore } from "../store.ts";
import { appendTests } from "./append.ts";
import { chunkTests } from "./chunks.ts";
import { concurrencyTests } from "./concurrency.ts";
import { cursorTests } from "./cursor.ts";
import type { ConformanceOptions, StoreFactory, SuiteContext } from "./fixtures.ts";
import { indexTests } from "./indexes.ts";
import { lifecycleTests } from "./lifecycle.ts";
import { metaTests } from "./meta.ts";
import { nodeTests } from "./nodes.ts";
import { packedTests } from "./packed.ts";
import { persistenceTests } from "./persistence.ts";

export type { ConformanceOptions, StoreFactory } from "./fixtures.ts";

/**
 * Registers the whole suite under `describe(name)`.
 * @param factory returns a fresh, isolated, NOT yet opened store on every call.
 * @param options the backend's declared `supports`, and for persistent backends how to get a
 *   store over the same data after close (default: open the same instance again).
 */
export function runStoreConformance(name: string, factory: StoreFactory, options: ConformanceOptions): void {
  describe(`LedgerStore conformance: ${name}`, () => {
    const live: LedgerStore[] = [];
    const ctx: SuiteContext = {
      factory,
      options,
      track(store) {
        live.push(store);
        return store;
      },
      async openStore() {
        const store = ctx.track(await factory());
        await store.open();
        return store;
      },
    };
    afterEach(async () => {
      // Every test builds its own store; close them all so backends can release files.
      await Promise.all(live.splice(0).map((s) => s.close().catch(() => undefined)));
    });

    lifecycleTests(ctx);
    appendTests(ctx);
    nodeTests(ctx);
    indexTests(ctx);
    packedTests(ctx);
    chunkTests(ctx);
    cursorTests(ctx);
    metaTests(ctx);
    concurrencyTests(ctx);
    persistenceTests(ctx);
  });
}
