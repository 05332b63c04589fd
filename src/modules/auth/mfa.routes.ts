import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { actorOf, requestContext } from "../../lib/auth.plugin.ts";
import { AdminUserParams } from "../users/users.schema.ts";
import type { AuthLimits } from "./auth.limits.ts";
import { AuthResponseSchema } from "./auth.schema.ts";
import type { AuthService } from "./auth.service.ts";
import {
  ConfirmTotpBody,
  MfaLoginBody,
  MfaStatusSchema,
  ReauthenticateBody,
  ReauthenticatedSchema,
  RecoveryCodesSchema,
  TotpEnrolmentSchema,
} from "./mfa.schema.ts";
import type { MfaService } from "./mfa.service.ts";

type Options = { auth: AuthService; mfa: MfaService; limits: AuthLimits };

const tags = ["auth"];
const FRESH = "`reauthentication_required`: sign in or re-authenticate first (5 minutes)";

/** Two-step sign-in: the authenticator app, recovery codes, the second step and re-authentication. */
export const mfaRoutes: FastifyPluginAsyncZod<Options> = async (app, { auth, mfa, limits }) => {
  app.post(
    "/api/auth/login/mfa",
    {
      preValidation: limits.mfaLogin,
      config: {
        auth: "none",
        errors: {
          401: "`invalid_mfa_token`: the challenge is unknown, expired, spent or had 5 wrong codes; `invalid_mfa_code`: the code is wrong or already used",
          429: "the account's (or device's) failed sign-in budget is spent",
        },
      },
      schema: {
        operationId: "loginMfa",
        tags,
        summary: "Complete a sign-in with a code from the app or a recovery code",
        body: MfaLoginBody,
        response: { 200: AuthResponseSchema },
      },
    },
    async (request) => {
      const { mfaToken, ...proof } = request.body;
      const target = await auth.challengeTarget(mfaToken);
      return limits.chargeSecondFactor(request, target, () =>
        auth.completeMfa(mfaToken, proof, requestContext(request)),
      );
    },
  );

  app.post(
    "/api/auth/reauthenticate",
    {
      preValidation: limits.passwordCheck,
      config: {
        auth: "required",
        allowUnverifiedEmail: true,
        errors: {
          403: "`invalid_password`: the password is wrong or missing; `invalid_mfa_code`: the code is missing, wrong or already used; `reauthentication_required`: an account with no password and no app gave no passkey",
          429: "the account's failed-password budget is spent",
        },
      },
      schema: {
        operationId: "reauthenticate",
        tags,
        summary: "Prove who you are again, for changes that need a fresh sign-in",
        body: ReauthenticateBody,
        response: { 200: ReauthenticatedSchema },
      },
    },
    async (request) =>
      limits.chargePasswordCheck(request, () =>
        mfa.reauthenticate(actorOf(request), request.body, requestContext(request)),
      ),
  );

  app.get(
    "/api/auth/mfa",
    {
      config: { auth: "required" },
      schema: {
        operationId: "getMfaStatus",
        tags,
        summary: "Your second factors",
        response: { 200: MfaStatusSchema },
      },
    },
    async (request) => mfa.status(actorOf(request)),
  );

  app.post(
    "/api/auth/mfa/totp",
    {
      preValidation: limits.mfaChange,
      config: {
        auth: "required",
        allowUnverifiedEmail: true,
        errors: {
          403: FRESH,
          409: "`mfa_already_enabled`: an app is already on; turn it off first",
        },
      },
      schema: {
        operationId: "startTotpEnrolment",
        tags,
        summary: "Start enrolling an authenticator app (a new secret, on once confirmed)",
        response: { 201: TotpEnrolmentSchema },
      },
    },
    async (request, reply) => reply.code(201).send(await mfa.startTotp(actorOf(request))),
  );

  app.post(
    "/api/auth/mfa/totp/confirm",
    {
      preValidation: limits.mfaConfirm,
      config: {
        auth: "required",
        allowUnverifiedEmail: true,
        errors: {
          403: "`invalid_mfa_code`: the code is wrong or expired",
          409: "`mfa_not_pending`: no enrolment waits for a code",
        },
      },
      schema: {
        operationId: "confirmTotpEnrolment",
        tags,
        summary: "Turn two-step sign-in on with a first code; answers the recovery codes",
        body: ConfirmTotpBody,
        response: { 200: RecoveryCodesSchema },
      },
    },
    async (request) =>
      mfa.confirmTotp(actorOf(request), request.body.code, requestContext(request)),
  );

  app.delete(
    "/api/auth/mfa/totp",
    {
      preValidation: limits.mfaChange,
      config: {
        auth: "required",
        allowUnverifiedEmail: true,
        errors: { 403: FRESH, 409: "`mfa_not_enabled`: two-step sign-in is not on" },
      },
      schema: {
        operationId: "disableTotp",
        tags,
        summary: "Turn two-step sign-in off (the app and every recovery code)",
        response: { 204: z.null().describe("Off") },
      },
    },
    async (request, reply) => {
      await mfa.disable(actorOf(request), requestContext(request));
      return reply.code(204).send(null);
    },
  );

  app.delete(
    "/api/admin/users/:id/mfa",
    {
      config: {
        auth: "admin",
        errors: {
          404: "`user_not_found`: no such user",
          409: "`mfa_not_enabled`: two-step sign-in is not on for this user",
        },
      },
      schema: {
        operationId: "resetUserMfa",
        tags: ["admin"],
        summary: "Turn a user's two-step sign-in off (lost app and recovery codes)",
        params: AdminUserParams,
        response: { 204: z.null().describe("Off") },
      },
    },
    async (request, reply) => {
      await mfa.reset(actorOf(request), request.params.id, requestContext(request));
      return reply.code(204).send(null);
    },
  );

  app.post(
    "/api/auth/mfa/recovery-codes",
    {
      preValidation: limits.mfaChange,
      config: {
        auth: "required",
        allowUnverifiedEmail: true,
        errors: { 403: FRESH, 409: "`mfa_not_enabled`: two-step sign-in is not on" },
      },
      schema: {
        operationId: "regenerateRecoveryCodes",
        tags,
        summary: "New recovery codes; the old ones stop working",
        response: { 200: RecoveryCodesSchema },
      },
    },
    async (request) => mfa.regenerateRecoveryCodes(actorOf(request), requestContext(request)),
  );
};
