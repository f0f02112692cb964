export * from "./drivers/driver.ts";
