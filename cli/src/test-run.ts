// Tests' way to run the command line in-process: main(argv, io) with an io that keeps what
// it prints and reads files from disk, the lines of `stdin` standing for standard input.
import { readFile } from "node:fs/promises";
import type { CommandIo } from "./io.ts";
import { main } from "./main.ts";

export interface CliRun {
  /** The exit code main returned. */
  code: number;
  out: string;
  err: string;
}

export async function runCli(argv: string[], stdin: readonly string[] = []): Promise<CliRun> {
  let out = "";
  let err = "";
  const io: CommandIo = {
    stdout: (t) => {
      out += t;
    },
    stderr: (t) => {
      err += t;
    },
    readFile: (p) => readFile(p, "utf8"),
    stdinLines: async function* () {
      yield* stdin;
    },
  };
  const code = await main(argv, io);
  return { code, out, err };
}
