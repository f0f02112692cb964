export * from "./drivers/driver.ts";
export * from "./pipeline/index.ts";
