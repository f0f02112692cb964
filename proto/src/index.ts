export type * from "./epcis/model.ts";
export * from "./errors.ts";
