// Where the third-party conformance corpus lives: `../shared` beside the repository
// (developers' checkouts and CI's clone both have it there). Only tests read it; the
// product never does at run time.
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const SHARED = resolve(REPO_ROOT, "..", "shared");
export const CONFORMANCE = join(SHARED, "conformance");

if (!existsSync(CONFORMANCE)) {
  // Fail loudly: a missing corpus must not turn into zero tests run.
  throw new Error(`conformance corpus not found at ${CONFORMANCE} (expected ../shared beside the repository)`);
}

export function conformancePath(...parts: string[]): string {
  return join(CONFORMANCE, ...parts);
}

export function readConformanceJson<T = unknown>(...parts: string[]): T {
  return JSON.parse(readFileSync(conformancePath(...parts), "utf8")) as T;
}

export function readConformanceText(...parts: string[]): string {
  return readFileSync(conformancePath(...parts), "utf8");
}

/** A TCP port free on 127.0.0.1 right now (for servers a test starts in another process). */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
