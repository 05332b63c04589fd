import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { actorOf, requestContext } from "../../lib/auth.plugin.ts";
import { PageQuerySchema } from "../../lib/pagination.ts";
import type { AuthLimits } from "./auth.limits.ts";
import { AuthResponseSchema } from "./auth.schema.ts";
import type { AuthService } from "./auth.service.ts";
import {
  AddPasskeyBody,
  AuthenticationOptionsSchema,
  PasskeyLoginBody,
  PasskeyParams,
  PasskeySchema,
  PasskeysPageSchema,
  RegistrationOptionsSchema,
  RenamePasskeyBody,
} from "./passkeys.schema.ts";
import type { PasskeysService } from "./passkeys.service.ts";

type Options = { auth: AuthService; passkeys: PasskeysService; limits: AuthLimits };

const tags = ["auth"];
const notFound = { 404: "`passkey_not_found`: no such passkey of yours" };

/**
 * Passkeys: adding and managing them (signed in; allowed to an unverified account, as changing
 * the password is), and signing in with one alone.
 */
export const passkeyRoutes: FastifyPluginAsyncZod<Options> = async (
  app,
  { auth, passkeys, limits },
) => {
  app.post(
    "/api/auth/passkeys/registration/options",
    {
      config: { auth: "required", allowUnverifiedEmail: true },
      preValidation: limits.passkeyRegistration,
      schema: {
        operationId: "passkeyRegistrationOptions",
        tags,
        summary: "Options for navigator.credentials.create(), to add a passkey",
        response: { 200: RegistrationOptionsSchema },
      },
    },
    async (request) => passkeys.registrationOptions(actorOf(request)),
  );

  app.post(
    "/api/auth/passkeys",
    {
      config: {
        auth: "required",
        allowUnverifiedEmail: true,
        errors: {
          400: "`invalid_passkey`: the response does not verify, or its challenge is unknown, spent, expired or another account's",
          409: "`passkey_exists`: this passkey is registered already",
        },
      },
      preValidation: limits.passkeyRegistration,
      schema: {
        operationId: "addPasskey",
        tags,
        summary: "Add a passkey: the answer to the registration options",
        body: AddPasskeyBody,
        response: { 201: PasskeySchema },
      },
    },
    async (request, reply) => {
      const added = await passkeys.add(actorOf(request), request.body, requestContext(request));
      return reply.code(201).send(added);
    },
  );

  app.get(
    "/api/auth/passkeys",
    {
      config: {
        auth: "required",
        errors: { 400: "`invalid_cursor`: the cursor is not one this list gave" },
      },
      schema: {
        operationId: "listPasskeys",
        tags,
        summary: "Your passkeys, newest first",
        querystring: PageQuerySchema,
        response: { 200: PasskeysPageSchema },
      },
    },
    async (request) => passkeys.list(actorOf(request), request.query),
  );

  app.patch(
    "/api/auth/passkeys/:id",
    {
      config: { auth: "required", allowUnverifiedEmail: true, errors: notFound },
      schema: {
        operationId: "renamePasskey",
        tags,
        summary: "Rename one of your passkeys",
        params: PasskeyParams,
        body: RenamePasskeyBody,
        response: { 200: PasskeySchema },
      },
    },
    async (request) =>
      passkeys.rename(
        actorOf(request),
        request.params.id,
        request.body.name,
        requestContext(request),
      ),
  );

  app.delete(
    "/api/auth/passkeys/:id",
    {
      config: {
        auth: "required",
        allowUnverifiedEmail: true,
        errors: {
          ...notFound,
          409: "`last_sign_in_method`: the account has no password, identity or other passkey to sign in with",
        },
      },
      schema: {
        operationId: "removePasskey",
        tags,
        summary: "Remove one of your passkeys; it can no longer sign in",
        params: PasskeyParams,
        response: { 204: z.null().describe("Removed") },
      },
    },
    async (request, reply) => {
      await passkeys.remove(actorOf(request), request.params.id, requestContext(request));
      return reply.code(204).send(null);
    },
  );

  app.post(
    "/api/auth/passkeys/authentication/options",
    {
      config: { auth: "none" },
      preValidation: limits.passkeyOptions,
      schema: {
        operationId: "passkeyAuthenticationOptions",
        tags,
        summary: "Options for navigator.credentials.get(), to sign in with a passkey",
        response: { 200: AuthenticationOptionsSchema },
      },
    },
    async () => passkeys.authenticationOptions(),
  );

  app.post(
    "/api/auth/login/passkey",
    {
      config: {
        auth: "none",
        errors: {
          401: "`invalid_passkey`: the passkey is unknown or its account disabled, the assertion does not verify, or its challenge is spent or expired",
          429: "the passkey's failed-login budget is spent",
        },
      },
      preValidation: limits.passkeyLogin,
      schema: {
        operationId: "loginWithPasskey",
        tags,
        summary: "Sign in with a passkey alone",
        body: PasskeyLoginBody,
        response: { 200: AuthResponseSchema },
      },
    },
    async (request) =>
      limits.chargePasskeyLogin(request, () =>
        auth.loginWithPasskey(request.body, requestContext(request)),
      ),
  );
};
