import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { PageQuerySchema } from "../../lib/pagination.ts";
import { AuditPageSchema } from "./audit.schema.ts";
import type { AuditService } from "./audit.service.ts";

type Options = { audit: AuditService };

export const auditRoutes: FastifyPluginAsyncZod<Options> = async (app, { audit }) => {
  app.get(
    "/api/admin/audit",
    {
      config: {
        auth: "admin",
        errors: { 400: "`invalid_cursor`: the cursor is not one this list gave" },
      },
      schema: {
        operationId: "listAuditEvents",
        tags: ["admin"],
        summary: "Auth events, newest first",
        querystring: PageQuerySchema,
        response: { 200: AuditPageSchema },
      },
    },
    async (request) => audit.list(request.query),
  );
};
