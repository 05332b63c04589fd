import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { actorOf, requireAuth } from "../../lib/auth.plugin.ts";
import type { AccountDeletionService } from "./account-deletion.service.ts";

type Options = { accountDeletion: AccountDeletionService };

const DeleteAccountBody = z.object({ password: z.string().min(1).max(1024) });
const DeletionScheduledSchema = z.object({ status: z.literal("deletion_scheduled") });

export const accountDeletionRoutes: FastifyPluginAsyncZod<Options> = async (
  app,
  { accountDeletion },
) => {
  app.delete(
    "/api/me",
    {
      preHandler: requireAuth,
      schema: {
        tags: ["your data"],
        summary: "Delete your account: disabled at once, your data removed in the background",
        security: [{ bearerAuth: [] }],
        body: DeleteAccountBody,
        response: { 202: DeletionScheduledSchema },
      },
    },
    async (request, reply) => {
      await accountDeletion.request(actorOf(request), request.body.password);
      return reply.code(202).send({ status: "deletion_scheduled" as const });
    },
  );
};
