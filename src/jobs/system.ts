import type { Config } from "../config.ts";
import type { Database } from "../db/client.ts";
import type { Clock } from "../lib/clock.ts";
import type { Logger } from "../lib/logger.ts";
import type { Metrics } from "../lib/metrics.ts";
import type { Tracing } from "../lib/tracing.types.ts";
import { createJobBacklog, type QueueAge } from "./backlog.ts";
import { createBoss, LEGACY_BOSS_SCHEMA } from "./boss.ts";
import { createDeadLetters } from "./dead-letters.ts";
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
  clock: Clock;
  checks?: SendChecks;
  extraJobs?: readonly AnyJob[];
  tracing: Tracing;
};

/** The queue every process sends with, and the worker that processes with WORKER_MODE=inline. */
export async function createJobSystem(options: JobSystemOptions) {
  const { config, database, logger, metrics, clock, tracing } = options;
  const {
    boss,
    legacyVersion,
    close: closeBoss,
  } = createBoss({
    database,
    config,
    logger,
    tracing,
    runsJobs: config.worker.mode === "inline",
  });
  const backlog = createJobBacklog({ db: database.db, boss, clock });
  const deadLetters = createDeadLetters({ boss, database });
  const queue = createJobQueue({
    boss,
    database,
    jobs,
    extraJobs: options.extraJobs,
    checks: options.checks,
    backlog,
    deadLetters,
    clock,
    tracing,
  });
  const oldest = () => backlog.oldest();
  const queues = queue.jobs.map((job) => job.name);
  const runner = createJobRunner({
    boss,
    database,
    deadLetters,
    jobs: queue.jobs,
    logger,
    backlog,
    metrics: createJobMetrics(
      metrics.registry,
      { depth: () => queue.depth(), queues, oldest },
      logger,
    ),
    concurrency: config.worker.concurrency,
    pollIntervalMs: config.worker.pollIntervalMs,
    tracing,
  });
  const worker = createWorker({ runner, logger, prepare: queue.ensureStarted });
  // An unreachable PostgreSQL must not stop the API from starting (readiness reports it);
  // PGlite is in-process, so a failure there is a bug.
  const started = await queue.ensureStarted().then(
    () => true,
    (error: unknown) => {
      if (database.driver === "pglite") throw error;
      logger.error({ err: error }, "job queue unavailable; retrying on next use");
      return false;
    },
  );
  const legacy = started ? await legacyVersion().catch(() => null) : null;
  if (legacy !== null) {
    logger.warn(
      { schema: LEGACY_BOSS_SCHEMA, version: legacy },
      "pg-boss 10's job schema is still in the database: its jobs run only under the previous release; drain it, then drop it (docs/jobs.md, Upgrading from pg-boss 10)",
    );
  }
  return {
    queue,
    worker,
    async health(): Promise<void> {
      await queue.ping();
      worker.health();
      // A process meant to run jobs is not ready while its fetch loop is not running.
      if (config.worker.mode === "inline" && !worker.running) {
        throw new Error("job worker is not running");
      }
    },
    /**
     * Queues whose oldest due job has waited longer than JOB_QUEUE_WARN_AGE_SECONDS: most
     * likely no worker is consuming them. A warning, not a failed check: the API still serves.
     */
    async backlogWarnings(): Promise<QueueAge[]> {
      const ages = await backlog.oldest();
      return ages
        .filter((age) => age.oldestQueuedAgeSeconds > config.worker.queueWarnAgeSeconds)
        .map((age) => ({ ...age, oldestQueuedAgeSeconds: Math.round(age.oldestQueuedAgeSeconds) }));
    },
    /** Drains the worker (up to `timeoutMs`), then stops pg-boss and its pool. */
    async close(timeoutMs: number): Promise<void> {
      await worker.stop(timeoutMs);
      await closeBoss();
    },
  };
}
