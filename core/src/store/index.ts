// The ledger store: contract, and the backends that ship with the core. The conformance
// suite (./conformance/suite.ts) is test-only and deliberately not exported here.
export * from "./level/level-store.ts";
export * from "./memory/memory-store.ts";
export * from "./store.ts";
