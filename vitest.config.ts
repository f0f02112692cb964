import { defineConfig } from "vitest/config";

// CI asks for a JSON report (for its "N passed, N failed" line) by setting VITEST_JSON_OUT.
const jsonOut = process.env.VITEST_JSON_OUT;

export default defineConfig({
  test: {
    include: [
      "proto/src/**/*.test.ts",
      "gateway/src/**/*.test.ts",
      "core/src/**/*.test.ts",
      "firmware-sim/src/**/*.test.ts",
      "cli/src/**/*.test.ts",
      "tests/**/*.test.ts",
    ],
    exclude: ["**/node_modules/**", "tests/bench/**"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    reporters: jsonOut ? ["default", "json"] : ["default"],
    ...(jsonOut ? { outputFile: { json: jsonOut } } : {}),
  },
});
