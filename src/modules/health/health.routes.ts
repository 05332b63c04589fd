import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { Metrics } from "../../lib/metrics.ts";
import { LivenessSchema, ReadinessSchema } from "./health.schema.ts";
import type { HealthService } from "./health.service.ts";

type Options = { health: HealthService; metrics: Metrics };

export const healthRoutes: FastifyPluginAsyncZod<Options> = async (app, { health, metrics }) => {
  app.get(
    "/health/live",
    {
      schema: {
        tags: ["health"],
        summary: "The process is up",
        security: [],
        response: { 200: LivenessSchema },
      },
    },
    async () => ({ status: "ok" as const }),
  );

  app.get(
    "/health/ready",
    {
      schema: {
        tags: ["health"],
        summary: "Every dependency answers; 503 names the one that does not",
        security: [],
        response: { 200: ReadinessSchema, 503: ReadinessSchema },
      },
    },
    async (_request, reply) => {
      const readiness = await health.readiness();
      return reply.code(readiness.status === "ready" ? 200 : 503).send(readiness);
    },
  );

  app.get("/metrics", { schema: { hide: true } }, async (_request, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
};
