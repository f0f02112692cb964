// `suyuan start` as a user runs it: a real process playing a tiny scenario; what it prints must
// actually answer (the inspector page over HTTP, `suyuan chain` over gRPC with the printed
// token), and Ctrl-C (SIGINT) stops it cleanly with exit 0.
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runCli } from "../test-run.ts";
import { CLI_BIN, REPO_ROOT } from "./run-system.ts";

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe("suyuan start", () => {
  it("--help prints the usage and exits 0; a bad option is a usage error", async () => {
    const help = await runCli(["start", "--help"]);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/^usage: suyuan start \[--scenario food\|drug\]/);
    expect(help.out).toContain("--units N");
    const bad = await runCli(["start", "--scenario", "fish"]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("--scenario must be food or drug");
    // The root `npm start` runs it.
    const pkg = JSON.parse(await readFile(join(REPO_ROOT, "package.json"), "utf8"));
    expect(pkg.scripts.start).toBe("suyuan start");
  });

  it("plays a tiny scenario, prints pages, codes and commands that answer, stops on SIGINT", async () => {
    dir = await mkdtemp(join(tmpdir(), "suyuan-start-"));
    const data = join(dir, "demo");
    const child = spawn(
      process.execPath,
      [
        CLI_BIN,
        "start",
        "--units",
        "4",
        "--sites",
        "2",
        "--speed",
        "1000000",
        "--mock",
        "--data",
        data,
        "--http",
        "127.0.0.1:0",
        "--grpc",
        "127.0.0.1:0",
      ],
      { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    let err = "";
    child.stdout.on("data", (b: Buffer) => {
      out += b.toString("utf8");
    });
    child.stderr.on("data", (b: Buffer) => {
      err += b.toString("utf8");
    });
    const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      const end = Date.now() + 50_000;
      while (!out.includes("Serving until Ctrl-C.") && Date.now() < end && child.exitCode === null) {
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(out, err).toContain("Serving until Ctrl-C.");
      // One line says how serial devices are attached.
      expect(out).toMatch(/^serial devices: the in-process serial mock, gateways in-process$/m);
      // Plain progress lines (stdout is a pipe), one per site.
      expect(out).toMatch(/^ {2}farm-1 +reads +\d+ +events +\d+ +batches acked +\d+/m);

      const inspector = /inspector: +(http:\/\/\S+)/.exec(out)?.[1];
      const recallPage = /recall page: +(http:\/\/\S+)/.exec(out)?.[1];
      const consumer = /consumer view: +(http:\/\/\S+)/.exec(out)?.[1];
      for (const url of [inspector, recallPage, consumer]) {
        expect(url).toBeDefined();
        expect((await fetch(url as string)).status).toBe(200);
      }
      expect(consumer).toMatch(/\/01\/\d{14}\/21\//);
      expect(out).toMatch(/RFID tag \(EPC hex\): +[0-9A-F]{24,}/);
      expect(out).toMatch(/GS1 element string: +\(01\)\d{14}/);
      expect(out).toMatch(/GS1 Digital Link: +https:\/\/id\.gs1\.org\/01\//);

      // The printed commands, run as printed (in-process main), answer.
      const chainLines = out.split("\n").filter((l) => l.trim().startsWith("npx suyuan chain "));
      expect(chainLines).toHaveLength(3);
      for (const line of chainLines) {
        const argv = shellWords(line.trim()).slice(2);
        const r = await runCli(argv);
        expect(r.code, `${line}\n${r.err}`).toBe(0);
        expect(r.out.length).toBeGreaterThan(0);
      }
      const recallLine = out.split("\n").find((l) => l.trim().startsWith("npx suyuan recall "));
      const r = await runCli(shellWords((recallLine as string).trim()).slice(2));
      expect(r.code, r.err).toBe(0);
      expect(() => JSON.parse(r.out)).not.toThrow();

      child.kill("SIGINT");
      expect(await exit).toBe(0);
      expect(out).toContain("stopped.");
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  }, 60_000);
});

/** Splits a printed command line: words, and '...' single-quoted words. */
function shellWords(line: string): string[] {
  const out: string[] = [];
  const re = /'((?:[^']|'\\'')*)'|(\S+)/g;
  for (let m = re.exec(line); m !== null; m = re.exec(line)) {
    out.push(m[1] !== undefined ? m[1].replace(/'\\''/g, "'") : (m[2] as string));
  }
  return out;
}
