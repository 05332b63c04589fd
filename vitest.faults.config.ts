import { createRequire } from "node:module";
import { defineConfig } from "vitest/config";

// Node loads graphql's CommonJS build for mercurius and for our imports alike; Vite would pick
// its ES build (`module`) for ours, and graphql refuses types from the other copy.
const graphql = createRequire(import.meta.url).resolve("graphql");

// Fault tests start real processes and stop PostgreSQL and Redis: one file at a time, on servers
// of their own (test/faults/services.ts), never the machine's shared ones.
export default defineConfig({
  resolve: { alias: [{ find: /^graphql$/, replacement: graphql }] },
  test: {
    include: ["test/faults/**/*.test.ts"],
    globalSetup: ["test/faults/services.ts", "test/global-setup.ts"],
    pool: "forks",
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
