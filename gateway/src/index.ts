export * from "./cli.ts";
export * from "./drivers/driver.ts";
export * from "./drivers/index.ts";
export { type GatewayDeps, type GatewayStatus, loadGatewayKey, type RunningGateway, startGateway } from "./main.ts";
export * from "./pipeline/index.ts";
