// The CPU limit a container runtime or service manager put on this process, in cores, from
// Linux control groups: `cpu.max` in cgroup v2 ("QUOTA PERIOD" in µs, or "max PERIOD" for
// none; Linux admin-guide cgroup-v2 "CPU Interface Files") and `cpu.cfs_quota_us` /
// `cpu.cfs_period_us` in cgroup v1 (-1 for none; scheduler "CFS Bandwidth Control").
// `os.availableParallelism()` counts the CPUs this process may run on, not how much of them
// it may use: a container limited to 1 CPU on a 64-core node sees 64. The core sizes its
// capture workers by the smaller of the two (check-pool.ts defaultCheckWorkers).
//
// Where it looks: the process's own cgroup (from /proc/self/cgroup, as a systemd unit with
// CPUQuota= sees it) and every ancestor of it up to the root of the cgroup mount (a container
// with its own cgroup namespace sees its cgroup there; one without sees a path that does not
// exist under the mount, and the walk comes down to the mount's root). A parent's quota caps
// all its children together, so the limit is the smallest on the way; directories that do not
// exist or cannot be read are passed over.
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
  // cgroup v2: "0::/path". When no cpu.max is found there, the cpu controller is not on v2
  // (a hybrid layout), and v1 is asked.
  const v2 = lines.find((l) => l.startsWith("0::"));
  if (v2 !== undefined) {
    const found = smallestOnTheWay("/sys/fs/cgroup", v2.slice(3).trim(), (dir) => {
      const text = read(`${dir}/cpu.max`);
      return text === undefined ? NOT_THERE : parseCpuMax(text);
    });
    if (found !== NOT_THERE) return found;
  }
  // cgroup v1: "N:cpu,cpuacct:/path" (the controller list names cpu).
  for (const l of lines) {
    const [, controllers, path] = l.split(":");
    if (controllers === undefined || path === undefined || !controllers.split(",").includes("cpu")) continue;
    for (const mount of ["/sys/fs/cgroup/cpu", "/sys/fs/cgroup/cpu,cpuacct", "/sys/fs/cgroup/cpuacct,cpu"]) {
      const found = smallestOnTheWay(mount, path.trim(), (dir) => {
        const quota = read(`${dir}/cpu.cfs_quota_us`);
        const period = read(`${dir}/cpu.cfs_period_us`);
        return quota === undefined || period === undefined ? NOT_THERE : parseCfsQuota(quota, period);
      });
      if (found !== NOT_THERE) return found;
    }
  }
  return undefined;
}

/** A directory without the limit's files. */
const NOT_THERE = Symbol("not there");
type Limit = number | undefined | typeof NOT_THERE;

/**
 * The smallest limit `at` reads in `mount` + `path` and each of its ancestors down to `mount`
 * itself; undefined when the files are there but set none; NOT_THERE when no directory on
 * the way has them.
 */
function smallestOnTheWay(mount: string, path: string, at: (dir: string) => Limit): Limit {
  let out: Limit = NOT_THERE;
  const parts = path.split("/").filter((p) => p !== "" && p !== "." && p !== "..");
  for (let n = parts.length; n >= 0; n--) {
    const limit = at(n === 0 ? mount : `${mount}/${parts.slice(0, n).join("/")}`);
    if (limit === NOT_THERE) continue;
    if (out === NOT_THERE || out === undefined) out = limit;
    else if (limit !== undefined && limit < out) out = limit;
  }
  return out;
}
