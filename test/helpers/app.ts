import type { FastifyInstance } from "fastify";
import { buildApp } from "../../src/app.ts";
import { type Config, loadConfig } from "../../src/config.ts";
import { createDeps, type Deps, type DepsOverrides } from "../../src/deps.ts";
import { testDatabase, testDataDir, trackJobQueue } from "./database.ts";
import { flushStatuses, recordStatuses } from "./statuses.ts";

export const TEST_JWT_SECRET = "test-secret-that-is-at-least-32-bytes-long";

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: "test",
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
    DATA_DIR: testDataDir,
    JWT_SECRET: TEST_JWT_SECRET,
    // Tests run jobs explicitly with drainQueue() (test/helpers/queue.ts), never in the background.
    WORKER_MODE: "off",
    ...env,
  });
}

export type TestContext = { app: FastifyInstance; deps: Deps; close(): Promise<void> };

/** A full app on the worker's shared test database; override one piece as needed. */
export async function createTestApp(
  options: {
    env?: Record<string, string>;
    overrides?: DepsOverrides;
    /** Adds routes of the test's own before the app starts. */
    configure?: (app: FastifyInstance) => void;
  } = {},
): Promise<TestContext> {
  const database = await testDatabase();
  const deps = await createDeps(testConfig(options.env), { database, ...options.overrides });
  const untrack = trackJobQueue(deps.database, deps.queue);
  const app = await buildApp(deps);
  recordStatuses(app);
  options.configure?.(app);
  await app.ready();
  return {
    app,
    deps,
    async close() {
      flushStatuses();
      untrack();
      await app.close();
      await deps.close();
    },
  };
}
