import { createRequire } from "node:module";
import { defineConfig } from "vitest/config";

// Node loads graphql's CommonJS build for mercurius and for our imports alike; Vite would pick
// its ES build (`module`) for ours, and graphql refuses types from the other copy.
const graphql = createRequire(import.meta.url).resolve("graphql");

// The topology test starts HAProxy, PgBouncer, two replicas and a worker as real processes, on a
// database of its own on the TEST_DATABASE_URL server and the TEST_REDIS_URL Redis: one file,
// its tests in order, each building on the one before.
export default defineConfig({
  resolve: { alias: [{ find: /^graphql$/, replacement: graphql }] },
  test: {
    include: ["test/topology/**/*.test.ts"],
    pool: "forks",
    maxWorkers: 1,
    fileParallelism: false,
    sequence: { concurrent: false },
    testTimeout: 180_000,
    hookTimeout: 120_000,
  },
});
