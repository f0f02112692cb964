// Master data (parties, locations, products, gateway enrolments) and the admin gRPC service.
export * from "./admin-service.ts";
export * from "./epcis-master-data.ts";
export * from "./ids.ts";
export * from "./import.ts";
export * from "./master-data.ts";
export * from "./records.ts";
