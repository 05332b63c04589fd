import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { UnauthorizedError } from "../../lib/errors.ts";
import type { Metrics } from "../../lib/metrics.ts";
import { LivenessSchema, ReadinessSchema } from "./health.schema.ts";
import type { HealthService } from "./health.service.ts";

type Options = { health: HealthService };

export const healthRoutes: FastifyPluginAsyncZod<Options> = async (app, { health }) => {
  app.get(
    "/health/live",
    {
      config: { auth: "none" },
      schema: {
        operationId: "getLiveness",
        tags: ["health"],
        summary: "The process is up",
        response: { 200: LivenessSchema },
      },
    },
    async () => ({ status: "ok" as const }),
  );

  app.get(
    "/health/ready",
    {
      config: { auth: "none" },
      schema: {
        operationId: "getReadiness",
        tags: ["health"],
        summary: "Every dependency answers; 503 names the one that does not",
        response: { 200: ReadinessSchema, 503: ReadinessSchema },
      },
    },
    async (_request, reply) => {
      const readiness = await health.readiness();
      return reply.code(readiness.status === "ready" ? 200 : 503).send(readiness);
    },
  );
};

const digest = (value: string) => createHash("sha256").update(value).digest();

/** A constant-time check of `Authorization: Bearer <token>` (hashed, so lengths never differ). */
function bearerMatches(header: string | undefined, token: string): boolean {
  return timingSafeEqual(digest(header ?? ""), digest(`Bearer ${token}`));
}

type MetricsOptions = { metrics: Metrics; token: string | undefined };

/** `/metrics`, on the API's port or on its own listener (METRICS_PORT); METRICS_TOKEN guards it. */
export const metricsRoutes: FastifyPluginAsyncZod<MetricsOptions> = async (
  app,
  { metrics, token },
) => {
  if (token !== undefined) {
    app.addHook("onRequest", async (request) => {
      if (!bearerMatches(request.headers.authorization, token)) {
        throw new UnauthorizedError("invalid_token", { detail: "/metrics needs METRICS_TOKEN." });
      }
    });
  }
  app.get(
    "/metrics",
    { schema: { hide: true }, config: { ownBearerToken: true } },
    async (_request, reply) => {
      reply.type(metrics.registry.contentType);
      return metrics.registry.metrics();
    },
  );
};
