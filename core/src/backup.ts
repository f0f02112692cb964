// A hot backup of a running core's data folder (AdminService.Backup, `suyuan admin backup`):
// the ledger store copied consistently while capture goes on (store/level/backup.ts), and the
// folder's own files beside it — the core's signing key (without it a restored core could not
// go on signing checkpoints of the same log) and the bootstrap admin token file. The copy is
// a data folder that `suyuan core start --data` opens as it is, and `suyuan verify --data`
// checks. It holds the core's private key: keep it as safe as the data folder itself.
import { access, chmod, copyFile, open, readdir, rm, stat, writeFile } from "node:fs/promises";
import { isAbsolute, join, resolve } from "node:path";
import { SuyuanError } from "@suyuan/proto";
import type { CoreMetrics } from "./metrics.ts";
import { type BackupInfo, prepareTarget, realOrParent, within } from "./store/level/backup.ts";
import { LevelStore } from "./store/level/level-store.ts";
import type { LedgerStore } from "./store/store.ts";

/** The folder under a data folder that holds the LevelDB ledger (server.ts). */
export const LEDGER_DIR = "ledger";
/** In a backup being written, until it is whole (startCore and verify refuse a folder with it). */
export const INCOMPLETE_MARKER = "BACKUP-INCOMPLETE";
const INCOMPLETE_TEXT =
  "This folder is a suyuan core backup that was not finished (the copy was cut short).\n" +
  "It is not a usable data folder: take another backup.\n";

/** Throws CORE_BACKUP_INCOMPLETE when `dataDir` is a backup that was cut short. */
export async function refuseIncompleteBackup(dataDir: string): Promise<void> {
  try {
    await access(join(dataDir, INCOMPLETE_MARKER));
  } catch {
    return;
  }
  throw new SuyuanError(
    "CORE_BACKUP_INCOMPLETE",
    `${dataDir} is a backup that was cut short (it holds ${INCOMPLETE_MARKER}); take another backup`,
    { field: "dataDir" },
  );
}

/** fsync of a file or directory (what it holds, or its entries), so a finished copy stays one. */
async function syncFile(path: string): Promise<void> {
  const f = await open(path, "r");
  try {
    await f.sync();
  } finally {
    await f.close();
  }
}

export interface CoreBackupInfo extends BackupInfo {
  /** The data folder's own files copied beside the ledger (names). */
  files: string[];
}

/**
 * Where a backup named `name` goes in the backup folder `backupDir`: a relative path that
 * stays inside it (BACKUP_TARGET otherwise), so a caller can only ever write below it — also
 * when a directory on the way is a symbolic link (the check is made on real paths too).
 */
export async function backupTarget(backupDir: string, name: string): Promise<string> {
  if (typeof name !== "string" || name.trim() === "" || isAbsolute(name) || name.includes("\0")) {
    throw new SuyuanError("BACKUP_TARGET", "target: give a name for the backup, relative to the backup folder", {
      field: "target",
    });
  }
  const root = resolve(backupDir);
  const to = resolve(root, name);
  const out = () =>
    new SuyuanError("BACKUP_TARGET", `target: ${JSON.stringify(name)} leads out of the backup folder`, {
      field: "target",
    });
  if (to === root || !within(root, to)) throw out();
  const realRoot = await realOrParent(root);
  const realTo = await realOrParent(to);
  if (realTo === realRoot || !within(realRoot, realTo)) throw out();
  return to;
}

/**
 * Copies the data folder `dataDir` of a core whose store is `store` into `target` (a new or
 * empty directory outside `dataDir`): `target/ledger` from the store, then every file at the
 * top of `dataDir` with its mode. On failure nothing is left at `target`.
 */
export async function backupDataDir(dataDir: string, store: LedgerStore, target: string): Promise<CoreBackupInfo> {
  if (!(store instanceof LevelStore)) {
    throw new SuyuanError(
      "BACKUP_UNSUPPORTED",
      "this core's store is not the LevelDB store; back it up with its database's own tools",
      { field: "store" },
    );
  }
  const to = await prepareTarget(dataDir, target);
  try {
    // Until the copy is whole, a marker says it is not: a core refuses to start on a folder
    // holding it (a copy cut short must not become a ledger of its own), and so does verify.
    await writeFile(join(to, INCOMPLETE_MARKER), INCOMPLETE_TEXT, { flag: "wx" });
    const info = await store.backup(join(to, LEDGER_DIR));
    const files: string[] = [];
    let bytes = 0;
    for (const d of await readdir(dataDir, { withFileTypes: true })) {
      if (!d.isFile()) continue;
      const from = join(dataDir, d.name);
      const dest = join(to, d.name);
      await copyFile(from, dest);
      const st = await stat(from);
      await chmod(dest, st.mode & 0o777);
      await syncFile(dest);
      files.push(d.name);
      bytes += st.size;
    }
    await rm(join(to, INCOMPLETE_MARKER));
    await syncFile(to);
    return { ...info, location: to, bytes: bytes + info.bytes, files: files.sort() };
  } catch (e) {
    // The target was new or empty: whatever is there now is this backup's.
    await rm(to, { recursive: true, force: true }).catch(() => undefined);
    if (e instanceof SuyuanError) throw e;
    throw new SuyuanError("BACKUP_FAILED", `the copy to ${to} failed: ${(e as Error).message}`, { field: "backup" });
  }
}

/**
 * The core's Backup: `name` checked into `backupDir` (backupTarget), the data folder copied
 * there (backupDataDir), and the outcome counted in the core's metrics.
 */
export function backupsInto(
  backupDir: string,
  dataDir: string,
  store: LedgerStore,
  metrics: Pick<CoreMetrics, "backup">,
): (name: string) => Promise<CoreBackupInfo> {
  return async (name) => {
    const t0 = performance.now();
    try {
      const info = await backupDataDir(dataDir, store, await backupTarget(backupDir, name));
      metrics.backup("ok", (performance.now() - t0) / 1000, info.bytes);
      return info;
    } catch (e) {
      const code = e instanceof SuyuanError ? e.code : "";
      const refused = code === "BACKUP_TARGET" || code === "BACKUP_BUSY";
      metrics.backup(refused ? "refused" : "failed", (performance.now() - t0) / 1000);
      throw e;
    }
  };
}
