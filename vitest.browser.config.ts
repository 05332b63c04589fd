import { defineConfig } from "vitest/config";

// The browser tests share one real server (global setup); each file launches Debian's Chromium.
// One file at a time, on its own.
export default defineConfig({
  test: {
    include: ["test/browser/**/*.test.ts"],
    globalSetup: ["test/browser/global-setup.ts"],
    pool: "forks",
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
