// @suyuan/core's public surface, as the CLI (`suyuan core|capture|chain|recall|verify|admin`)
// uses it. Loading it loads the whole core (gRPC server, LevelDB): import it lazily.

export { refuseIncompleteBackup } from "./backup.ts";
export { suyuanCodeOf } from "./grpc/errors.ts";
export { CORE_KEY_FILE, CORE_PUB_FILE, type VerifyReport, verifyRemote, verifyStore } from "./log/index.ts";
export { type ImportPlan, parseImportFile } from "./master/import.ts";
export { type CoreOptions, type LogFn, type RunningCore, startCore } from "./server.ts";
export { within } from "./store/level/backup.ts";
export { LevelStore } from "./store/level/level-store.ts";
export { MemoryStore } from "./store/memory/memory-store.ts";
