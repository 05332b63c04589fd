import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { actorOf, requestContext } from "../../lib/auth.plugin.ts";
import type { AuthLimits } from "./auth.limits.ts";
import { AcceptedSchema, ChangeEmailBody, TokenBody } from "./auth.schema.ts";
import type { EmailChangeService } from "./email-change.service.ts";

type Options = { emailChange: EmailChangeService; limits: AuthLimits };

const tags = ["auth"];
const noContent = { 204: z.null().describe("Done") };
const linkErrors = {
  400: "`invalid_token`: the link is invalid, expired or already used",
  409: "`email_taken`: another account has had this address since",
};

/** Changing the account's email: request, confirm from the new address, undo from the old. */
export const emailChangeRoutes: FastifyPluginAsyncZod<Options> = async (app, options) => {
  const { emailChange, limits } = options;

  app.post(
    "/api/auth/email/change",
    {
      config: {
        auth: "required",
        allowUnverifiedEmail: true,
        errors: {
          403: "`invalid_password`: the password is wrong",
          409: "`no_password`: the account has none (it signs in with a provider): set one by a password reset",
          429: "the account's failed-password budget is spent",
        },
      },
      preValidation: [limits.passwordCheck, limits.emailChange],
      schema: {
        operationId: "requestEmailChange",
        tags,
        summary:
          "Mail a confirmation link to a new address (the answer is the same if it is taken)",
        body: ChangeEmailBody,
        response: { 202: AcceptedSchema },
      },
    },
    async (request, reply) => {
      await limits.chargePasswordCheck(request, () =>
        emailChange.request(actorOf(request), request.body, requestContext(request)),
      );
      return reply.code(202).send({ status: "accepted" });
    },
  );

  app.post(
    "/api/auth/email/change/confirm",
    {
      config: { auth: "none", errors: linkErrors },
      preValidation: limits.emailChangeLink,
      schema: {
        operationId: "confirmEmailChange",
        tags,
        summary: "Switch to the new address with the token mailed to it",
        body: TokenBody,
        response: noContent,
      },
    },
    async (request, reply) => {
      await emailChange.confirm(request.body.token, requestContext(request));
      return reply.code(204).send(null);
    },
  );

  app.post(
    "/api/auth/email/change/undo",
    {
      config: { auth: "none", errors: linkErrors },
      preValidation: limits.emailChangeLink,
      schema: {
        operationId: "undoEmailChange",
        tags,
        summary: "Put the old address back with the token mailed to it; ends every session",
        body: TokenBody,
        response: noContent,
      },
    },
    async (request, reply) => {
      await emailChange.undo(request.body.token, requestContext(request));
      return reply.code(204).send(null);
    },
  );
};
