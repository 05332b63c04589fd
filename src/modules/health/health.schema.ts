import { z } from "zod";

export const LivenessSchema = z.object({ status: z.literal("ok") });

const CheckSchema = z.object({
  status: z.enum(["up", "down"]),
  latencyMs: z.number(),
  error: z.string().optional(),
  pending: z.number().int().optional().describe("Migrations the database has not applied yet"),
});

export const ReadinessSchema = z.object({
  status: z.enum(["ready", "not_ready"]),
  checks: z.record(z.string(), CheckSchema),
});
