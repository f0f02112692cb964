// @suyuan/proto: the data standard every side shares. Pure code, no I/O.
export * from "./epcis/index.ts";
export type * from "./epcis/model.ts";
export * from "./errors.ts";
export * from "./hash/index.ts";
export * from "./identifiers/index.ts";
export * from "./merkle/index.ts";
export * from "./metrics/index.ts";
export * from "./schema/index.ts";
export * from "./sign/index.ts";
