import { randomNonce, randomPKCECodeVerifier, randomState } from "openid-client";
import type { Db, Executor } from "../../db/client.ts";
import type { Actor } from "../../lib/actor.ts";
import type { Clock } from "../../lib/clock.ts";
import { BadRequestError, ConflictError, NotFoundError } from "../../lib/errors.ts";
import type { AuditService, RequestContext } from "../audit/audit.service.ts";
import type { UsersService } from "../users/users.service.ts";
import type { UserRow } from "../users/users.table.ts";
import type { AuthResponse } from "./auth.schema.ts";
import { type AuthService, invalidCredentials } from "./auth.service.ts";
import type { IdentitiesRepository } from "./identities.repository.ts";
import { identityTaken } from "./identities.repository.ts";
import type { IdentitiesService } from "./identities.service.ts";
import type { IdentityFlowRow, IdentityProviderId } from "./identities.table.ts";
import {
  type IdentityProvider,
  type ProviderProfile,
  providerRejected,
} from "./identity-providers.ts";
import type { MfaChallengeResponse } from "./mfa.schema.ts";
import type { RecoveryService } from "./recovery.service.ts";
import { generateOpaqueToken, hashToken, sameHash } from "./tokens.ts";

type ProviderSignInDeps = {
  db: Db;
  providers: ReadonlyMap<IdentityProviderId, IdentityProvider>;
  /** The flows' rows (identity_flows); the identities go through the identities service. */
  flows: IdentitiesRepository;
  identities: IdentitiesService;
  users: UsersService;
  auth: AuthService;
  recovery: RecoveryService;
  audit: AuditService;
  clock: Clock;
  urls: { landingUrl: string; callbackBase: string };
};

/** Long enough to sign in at the provider, type a password and pass its second factor. */
const FLOW_TTL_MS = 10 * 60_000;
/** The landing page trades its code at once. */
const EXCHANGE_TTL_MS = 2 * 60_000;

const providerNotFound = () =>
  new NotFoundError("provider_not_found", { detail: "No such identity provider is configured." });
const invalidState = () =>
  new BadRequestError("invalid_state", {
    detail: "This sign-in is unknown, expired or already completed; start again.",
  });
const invalidCode = () =>
  new BadRequestError("invalid_code", {
    detail: "The exchange code is invalid, expired or already used; sign in again.",
  });
const accountExists = (name: string) =>
  new ConflictError("account_exists", {
    detail: `An account already has this email, and ${name} does not prove it is yours: sign in to it, then link ${name} from your account settings.`,
  });

/**
 * Signing in (or linking) with an identity provider: a trip to the provider and back, whose
 * secrets stay in a flow row, and the hand-off of the session by an exchange code.
 */
