import type { Config } from "../config.ts";
import type { Database } from "../db/client.ts";
import type { Logger } from "../lib/logger.ts";
import type { Metrics } from "../lib/metrics.ts";
import { createBoss } from "./boss.ts";
import type { AnyJob } from "./define.ts";
import { createJobMetrics } from "./metrics.ts";
import { createJobQueue, type SendChecks } from "./queue.ts";
import { jobs } from "./registry.ts";
import { createJobRunner } from "./runner.ts";
import { createWorker } from "./worker.ts";

type JobSystemOptions = {
  config: Pick<Config, "worker" | "database">;
  database: Database;
  logger: Logger;
  metrics: Metrics;
  checks?: SendChecks;
  extraJobs?: readonly AnyJob[];
};

/** The queue every process sends with, and the worker that processes with WORKER_MODE=inline. */
export async function createJobSystem(options: JobSystemOptions) {
  const { config, database, logger, metrics } = options;
  const { boss, close: closeBoss } = createBoss({
    database,
    config,
    logger,
    runsJobs: config.worker.mode === "inline",
  });
  const queue = createJobQueue({
    boss,
    database,
    jobs,
    extraJobs: options.extraJobs,
    checks: options.checks,
  });
  const runner = createJobRunner({
    boss,
    jobs: queue.jobs,
    logger,
    metrics: createJobMetrics(metrics.registry, () => queue.depth(), logger),
    concurrency: config.worker.concurrency,
    pollIntervalMs: config.worker.pollIntervalMs,
  });
  const worker = createWorker({ runner, logger, prepare: queue.ensureStarted });
  // An unreachable PostgreSQL must not stop the API from starting (readiness reports it);
  // PGlite is in-process, so a failure there is a bug.
  await queue.ensureStarted().catch((error: unknown) => {
    if (database.driver === "pglite") throw error;
    logger.error({ err: error }, "job queue unavailable; retrying on next use");
  });
  return {
    queue,
    worker,
    async health(): Promise<void> {
      await queue.ping();
      worker.health();
    },
    /** Drains the worker (up to `timeoutMs`), then stops pg-boss and its pool. */
    async close(timeoutMs: number): Promise<void> {
      await worker.stop(timeoutMs);
      await closeBoss();
    },
  };
}
