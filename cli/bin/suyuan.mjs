#!/usr/bin/env node
// Runs the TypeScript CLI through tsx's loader, so a fresh clone needs no build step.
//
// `suyuan gateway start` is the exception: a gateway runs for months on a small edge machine,
// so it runs transpiled (built on demand) in a worker whose heap is sized for it — see
// gateway/launch.mjs. This file must not load tsx before that: tsx alone costs ~35 MB resident.
const argv = process.argv.slice(2);
let code;
if (argv[0] === "gateway" && argv[1] === "start" && !argv.includes("--help") && !argv.includes("-h")) {
  const { fileURLToPath } = await import("node:url");
  const { runGatewayEntry } = await import("../../gateway/launch.mjs");
  const entry = fileURLToPath(new URL("../../gateway/src/start-worker.ts", import.meta.url));
  code = await runGatewayEntry(entry, argv.slice(2), {
    // No build (no esbuild, a read-only tree without a prebuilt gateway/dist): run as before.
    onUnavailable: (why) =>
      process.stderr.write(
        `${JSON.stringify({ t: new Date().toISOString(), msg: "gateway build unavailable; running through tsx", error: why })}\n`,
      ),
  });
}
if (code === undefined) {
  const { register } = await import("tsx/esm/api");
  register();
  const { main } = await import("../src/main.ts");
  code = await main(argv);
}
process.exitCode = code;
// A command that has returned is done. A stray handle left by a library after a clean stop
// (a client's reconnect timer, a socket in TIME_WAIT) must not keep the process alive:
// leave after a grace period that lets piped output drain.
setTimeout(() => process.exit(code), 2000).unref();
