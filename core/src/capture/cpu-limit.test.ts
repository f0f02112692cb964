import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { defaultCheckWorkers } from "./check-pool.ts";
import { cgroupCpuLimit, parseCfsQuota, parseCpuMax, type ReadText } from "./cpu-limit.ts";

/** A file system of a few files. */
const files =
  (fs: Record<string, string>): ReadText =>
  (path) =>
    fs[path];

describe("cgroup CPU limits", () => {
  it("reads cgroup v2 cpu.max: QUOTA PERIOD in µs, or max for none", () => {
    expect(parseCpuMax("150000 100000\n")).toBe(1.5);
    expect(parseCpuMax("200000 100000")).toBe(2);
    expect(parseCpuMax("50000 100000")).toBe(0.5);
    expect(parseCpuMax("max 100000\n")).toBeUndefined();
    // The period may be left out when written; the kernel's default is 100 ms.
    expect(parseCpuMax("300000")).toBe(3);
    for (const bad of ["", "abc 100000", "-5 100000", "0 100000", "100000 0"]) expect(parseCpuMax(bad)).toBeUndefined();
  });

  it("reads cgroup v1 CFS quota and period; -1 is no limit", () => {
    expect(parseCfsQuota("400000\n", "100000\n")).toBe(4);
    expect(parseCfsQuota("25000", "100000")).toBe(0.25);
    expect(parseCfsQuota("-1\n", "100000\n")).toBeUndefined();
    expect(parseCfsQuota("x", "100000")).toBeUndefined();
  });

  it("finds a systemd unit's limit in its own cgroup (v2), before the mount's root", () => {
    const read = files({
      "/proc/self/cgroup": "0::/system.slice/suyuan-core.service\n",
      "/sys/fs/cgroup/system.slice/suyuan-core.service/cpu.max": "150000 100000\n",
      "/sys/fs/cgroup/cpu.max": "max 100000\n",
    });
    expect(cgroupCpuLimit(read)).toBe(1.5);
  });

  it("finds a namespaced container's limit at the root of the mount (v2)", () => {
    // In its own cgroup namespace a container sees itself as "/", and its cgroup at the root.
    const read = files({ "/proc/self/cgroup": "0::/\n", "/sys/fs/cgroup/cpu.max": "100000 100000\n" });
    expect(cgroupCpuLimit(read)).toBe(1);
  });

  it("finds a v1 container's limit where its cpu controller is mounted, whatever path /proc names", () => {
    const read = files({
      "/proc/self/cgroup": "12:memory:/docker/abc\n4:cpu,cpuacct:/docker/abc\n0::/\n",
      "/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us": "200000\n",
      "/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us": "100000\n",
    });
    expect(cgroupCpuLimit(read)).toBe(2);
  });

  it("says none when nothing limits the process or nothing can be read", () => {
    expect(cgroupCpuLimit(files({}))).toBeUndefined();
    expect(
      cgroupCpuLimit(
        files({
          "/proc/self/cgroup": "1:cpu:/\n0::/\n",
          "/sys/fs/cgroup/cpu/cpu.cfs_quota_us": "-1\n",
          "/sys/fs/cgroup/cpu/cpu.cfs_period_us": "100000\n",
        }),
      ),
    ).toBeUndefined();
  });

  it("reads this machine's own files without failing: no limit, or a finite number of cores", () => {
    const limit = cgroupCpuLimit();
    expect(limit === undefined || (Number.isFinite(limit) && limit > 0)).toBe(true);
  });

  it("reads a real cgroup's limit from a process placed in it (cgroup v1 cpu or v2)", () => {
    // A cgroup of our own with a quota of 1.5 CPUs, and a child process moved into it before
    // it starts node: what cgroupCpuLimit says there must be 1.5. Needs root and the cgroup
    // file system (the project's machines run tests as root); anything else fails here, loudly.
    const name = `suyuan-cpu-limit-test-${process.pid}`;
    const v2 = existsSync("/sys/fs/cgroup/cgroup.controllers");
    const dir = v2 ? join("/sys/fs/cgroup", name) : join("/sys/fs/cgroup/cpu", name);
    mkdirSync(dir);
    try {
      if (v2) {
        // The cpu controller must be on for the root's children.
        writeFileSync("/sys/fs/cgroup/cgroup.subtree_control", "+cpu");
        writeFileSync(join(dir, "cpu.max"), "150000 100000");
      } else {
        writeFileSync(join(dir, "cpu.cfs_period_us"), "100000");
        writeFileSync(join(dir, "cpu.cfs_quota_us"), "150000");
      }
      const module = join(import.meta.dirname, "cpu-limit.ts");
      const script = `import { cgroupCpuLimit } from ${JSON.stringify(module)}; console.log(JSON.stringify(cgroupCpuLimit() ?? null));`;
      const procs = join(dir, v2 ? "cgroup.procs" : "tasks");
      const r = spawnSync(
        "sh",
        [
          "-c",
          `echo $$ > "$1" && exec "$2" --import tsx --input-type=module -e "$3"`,
          "sh",
          procs,
          process.execPath,
          script,
        ],
        { encoding: "utf8", timeout: 30_000 },
      );
      expect(r.stderr).toBe("");
      expect(JSON.parse(r.stdout.trim())).toBe(1.5);
    } finally {
      rmdirSync(dir);
    }
  });

  it("sizes the default capture workers by the smaller of the CPUs and the limit, 1 to 4", () => {
    const cpus = availableParallelism();
    expect(defaultCheckWorkers(undefined)).toBe(Math.max(1, Math.min(4, cpus)));
    expect(defaultCheckWorkers(0.5)).toBe(1);
    expect(defaultCheckWorkers(1)).toBe(1);
    expect(defaultCheckWorkers(1.5)).toBe(Math.min(2, cpus));
    expect(defaultCheckWorkers(64)).toBe(Math.max(1, Math.min(4, cpus)));
  });
});
