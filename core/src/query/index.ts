// Query service: chains, traces, recalls, EPCIS event queries, proof bundles (issue 3 §4).
export { QueryEngine } from "./engine.ts";
export type { EventQueryParams, EventQueryResult } from "./events.ts";
export * from "./types.ts";
