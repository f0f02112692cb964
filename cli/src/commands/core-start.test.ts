// `suyuan core start` as a real process (spawned, SIGTERM → exit 0, LevelDB lock released),
// and `suyuan verify --data` on a stopped core's directory, untouched and tampered with.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultCheckWorkers } from "../../../core/src/capture/check-pool.ts";
import { ENTRIES_FILE } from "../../../core/src/store/level/level-store.ts";
import { REPO_ROOT } from "../../../tests/shared.ts";
import { runCli } from "../test-run.ts";
import { parseConfig } from "./core.ts";

interface Started {
  child: ChildProcess;
  facts: Record<string, string>;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

/** Spawns the CLI's `core start` and waits for it to say it is serving. */
async function spawnCore(args: string[]): Promise<Started> {
  const child = spawn(process.execPath, [join(REPO_ROOT, "cli", "bin", "suyuan.mjs"), "core", "start", ...args], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  // stdout (facts) and stderr (log lines) are separate pipes: wait for both, in any order.
  await new Promise<void>((resolve, reject) => {
    const ready = () => {
      // "serving" is the last line on stdout, after every fact.
      if (err.includes("serving; stop with SIGINT or SIGTERM") && /^serving$/m.test(out)) resolve();
    };
    child.stdout!.on("data", (b: Buffer) => {
      out += b.toString("utf8");
      ready();
    });
    child.stderr!.on("data", (b: Buffer) => {
      err += b.toString("utf8");
      ready();
    });
    void exit.then((code) => reject(new Error(`core exited (${code}) before serving:\n${out}\n${err}`)));
  });
  const facts: Record<string, string> = {};
  for (const line of out.split("\n")) {
    const m = /^([a-zA-Z ]+): (.+)$/.exec(line);
    if (m) facts[m[1]!] = m[2]!;
  }
  return { child, facts, stdout: () => out, stderr: () => err, exit };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "suyuan-cli-start-"));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("suyuan core start (spawned)", () => {
  it("prints its facts, serves, stops on SIGTERM with exit 0, and restarts on the same data", async () => {
    const data = join(dir, "data");
    const first = await spawnCore(["--data", data, "--grpc", "127.0.0.1:0", "--http", "127.0.0.1:0"]);
    try {
      expect(Object.keys(first.facts)).toEqual([
        "gRPC address",
        "HTTP",
        "metrics",
        "data",
        "log size",
        "verifier key",
        "admin token",
        "admin token file",
      ]);
      expect(first.facts["gRPC address"]).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(first.facts["gRPC address"]).not.toBe("127.0.0.1:0");
      expect(first.facts.data).toBe(data);
      expect(first.facts["log size"]).toBe("0");
      // The verifier key is the one kept beside the data (core/src/log/keys.ts core-key.pub).
      expect(first.facts["verifier key"]).toBe((await readFile(join(data, "core-key.pub"), "utf8")).trim());
      const tokenFile = join(data, "admin-token.txt");
      expect(first.facts["admin token file"]).toBe(tokenFile);
      expect((await readFile(tokenFile, "utf8")).trim()).toBe(first.facts["admin token"]);
      expect((await stat(tokenFile)).mode & 0o777).toBe(0o600);
      // The HTTP side serves the signed checkpoint the gRPC side signs.
      expect(first.facts.HTTP).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const cp = (await (await fetch(`${first.facts.HTTP}/api/v1/checkpoint`)).json()) as { size: number };
      expect(cp.size).toBe(0);
      // And its metrics, at the printed address, for the printed admin token.
      const metricsUrl = first.facts.metrics!.split(" ")[0]!;
      expect(metricsUrl).toBe(`${first.facts.HTTP}/metrics`);
      const scrape = await fetch(metricsUrl, { headers: { authorization: `Bearer ${first.facts["admin token"]}` } });
      expect(scrape.status).toBe(200);
      expect(await scrape.text()).toMatch(/^suyuan_core_log_entries 0$/m);

      // It answers: an admin call with the printed token, an audit with the printed key.
      const addr = first.facts["gRPC address"]!;
      const parties = await runCli(["admin", "parties", "--core", addr, "--token-file", tokenFile, "--json"]);
      expect(parties).toEqual({ code: 0, out: "[]\n", err: "" });
      const v = await runCli(["verify", "--core", addr, "--key", first.facts["verifier key"]!]);
      expect(v.out).toMatch(/^OK size 0 root [0-9a-f]{64}\n$/);
      // The ledger is locked while the core runs: an offline audit says so (exit 1).
      const locked = await runCli(["verify", "--data", data]);
      expect(locked.code).toBe(1);
      expect(locked.err).toMatch(/^suyuan verify: STORE_OPEN_FAILED: /);
    } finally {
      first.child.kill("SIGTERM");
    }
    expect(await first.exit).toBe(0);
    expect(first.stderr()).toContain("stopped\n");

    // The lock was released: a second start on the same directory serves (no new admin token).
    const second = await spawnCore(["--data", data, "--grpc", "127.0.0.1:0", "--capture-workers", "0"]);
    second.child.kill("SIGINT");
    expect(await second.exit).toBe(0);
    expect(Object.keys(second.facts)).toEqual(["gRPC address", "data", "log size", "verifier key"]);
    expect(second.facts["verifier key"]).toBe(first.facts["verifier key"]);
    // The capture workers the operator asked for (none), against the default of the first start.
    const serving = (err: string) =>
      JSON.parse(err.split("\n").find((l) => l.includes('"msg":"core serving"')) ?? "{}") as {
        captureWorkers?: number;
      };
    expect(serving(second.stderr()).captureWorkers).toBe(0);
    expect(serving(first.stderr()).captureWorkers).toBe(defaultCheckWorkers());
  });

  it("--config: a YAML file with the same keys; flags win; unknown keys are refused", async () => {
    expect(parseConfig("data: /x\ngrpc: 127.0.0.1:1\n", "c.yaml")).toEqual({ data: "/x", grpc: "127.0.0.1:1" });
    expect(parseConfig('{"http":"0.0.0.0:80"}', "c.json")).toEqual({ http: "0.0.0.0:80" });
    expect(() => parseConfig("dta: /x\n", "c.yaml")).toThrow(/CLI_BAD_CONFIG: c\.yaml: dta: not a known key/);
    expect(parseConfig("capture-workers: 2\n", "c.yaml")).toEqual({ "capture-workers": "2" });
    const many = await runCli(["core", "start", "--capture-workers", "65", "--data", join(dir, "unused")]);
    expect(many.code).toBe(2);
    expect(many.err).toMatch(/--capture-workers must be a whole number from 0 to 64, got "65"/);
    const cfg = join(dir, "core.yaml");
    await writeFile(cfg, "grpc: 127.0.0.1:notaport\n");
    const bad = await runCli(["core", "start", "--config", cfg, "--data", join(dir, "unused")]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--grpc must be HOST:PORT/);
    const wrong = join(dir, "wrong.yaml");
    await writeFile(wrong, "port: 1\n");
    const r = await runCli(["core", "start", "--config", wrong]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^suyuan core: CLI_BAD_CONFIG: .*port: not a known key/);
  });

  it("--backup-dir: a key of the config file too; it must lie outside the data folder and not hold it", async () => {
    expect(parseConfig("backup-dir: /srv/backups\n", "c.yaml")).toEqual({ "backup-dir": "/srv/backups" });
    const data = join(dir, "bk-data");
    for (const backups of [join(data, "backups"), data, dir]) {
      const r = await runCli(["core", "start", "--data", data, "--backup-dir", backups, "--grpc", "127.0.0.1:0"]);
      expect(r.code).toBe(2);
      expect(r.err).toContain(`--backup-dir ${backups} must lie outside the data folder ${data}, and not hold it`);
    }
    // Refused before anything was started or written.
    await expect(stat(data)).rejects.toMatchObject({ code: "ENOENT" });
  });
});

describe("suyuan verify --data", () => {
  const CTX = '"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"]';
  const event = (n: number, bizStep: string) => ({
    type: "ObjectEvent",
    action: "OBSERVE",
    bizStep,
    epcList: [`urn:epc:id:sgtin:0614141.207346.${n}`],
    eventTime: `2024-03-0${n}T08:00:00Z`,
    eventTimeZoneOffset: "+00:00",
    readPoint: { id: "urn:epc:id:sgln:0614141.00011.0" },
  });
  let data: string;

  beforeAll(async () => {
    data = join(dir, "audit");
    const { startCore } = await import("@suyuan/core");
    const core = await startCore({ dataDir: data, grpcAddress: "127.0.0.1:0", checkpointIntervalMs: 60_000 });
    try {
      const A = ["--core", core.grpcAddress, "--token", core.bootstrapAdminToken!];
      const master = join(dir, "audit-master.json");
      await writeFile(
        master,
        JSON.stringify({
          parties: [{ id: "urn:epc:id:pgln:0614141.00001", name: "Farm" }],
          locations: [{ id: "urn:epc:id:sgln:0614141.00011.0", name: "Gate", party: "urn:epc:id:pgln:0614141.00001" }],
        }),
      );
      expect((await runCli(["admin", "import", master, ...A])).code).toBe(0);
      const tok = await runCli([
        "admin",
        "token",
        "--role",
        "partner",
        "--party",
        "urn:epc:id:pgln:0614141.00001",
        ...A,
      ]);
      const doc = join(dir, "audit.jsonld");
      await writeFile(
        doc,
        `{${CTX},"type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2024-03-01T00:00:00Z","epcisBody":{"eventList":${JSON.stringify(
          [event(1, "inspecting"), event(2, "retail_selling"), event(3, "inspecting")],
        )}}}`,
      );
      const cap = await runCli(["capture", doc, "--core", core.grpcAddress, "--token", tok.out.trim()]);
      expect(cap.code).toBe(0);
      await core.ledger.signCheckpointNow();
    } finally {
      await core.stop();
    }
  });

  it("an untouched directory: OK size and root of its signed checkpoint", async () => {
    const r = await runCli(["verify", "--data", data]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^OK size 3 root [0-9a-f]{64}\n$/);
    expect(r.err).toBe("");
  });

  it("a directory without a ledger is an error, not a new empty ledger", async () => {
    const r = await runCli(["verify", "--data", join(dir, "nothing"), "--key", "x+01234567+AAAA"]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^suyuan verify: CLI_NO_LEDGER: /);
  });

  it("one changed byte of a stored event: the first discrepancy at its index, exit 1", async () => {
    // As an attacker with the data directory: find the stored record by its bytes in the
    // ledger's entries file, change one.
    const file = join(data, "ledger", ENTRIES_FILE);
    const bytes = await readFile(file);
    const needle = Buffer.from("retail_selling");
    const at = bytes.indexOf(needle);
    expect(at).toBeGreaterThanOrEqual(0);
    expect(bytes.indexOf(needle, at + 1)).toBe(-1);
    bytes[at] = "R".charCodeAt(0); // retail_selling → Retail_selling
    await writeFile(file, bytes);
    const r = await runCli(["verify", "--data", data]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^FAIL VERIFY_LEAF_MISMATCH at index 1: .+\n$/);
  });
});
