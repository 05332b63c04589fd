import { z } from "zod";
import type { Clock } from "../lib/clock.ts";
import type { Logger } from "../lib/logger.ts";
import { defineJob } from "./define.ts";

/**
 * One module's share of the hourly cleanup: deletes what expired before `now` and returns how
 * many rows went. Modules add theirs to `cleanupSteps` in the composition root.
 */
export type CleanupStep = { name: string; run(now: Date): Promise<number> };

type CleanupContext = { cleanupSteps: readonly CleanupStep[]; clock: Clock; logger: Logger };

export const cleanupJob = defineJob({
  name: "maintenance.cleanup",
  payload: z.object({}),
  retry: { limit: 3, delaySeconds: 60, backoff: true },
  expireInSeconds: 15 * 60,
  schedule: "0 * * * *",
  async handle(_payload, { cleanupSteps, clock, logger }: CleanupContext) {
    const now = clock.now();
    const failures: string[] = [];
    // Every step runs even when one fails; the job then fails so it is retried as a whole.
    for (const step of cleanupSteps) {
      try {
        const removed = await step.run(now);
        logger.info({ step: step.name, removed }, "cleanup step done");
      } catch (error) {
        logger.error({ err: error, step: step.name }, "cleanup step failed");
        failures.push(step.name);
      }
    }
    if (failures.length > 0) throw new Error(`cleanup steps failed: ${failures.join(", ")}`);
  },
});
