// The core's checkpoint signing key: an Ed25519 C2SP signed-note key kept next to the data.
//
//   <dir>/core-key.txt   signer key  PRIVATE+KEY+<name>+<hex id>+<base64>   mode 0600
//   <dir>/core-key.pub   verifier key <name>+<hex id>+<base64>               mode 0644
//
// The verifier key is what auditors and proof-bundle readers need; it is rewritten from the
// signer key at every start so it can never drift from it.
import { chmod, mkdir, open, readFile, rename, stat } from "node:fs/promises";
import { join } from "node:path";
import { generateNoteKey, parseSignerKey, SuyuanError } from "@suyuan/proto";
import type { LogFn } from "./verifiable-log.ts";

export const CORE_KEY_FILE = "core-key.txt";
export const CORE_PUB_FILE = "core-key.pub";

export interface CoreKey {
  signerKey: string;
  verifierKey: string;
}

/**
 * Reads the core key from `dir`, or generates one named `name` and writes it (exclusive
 * create, 0600, fsynced) if there is none. Throws CORE_KEY_INVALID for an unreadable key file.
 */
export async function loadOrCreateCoreKey(dir: string, name: string, log?: LogFn): Promise<CoreKey> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const keyPath = join(dir, CORE_KEY_FILE);
  let signerKey = await readIfExists(keyPath);
  if (signerKey === undefined) {
    const fresh = generateNoteKey(name);
    try {
      await writeNew(keyPath, `${fresh.signerKey}\n`, 0o600);
      signerKey = fresh.signerKey;
      log?.("core key generated", { path: keyPath, verifierKey: fresh.verifierKey });
    } catch (e) {
      // Another process created it first: use theirs.
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      signerKey = (await readIfExists(keyPath)) ?? "";
    }
  } else {
    const mode = (await stat(keyPath)).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      // A signing key readable by others lets them forge checkpoints: tighten it.
      await chmod(keyPath, 0o600);
      log?.("core key file permissions tightened", { path: keyPath, was: mode.toString(8) });
    }
  }
  let verifierKey: string;
  try {
    verifierKey = parseSignerKey(signerKey).verifierKey;
  } catch (e) {
    throw new SuyuanError("CORE_KEY_INVALID", `${keyPath}: not a C2SP signer key (${(e as Error).message})`, {
      field: "coreKey",
    });
  }
  const pubPath = join(dir, CORE_PUB_FILE);
  if ((await readIfExists(pubPath)) !== verifierKey) {
    // Write-then-rename so a reader never sees a half-written public key.
    const tmp = `${pubPath}.${process.pid}.tmp`;
    await writeNew(tmp, `${verifierKey}\n`, 0o644, true);
    await rename(tmp, pubPath);
  }
  return { signerKey, verifierKey };
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return (await readFile(path, "utf8")).trim();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}

async function writeNew(path: string, text: string, mode: number, overwrite = false): Promise<void> {
  const fh = await open(path, overwrite ? "w" : "wx", mode);
  try {
    await fh.writeFile(text, "utf8");
    await fh.sync();
  } finally {
    await fh.close();
  }
}
