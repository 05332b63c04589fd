import { createRequire } from "node:module";
import { defineConfig } from "vitest/config";

// Node loads graphql's CommonJS build for mercurius and for our imports alike; Vite would pick
// its ES build (`module`) for ours, and graphql refuses types from the other copy.
const graphql = createRequire(import.meta.url).resolve("graphql");

export default defineConfig({
  resolve: { alias: [{ find: /^graphql$/, replacement: graphql }] },
  test: {
    include: [
      "src/**/*.test.ts",
      "test/**/*.test.ts",
      "bench/**/*.test.ts",
      "packages/*/test/**/*.test.ts",
    ],
    exclude: ["test/faults/**", "test/topology/**", "test/browser/**", "**/node_modules/**"],
    globalSetup: ["test/global-setup.ts"],
    pool: "forks",
    // Files in one worker share its database (PGlite costs seconds and ~0.8 GB per instance);
    // each test resets the tables it needs instead.
    isolate: false,
    maxWorkers: 2,
    testTimeout: 20_000,
    hookTimeout: 60_000,
    coverage: {
      provider: "v8",
      include: ["src/**/*.ts"],
      exclude: ["src/**/*.test.ts", "src/db/migrations/**"],
      thresholds: { lines: 80 },
      reporter: ["text-summary", "json-summary"],
    },
  },
});