export function createProviderSignInService(deps: ProviderSignInDeps) {
  const { db, providers, flows, identities, users, audit, clock } = deps;

  function providerOf(id: string): IdentityProvider {
    const provider = providers.get(id as IdentityProviderId);
    if (!provider) throw providerNotFound();
    return provider;
  }

  const callbackUrl = (provider: IdentityProvider) =>
    `${deps.urls.callbackBase}/${provider.id}/callback`;

  /**
   * The account a provider's profile signs in to: the one its identity is linked to; else one
   * with the same email, linked only when both the provider and the account have verified it;
   * else a new one without a password.
   */
  async function accountOf(
    provider: IdentityProvider,
    profile: ProviderProfile,
    context: RequestContext,
    tx: Executor,
  ): Promise<UserRow> {
    const identity = await identities.findBySubject(provider.id, profile.subject, tx);
    if (identity) {
      const user = await users.findById(identity.userId, tx);
      if (!user || user.disabledAt) throw invalidCredentials();
      await identities.touch(identity.id, tx);
      return user;
    }
    if (!profile.email) {
      throw providerRejected(`${provider.name} gave no email address for this account.`);
    }
    const existing = await users.findByEmail(profile.email, tx);
    if (existing) {
      if (!profile.emailVerified || !existing.emailVerifiedAt) throw accountExists(provider.name);
      if (existing.disabledAt) throw invalidCredentials();
      await identities.link(existing, provider, profile, context, tx);
      return existing;
    }
    const user = await users.insertWithoutPassword(
      { email: profile.email, name: profile.name ?? "", emailVerified: profile.emailVerified },
      tx,
    );
    if (!profile.emailVerified) await deps.recovery.sendVerification(user, tx);
    await audit.record(
      { type: "user_registered", userId: user.id, context, data: { provider: provider.id } },
      tx,
    );
    await identities.link(user, provider, profile, context, tx, { notify: false });
    return user;
  }

  /** Links the identity to the account that started the flow; already linked to it is fine. */
  async function link(
    flow: IdentityFlowRow,
    provider: IdentityProvider,
    profile: ProviderProfile,
    context: RequestContext,
  ): Promise<void> {
    await db.transaction(async (tx) => {
      const user = flow.userId ? await users.findById(flow.userId, tx) : undefined;
      if (!user || user.disabledAt) throw invalidCredentials();
      const identity = await identities.findBySubject(provider.id, profile.subject, tx);
      if (identity && identity.userId !== user.id) throw identityTaken();
      if (identity) await identities.touch(identity.id, tx);
      else await identities.link(user, provider, profile, context, tx);
    });
  }

  return {
    list: () => [...providers.values()].map(({ id, name }) => ({ id, name })),

    /**
     * The provider's authorization URL for a new flow; `actor` links to that account instead
     * of signing in. The state, nonce and PKCE verifier stay here; the client keeps `clientKey`.
     */
    async start(providerId: string, actor?: Actor): Promise<{ url: string; clientKey: string }> {
      const provider = providerOf(providerId);
      const checks = {
        state: randomState(),
        nonce: randomNonce(),
        codeVerifier: randomPKCECodeVerifier(),
      };
      const url = await provider.authorizationUrl(checks, callbackUrl(provider));
      const clientKey = generateOpaqueToken();
      const now = clock.now();
      await flows.insertFlow({
        provider: provider.id,
        purpose: actor ? "link" : "sign_in",
        userId: actor?.userId ?? null,
        stateHash: hashToken(checks.state),
        clientKeyHash: hashToken(clientKey),
        nonce: checks.nonce,
        codeVerifier: checks.codeVerifier,
        createdAt: now,
        expiresAt: new Date(now.getTime() + FLOW_TTL_MS),
      });
      return { url: url.href, clientKey };
    },

    /**
     * Completes a flow from the provider's redirect; answers where to send the browser: the
     * landing page with an exchange code (sign-in) or with `linked=<provider>` (link).
     */
    async callback(
      providerId: string,
      query: Record<string, string | undefined>,
      context: RequestContext,
    ): Promise<string> {
      const provider = providerOf(providerId);
      if (!query.state) throw invalidState();
      // Spent before the code is tried: a state works once, whatever happens next.
      const flow = await flows.spendState(provider.id, hashToken(query.state), clock.now());
      if (!flow) throw invalidState();
      const url = new URL(callbackUrl(provider));
      for (const [key, value] of Object.entries(query)) {
        if (value !== undefined) url.searchParams.set(key, value);
      }
      const checks = { state: query.state, nonce: flow.nonce, codeVerifier: flow.codeVerifier };
      const profile = await provider.complete(url, checks);
      if (flow.purpose === "link") {
        await link(flow, provider, profile, context);
        return `${deps.urls.landingUrl}#linked=${provider.id}`;
      }
      const code = generateOpaqueToken();
      await db.transaction(async (tx) => {
        const user = await accountOf(provider, profile, context, tx);
        const expiresAt = new Date(clock.now().getTime() + EXCHANGE_TTL_MS);
        await flows.setExchange(
          flow.id,
          { userId: user.id, exchangeCodeHash: hashToken(code), expiresAt },
          tx,
        );
      });
      return `${deps.urls.landingUrl}#code=${code}`;
    },

    /** Trades an exchange code, with the key of the client that started, for a session. */
    async exchange(
      body: { code: string; clientKey: string },
      context: RequestContext,
    ): Promise<AuthResponse | MfaChallengeResponse> {
      const flow = await flows.spendExchange(hashToken(body.code), clock.now());
      if (!flow?.userId || !sameHash(flow.clientKeyHash, hashToken(body.clientKey))) {
        throw invalidCode();
      }
      const user = await users.findById(flow.userId);
      if (!user || user.disabledAt) throw invalidCredentials();
      // Made by this flow's callback: the same sign-in, so no new-device notice follows.
      const newAccount = user.createdAt >= flow.createdAt;
      return deps.auth.firstFactor(user, context, { method: flow.provider, newAccount });
    },

    purgeExpired: (now: Date) =>
      flows.purgeFlowsExpiredBefore(new Date(now.getTime() - 24 * 60 * 60_000)),
  };
}

export type ProviderSignInService = ReturnType<typeof createProviderSignInService>;
