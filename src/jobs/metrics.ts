import { Counter, Gauge, type Registry } from "prom-client";
import type { Logger } from "../lib/logger.ts";

export type JobMetrics = ReturnType<typeof createJobMetrics>;

type DepthSource = () => Promise<{ name: string; state: string; count: number }[]>;

export function createJobMetrics(registry: Registry, depth: DepthSource, logger: Logger) {
  const labelNames = ["name"] as const;
  new Gauge({
    name: "jobs_queue_depth",
    help: "Jobs by name and state (created, retry, active, failed = dead letters)",
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
