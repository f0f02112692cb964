import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isSuyuanError, openCheckpoint, parseSignerKey, parseVerifierKey, signCheckpoint } from "@suyuan/proto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadOrCreateCoreKey } from "./keys.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "suyuan-key-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("loadOrCreateCoreKey", () => {
  it("creates a C2SP Ed25519 key pair: signer file 0600, verifier file next to it", async () => {
    const k = await loadOrCreateCoreKey(join(dir, "data"), "core.example");
    expect(k.signerKey).toMatch(/^PRIVATE\+KEY\+core\.example\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$/);
    expect(k.verifierKey).toMatch(/^core\.example\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$/);
    const keyFile = join(dir, "data", "core-key.txt");
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    expect((await readFile(keyFile, "utf8")).trim()).toBe(k.signerKey);
    expect((await readFile(join(dir, "data", "core-key.pub"), "utf8")).trim()).toBe(k.verifierKey);
    // The pair works: a checkpoint signed with one opens with the other.
    const note = signCheckpoint({ origin: "o", size: 0, rootHash: new Uint8Array(32) }, parseSignerKey(k.signerKey));
    expect(openCheckpoint(note, [parseVerifierKey(k.verifierKey)]).size).toBe(0);
  });

  it("reads the existing key on the next start, restores a deleted .pub, tightens loose permissions", async () => {
    const first = await loadOrCreateCoreKey(dir, "core.example");
    await rm(join(dir, "core-key.pub"));
    const { chmod } = await import("node:fs/promises");
    await chmod(join(dir, "core-key.txt"), 0o644);
    const logged: string[] = [];
    const second = await loadOrCreateCoreKey(dir, "other-name", (m) => logged.push(m));
    expect(second).toEqual(first);
    expect((await readFile(join(dir, "core-key.pub"), "utf8")).trim()).toBe(first.verifierKey);
    expect((await stat(join(dir, "core-key.txt"))).mode & 0o777).toBe(0o600);
    expect(logged).toEqual(["core key file permissions tightened"]);
  });

  it("refuses a key file that is not a signer key", async () => {
    await writeFile(join(dir, "core-key.txt"), "not a key\n", { mode: 0o600 });
    const e = await loadOrCreateCoreKey(dir, "x").catch((x: unknown) => x);
    expect(isSuyuanError(e) && e.code).toBe("CORE_KEY_INVALID");
  });
});
