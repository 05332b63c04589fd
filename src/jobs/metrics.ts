import { Counter, Gauge, type Registry } from "prom-client";
import type { Logger } from "../lib/logger.ts";
import type { QueueAge } from "./backlog.ts";

export type JobMetrics = ReturnType<typeof createJobMetrics>;

type DepthSource = () => Promise<{ name: string; state: string; count: number }[]>;

type Sources = {
  depth: DepthSource;
  /** Every queue's name, so an empty queue reads 0 rather than vanishing from the series. */
  queues: readonly string[];
  oldest: () => Promise<QueueAge[]>;
};

export function createJobMetrics(registry: Registry, sources: Sources, logger: Logger) {
  const { depth, queues, oldest } = sources;
  const labelNames = ["name"] as const;
  new Gauge({
    name: "jobs_queue_depth",
    help: "Jobs by queue and state (ready, deferred, active); dead letters as jobs.dead-letters, state dead",
    labelNames: ["name", "state"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      try {
        for (const row of await depth()) this.set({ name: row.name, state: row.state }, row.count);
      } catch (error) {
        // A scrape must not fail because the queue is briefly unreachable; readiness says so.
        logger.warn({ err: error }, "could not read queue depth");
      }
    },
  });
  new Gauge({
    name: "jobs_oldest_queued_age_seconds",
    help: "Seconds the oldest due job sent to each queue has waited for a worker (0: none waiting)",
    labelNames: ["queue"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      try {
        const ages = new Map((await oldest()).map((age) => [age.queue, age]));
        for (const queue of queues) {
          this.set({ queue }, ages.get(queue)?.oldestQueuedAgeSeconds ?? 0);
        }
      } catch (error) {
        logger.warn({ err: error }, "could not read the age of queued jobs");
      }
    },
  });
  return {
    completed: new Counter({
      name: "jobs_completed_total",
      help: "Job runs that completed",
      labelNames,
      registers: [registry],
    }),
    failed: new Counter({
      name: "jobs_failed_total",
      help: "Job runs that failed for good (permanent error or retries exhausted)",
      labelNames,
      registers: [registry],
    }),
    retried: new Counter({
      name: "jobs_retried_total",
      help: "Job runs that failed and were scheduled to run again",
      labelNames,
      registers: [registry],
    }),
  };
}
