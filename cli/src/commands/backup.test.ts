// `suyuan admin backup` against a real core on a LevelDB data folder while a partner keeps
// capturing: the copy must verify (`suyuan verify --data`), open as a core with the same key
// and log, answer the same chain, and take new events. Backups go only into the core's
// backup folder. Refusals name the rule.
import { cp, mkdir, mkdtemp, readdir, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RunningCore } from "@suyuan/core";
import { readExposition, sampleValue } from "@suyuan/proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../test-run.ts";

const PARTY = "urn:epc:id:pgln:0614141.00001";
const GATE = "urn:epc:id:sgln:0614141.00011.0";
const CTX = '"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"]';
const unit = (n: number) => `urn:epc:id:sgtin:0614141.207346.${n}`;
const doc = (from: number, count: number) =>
  `{${CTX},"type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2024-03-01T00:00:00Z","epcisBody":{"eventList":${JSON.stringify(
    Array.from({ length: count }, (_, i) => ({
      type: "ObjectEvent",
      action: "OBSERVE",
      bizStep: "inspecting",
      epcList: [unit(from + i)],
      eventTime: new Date(Date.UTC(2024, 2, 1, 8) + (from + i) * 60_000).toISOString(),
      eventTimeZoneOffset: "+00:00",
      readPoint: { id: GATE },
    })),
  )}}}`;

let dir: string;
let data: string;
let backups: string;
let core: RunningCore;
let admin: string[];
let partner: string;

/** The core's backup counters and gauges, from its /metrics. */
async function backupMetrics() {
  const r = await fetch(`${core.httpUrl}/metrics`, {
    headers: { authorization: `Bearer ${core.bootstrapAdminToken}` },
  });
  expect(r.status).toBe(200);
  const x = readExposition(await r.text());
  const total = (outcome: string) => sampleValue(x, "suyuan_core_backups_total", { outcome }, 0);
  return {
    ok: total("ok"),
    refused: total("refused"),
    failed: total("failed"),
    lastAt: sampleValue(x, "suyuan_core_backup_last_success_timestamp_seconds"),
    lastBytes: sampleValue(x, "suyuan_core_backup_last_bytes"),
  };
}

async function captureDoc(name: string, from: number, count: number): Promise<void> {
  const file = join(dir, name);
  await writeFile(file, doc(from, count));
  const r = await runCli(["capture", file, "--core", core.grpcAddress, "--token", partner]);
  expect(r.err).toBe("");
  expect(r.code).toBe(0);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "suyuan-backup-cli-"));
  data = join(dir, "data");
  backups = join(dir, "backups");
  const { startCore } = await import("@suyuan/core");
  core = await startCore({
    dataDir: data,
    backupDir: backups,
    grpcAddress: "127.0.0.1:0",
    httpAddress: "127.0.0.1:0",
    checkpointIntervalMs: 60_000,
  });
  admin = ["--core", core.grpcAddress, "--token", core.bootstrapAdminToken!];
  const master = join(dir, "master.json");
  await writeFile(
    master,
    JSON.stringify({ parties: [{ id: PARTY, name: "Farm" }], locations: [{ id: GATE, name: "Gate", party: PARTY }] }),
  );
  expect((await runCli(["admin", "import", master, ...admin])).code).toBe(0);
  const tok = await runCli(["admin", "token", "--role", "partner", "--party", PARTY, ...admin]);
  expect(tok.code).toBe(0);
  partner = tok.out.trim();
  await captureDoc("first.jsonld", 1, 20);
  await core.ledger.signCheckpointNow();
});

