import type { Db } from "../../db/client.ts";
import type { Actor } from "../../lib/actor.ts";
import type { Clock } from "../../lib/clock.ts";
import { ForbiddenError, UnauthorizedError } from "../../lib/errors.ts";
import type { AuditService, RequestContext } from "../audit/audit.service.ts";
import { toUser } from "../users/users.schema.ts";
import type { NewUser, UsersService } from "../users/users.service.ts";
import type { UserRow } from "../users/users.table.ts";
import type { AuthMailer } from "./auth.mail.ts";
import type { AuthResponse } from "./auth.schema.ts";
import type { DeviceTokens } from "./device-tokens.ts";
import type { IdentityProviderId } from "./identities.table.ts";
import type { MfaChallengeResponse, SecondFactorProof } from "./mfa.schema.ts";
import {
  invalidMfaCode,
  invalidMfaToken,
  type MfaService,
  type SecondFactor,
} from "./mfa.service.ts";
import type { AuthenticationResponse } from "./passkeys.schema.ts";
import type { PasskeysService } from "./passkeys.service.ts";
import type { RecoveryService } from "./recovery.service.ts";
import type { SessionsService } from "./sessions.service.ts";

type AuthDeps = {
  db: Db;
  users: UsersService;
  sessions: SessionsService;
  recovery: RecoveryService;
  mfa: MfaService;
  passkeys: PasskeysService;
  audit: AuditService;
  deviceTokens: DeviceTokens;
  mailer: AuthMailer;
  clock: Clock;
};

export const invalidCredentials = () =>
  new UnauthorizedError("invalid_credentials", { detail: "The email or password is incorrect." });

/** How a sign-in was proved; recorded on its `login_succeeded` event when not the password. */
export type SignInMethod = "password" | "passkey" | IdentityProviderId;

