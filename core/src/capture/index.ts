// Verified capture (issue 3 §1): gateway batches and partner EPCIS documents.
export {
  type Authenticate,
  CaptureServiceDefinition,
  type CaptureServiceHandlers,
  type CaptureServiceOptions,
  captureServiceHandlers,
  outcomeToProto,
} from "./capture-service.ts";
export { CheckPool, defaultCheckWorkers } from "./check-pool.ts";
export {
  type BatchRecord,
  batchKey,
  decodeBatchRecord,
  type GatewayState,
  readBatchRecord,
  stateKey,
} from "./gateway-state.ts";
export { checkLocationPolicy, LocationCanonicaliser } from "./policy.ts";
export {
  type CaptureAlarm,
  CaptureProcessor,
  type CaptureProcessorOptions,
  type CaptureStats,
  type DocumentCaptureOptions,
  type DocumentCaptureResult,
  type DocumentEventOutcome,
  type ErrorBehaviour,
  type KeyStatusFn,
} from "./processor.ts";
export { headerFromProto, headerToProto } from "./proto-header.ts";
