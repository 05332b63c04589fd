import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { actorOf, requestContext } from "../../lib/auth.plugin.ts";
import type { AuthLimits } from "../auth/auth.limits.ts";
import type { AccountDeletionService } from "./account-deletion.service.ts";

type Options = { accountDeletion: AccountDeletionService; limits: AuthLimits };

const DeleteAccountBody = z.object({ password: z.string().min(1).max(1024) });
const DeletionScheduledSchema = z.object({ status: z.literal("deletion_scheduled") });

export const accountDeletionRoutes: FastifyPluginAsyncZod<Options> = async (
  app,
  { accountDeletion, limits },
) => {
  app.delete(
    "/api/me",
    {
      // Login's limits and its per-account failure budget: a stolen token cannot guess with it.
      preValidation: limits.passwordCheck,
      config: { auth: "required" },
      schema: {
        tags: ["your data"],
        summary: "Delete your account: disabled at once, your data removed in the background",
        body: DeleteAccountBody,
        response: { 202: DeletionScheduledSchema },
      },
    },
    async (request, reply) => {
      const { password } = request.body;
      await limits.chargePasswordCheck(request, () =>
        accountDeletion.request(actorOf(request), password, requestContext(request)),
      );
      return reply.code(202).send({ status: "deletion_scheduled" as const });
    },
  );
};
