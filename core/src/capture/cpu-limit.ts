// The CPU limit a container runtime or service manager put on this process, in cores, from
// Linux control groups: `cpu.max` in cgroup v2 ("QUOTA PERIOD" in µs, or "max PERIOD" for
// none; Linux admin-guide cgroup-v2 "CPU Interface Files") and `cpu.cfs_quota_us` /
// `cpu.cfs_period_us` in cgroup v1 (-1 for none; scheduler "CFS Bandwidth Control").
// `os.availableParallelism()` counts the CPUs this process may run on, not how much of them
// it may use: a container limited to 1 CPU on a 64-core node sees 64. The core sizes its
// capture workers by the smaller of the two (check-pool.ts defaultCheckWorkers).
//
// Where it looks: the process's own cgroup (from /proc/self/cgroup, as a systemd unit with
// CPUQuota= sees it), then the root of the cgroup mount (a container with its own cgroup
// namespace sees its cgroup there). A limit on an ancestor further up is not read.
import { readFileSync } from "node:fs";

/** Reads a small text file; undefined when it cannot be read. */
export type ReadText = (path: string) => string | undefined;

const readText: ReadText = (path) => {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
};

/** Cores a cgroup v2 `cpu.max` allows ("150000 100000" → 1.5); undefined for "max" or garbage. */
export function parseCpuMax(text: string): number | undefined {
  const [quota, period] = text.trim().split(/\s+/);
  if (quota === undefined || quota === "max") return undefined;
  return cores(quota, period ?? "100000");
}

/** Cores a cgroup v1 CFS quota allows; undefined for -1 (none) or garbage. */
export function parseCfsQuota(quota: string, period: string): number | undefined {
  return cores(quota.trim(), period.trim());
}

function cores(quota: string, period: string): number | undefined {
  if (!/^\d+$/.test(quota) || !/^\d+$/.test(period)) return undefined;
  const q = Number(quota);
  const p = Number(period);
  return q > 0 && p > 0 ? q / p : undefined;
}

/** The CPU limit in cores (fractional), or undefined when there is none or it cannot be read. */
export function cgroupCpuLimit(read: ReadText = readText): number | undefined {
  if (process.platform !== "linux" && read === readText) return undefined;
  const lines = (read("/proc/self/cgroup") ?? "").split("\n");
  // cgroup v2: "0::/path".
  const v2 = lines.find((l) => l.startsWith("0::"));
  if (v2 !== undefined) {
    const own = v2.slice(3).trim();
    for (const dir of uniq([`/sys/fs/cgroup${own === "/" ? "" : own}`, "/sys/fs/cgroup"])) {
      const text = read(`${dir}/cpu.max`);
      if (text !== undefined) return parseCpuMax(text);
    }
  }
  // cgroup v1: "N:cpu,cpuacct:/path" (the controller list names cpu).
  for (const l of lines) {
    const [, controllers, path] = l.split(":");
    if (controllers === undefined || path === undefined || !controllers.split(",").includes("cpu")) continue;
    const own = path.trim();
    for (const mount of ["/sys/fs/cgroup/cpu", "/sys/fs/cgroup/cpu,cpuacct", "/sys/fs/cgroup/cpuacct,cpu"]) {
      for (const dir of uniq([`${mount}${own === "/" ? "" : own}`, mount])) {
        const quota = read(`${dir}/cpu.cfs_quota_us`);
        const period = read(`${dir}/cpu.cfs_period_us`);
        if (quota !== undefined && period !== undefined) return parseCfsQuota(quota, period);
      }
    }
  }
  return undefined;
}

function uniq(xs: string[]): string[] {
  return [...new Set(xs)];
}
