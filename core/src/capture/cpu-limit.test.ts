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

  it("takes the smallest limit of the own cgroup and its ancestors (a parent's quota caps its children)", () => {
    // A unit without CPUQuota= in a slice that has one: the slice's limit holds.
    const v2 = {
      "/proc/self/cgroup": "0::/suyuan.slice/suyuan-core.service\n",
      "/sys/fs/cgroup/suyuan.slice/suyuan-core.service/cpu.max": "max 100000\n",
      "/sys/fs/cgroup/suyuan.slice/cpu.max": "200000 100000\n",
    };
    expect(cgroupCpuLimit(files(v2))).toBe(2);
    // A unit asking for more than its slice allows gets the slice's; asking for less, its own.
    expect(
      cgroupCpuLimit(files({ ...v2, "/sys/fs/cgroup/suyuan.slice/suyuan-core.service/cpu.max": "300000 100000" })),
    ).toBe(2);
    expect(
      cgroupCpuLimit(files({ ...v2, "/sys/fs/cgroup/suyuan.slice/suyuan-core.service/cpu.max": "50000 100000" })),
    ).toBe(0.5);
    // The same walk in cgroup v1, with a directory on the way that cannot be read.
    const v1 = files({
      "/proc/self/cgroup": "3:cpu,cpuacct:/kubepods/burstable/pod1/c1\n",
      "/sys/fs/cgroup/cpu,cpuacct/kubepods/burstable/pod1/c1/cpu.cfs_quota_us": "-1\n",
      "/sys/fs/cgroup/cpu,cpuacct/kubepods/burstable/pod1/c1/cpu.cfs_period_us": "100000\n",
      "/sys/fs/cgroup/cpu,cpuacct/kubepods/burstable/pod1/cpu.cfs_quota_us": "150000\n",
      "/sys/fs/cgroup/cpu,cpuacct/kubepods/burstable/pod1/cpu.cfs_period_us": "100000\n",
      "/sys/fs/cgroup/cpu,cpuacct/kubepods/cpu.cfs_quota_us": "400000\n",
      "/sys/fs/cgroup/cpu,cpuacct/kubepods/cpu.cfs_period_us": "100000\n",
      "/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us": "-1\n",
      "/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us": "100000\n",
    });
    expect(cgroupCpuLimit(v1)).toBe(1.5);
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

  it("reads a real cgroup's limit from a process placed in it, the quota set on its parent (cgroup v1 cpu or v2)", () => {
    // A cgroup of our own with a quota of 1.5 CPUs, a cgroup inside it without one, and a
    // child process moved into the inner one before it starts node: what cgroupCpuLimit says
    // there must be 1.5, the parent's. Needs root and the cgroup file system (the project's
    // machines run tests as root); anything else fails here, loudly.
    const name = `suyuan-cpu-limit-test-${process.pid}`;
    const v2 = existsSync("/sys/fs/cgroup/cgroup.controllers");
    const dir = v2 ? join("/sys/fs/cgroup", name) : join("/sys/fs/cgroup/cpu", name);
    const inner = join(dir, "core");
    mkdirSync(dir);
    try {
      if (v2) {
        // The cpu controller must be on for the root's children, and for ours.
        writeFileSync("/sys/fs/cgroup/cgroup.subtree_control", "+cpu");
        writeFileSync(join(dir, "cpu.max"), "150000 100000");
        writeFileSync(join(dir, "cgroup.subtree_control"), "+cpu");
      } else {
        writeFileSync(join(dir, "cpu.cfs_period_us"), "100000");
        writeFileSync(join(dir, "cpu.cfs_quota_us"), "150000");
      }
      mkdirSync(inner);
      // The inner cgroup sets no limit of its own.
      if (v2) expect(readFileSync(join(inner, "cpu.max"), "utf8")).toMatch(/^max /);
      else expect(readFileSync(join(inner, "cpu.cfs_quota_us"), "utf8").trim()).toBe("-1");
      const module = join(import.meta.dirname, "cpu-limit.ts");
      const script = `import { cgroupCpuLimit } from ${JSON.stringify(module)}; console.log(JSON.stringify(cgroupCpuLimit() ?? null));`;
      const procs = join(inner, v2 ? "cgroup.procs" : "tasks");
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
      if (existsSync(inner)) rmdirSync(inner);
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
