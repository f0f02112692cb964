#!/usr/bin/env node
// Runs the TypeScript CLI through tsx's loader, so a fresh clone needs no build step.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/main.ts");
const code = await main(process.argv.slice(2));
process.exitCode = code;
// A command that has returned is done. A stray handle left by a library after a clean stop
// (a client's reconnect timer, a socket in TIME_WAIT) must not keep the process alive:
// leave after a grace period that lets piped output drain.
setTimeout(() => process.exit(code), 2000).unref();
