import { defineConfig } from "vitest/config";

// Fault tests start real processes and stop PostgreSQL and Redis: one file at a time, on servers
// of their own (test/faults/services.ts), never the machine's shared ones.
export default defineConfig({
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
