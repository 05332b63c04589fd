import type { Db, Executor } from "../../db/client.ts";
import type { Actor } from "../../lib/actor.ts";
import type { Clock } from "../../lib/clock.ts";
import { AppError, ConflictError, ForbiddenError, UnauthorizedError } from "../../lib/errors.ts";
import type { AuditService, RequestContext } from "../audit/audit.service.ts";
import { type UsersService, userNotFound } from "../users/users.service.ts";
import type { AuthMailer } from "./auth.mail.ts";
import type { MfaRepository } from "./mfa.repository.ts";
import type {
  MfaChallengeResponse,
  MfaStatus,
  Reauthenticated,
  RecoveryCodes,
  SecondFactorProof,
  TotpEnrolment,
} from "./mfa.schema.ts";
import type { ChangeNotice } from "./notices.mail.ts";
import type { PasskeysService } from "./passkeys.service.ts";
import type { SessionsService } from "./sessions.service.ts";
import { generateOpaqueToken, hashToken } from "./tokens.ts";
import {
  generateRecoveryCode,
  generateTotpSecret,
  normaliseRecoveryCode,
  RECOVERY_CODE_COUNT,
  type SecretBox,
  TOTP_ALGORITHM,
  TOTP_DIGITS,
  TOTP_PERIOD_SECONDS,
  totpStep,
  totpUri,
} from "./totp.ts";

/** How long the second step of a sign-in may wait for its code. */
export const MFA_CHALLENGE_TTL_SECONDS = 5 * 60;
/** Wrong codes one challenge takes before it is spent (the account's budget counts them too). */
export const MFA_CHALLENGE_MAX_FAILURES = 5;
/** How long an enrolment may wait for its first code before the cleanup drops it. */
const PENDING_TOTP_KEPT_MS = 24 * 60 * 60 * 1000;
/** How long a sign-in or re-authentication counts as fresh for sensitive changes. */
export const REAUTHENTICATION_WINDOW_MS = 5 * 60 * 1000;

type MfaDeps = {
  db: Db;
  mfaRepository: MfaRepository;
  users: UsersService;
  sessions: SessionsService;
  audit: AuditService;
  mailer: AuthMailer;
  box: SecretBox;
  clock: Clock;
  issuer: string;
  passkeys: Pick<PasskeysService, "verifyAssertion" | "hasAny">;
};

export type SecondFactor = "totp" | "recovery_code" | "passkey";

export const invalidMfaToken = () =>
  new UnauthorizedError("invalid_mfa_token", {
    detail: "The sign-in step is unknown, expired or already used: sign in again.",
  });
export const invalidMfaCode = (status: 401 | 403) => {
  const detail = "The code is wrong, expired or already used.";
  return status === 401
    ? new UnauthorizedError("invalid_mfa_code", { detail })
    : new ForbiddenError("invalid_mfa_code", { detail });
};
const notEnabled = () =>
  new ConflictError("mfa_not_enabled", { detail: "Two-step sign-in is not on for this account." });

