export * from "./drivers/driver.ts";
export * from "./drivers/index.ts";
export * from "./pipeline/index.ts";
