import * as oidc from "openid-client";
import type { Config } from "../../config.ts";
import { AppError, BadRequestError, ServiceUnavailableError } from "../../lib/errors.ts";
import { isHttpsOrLoopback } from "../../lib/urls.ts";
import type { IdentityProviderId } from "./identities.table.ts";

/** Who the provider says signed in. `emailVerified` only when the provider asserts it. */
export type ProviderProfile = {
  subject: string;
  email: string | undefined;
  emailVerified: boolean;
  name: string | undefined;
};

/** The secrets of one authorization request, kept server-side between start and callback. */
export type FlowChecks = { state: string; nonce: string; codeVerifier: string };

export type IdentityProvider = {
  id: IdentityProviderId;
  name: string;
  authorizationUrl(checks: FlowChecks, redirectUri: string): Promise<URL>;
  /** Trades the code of a callback URL for the profile; the checks must match the request's. */
  complete(callbackUrl: URL, checks: FlowChecks): Promise<ProviderProfile>;
};

type ProvidersConfig = Config["identityProviders"];

const TIMEOUT_SECONDS = 10;

export const providerRejected = (detail: string) =>
  new BadRequestError("provider_error", { detail });

const providerUnavailable = (name: string) =>
  new ServiceUnavailableError("provider_unavailable", {
    detail: `${name} could not be reached; try again later.`,
  });

/**
 * Discovery failed although the provider answered (an issuer that is not the one configured, a
 * document that is no OpenID configuration): this server's setup, not the client's doing. 503,
 * and the reason in the log line of the request (its `cause`).
 */
function misconfigured(name: string, error: unknown): Error {
  const failure = providerFailure(name, error);
  if (failure instanceof ServiceUnavailableError) return failure;
  return Object.assign(
    new ServiceUnavailableError("provider_unavailable", {
      detail: `${name} is not set up right on this server; try again later.`,
    }),
    { cause: error },
  );
}

function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let at = error; at !== undefined && chain.length < 10; ) {
    chain.push(at);
    at = at instanceof Error ? at.cause : undefined;
  }
  return chain;
}

/**
 * The provider did not answer (connection refused, timeout): 503. Anything else it or its
 * answer did wrong (a refused code, an ID token that fails verification): 400.
 */
function providerFailure(name: string, error: unknown): Error {
  if (error instanceof AppError) return error;
  const unreachable = causes(error).some(
    (cause) =>
      cause instanceof Error &&
      (cause.message === "fetch failed" ||
        cause.name === "TimeoutError" ||
        cause.name === "AbortError"),
  );
  if (unreachable) return providerUnavailable(name);
  if (error instanceof oidc.AuthorizationResponseError) {
    return providerRejected(`${name} refused the sign-in: ${error.error}.`);
  }
  return providerRejected(`${name}'s answer was not accepted; start again.`);
}

async function guarded<T>(name: string, attempt: () => Promise<T>): Promise<T> {
  try {
    return await attempt();
  } catch (error) {
    throw providerFailure(name, error);
  }
}

// Plain HTTP only to a provider on this machine: the configuration refuses any other http:// URL.
const insecure = (url: string) =>
  url.startsWith("http:") && isHttpsOrLoopback(url) ? [oidc.allowInsecureRequests] : [];

function authorizationParameters(checks: FlowChecks, redirectUri: string, scope: string) {
  return oidc.calculatePKCECodeChallenge(checks.codeVerifier).then((challenge) => ({
    redirect_uri: redirectUri,
    scope,
    state: checks.state,
    code_challenge: challenge,
    code_challenge_method: "S256",
  }));
}

