import { z } from "zod";

export const LivenessSchema = z.object({ status: z.literal("ok") }).meta({ id: "Liveness" });

const CheckSchema = z
  .object({
    status: z.enum(["up", "down"]),
    latencyMs: z.number(),
    error: z.string().optional(),
    pending: z.number().int().optional().describe("Migrations the database has not applied yet"),
  })
  .meta({ id: "DependencyCheck" });

const WarningSchema = z
  .object({
    queue: z.string().describe("The job queue (job name)"),
    oldestQueuedAgeSeconds: z
      .number()
      .describe("Seconds its oldest due job has waited for a worker"),
  })
  .meta({ id: "QueueWarning" });

export const ReadinessSchema = z
  .object({
    status: z.enum(["ready", "not_ready"]),
    checks: z.record(z.string(), CheckSchema),
    warnings: z
      .array(WarningSchema)
      .optional()
      .describe(
        "Queues whose oldest due job has waited longer than JOB_QUEUE_WARN_AGE_SECONDS: is a worker running? A warning never makes readiness fail.",
      ),
  })
  .meta({ id: "Readiness" });
