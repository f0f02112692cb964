#!/usr/bin/env node
// Transpiles a gateway entry point (TypeScript, with the workspace's @suyuan/* sources) into one
// ES module, so the gateway process runs plain JavaScript instead of loading tsx: tsx's loader
// (a hooks thread with its own V8 isolate, plus esbuild) costs the process ~35 MB of resident
// memory for its whole life, a quarter of the gateway's memory budget (issue 4 §6).
//
//   node gateway/scripts/build.mjs ENTRY.ts OUT.mjs
//
// Writes OUT.mjs, its source map, and OUT.mjs.inputs.json: every source file the bundle was
// built from, with size and mtime, so `gateway/launch.mjs` can tell a stale build from a fresh
// one without loading esbuild. Packages from node_modules stay external (imported at run time
// exactly as under tsx); tree shaking is off, so every module runs as it does under tsx.
// Usually started by gateway/launch.mjs on demand; `npm run build -w @suyuan/gateway` builds the
// `gateway start` entry ahead of time for installs whose source tree is read-only at run time.
import { mkdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(here, "../..");
/** Bumped when the build options change: older outputs are then stale. */
export const BUILD_FORMAT = 2;
/** Files that change the output without being bundled: this script and the TypeScript settings. */
export const BUILD_CONFIG_FILES = [
  fileURLToPath(import.meta.url),
  join(REPO_ROOT, "tsconfig.base.json"),
  join(REPO_ROOT, "gateway/tsconfig.json"),
];

/** esbuild as tsx uses it (tsx depends on it; the repository pins tsx), no extra dependency. */
function loadEsbuild() {
  const require = createRequire(import.meta.url);
  const fromTsx = createRequire(require.resolve("tsx/package.json"));
  return fromTsx("esbuild");
}

/** Packages from node_modules are imported at run time; the workspace's own TypeScript is bundled. */
const externalPackages = {
  name: "external-packages",
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith("@suyuan/") || args.path.startsWith("node:")) return undefined;
      return { path: args.path, external: true };
    });
  },
};

export async function buildEntry(entry, out) {
  const esbuild = loadEsbuild();
  // Several gateways may start (and build) at once: each builds into its own folder and renames
  // the files into place, the module first, so a manifest never describes a module not there.
  // (A sibling of the output folder: the source map's relative paths hold in both.)
  const tmp = join(dirname(dirname(out)), `.${basename(dirname(out))}-build-${process.pid}`);
  const tmpOut = join(tmp, basename(out));
  mkdirSync(tmp, { recursive: true });
  const result = await esbuild.build({
    entryPoints: [entry],
    outfile: tmpOut,
    absWorkingDir: REPO_ROOT,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    // Everything a module does at load time under tsx happens here too.
    treeShaking: false,
    // Class and function names stay as written (error messages, logs, stack traces).
    keepNames: true,
    sourcemap: "linked",
    metafile: true,
    logLevel: "warning",
    plugins: [externalPackages],
  });
  // Paths relative to the repository, so a built tree can be copied elsewhere (an image).
  const inputs = {};
  for (const f of [...Object.keys(result.metafile.inputs).map((p) => resolve(REPO_ROOT, p)), ...BUILD_CONFIG_FILES]) {
    const s = statSync(f);
    inputs[relative(REPO_ROOT, f).split(sep).join("/")] = [s.size, s.mtimeMs];
  }
  const manifest = { format: BUILD_FORMAT, entry: relative(REPO_ROOT, entry), esbuild: esbuild.version, inputs };
  renameSync(`${tmpOut}.map`, `${out}.map`);
  renameSync(tmpOut, out);
  writeFileSync(`${tmpOut}.inputs.json`, JSON.stringify(manifest));
  renameSync(`${tmpOut}.inputs.json`, `${out}.inputs.json`);
  rmSync(tmp, { recursive: true, force: true });
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [entry, out] = process.argv.slice(2);
  if (entry === undefined || out === undefined) {
    process.stderr.write("usage: node gateway/scripts/build.mjs ENTRY.ts OUT.mjs\n");
    process.exit(2);
  }
  mkdirSync(dirname(resolve(out)), { recursive: true });
  await buildEntry(resolve(entry), resolve(out));
}