/** Any OpenID Connect provider, found by discovery; its ID token is verified by openid-client. */
function openIdProvider(settings: NonNullable<ProvidersConfig["oidc"]>): IdentityProvider {
  const name = settings.name;
  let discovered: Promise<oidc.Configuration> | undefined;
  // Discovered on first use, and again after a failure: a provider down at start is no reason
  // for the server not to start.
  function configuration(): Promise<oidc.Configuration> {
    discovered ??= oidc
      .discovery(new URL(settings.issuer), settings.clientId, settings.clientSecret, undefined, {
        // The ID token's signature is checked too, not only its claims: the token endpoint's
        // TLS alone is what OpenID Connect allows, not what this server settles for.
        execute: [oidc.enableNonRepudiationChecks, ...insecure(settings.issuer)],
        timeout: TIMEOUT_SECONDS,
      })
      .catch((error: unknown) => {
        discovered = undefined;
        throw misconfigured(name, error);
      });
    return discovered;
  }

  return {
    id: "oidc",
    name,
    authorizationUrl: (checks, redirectUri) =>
      guarded(name, async () => {
        const parameters = await authorizationParameters(
          checks,
          redirectUri,
          "openid email profile",
        );
        return oidc.buildAuthorizationUrl(await configuration(), {
          ...parameters,
          nonce: checks.nonce,
        });
      }),
    complete: (callbackUrl, checks) =>
      guarded(name, async () => {
        const server = await configuration();
        const tokens = await oidc.authorizationCodeGrant(server, callbackUrl, {
          pkceCodeVerifier: checks.codeVerifier,
          expectedState: checks.state,
          expectedNonce: checks.nonce,
          idTokenExpected: true,
        });
        const claims = tokens.claims();
        if (!claims) throw providerRejected(`${name} sent no ID token.`);
        // Some providers keep the email out of the ID token: then it comes from userinfo.
        const info =
          typeof claims.email === "string"
            ? claims
            : await oidc.fetchUserInfo(server, tokens.access_token, claims.sub);
        return {
          subject: claims.sub,
          email: typeof info.email === "string" ? info.email : undefined,
          emailVerified: info.email_verified === true,
          name: typeof info.name === "string" ? info.name : undefined,
        };
      }),
  };
}

type GitHubEmail = { email: string; primary: boolean; verified: boolean };

/** GitHub speaks OAuth 2.0, not OpenID Connect: the profile comes from its REST API. */
function gitHubProvider(settings: NonNullable<ProvidersConfig["github"]>): IdentityProvider {
  const name = "GitHub";
  const server = new oidc.Configuration(
    {
      issuer: settings.webUrl,
      authorization_endpoint: `${settings.webUrl}/login/oauth/authorize`,
      token_endpoint: `${settings.webUrl}/login/oauth/access_token`,
    },
    settings.clientId,
    settings.clientSecret,
  );
  server.timeout = TIMEOUT_SECONDS;
  for (const allow of insecure(settings.webUrl)) allow(server);

  async function api<T>(path: string, accessToken: string): Promise<T> {
    const response = await fetch(`${settings.apiUrl}${path}`, {
      headers: {
        accept: "application/vnd.github+json",
        authorization: `Bearer ${accessToken}`,
        "user-agent": "stratum",
        "x-github-api-version": "2022-11-28",
      },
      signal: AbortSignal.timeout(TIMEOUT_SECONDS * 1000),
    });
    if (!response.ok) throw providerRejected(`${name} answered ${response.status} for ${path}.`);
    return (await response.json()) as T;
  }

  return {
    id: "github",
    name,
    authorizationUrl: (checks, redirectUri) =>
      guarded(name, async () =>
        oidc.buildAuthorizationUrl(
          server,
          await authorizationParameters(checks, redirectUri, "read:user user:email"),
        ),
      ),
    complete: (callbackUrl, checks) =>
      guarded(name, async () => {
        const tokens = await oidc.authorizationCodeGrant(server, callbackUrl, {
          pkceCodeVerifier: checks.codeVerifier,
          expectedState: checks.state,
        });
        const user = await api<{ id: number; login: string; name: string | null }>(
          "/user",
          tokens.access_token,
        );
        const emails = await api<GitHubEmail[]>("/user/emails", tokens.access_token);
        const primary = Array.isArray(emails) ? emails.find((email) => email.primary) : undefined;
        return {
          subject: String(user.id),
          email: primary?.email,
          emailVerified: primary?.verified === true,
          name: user.name || user.login,
        };
      }),
  };
}

/** The configured providers by id; one not configured is absent. */
export function createIdentityProviders(
  config: ProvidersConfig,
): ReadonlyMap<IdentityProviderId, IdentityProvider> {
  const providers = new Map<IdentityProviderId, IdentityProvider>();
  if (config.oidc) providers.set("oidc", openIdProvider(config.oidc));
  if (config.github) providers.set("github", gitHubProvider(config.github));
  return providers;
}
