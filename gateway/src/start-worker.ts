// `suyuan gateway start` as it runs in production: this module, transpiled, in the gateway
// worker that gateway/launch.mjs starts from cli/bin/suyuan.mjs (why: see launch.mjs).
// `workerData.args` are the arguments after `gateway start`, `workerData.serialHost` the port of
// the main thread's serial host; a `{ type: "stop" }` message (the process got SIGINT or
// SIGTERM) stops the gateway cleanly.
import { type MessagePort, parentPort, workerData } from "node:worker_threads";
import { gatewayCommand } from "./cli.ts";
import { setDefaultSerialBinding } from "./drivers/common/serial-link.ts";
import { serialProxyBinding } from "./drivers/common/serial-proxy.ts";

if (parentPort === null) throw new TypeError("start-worker.ts runs in the worker gateway/launch.mjs starts");
const port = parentPort;
const data = workerData as { args?: unknown; serialHost?: MessagePort } | null;
const args = data?.args;
if (!Array.isArray(args) || !args.every((a) => typeof a === "string"))
  throw new TypeError("workerData.args must be the arguments of `gateway start`");
// Serial ports are opened on the main thread (gateway/serial-host.mjs says why).
if (data?.serialHost === undefined) throw new TypeError("workerData.serialHost: the serial host's port is missing");
setDefaultSerialBinding(serialProxyBinding(data.serialHost));

const stopRequested = new Promise<void>((resolve) => {
  port.on("message", (m: { type?: unknown }) => {
    if (m?.type === "stop") resolve();
  });
});
const code = await gatewayCommand(["start", ...args], {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  stopRequested,
});
port.close();
process.exitCode = code;
// A command that has returned is done: a stray handle left by a library after a clean stop (a
// client's reconnect timer) must not keep the gateway alive. As cli/bin/suyuan.mjs does for
// the process, leave after a grace period that lets piped output drain.
setTimeout(() => process.exit(code), 2000).unref();