export function createAuthService(deps: AuthDeps) {
  const { db, users, sessions, recovery, mfa, passkeys, audit, deviceTokens, mailer, clock } = deps;
  /**
   * Starts a session for an account whose sign-in has been proved (by its password, or by any
   * other method: `method` is recorded on the audit event): the session, the `login_succeeded`
   * event and, for a device not known to the account, a new-sign-in notice, in one transaction.
   */
  async function signIn(
    user: UserRow,
    context: RequestContext,
    options: {
      method: SignInMethod;
      trustedDevice?: boolean;
      secondFactor?: SecondFactor;
      /** The account was made by this very sign-in (a provider's first): no new-device notice. */
      newAccount?: boolean;
    },
  ): Promise<AuthResponse> {
    // Marked only when not the defaults, so the events of ordinary logins keep their shape.
    const marks = {
      ...(options.method !== "password" ? { method: options.method } : {}),
      ...(options.trustedDevice ? { trustedDevice: true } : {}),
      ...(options.secondFactor ? { secondFactor: options.secondFactor } : {}),
    };
    return db.transaction(async (tx) => {
      const { sessionId, pair } = await sessions.start(user, context, tx);
      await audit.record(
        { type: "login_succeeded", userId: user.id, context, data: { sessionId, ...marks } },
        tx,
      );
      // A device that proved an earlier login to this account is known; any other is told of
      // (but not the one that made the account a moment ago, as register's is not).
      if (!options.trustedDevice && !options.newAccount) {
        const at = clock.now().toISOString();
        await mailer.notify({ notice: "new_sign_in", userId: user.id, sessionId, at }, tx);
      }
      return { user: toUser(user), ...pair, deviceToken: deviceTokens.issue(user) };
    });
  }

  /**
   * A first factor (the password, an identity provider) proved this account: a session, or, with
   * an authenticator app on, the second step's challenge.
   */
  async function firstFactor(
    user: UserRow,
    context: RequestContext,
    first: {
      method: "password" | IdentityProviderId;
      device?: string | undefined;
      newAccount?: boolean;
    },
  ): Promise<AuthResponse | MfaChallengeResponse> {
    const trustedDevice = first.device !== undefined;
    if (await mfa.isEnabled(user.id)) {
      const data = {
        ...(first.method !== "password" ? { method: first.method } : {}),
        ...(trustedDevice ? { trustedDevice: true } : {}),
      };
      await audit.record({ type: "mfa_challenged", userId: user.id, context, data });
      return mfa.challenge(user.id, first);
    }
    return signIn(user, context, {
      method: first.method,
      trustedDevice,
      newAccount: first.newAccount,
    });
  }

  return {
    /** Creates the account, its first session and a verification mail in one transaction. */
    async register(input: NewUser, context: RequestContext): Promise<AuthResponse> {
      const prepared = await users.prepare({ ...input, role: "user" });
      return db.transaction(async (tx) => {
        const user = await users.insert(prepared, tx);
        await recovery.sendVerification(user, tx);
        const { sessionId, pair } = await sessions.start(user, context, tx);
        await audit.record(
          { type: "user_registered", userId: user.id, context, data: { sessionId } },
          tx,
        );
        return { user: toUser(user), ...pair, deviceToken: deviceTokens.issue(user) };
      });
    },

    /**
     * The device id of a device token issued to the account of this email, if it is still good
     * (same password, account enabled); undefined otherwise, whatever the reason.
     */
    async trustedDevice(email: string, deviceToken: string | undefined) {
      if (!deviceToken) return undefined;
      const user = await users.findByEmail(email);
      if (!user || user.disabledAt) return undefined;
      return deviceTokens.verify(deviceToken, user);
    },

    /** The email of an account: the key of its failure budget (see auth.limits.ts). */
    async emailOfUser(userId: string): Promise<string | undefined> {
      return (await users.findById(userId))?.email;
    },

    /**
     * One answer for unknown email, wrong password and disabled account alike. With two-step
     * sign-in on, a right password answers a challenge instead of a session.
     */
    async login(
      email: string,
      password: string,
      context: RequestContext,
      options: { device?: string | undefined } = {},
    ): Promise<AuthResponse | MfaChallengeResponse> {
      const trustedDevice = options.device !== undefined;
      // Marked only when true, so the events of ordinary logins keep their shape.
      const device = trustedDevice ? { trustedDevice: true } : {};
      const verified = await users.verifyCredentials(email, password);
      if (!verified) {
        const data = { email, ...device };
        await audit.record({ type: "login_failed", userId: null, context, data });
        throw invalidCredentials();
      }
      // Read again: a login may have just re-hashed the password, and the device token is
      // bound to the hash as stored.
      const user = (await users.findById(verified.id)) ?? verified;
      return firstFactor(user, context, { method: "password", device: options.device });
    },

    firstFactor,

    /** Signs in with a passkey alone: it proves possession and the user's verification both. */
    async loginWithPasskey(
      body: { challengeId?: string | undefined; response: AuthenticationResponse },
      context: RequestContext,
    ): Promise<AuthResponse> {
      const user = await passkeys.authenticate(body, context);
      return signIn(user, context, { method: "passkey" });
    },

    /** The device of an open sign-in challenge, and its account's email: its budget's keys. */
    async challengeTarget(mfaToken: string) {
      const challenge = await mfa.openChallenge(mfaToken);
      const email = challenge ? (await users.findById(challenge.userId))?.email : undefined;
      return challenge && email ? { email, device: challenge.device ?? undefined } : undefined;
    },

    /** The second step of a sign-in: the challenge's code, then the session. */
    async completeMfa(
      mfaToken: string,
      proof: SecondFactorProof,
      context: RequestContext,
    ): Promise<AuthResponse> {
      const challenge = await mfa.openChallenge(mfaToken);
      const user = challenge ? await users.findById(challenge.userId) : undefined;
      if (!challenge || !user || user.disabledAt) throw invalidMfaToken();
      const secondFactor = await mfa.checkSecondFactor(user.id, proof, context);
      if (!secondFactor) {
        await mfa.failChallenge(challenge.id);
        const data = challenge.device !== null ? { trustedDevice: true } : {};
        await audit.record({ type: "mfa_failed", userId: user.id, context, data });
        throw invalidMfaCode(401);
      }
      if (!(await mfa.spendChallenge(challenge.id))) throw invalidMfaToken();
      const trustedDevice = challenge.device !== null;
      const method = challenge.method as SignInMethod;
      return signIn(user, context, { method, trustedDevice, secondFactor });
    },

    signIn,

    refresh: (refreshToken: string, context: RequestContext) =>
      sessions.refresh(refreshToken, context),

    /** Ends the caller's session, and the one a given refresh token belongs to if it is theirs. */
    async logout(actor: Actor, refreshToken: string | undefined, context: RequestContext) {
      await db.transaction(async (tx) => {
        await sessions.revoke(actor.sessionId, "logout", tx);
        const other = refreshToken
          ? await sessions.sessionOfRefreshToken(refreshToken, tx)
          : undefined;
        if (other && other.userId === actor.userId) await sessions.revoke(other.id, "logout", tx);
        await audit.record(
          { type: "logout", userId: actor.userId, context, data: { sessionId: actor.sessionId } },
          tx,
        );
      });
    },

    /** Changes the password and ends every other session; the caller's own stays. */
    async changePassword(
      actor: Actor,
      body: { currentPassword: string; newPassword: string },
      context: RequestContext,
    ): Promise<void> {
      // With a second factor, the password alone does not prove enough: a fresh sign-in must.
      if (await mfa.isEnabled(actor.userId)) await mfa.assertFresh(actor);
      if (!(await users.verifyPassword(actor.userId, body.currentPassword))) {
        const data = { purpose: "password_change", sessionId: actor.sessionId };
        await audit.record({ type: "password_check_failed", userId: actor.userId, context, data });
        throw new ForbiddenError("invalid_password", { detail: "The current password is wrong." });
      }
      const user = await users.findById(actor.userId);
      if (!user) throw invalidCredentials();
      const passwordHash = await users.hashAcceptable(user, body.newPassword);
      await db.transaction(async (tx) => {
        await users.updatePasswordHash(user.id, passwordHash, tx);
        await recovery.endOutstandingTokens(user.id, tx);
        const ended = await sessions.revokeAllForUser(
          user.id,
          "password_changed",
          { exceptSessionId: actor.sessionId },
          tx,
        );
        await audit.record(
          {
            type: "password_changed",
            userId: user.id,
            context,
            data: { sessionsEnded: ended.length },
          },
          tx,
        );
        const at = clock.now().toISOString();
        await mailer.notify(
          { notice: "password_changed", userId: user.id, sessionId: null, at },
          tx,
        );
      });
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
