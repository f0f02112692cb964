// Tokens with roles, principals from gRPC metadata, role checks, access records.
export * from "./audit.ts";
export * from "./auth.ts";
export * from "./grpc-call.ts";
export * from "./roles.ts";
