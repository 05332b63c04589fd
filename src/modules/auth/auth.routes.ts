import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { actorOf, requestContext } from "../../lib/auth.plugin.ts";
import { UpdateMeBody, UserSchema } from "../users/users.schema.ts";
import type { UsersService } from "../users/users.service.ts";
import { accountRoutes } from "./account.routes.ts";
import type { AuthLimits } from "./auth.limits.ts";
import {
  AuthResponseSchema,
  LoginBody,
  LogoutBody,
  RefreshBody,
  RegisterBody,
  TokenPairSchema,
} from "./auth.schema.ts";
import type { AuthService } from "./auth.service.ts";
import { emailChangeRoutes } from "./email-change.routes.ts";
import type { EmailChangeService } from "./email-change.service.ts";
import { identitiesRoutes } from "./identities.routes.ts";
import type { IdentitiesService } from "./identities.service.ts";
import { mfaRoutes } from "./mfa.routes.ts";
import { MfaChallengeSchema } from "./mfa.schema.ts";
import type { MfaService } from "./mfa.service.ts";
import { passkeyRoutes } from "./passkeys.routes.ts";
import type { PasskeysService } from "./passkeys.service.ts";
import type { ProviderSignInService } from "./provider-sign-in.service.ts";
import type { RecoveryService } from "./recovery.service.ts";
import type { SessionsService } from "./sessions.service.ts";

type Options = {
  auth: AuthService;
  users: UsersService;
  recovery: RecoveryService;
  sessions: SessionsService;
  emailChange: EmailChangeService;
  mfa: MfaService;
  passkeys: PasskeysService;
  identities: IdentitiesService;
  providerSignIn: ProviderSignInService;
  limits: AuthLimits;
};

const tags = ["auth"];

export const authRoutes: FastifyPluginAsyncZod<Options> = async (app, options) => {
  const { auth, users, limits } = options;
  await app.register(accountRoutes, options);
  await app.register(emailChangeRoutes, options);
  await app.register(mfaRoutes, options);
  await app.register(passkeyRoutes, options);
  await app.register(identitiesRoutes, options);

  app.post(
    "/api/auth/register",
    {
      preValidation: limits.register,
      config: { auth: "none", errors: { 409: "`email_taken`: an account has this email" } },
      schema: {
        operationId: "register",
        tags,
        summary: "Create an account and sign in",
        body: RegisterBody,
        response: { 201: AuthResponseSchema },
      },
    },
    async (request, reply) => {
      const result = await auth.register(request.body, requestContext(request));
      return reply.code(201).send(result);
    },
  );

  app.post(
    "/api/auth/login",
    {
      preValidation: limits.login,
      config: {
        auth: "none",
        errors: {
          401: "`invalid_credentials`: the email or password is wrong",
          429: "the account's (or device's) failed-login budget is spent",
        },
      },
      schema: {
        operationId: "login",
        tags,
        summary: "Sign in with email and password",
        description:
          "200: signed in. 202: the password was right and two-step sign-in is on: send a code " +
          "with the answer's `mfaToken` to POST /api/auth/login/mfa.",
        body: LoginBody,
        response: { 200: AuthResponseSchema, 202: MfaChallengeSchema },
      },
    },
    async (request, reply) => {
      const { email, password, deviceToken } = request.body;
      const device = await auth.trustedDevice(email, deviceToken);
      const result = await limits.chargeLogin(request, { email, device }, () =>
        auth.login(email, password, requestContext(request), { device }),
      );
      return "mfaToken" in result ? reply.code(202).send(result) : result;
    },
  );

  app.post(
    "/api/auth/refresh",
    {
      preValidation: limits.refresh,
      config: {
        auth: "none",
        errors: {
          401: "`invalid_token`: the refresh token is unknown, expired or spent; `refresh_token_reused`: a spent token came back, so its session is ended",
        },
      },
      schema: {
        operationId: "refreshTokens",
        tags,
        summary: "Trade a refresh token for a new pair; the old one is spent",
        body: RefreshBody,
        response: { 200: TokenPairSchema },
      },
    },
    async (request) => auth.refresh(request.body.refreshToken, requestContext(request)),
  );

  app.post(
    "/api/auth/logout",
    {
      config: { auth: "required", allowUnverifiedEmail: true },
      schema: {
        operationId: "logout",
        tags,
        summary: "End the current session",
        body: LogoutBody,
        response: { 204: z.null().describe("Signed out") },
      },
    },
    async (request, reply) => {
      await auth.logout(actorOf(request), request.body?.refreshToken, requestContext(request));
      return reply.code(204).send(null);
    },
  );

  app.get(
    "/api/auth/me",
    {
      config: { auth: "required" },
      schema: {
        operationId: "getMe",
        tags,
        summary: "The signed-in user",
        response: { 200: UserSchema },
      },
    },
    async (request) => users.me(actorOf(request)),
  );

  app.patch(
    "/api/auth/me",
    {
      config: { auth: "required", allowUnverifiedEmail: true },
      schema: {
        operationId: "updateMe",
        tags,
        summary: "Change your name (other fields are ignored)",
        body: UpdateMeBody,
        response: { 200: UserSchema },
      },
    },
    async (request) => users.updateMe(actorOf(request), request.body),
  );
};
