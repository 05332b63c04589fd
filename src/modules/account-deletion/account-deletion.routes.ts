import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { actorOf, requestContext } from "../../lib/auth.plugin.ts";
import type { AuthLimits } from "../auth/auth.limits.ts";
import type { AccountDeletionService } from "./account-deletion.service.ts";

type Options = { accountDeletion: AccountDeletionService; limits: AuthLimits };

const DeleteAccountBody = z.object({ password: z.string().min(1).max(1024) }).meta({
  id: "DeleteAccount",
  description: "Your password, to confirm",
  example: { password: "a long passphrase of mine" },
});
const DeletionScheduledSchema = z
  .object({ status: z.literal("deletion_scheduled") })
  .meta({ id: "DeletionScheduled" });

export const accountDeletionRoutes: FastifyPluginAsyncZod<Options> = async (
  app,
  { accountDeletion, limits },
) => {
  app.delete(
    "/api/me",
    {
      // Login's limits and its per-account failure budget: a stolen token cannot guess with it.
      preValidation: limits.passwordCheck,
      config: {
        auth: "required",
        allowUnverifiedEmail: true,
        errors: {
          403: "`invalid_password`: the password is wrong",
          409: "`last_admin`: the account is the last enabled administrator; `no_password`: the account has none (set one by a password reset)",
          429: "the account's failed-password budget is spent",
        },
      },
      schema: {
        operationId: "deleteMe",
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
