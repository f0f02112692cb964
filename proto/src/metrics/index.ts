export * from "./read-exposition.ts";
export * from "./registry.ts";
