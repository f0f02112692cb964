// A hot backup of the LevelDB ledger: a consistent copy of the whole store — log, tree,
// indexes, checkpoint, master data, enrolments, tokens, recalls, gateway states: everything
// the core keeps in it — written to a new directory while the core goes on capturing.
//
// Consistency comes from LevelDB: an iterator reads the database as it was when the iterator
// was made (an implicit snapshot), whatever is written after. Every row is copied from one
// such iterator, so the copy holds whole appends only (each append is one write batch). The
// entries themselves live in entries.dat, which is only ever appended to; the `f!` row in the
// same snapshot says where the last copied append's entries end, and the bytes before that
// never change. So copying entries.dat up to that point, after the rows, gives the file the
// copied rows point into. The event-hash filter is not copied: the store rebuilds it when the
// copy is opened.
//
// The target must be a new or empty directory outside the store's. It becomes a LevelDB
// directory a LevelStore (and `suyuan core start --data`, under `ledger/`) opens as it is;
// `suyuan verify --data` checks it. A copy cut short (the process killed) does not open: the
// rows go in key order and the format marker `v!` sorts last, and a store whose entries.dat
// ends before its `f!` is refused at open.
import { type FileHandle, mkdir, open as openFile, readdir, realpath } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { SuyuanError } from "@suyuan/proto";
import { Level } from "level";

/** What a backup copied. */
export interface BackupInfo {
  /** The target directory (absolute). */
  location: string;
  /** Log entries in the copy. */
  entries: number;
  /** LevelDB rows copied. */
  rows: number;
  /** Bytes copied: rows (keys and values) and entries.dat. */
  bytes: number;
  /** Milliseconds the copy took. */
  ms: number;
}

/** Rows read per step (one write batch into the copy). */
const ROWS_PER_STEP = 1000;
/** entries.dat is copied in pieces of this size. */
const FILE_PIECE = 1 << 20;

export function backupError(code: "BACKUP_TARGET" | "BACKUP_BUSY" | "BACKUP_FAILED", message: string): SuyuanError {
  return new SuyuanError(code, message, { field: code === "BACKUP_TARGET" ? "target" : "backup" });
}

/** The source: an open database and entries file, and whether its store began to close. */
export interface BackupSource {
  db: Level<Buffer, Buffer>;
  entries: FileHandle;
  entriesFile: string;
  closing: () => boolean;
  /** The key of the row holding entries.dat's committed end, and how to read its value. */
  fileEndKey: Buffer;
  parseFileEnd: (value: Buffer) => number;
  /** Whether a row key is a log entry's (counted as `entries`). */
  isEntryKey: (key: Buffer) => boolean;
}

/** Whether path `p` is `dir` or lies below it (both absolute or both relative to one place). */
export function within(dir: string, p: string): boolean {
  const rel = relative(resolve(dir), resolve(p));
  return rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/** Checks the target and creates it (empty); answers its absolute path. */
export async function prepareTarget(source: string, target: unknown): Promise<string> {
  if (typeof target !== "string" || target.trim() === "") {
    throw backupError("BACKUP_TARGET", "target: give the directory to write the backup to");
  }
  const to = resolve(target);
  // Both through realpath where they exist, so a link cannot hide that one is in the other.
  const from = await realpath(source).catch(() => resolve(source));
  const toReal = await realOrParent(to);
  if (within(from, toReal)) {
    throw backupError("BACKUP_TARGET", `target: ${to} lies in the store's own directory ${from}`);
  }
  if (within(toReal, from)) {
    throw backupError("BACKUP_TARGET", `target: ${to} holds the store's own directory ${from}`);
  }
  let listing: string[] | undefined;
  try {
    listing = await readdir(to);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOTDIR") {
      throw backupError("BACKUP_TARGET", `target: ${to} is a file, not a directory`);
    }
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") {
      throw backupError("BACKUP_TARGET", `target: ${to} cannot be read (${(e as Error).message})`);
    }
  }
  if (listing !== undefined && listing.length > 0) {
    throw backupError("BACKUP_TARGET", `target: ${to} is not empty; a backup goes to a new or empty directory`);
  }
  try {
    // Owner only, like a data folder: the copy holds the core's private key.
    await mkdir(to, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw backupError("BACKUP_TARGET", `target: ${to} cannot be created (${(e as Error).message})`);
  }
  return to;
}

/** realpath of `p`, or of its nearest existing ancestor with the rest appended. */
export async function realOrParent(p: string): Promise<string> {
  try {
    return await realpath(p);
  } catch {
    const parent = dirname(p);
    if (parent === p) return p;
    return join(await realOrParent(parent), p.slice(parent.length));
  }
}

/** Copies the store into `to` (prepared by prepareTarget). */
export async function copyStore(src: BackupSource, to: string): Promise<BackupInfo> {
  const t0 = performance.now();
  const out = new Level<Buffer, Buffer>(to, {
    keyEncoding: "buffer",
    valueEncoding: "buffer",
    errorIfExists: true,
  });
  let rows = 0;
  let bytes = 0;
  let entries = 0;
  let fileEnd = 0;
  try {
    await out.open();
    // Made now: everything below reads the database as it is at this moment.
    const it = src.db.iterator();
    let last: [Buffer, Buffer] | undefined;
    // The next rows are read while the last ones are written.
    let reading: Promise<[Buffer, Buffer][]> | undefined;
    try {
      reading = it.nextv(ROWS_PER_STEP);
      for (;;) {
        const step = await reading;
        reading = undefined;
        if (step.length === 0) break;
        if (src.closing()) throw backupError("BACKUP_FAILED", "the store began to close during the backup");
        reading = it.nextv(ROWS_PER_STEP);
        const batch = out.batch();
        for (const [key, value] of step) {
          batch.put(key, value);
          bytes += key.length + value.length;
          if (src.isEntryKey(key)) entries++;
          else if (key.equals(src.fileEndKey)) fileEnd = src.parseFileEnd(value);
        }
        rows += step.length;
        last = step[step.length - 1];
        await batch.write();
      }
    } finally {
      await reading?.catch(() => undefined);
      await it.close();
    }
    // The last row once more, synced: LevelDB's log then holds every batch before it on disk.
    if (last !== undefined) await out.put(last[0], last[1], { sync: true });
  } finally {
    await out.close();
  }
  bytes += await copyPrefix(src, join(to, src.entriesFile), fileEnd);
  return { location: to, entries, rows, bytes, ms: performance.now() - t0 };
}

/** Copies the first `length` bytes of the source's entries file into `path`; answers length. */
async function copyPrefix(src: BackupSource, path: string, length: number): Promise<number> {
  const f = await openFile(path, "wx");
  try {
    const piece = Buffer.allocUnsafe(Math.min(FILE_PIECE, Math.max(1, length)));
    let at = 0;
    while (at < length) {
      if (src.closing()) throw backupError("BACKUP_FAILED", "the store began to close during the backup");
      const want = Math.min(piece.length, length - at);
      const { bytesRead } = await src.entries.read(piece, 0, want, at);
      if (bytesRead === 0) {
        throw backupError("BACKUP_FAILED", `${src.entriesFile} ends at ${at}, before its committed end ${length}`);
      }
      let done = 0;
      while (done < bytesRead) done += (await f.write(piece, done, bytesRead - done, at + done)).bytesWritten;
      at += bytesRead;
    }
    await f.datasync();
  } finally {
    await f.close();
  }
  return length;
}
