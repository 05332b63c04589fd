import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { actorOf, requestContext } from "../../lib/auth.plugin.ts";
import { PageQuerySchema } from "../../lib/pagination.ts";
import type { AuthLimits } from "./auth.limits.ts";
import {
  AcceptedSchema,
  ChangePasswordBody,
  ForgotPasswordBody,
  ResetPasswordBody,
  SessionParams,
  SessionsEndedSchema,
  SessionsPageSchema,
  TokenBody,
} from "./auth.schema.ts";
import type { AuthService } from "./auth.service.ts";
import type { RecoveryService } from "./recovery.service.ts";
import type { SessionsService } from "./sessions.service.ts";

type Options = {
  auth: AuthService;
  recovery: RecoveryService;
  sessions: SessionsService;
  limits: AuthLimits;
};

const tags = ["auth"];
const accepted = { status: "accepted" as const };
const noContent = { 204: z.null().describe("Done") };

/** Password, email verification and session management. */
export const accountRoutes: FastifyPluginAsyncZod<Options> = async (app, options) => {
  const { auth, recovery, sessions, limits } = options;

  app.post(
    "/api/auth/password",
    {
      config: {
        auth: "required",
        allowUnverifiedEmail: true,
        errors: {
          403: "`invalid_password`: the current password is wrong",
          409: "`no_password`: the account has none (it signs in with a provider): set one by a password reset",
          429: "the account's failed-password budget is spent",
        },
      },
      preValidation: limits.passwordCheck,
      schema: {
        operationId: "changePassword",
        tags,
        summary: "Change your password; ends your other sessions",
        body: ChangePasswordBody,
        response: noContent,
      },
    },
    async (request, reply) => {
      await limits.chargePasswordCheck(request, () =>
        auth.changePassword(actorOf(request), request.body, requestContext(request)),
      );
      return reply.code(204).send(null);
    },
  );

  app.post(
    "/api/auth/password/forgot",
    {
      preValidation: limits.forgot,
      config: { auth: "none" },
      schema: {
        operationId: "requestPasswordReset",
        tags,
        summary: "Mail a password reset link (the answer is the same for unknown emails)",
        body: ForgotPasswordBody,
        response: { 202: AcceptedSchema },
      },
    },
    async (request, reply) => {
      await recovery.forgotPassword(request.body.email);
      return reply.code(202).send(accepted);
    },
  );

  app.post(
    "/api/auth/password/reset",
    {
      preValidation: limits.reset,
      config: {
        auth: "none",
        errors: { 400: "`invalid_token`: the link is invalid, expired or already used" },
      },
      schema: {
        operationId: "resetPassword",
        tags,
        summary: "Set a new password with a reset token; ends every session",
        body: ResetPasswordBody,
        response: noContent,
      },
    },
    async (request, reply) => {
      const { token, newPassword } = request.body;
      await recovery.resetPassword(token, newPassword, requestContext(request));
      return reply.code(204).send(null);
    },
  );

  app.post(
    "/api/auth/email/verify",
    {
      config: {
        auth: "none",
        errors: { 400: "`invalid_token`: the link is invalid, expired or already used" },
      },
      schema: {
        operationId: "verifyEmail",
        tags,
        summary: "Confirm an email address with its token",
        body: TokenBody,
        response: noContent,
      },
    },
    async (request, reply) => {
      await recovery.verifyEmail(request.body.token, requestContext(request));
      return reply.code(204).send(null);
    },
  );

  app.post(
    "/api/auth/email/resend",
    {
      config: { auth: "required", allowUnverifiedEmail: true },
      preValidation: limits.resend,
      schema: {
        operationId: "resendVerificationEmail",
        tags,
        summary: "Send a new verification link",
        response: { 202: AcceptedSchema },
      },
    },
    async (request, reply) => {
      await recovery.resendVerification(actorOf(request));
      return reply.code(202).send(accepted);
    },
  );

  app.get(
    "/api/auth/sessions",
    {
      config: {
        auth: "required",
        errors: { 400: "`invalid_cursor`: the cursor is not one this list gave" },
      },
      schema: {
        operationId: "listSessions",
        tags,
        summary: "Your active sessions",
        querystring: PageQuerySchema,
        response: { 200: SessionsPageSchema },
      },
    },
    async (request) => sessions.list(actorOf(request), request.query),
  );

  app.post(
    "/api/auth/sessions/end-others",
    {
      config: { auth: "required", allowUnverifiedEmail: true },
      preValidation: limits.endSessions,
      schema: {
        operationId: "endOtherSessions",
        tags,
        summary: "End every session of yours but this one (sign out everywhere else)",
        response: { 200: SessionsEndedSchema },
      },
    },
    async (request) => sessions.endOthers(actorOf(request), requestContext(request)),
  );

  app.delete(
    "/api/auth/sessions/:id",
    {
      config: {
        auth: "required",
        allowUnverifiedEmail: true,
        errors: { 404: "`session_not_found`: no such session of yours" },
      },
      schema: {
        operationId: "endSession",
        tags,
        summary: "End one of your sessions",
        params: SessionParams,
        response: noContent,
      },
    },
    async (request, reply) => {
      await sessions.revokeOwn(actorOf(request), request.params.id, requestContext(request));
      return reply.code(204).send(null);
    },
  );
};
