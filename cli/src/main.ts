import { readFile } from "node:fs/promises";
import { createInterface } from "node:readline";
import { isSuyuanError } from "@suyuan/proto";
import { adminCommand } from "./commands/admin.ts";
import { captureCommand } from "./commands/capture.ts";
import { chainCommand } from "./commands/chain.ts";
import { codeCommand } from "./commands/code.ts";
import { coreCommand } from "./commands/core.ts";
import { epcisCommand } from "./commands/epcis.ts";
import { hashCommand } from "./commands/hash.ts";
import { recallCommand } from "./commands/recall.ts";
import { startCommand } from "./commands/start.ts";
import { tourCommand } from "./commands/tour.ts";
import { verifyCommand } from "./commands/verify.ts";
import { verifyBundleCommand } from "./commands/verify-bundle.ts";
import { type Command, type CommandIo, UsageError } from "./io.ts";
import { gatewayCommand } from "./system/gateway-command.ts";

/** Every subcommand, by name. Other sides (core, gateway, firmware-sim) register theirs here. */
export const COMMANDS: Command[] = [
  codeCommand,
  hashCommand,
  epcisCommand,
  tourCommand,
  coreCommand,
  captureCommand,
  chainCommand,
  recallCommand,
  verifyCommand,
  verifyBundleCommand,
  adminCommand,
  gatewayCommand,
  startCommand,
];

export function processIo(): CommandIo {
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    readFile: (p) => readFile(p, "utf8"),
    stdinLines: () => createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY }),
  };
}

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    "suyuan — product traceability for food and drugs",
    "",
    "usage: suyuan <command> [arguments]",
    "",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "suyuan <command> --help shows a command's usage.",
    "",
  ].join("\n");
}

/** Run the CLI; returns the exit code (0 ok, 1 failure, 2 usage error). */
export async function main(argv: string[], io: CommandIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    (name === undefined ? io.stderr : io.stdout)(help());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.stderr(`suyuan: unknown command ${JSON.stringify(name)}\n\n${help()}`);
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    io.stdout(`${command.usage}\n`);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`suyuan ${command.name}: ${e.message}\n${command.usage}\n`);
      return 2;
    }
    if (isSuyuanError(e)) {
      io.stderr(`suyuan ${command.name}: ${e.message}\n`);
      return 1;
    }
    if (e instanceof Error && "code" in e && (e as NodeJS.ErrnoException).code === "ENOENT") {
      io.stderr(`suyuan ${command.name}: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
