// Identifiers: one entry point (`parseCode`) for every code form a person or device gives,
// and the codecs behind it.
export * from "./canonical-dl.ts";
export * from "./cn/drug-code.ts";
export * from "./code.ts";
export * from "./epc/index.ts";
export * from "./gs1/index.ts";
