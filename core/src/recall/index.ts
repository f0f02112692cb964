// The recall workflow and its gRPC service.
export * from "./recall-service.ts";
export * from "./recall-service-grpc.ts";
export type * from "./types.ts";
