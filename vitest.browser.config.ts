import { defineConfig } from "vitest/config";

// The browser test starts the real server and Debian's Chromium: one file at a time, on its own.
export default defineConfig({
  test: {
    include: ["test/browser/**/*.test.ts"],
    pool: "forks",
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
