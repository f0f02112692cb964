// The verifiable log (issue 3 §2): RFC 9162 Merkle log over a LedgerStore, C2SP checkpoints,
// the core's key, the gRPC LedgerService, and the auditor's verification.
export { CORE_KEY_FILE, CORE_PUB_FILE, type CoreKey, loadOrCreateCoreKey } from "./keys.ts";
export { checkpointToProto, entryToProto, ledgerServiceHandlers, MAX_ENTRIES_PER_PAGE } from "./ledger-service.ts";
export { type LogErrorCode, type LogFn, VerifiableLog, type VerifiableLogOptions } from "./verifiable-log.ts";
export {
  checkEntry,
  type VerifyCode,
  type VerifyOptions,
  type VerifyProblem,
  type VerifyReport,
  verifyRemote,
  verifyStore,
} from "./verify.ts";
