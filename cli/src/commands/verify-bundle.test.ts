import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateNoteKey } from "@suyuan/proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chainBundle } from "../../../core/src/export/bundle.ts";
import { ID, type Seeded, seedCore } from "../../../core/src/export/test-fixture.ts";
import { runCli } from "../test-run.ts";

let s: Seeded;
let dir: string;
let bundleFile: string;
let bundleText: string;

beforeAll(async () => {
  s = await seedCore();
  dir = await mkdtemp(join(tmpdir(), "suyuan-vb-"));
  bundleText = JSON.stringify(await chainBundle(s.core, ID.C1), null, 2);
  bundleFile = join(dir, "bundle.json");
  await writeFile(bundleFile, bundleText);
});
afterAll(async () => {
  await s.core.stop();
  await rm(dir, { recursive: true, force: true });
});

describe("suyuan verify-bundle", () => {
  it("prints OK with the entry count and checkpoint size, exit 0 (key given as a string)", async () => {
    const r = await runCli(["verify-bundle", bundleFile, "--key", s.core.verifierKey]);
    expect(r.code).toBe(0);
    expect(r.out.split("\n")[0]).toBe("OK: 6 entries, checkpoint size 7");
    expect(r.out).toMatch(/trusting the core's enrolment/);
  });

  it("reads the key from a file", async () => {
    const keyFile = join(dir, "core.vkey");
    await writeFile(keyFile, `${s.core.verifierKey}\n`);
    const r = await runCli(["verify-bundle", bundleFile, `--key=${keyFile}`]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^OK: 6 entries/);
  });

  it("prints FAIL naming the entry and exits 1 when a record was altered", async () => {
    const b = JSON.parse(bundleText);
    const rec = Buffer.from(b.entries[3].record, "base64");
    rec[rec.length - 3] = (rec[rec.length - 3] ?? 0) ^ 0x02;
    b.entries[3].record = rec.toString("base64");
    const f = join(dir, "tampered.json");
    await writeFile(f, JSON.stringify(b));
    const r = await runCli(["verify-bundle", f, "--key", s.core.verifierKey]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^FAIL: inclusion proof \(entry 3, log index \d+\): /);
  });

  it("prints FAIL for a bundle checked with the wrong key", async () => {
    const other = generateNoteKey("suyuan.core").verifierKey;
    const keyFile = join(dir, "wrong.vkey");
    await writeFile(keyFile, other);
    const r = await runCli(["verify-bundle", bundleFile, "--key", keyFile]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^FAIL: checkpoint signature: CKPT_NO_VERIFIED_SIGNATURE/);
  });

  it("--json gives the structured result", async () => {
    const r = await runCli(["verify-bundle", bundleFile, "--key", s.core.verifierKey, "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ ok: true, entries: 6, checkpointSize: 7, gatewaySigned: 5 });
  });

  it("is a usage error without --key (exit 2)", async () => {
    const r = await runCli(["verify-bundle", bundleFile]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--key is required/);
  });
});
