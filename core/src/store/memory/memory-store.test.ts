import { runStoreConformance } from "../conformance/suite.ts";
import { MemoryStore } from "./memory-store.ts";

runStoreConformance("memory", async () => new MemoryStore(), {
  supports: { persistence: false, durableWrites: false, sharedWriters: false },
});
