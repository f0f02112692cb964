// npm run bench -- backup: a hot backup (core/src/store/level/backup.ts) of the query bench's
// generated ledger of ≥ 1M events (lib/supply-chain.ts, cached in the OS temp folder), on the
// same disk. Prints how long the copy took, what it cost in CPU (every thread of this
// process: the reads, the copy's LevelDB writes and compactions), and how long the copy
// takes to open (its event-hash filter is rebuilt then). The copy must hold the source's
// entries and checkpoint, or the bench fails.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LevelStore } from "../../core/src/store/level/level-store.ts";
import { ensureBenchLedger } from "./lib/supply-chain.ts";
import { report } from "./report.ts";

const BENCH = "backup";

export async function run(): Promise<void> {
  const { location } = await ensureBenchLedger();
  const work = await mkdtemp(join(tmpdir(), "suyuan-bench-backup-"));
  const target = join(work, "copy");
  const source = new LevelStore(location);
  await source.open();
  try {
    const cpu0 = process.cpuUsage();
    const info = await source.backup(target);
    const cpu = process.cpuUsage(cpu0);
    const seconds = info.ms / 1000;
    report(BENCH, "backup_events", info.entries, "events");
    report(BENCH, "backup_rows", info.rows, "rows");
    report(BENCH, "backup_mb", info.bytes / 1e6, "MB");
    report(BENCH, "backup_s", seconds, "s");
    report(BENCH, "backup_events_per_s", info.entries / seconds, "1/s");
    report(BENCH, "backup_mb_per_s", info.bytes / 1e6 / seconds, "MB/s");
    report(BENCH, "backup_cpu_s", (cpu.user + cpu.system) / 1e6, "s");

    const t0 = performance.now();
    const copy = new LevelStore(target);
    await copy.open();
    try {
      report(BENCH, "backup_open_s", (performance.now() - t0) / 1000, "s");
      const [size, want, cp, wantCp] = await Promise.all([
        copy.size(),
        source.size(),
        copy.getCheckpoint(),
        source.getCheckpoint(),
      ]);
      const hex = (b: Uint8Array | undefined) => (b === undefined ? "" : Buffer.from(b).toString("hex"));
      if (size !== want || cp?.size !== wantCp?.size || hex(cp?.rootHash) !== hex(wantCp?.rootHash)) {
        throw new Error(`backup bench: the copy holds ${size} entries (checkpoint ${cp?.size}), the source ${want}`);
      }
    } finally {
      await copy.close();
    }
  } finally {
    await source.close();
    await rm(work, { recursive: true, force: true });
  }
}
