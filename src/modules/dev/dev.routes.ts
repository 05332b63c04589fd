import type { FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { OutboxListSchema, OutboxQuery } from "../mail/mail.schema.ts";
import type { Mailer } from "../mail/mail.service.ts";

type Options = { mailer: Mailer };

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

/**
 * Whether the caller is on this machine, by the socket's address: never by `request.ip` or
 * X-Forwarded-For, which a client can write. A request a proxy forwarded comes from the proxy's
 * socket, so one that carries forwarding headers is not taken as local either.
 */
function isLocalCaller(request: FastifyRequest): boolean {
  const { headers } = request;
  if (headers["x-forwarded-for"] !== undefined || headers.forwarded !== undefined) return false;
  return LOOPBACK.test(request.raw.socket.remoteAddress ?? "");
}

/**
 * Development helpers, left out of the OpenAPI document. Registered only where config.devMailbox
 * allows, and answering local callers only: others get the 404 of an unknown route.
 */
export const devRoutes: FastifyPluginAsyncZod<Options> = async (app, { mailer }) => {
  app.addHook("onRequest", async (request, reply) => {
    if (!isLocalCaller(request)) return reply.callNotFound();
  });

  app.get(
    "/api/dev/mail",
    {
      config: { auth: "none" },
      schema: {
        hide: true,
        tags: ["dev"],
        summary: "Latest messages of the development mail outbox, newest first",
        querystring: OutboxQuery,
        response: { 200: OutboxListSchema },
      },
    },
    async (request) => mailer.latestOutbox(request.query.limit),
  );
};
