import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { actorOf, requestContext } from "../../lib/auth.plugin.ts";
import { PageQuerySchema } from "../../lib/pagination.ts";
import type { AuthLimits } from "./auth.limits.ts";
import { AuthResponseSchema } from "./auth.schema.ts";
import {
  CallbackQuery,
  ExchangeBody,
  IdentitiesPageSchema,
  IdentityParams,
  ProviderParams,
  ProviderRedirectSchema,
  ProvidersSchema,
} from "./identities.schema.ts";
import type { IdentitiesService } from "./identities.service.ts";
import { MfaChallengeSchema } from "./mfa.schema.ts";
import type { ProviderSignInService } from "./provider-sign-in.service.ts";

type Options = {
  identities: IdentitiesService;
  providerSignIn: ProviderSignInService;
  limits: AuthLimits;
};

const tags = ["auth"];
const notConfigured = "`provider_not_found`: no such provider is configured";
const unavailable = "`provider_unavailable`: the provider could not be reached";

/** Sign-in with an identity provider (docs/auth.md), and the identities of an account. */
export const identitiesRoutes: FastifyPluginAsyncZod<Options> = async (app, options) => {
  const { identities, providerSignIn, limits } = options;

  app.get(
    "/api/auth/providers",
    {
      config: { auth: "none" },
      schema: {
        operationId: "listIdentityProviders",
        tags,
        summary: "The identity providers you can sign in with",
        response: { 200: ProvidersSchema },
      },
    },
    async () => ({ providers: providerSignIn.list() }),
  );

  app.post(
    "/api/auth/providers/:provider/start",
    {
      preValidation: limits.identityStart,
      config: { auth: "none", errors: { 404: notConfigured, 503: unavailable } },
      schema: {
        operationId: "startProviderSignIn",
        tags,
        summary: "Begin signing in with a provider: send the browser to the URL answered",
        params: ProviderParams,
        response: { 200: ProviderRedirectSchema },
      },
    },
    async (request) => providerSignIn.start(request.params.provider),
  );

  app.post(
    "/api/auth/providers/:provider/link",
    {
      preValidation: limits.identityStart,
      config: {
        auth: "required",
        allowUnverifiedEmail: true,
        errors: { 404: notConfigured, 503: unavailable },
      },
      schema: {
        operationId: "startProviderLink",
        tags,
        summary:
          "Begin linking a provider's account to yours: send the browser to the URL answered",
        params: ProviderParams,
        response: { 200: ProviderRedirectSchema },
      },
    },
    async (request) => providerSignIn.start(request.params.provider, actorOf(request)),
  );

  app.get(
    "/api/auth/providers/:provider/callback",
    {
      preValidation: limits.identityCallback,
      config: {
        auth: "none",
        logQuery: false,
        errors: {
          400: "`invalid_state`: the sign-in is unknown, expired or already completed; `provider_error`: the provider refused, or its answer (code, ID token) failed a check",
          401: "`invalid_credentials`: the account is disabled",
          404: notConfigured,
          409: "`account_exists`: an account has this email, unproven by the provider or not verified here (sign in, then link); `identity_taken`: the identity signs in to another account",
          503: unavailable,
        },
      },
      schema: {
        operationId: "providerCallback",
        tags,
        summary:
          "Where the provider sends the browser back; redirects to the landing page with `#code=…` (sign-in) or `#linked=<provider>`",
        params: ProviderParams,
        querystring: CallbackQuery,
        response: { 302: z.null().describe("To the landing page (SIGN_IN_LANDING_PATH)") },
      },
    },
    async (request, reply) => {
      const { params, query } = request;
      const to = await providerSignIn.callback(params.provider, query, requestContext(request));
      return reply.header("cache-control", "no-store").redirect(to, 302);
    },
  );

  app.post(
    "/api/auth/providers/exchange",
    {
      preValidation: limits.identityExchange,
      config: {
        auth: "none",
        errors: {
          400: "`invalid_code`: the code is invalid, expired or used, or the key is not its client's",
          401: "`invalid_credentials`: the account is disabled",
        },
      },
      schema: {
        operationId: "exchangeProviderCode",
        tags,
        summary: "Trade the landing page's exchange code for a session",
        description:
          "200: signed in. 202: the account has two-step sign-in on: send a code with the " +
          "answer's `mfaToken` to POST /api/auth/login/mfa, as after a password.",
        body: ExchangeBody,
        response: { 200: AuthResponseSchema, 202: MfaChallengeSchema },
      },
    },
    async (request, reply) => {
      const result = await providerSignIn.exchange(request.body, requestContext(request));
      return "mfaToken" in result ? reply.code(202).send(result) : result;
    },
  );

  app.get(
    "/api/auth/identities",
    {
      config: {
        auth: "required",
        errors: { 400: "`invalid_cursor`: the cursor is not one this list gave" },
      },
      schema: {
        operationId: "listIdentities",
        tags,
        summary: "The provider accounts that sign in to yours",
        querystring: PageQuerySchema,
        response: { 200: IdentitiesPageSchema },
      },
    },
    async (request) => identities.list(actorOf(request), request.query),
  );

  app.delete(
    "/api/auth/identities/:id",
    {
      config: {
        auth: "required",
        allowUnverifiedEmail: true,
        errors: {
          404: "`identity_not_found`: no such identity of yours",
          409: "`last_sign_in_method`: it is the account's only way to sign in",
        },
      },
      schema: {
        operationId: "unlinkIdentity",
        tags,
        summary: "Unlink a provider's account from yours",
        params: IdentityParams,
        response: { 204: z.null().describe("Unlinked") },
      },
    },
    async (request, reply) => {
      await identities.unlink(actorOf(request), request.params.id, requestContext(request));
      return reply.code(204).send(null);
    },
  );
};