export function createMfaService(deps: MfaDeps) {
  const { db, mfaRepository: repo, users, sessions, audit, mailer, box, clock, issuer } = deps;
  const { passkeys } = deps;

  async function notify(notice: ChangeNotice, userId: string, tx: Executor) {
    await mailer.notify({ notice, userId, sessionId: null, at: clock.now().toISOString() }, tx);
  }

  /** The secret of an enrolled (or enrolling) app, opened; re-sealed if an old key sealed it. */
  async function secretOf(userId: string, sealed: string, tx: Executor): Promise<string> {
    const opened = box.open(sealed, userId);
    if (!opened) throw new Error(`The TOTP secret of user ${userId} opens with no JWT secret`);
    if (!opened.current) await repo.resealSecret(userId, box.seal(opened.plain, userId), tx);
    return opened.plain;
  }

  async function freshRecoveryCodes(userId: string, tx: Executor): Promise<string[]> {
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, generateRecoveryCode);
    const hashes = codes.map((code) => hashToken(normaliseRecoveryCode(code)));
    await repo.replaceRecoveryCodes(userId, hashes, clock.now(), tx);
    return codes;
  }

  /** A passkey of this account answering a live challenge; false for any refusal. */
  async function passkeyProves(
    userId: string,
    passkey: NonNullable<SecondFactorProof["passkey"]>,
    context: RequestContext,
  ): Promise<boolean> {
    try {
      await passkeys.verifyAssertion(userId, passkey.challengeId, passkey.response, context);
      return true;
    } catch (error) {
      if (error instanceof AppError && error.code === "invalid_passkey") return false;
      throw error;
    }
  }

  /**
   * Checks a code of the account's app, spends one of its recovery codes, or verifies one of its
   * passkeys. Undefined when none is right; a code's time step is recorded, so a code works once.
   */
  async function checkSecondFactor(
    userId: string,
    proof: SecondFactorProof,
    context: RequestContext,
    tx: Executor = db,
  ): Promise<SecondFactor | undefined> {
    const totp = await repo.findTotp(userId, tx);
    if (!totp?.confirmedAt) return undefined;
    if (proof.passkey !== undefined) {
      return (await passkeyProves(userId, proof.passkey, context)) ? "passkey" : undefined;
    }
    if (proof.code !== undefined) {
      const step = totpStep(await secretOf(userId, totp.secret, tx), proof.code, clock.now());
      return step !== undefined && (await repo.useStep(userId, step, tx)) ? "totp" : undefined;
    }
    if (proof.recoveryCode === undefined) return undefined;
    const hash = hashToken(normaliseRecoveryCode(proof.recoveryCode));
    if (!(await repo.spendRecoveryCode(userId, hash, clock.now(), tx))) return undefined;
    await notify("recovery_code_used", userId, tx);
    return "recovery_code";
  }

  const isEnabled = async (userId: string, tx: Executor = db) =>
    Boolean((await repo.findTotp(userId, tx))?.confirmedAt);

  /** Throws 403 unless the caller's session proved who they are in the last few minutes. */
  async function assertFresh(actor: Actor): Promise<void> {
    const session = await sessions.findById(actor.sessionId);
    const since = clock.now().getTime() - REAUTHENTICATION_WINDOW_MS;
    if (session && session.authenticatedAt.getTime() >= since) return;
    throw new ForbiddenError("reauthentication_required", {
      detail:
        "Confirm who you are first: POST /api/auth/reauthenticate with your password (and a " +
        "code when two-step sign-in is on), then try again within 5 minutes.",
    });
  }

  return {
    isEnabled,
    assertFresh,
    checkSecondFactor,

    async status(actor: Actor): Promise<MfaStatus> {
      const totp = await repo.findTotp(actor.userId);
      const enabled = Boolean(totp?.confirmedAt);
      return {
        totp: enabled ? "on" : totp ? "pending" : "off",
        enabledAt: totp?.confirmedAt?.toISOString() ?? null,
        recoveryCodesLeft: enabled ? await repo.recoveryCodesLeft(actor.userId) : 0,
      };
    },

    /** Starts enrolling an authenticator app: a new secret, on only once a code confirms it. */
    async startTotp(actor: Actor): Promise<TotpEnrolment> {
      await assertFresh(actor);
      const user = await users.findById(actor.userId);
      if (!user) throw invalidMfaToken();
      const secret = generateTotpSecret();
      const started = await repo.upsertPendingTotp({
        userId: user.id,
        secret: box.seal(secret, user.id),
        createdAt: clock.now(),
      });
      if (!started) {
        throw new ConflictError("mfa_already_enabled", {
          detail: "Two-step sign-in is already on; turn it off first to enrol another app.",
        });
      }
      return {
        secret,
        uri: totpUri(secret, user.email, issuer),
        algorithm: TOTP_ALGORITHM,
        digits: TOTP_DIGITS,
        period: TOTP_PERIOD_SECONDS,
      };
    },

    /** Turns two-step sign-in on with a first code; answers the recovery codes, shown once. */
    async confirmTotp(actor: Actor, code: string, context: RequestContext): Promise<RecoveryCodes> {
      return db.transaction(async (tx) => {
        const totp = await repo.findTotp(actor.userId, tx);
        if (!totp || totp.confirmedAt) {
          throw new ConflictError("mfa_not_pending", {
            detail: "No enrolment waits for a code: start one with POST /api/auth/mfa/totp.",
          });
        }
        const step = totpStep(await secretOf(actor.userId, totp.secret, tx), code, clock.now());
        if (step === undefined || !(await repo.confirmTotp(actor.userId, step, clock.now(), tx))) {
          throw new ForbiddenError("invalid_mfa_code", {
            detail: "The code is wrong or expired: check the app's clock and try the next one.",
          });
        }
        const recoveryCodes = await freshRecoveryCodes(actor.userId, tx);
        const data = { sessionId: actor.sessionId };
        await audit.record({ type: "mfa_enabled", userId: actor.userId, context, data }, tx);
        await notify("mfa_enabled", actor.userId, tx);
        return { recoveryCodes };
      });
    },

    async disable(actor: Actor, context: RequestContext): Promise<void> {
      await assertFresh(actor);
      await db.transaction(async (tx) => {
        if (!(await repo.removeFactors(actor.userId, tx))) throw notEnabled();
        const data = { sessionId: actor.sessionId };
        await audit.record({ type: "mfa_disabled", userId: actor.userId, context, data }, tx);
        await notify("mfa_disabled", actor.userId, tx);
      });
    },

    /**
     * Turns two-step sign-in off for someone else's account: the way back for a user who lost
     * the app and every recovery code. `by` is the admin's id, or "cli".
     */
    async reset(by: Actor | "cli", userId: string, context: RequestContext): Promise<void> {
      await db.transaction(async (tx) => {
        const user = await users.findById(userId, tx);
        if (!user) throw userNotFound();
        if (!(await repo.removeFactors(user.id, tx))) throw notEnabled();
        const data = by === "cli" ? { via: "cli" } : { by: by.userId };
        await audit.record({ type: "mfa_disabled", userId: user.id, context, data }, tx);
        await notify("mfa_disabled", user.id, tx);
      });
    },

    async regenerateRecoveryCodes(actor: Actor, context: RequestContext): Promise<RecoveryCodes> {
      await assertFresh(actor);
      return db.transaction(async (tx) => {
        if (!(await isEnabled(actor.userId, tx))) throw notEnabled();
        const recoveryCodes = await freshRecoveryCodes(actor.userId, tx);
        const data = { sessionId: actor.sessionId };
        const type = "recovery_codes_regenerated";
        await audit.record({ type, userId: actor.userId, context, data }, tx);
        await notify("recovery_codes_regenerated", actor.userId, tx);
        return { recoveryCodes };
      });
    },

    /**
     * The password (for an account that has one) and, when two-step sign-in is on, a code: the
     * session counts as freshly authenticated for the next few minutes. An account with neither
     * proves itself with a passkey, or by signing in again.
     */
    async reauthenticate(
      actor: Actor,
      body: { password?: string | undefined } & SecondFactorProof,
      context: RequestContext,
    ): Promise<Reauthenticated> {
      const failed = async (reason: string, error: Error) => {
        const data = { purpose: "reauthentication", sessionId: actor.sessionId, reason };
        await audit.record({ type: "password_check_failed", userId: actor.userId, context, data });
        return error;
      };
      const user = await users.findById(actor.userId);
      if (!user) throw invalidMfaToken();
      const hasPassword = user.passwordHash !== null;
      if (hasPassword || body.password !== undefined) {
        const right =
          hasPassword &&
          body.password !== undefined &&
          (await users.verifyPassword(user.id, body.password));
        if (!right) {
          const detail = hasPassword
            ? "The password is wrong."
            : "This account has no password: leave it out.";
          throw await failed("password", new ForbiddenError("invalid_password", { detail }));
        }
      }
      let secondFactor: SecondFactor | undefined;
      if (await isEnabled(user.id)) {
        secondFactor = await checkSecondFactor(user.id, body, context);
        if (!secondFactor) throw await failed("second_factor", invalidMfaCode(403));
      } else if (!hasPassword) {
        // Nothing to type: a passkey of the account proves it, or a new sign-in does.
        const proved = body.passkey && (await passkeyProves(user.id, body.passkey, context));
        if (!proved) {
          throw await failed(
            "no_factor",
            new ForbiddenError("reauthentication_required", {
              detail:
                "This account has no password and no authenticator app: re-authenticate with a " +
                "passkey (`passkey`), or sign in again with your identity provider.",
            }),
          );
        }
        secondFactor = "passkey";
      }
      const now = clock.now();
      await sessions.markAuthenticated(actor.sessionId, now);
      const data = { sessionId: actor.sessionId, ...(secondFactor ? { secondFactor } : {}) };
      await audit.record({ type: "reauthenticated", userId: actor.userId, context, data });
      return {
        authenticatedAt: now.toISOString(),
        freshUntil: new Date(now.getTime() + REAUTHENTICATION_WINDOW_MS).toISOString(),
      };
    },

    /** The second step of a sign-in whose password was right. */
    async challenge(
      userId: string,
      first: { method: string; device?: string | undefined },
      tx: Executor = db,
    ): Promise<MfaChallengeResponse> {
      const mfaToken = generateOpaqueToken();
      const now = clock.now();
      await repo.insertChallenge(
        {
          userId,
          tokenHash: hashToken(mfaToken),
          method: first.method,
          device: first.device ?? null,
          createdAt: now,
          expiresAt: new Date(now.getTime() + MFA_CHALLENGE_TTL_SECONDS * 1000),
        },
        tx,
      );
      const withPasskey = (await passkeys.hasAny(userId)) ? (["passkey"] as const) : [];
      return {
        status: "mfa_required",
        mfaToken,
        methods: ["totp", "recovery_code", ...withPasskey],
        expiresIn: MFA_CHALLENGE_TTL_SECONDS,
      };
    },

    /** An open challenge: what the rate limits key on, and what an answer is checked against. */
    openChallenge: (mfaToken: string) => repo.findOpenChallenge(hashToken(mfaToken), clock.now()),

    failChallenge: (id: string) => repo.failChallenge(id, MFA_CHALLENGE_MAX_FAILURES, clock.now()),

    spendChallenge: (id: string) => repo.spendChallenge(id, clock.now()),

    /**
     * The cleanup job's share: challenges past their 5 minutes, and enrolments left unconfirmed
     * for a day (a new start replaces one anyway; this only drops the sealed secret sooner).
     */
    async purgeExpired(now: Date = clock.now()): Promise<number> {
      const challenges = await repo.purgeExpiredChallenges(now);
      const pending = await repo.purgePendingTotp(new Date(now.getTime() - PENDING_TOTP_KEPT_MS));
      return challenges + pending;
    },
  };
}

export type MfaService = ReturnType<typeof createMfaService>;