afterAll(async () => {
  await core?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe("suyuan admin backup", () => {
  it("copies a serving core's data folder while it captures; the copy verifies, opens as the same log and goes on", async () => {
    const target = join(backups, "2024-03-01", "backup-1");
    // Capture keeps going while the backup is taken.
    const during = (async () => {
      for (let d = 0; d < 5; d++) await captureDoc(`during-${d}.jsonld`, 100 + d * 10, 10);
    })();
    const m0 = await backupMetrics();
    const t0 = Date.now() / 1000;
    const r = await runCli(["admin", "backup", "2024-03-01/backup-1", "--json", ...admin]);
    await during;
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const info = JSON.parse(r.out) as { location: string; entries: number; rows: number; bytes: number };
    expect(info.location).toBe(target);
    // Every event captured before the backup began, and whole documents only after that.
    expect(info.entries).toBeGreaterThanOrEqual(20);
    expect(info.entries).toBeLessThanOrEqual(70);
    expect(info.bytes).toBeGreaterThan(0);
    // Counted in the core's metrics, for an alert on the last backup's age.
    const m1 = await backupMetrics();
    expect(m1.ok).toBe(m0.ok + 1);
    expect(m1.failed).toBe(m0.failed);
    expect(m1.lastBytes).toBe(info.bytes);
    expect(m1.lastAt).toBeGreaterThanOrEqual(Math.floor(t0));
    expect(m1.lastAt).toBeLessThanOrEqual(Date.now() / 1000);
    expect((await readdir(target)).sort()).toEqual(["core-key.pub", "core-key.txt", "ledger"]);
    // The private key keeps its owner-only mode, and the copy's folder is its owner's only.
    expect((await stat(join(target, "core-key.txt"))).mode & 0o777).toBe(0o600);
    expect((await stat(target)).mode & 0o777).toBe(0o700);

    // The auditor's check of the copy: every leaf and node against its signed checkpoint.
    // Entries past the last signed checkpoint (20) are checked too, and named as not yet covered.
    const v = await runCli(["verify", "--data", target]);
    expect(v.code).toBe(0);
    expect(v.out).toMatch(new RegExp(`^OK size ${info.entries} root [0-9a-f]{64}\n$`));
    expect(v.err).toBe(
      info.entries > 20 ? `warning: entries 20..${info.entries - 1} are not yet covered by a signed checkpoint\n` : "",
    );

    const before = await runCli(["chain", unit(7), "--json", ...admin]);
    expect(before.code).toBe(0);
    const { startCore } = await import("@suyuan/core");
    const restored = await startCore({ dataDir: target, grpcAddress: "127.0.0.1:0", checkpointIntervalMs: 60_000 });
    try {
      expect(restored.verifierKey).toBe(core.verifierKey);
      expect(restored.ledger.size()).toBe(info.entries);
      // The same chain, from the copy (tokens are in the copied store too).
      const after = await runCli([
        "chain",
        unit(7),
        "--json",
        "--core",
        restored.grpcAddress,
        "--token",
        core.bootstrapAdminToken!,
      ]);
      expect(after.code).toBe(0);
      const steps = (out: string) =>
        (JSON.parse(out) as { steps: Array<{ eventId: string; eventTime: string }> }).steps.map((s) => [
          s.eventId,
          s.eventTime,
        ]);
      expect(steps(after.out)).toEqual(steps(before.out));
      expect(steps(after.out)).toHaveLength(1);
      // And it is a core of its own: the partner (same token) captures into it.
      const file = join(dir, "restored.jsonld");
      await writeFile(file, doc(500, 3));
      const cap = await runCli(["capture", file, "--core", restored.grpcAddress, "--token", partner]);
      expect(cap.code).toBe(0);
      expect(restored.ledger.size()).toBe(info.entries + 3);
    } finally {
      await restored.stop();
    }
  });

  it("writes only below its backup folder, into a new or empty directory, and says which rule a target breaks", async () => {
    const m0 = await backupMetrics();
    const full = join(backups, "full");
    await mkdir(full, { recursive: true });
    await writeFile(join(full, "notes.txt"), "keep");
    const r = await runCli(["admin", "backup", "full", ...admin]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/BACKUP_TARGET: target: .* is not empty/);
    expect(await readdir(full)).toEqual(["notes.txt"]);

    for (const name of [join(dir, "elsewhere"), "../elsewhere", "a/../../elsewhere", ".", "a/.."]) {
      const out = await runCli(["admin", "backup", name, ...admin]);
      expect(out.code).toBe(1);
      expect(out.err).toMatch(/BACKUP_TARGET: target: /);
    }
    await expect(stat(join(dir, "elsewhere"))).rejects.toMatchObject({ code: "ENOENT" });
    // A symbolic link in the backup folder does not lead out of it either.
    await mkdir(join(dir, "outside"));
    await symlink(join(dir, "outside"), join(backups, "link"));
    const viaLink = await runCli(["admin", "backup", "link/copy", ...admin]);
    expect(viaLink.code).toBe(1);
    expect(viaLink.err).toMatch(/BACKUP_TARGET: target: "link\/copy" leads out of the backup folder/);
    expect(await readdir(join(dir, "outside"))).toEqual([]);
    await rm(join(backups, "link"));
    // Seven refusals, none a failed backup, and no new success.
    const m1 = await backupMetrics();
    expect(m1.refused).toBe(m0.refused + 7);
    expect(m1.failed).toBe(m0.failed);
    expect(m1.ok).toBe(m0.ok);
    // Nothing new in the backup folder either (the first test's backup may be there).
    expect((await readdir(backups)).filter((x) => x !== "2024-03-01")).toEqual(["full"]);
  });

  it("a backup cut short (its marker still there) is refused by core start and by verify", async () => {
    const whole = join(backups, "for-cut");
    expect((await runCli(["admin", "backup", "for-cut", ...admin])).code).toBe(0);
    const cut = join(dir, "cut");
    await cp(whole, cut, { recursive: true });
    // What backupDataDir leaves while it copies, and removes once the copy is whole.
    await writeFile(join(cut, "BACKUP-INCOMPLETE"), "cut short\n");
    const { startCore } = await import("@suyuan/core");
    await expect(startCore({ dataDir: cut, grpcAddress: "127.0.0.1:0" })).rejects.toMatchObject({
      code: "CORE_BACKUP_INCOMPLETE",
    });
    const v = await runCli(["verify", "--data", cut]);
    expect(v.code).toBe(1);
    expect(v.err).toMatch(/CORE_BACKUP_INCOMPLETE: .* is a backup that was cut short/);
    // The same copy without the marker is a data folder like any other.
    await rm(join(cut, "BACKUP-INCOMPLETE"));
    expect((await runCli(["verify", "--data", cut])).code).toBe(0);
  });

  it("needs an admin token", async () => {
    const target = join(backups, "by-partner");
    const r = await runCli(["admin", "backup", "by-partner", "--core", core.grpcAddress, "--token", partner]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/AUTH_FORBIDDEN: AdminService\.Backup needs role admin/);
    await expect(stat(target)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("is refused by a core without a backup folder, or without a data folder of its own", async () => {
    const { startCore } = await import("@suyuan/core");
    const memory = await startCore({ grpcAddress: "127.0.0.1:0", backupDir: join(dir, "memory-backups") });
    const plain = await startCore({ dataDir: join(dir, "plain-data"), grpcAddress: "127.0.0.1:0" });
    try {
      for (const c of [memory, plain]) {
        const r = await runCli(["admin", "backup", "b1", "--core", c.grpcAddress, "--token", c.bootstrapAdminToken!]);
        expect(r.code).toBe(1);
        expect(r.err).toMatch(/BACKUP_UNSUPPORTED: this core takes no backups/);
      }
      await expect(stat(join(dir, "memory-backups"))).rejects.toMatchObject({ code: "ENOENT" });
    } finally {
      await memory.stop();
      await plain.stop();
    }
  });
});
