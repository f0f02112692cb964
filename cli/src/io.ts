/** What a command may touch: its arguments, standard streams and file reads. Injected so tests run commands in-process. */
export interface CommandIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  readFile: (path: string) => Promise<string>;
  /** Lines of standard input (for `-` arguments). */
  stdinLines: () => AsyncIterable<string>;
}

/** A usage mistake: the dispatcher prints the message and the command's usage and exits 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(args: string[], io: CommandIo): Promise<number>;
}

/** Split `--flag value`, `--flag=value` and `--bool` options from positional arguments. */
export function parseFlags(
  args: string[],
  spec: Record<string, "string" | "boolean">,
): { positional: string[]; flags: Record<string, string | boolean> } {
  const positional: string[] = [];
  const flags: Record<string, string | boolean> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--") {
      positional.push(...args.slice(i + 1));
      break;
    }
    if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      const name = eq === -1 ? a.slice(2) : a.slice(2, eq);
      const kind = spec[name];
      if (kind === undefined) throw new UsageError(`unknown option --${name}`);
      if (kind === "boolean") {
        if (eq !== -1) throw new UsageError(`option --${name} takes no value`);
        flags[name] = true;
      } else {
        const value = eq === -1 ? args[++i] : a.slice(eq + 1);
        if (value === undefined) throw new UsageError(`option --${name} needs a value`);
        flags[name] = value;
      }
    } else positional.push(a);
  }
  return { positional, flags };
}
