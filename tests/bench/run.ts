// `npm run bench -- NAME [NAME…]` runs tests/bench/NAME.bench.ts; each prints JSON lines
// {"bench":…,"metric":…,"value":…,"unit":…}. Benchmarks are not tests: they assert nothing.
import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith(".bench.ts"))
  .map((f) => f.slice(0, -".bench.ts".length))
  .sort();
const names = process.argv.slice(2);
if (names.length === 0 || names.includes("--help")) {
  console.error(`usage: npm run bench -- NAME…   (available: ${available.join(", ")})`);
  process.exit(names.length === 0 ? 2 : 0);
}
for (const name of names) {
  const file = join(here, `${name}.bench.ts`);
  if (!existsSync(file)) {
    console.error(`unknown bench ${JSON.stringify(name)} (available: ${available.join(", ")})`);
    process.exit(2);
  }
  const mod = (await import(pathToFileURL(file).href)) as { run: () => Promise<void> };
  await mod.run();
}
