export * from "./devices/index.ts";
export * from "./scenarios/index.ts";
