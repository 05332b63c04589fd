import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { OutboxListSchema, OutboxQuery } from "../mail/mail.schema.ts";
import type { Mailer } from "../mail/mail.service.ts";

type Options = { mailer: Mailer };

/** Development helpers; registered only outside production and left out of the OpenAPI document. */
export const devRoutes: FastifyPluginAsyncZod<Options> = async (app, { mailer }) => {
  app.get(
    "/api/dev/mail",
    {
      schema: {
        hide: true,
        tags: ["dev"],
        summary: "Latest messages of the development mail outbox, newest first",
        security: [],
        querystring: OutboxQuery,
        response: { 200: OutboxListSchema },
      },
    },
    async (request) => mailer.latestOutbox(request.query.limit),
  );
};
