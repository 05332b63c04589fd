import type { Db, Executor } from "../../db/client.ts";
import type { JobRun } from "../../jobs/define.ts";
import type { Actor } from "../../lib/actor.ts";
import type { Clock } from "../../lib/clock.ts";

import type { AuditService, RequestContext } from "../audit/audit.service.ts";
import type { UsersService } from "../users/users.service.ts";
import type { UserRow } from "../users/users.table.ts";
import { type AuthLinkJob, type AuthMailer, mailLink } from "./auth.mail.ts";
import type { UserTokenPurpose } from "./auth.table.ts";
import { createLinkTokens } from "./link-tokens.ts";
import type { SessionsService } from "./sessions.service.ts";
import { hashToken } from "./tokens.ts";
import type { UserTokensRepository } from "./user-tokens.repository.ts";

export const RESET_TOKEN_TTL_MS = 30 * 60 * 1000;
export const VERIFICATION_TOKEN_TTL_MS = 24 * 60 * 60 * 1000;

const LINKS = {
  email_verification: {
    path: "verify-email",
    template: "auth.verify-email",
    ttlMs: VERIFICATION_TOKEN_TTL_MS,
  },
  password_reset: {
    path: "reset-password",
    template: "auth.reset-password",
    ttlMs: RESET_TOKEN_TTL_MS,
  },
} as const;

type RecoveryDeps = {
  db: Db;
  users: UsersService;
  sessions: SessionsService;
  userTokensRepository: UserTokensRepository;
  mailer: AuthMailer;
  audit: AuditService;
  clock: Clock;
  appUrl: string;
};

/** Email verification and password reset: single-use tokens sent by mail. */
export function createRecoveryService(deps: RecoveryDeps) {
  const { db, users, sessions, userTokensRepository: tokens, mailer, audit, clock } = deps;

  const links = createLinkTokens({ tokens, users, clock });
  const issue = (user: UserRow, purpose: UserTokenPurpose, ttlMs: number, tx: Executor) =>
    links.issue(user.id, purpose, ttlMs, tx);
  const spend = links.spend;

  async function sendVerification(user: UserRow, tx: Executor): Promise<void> {
    await mailer.enqueue({ purpose: "email_verification", userId: user.id }, tx);
  }

  /** The mail of a link job, with a freshly issued token; undefined when none should go out. */
  async function composeLink(job: AuthLinkJob & { userId: string }, tx: Executor) {
    const user = await users.findById(job.userId, tx);
    if (!user || user.disabledAt) return undefined;
    if (job.purpose === "email_verification" && user.emailVerifiedAt) return undefined;
    const link = LINKS[job.purpose];
    const token = await issue(user, job.purpose, link.ttlMs, tx);
    const url = mailLink(deps.appUrl, link.path, token);
    return { to: user.email, template: link.template, data: { name: user.name, url } };
  }

  return {
    sendVerification,

    /**
     * Always succeeds from the caller's view, so it cannot tell which emails exist. Known and
     * unknown emails cost the same: one lookup and one job in one transaction; the job decides.
     */
    async forgotPassword(email: string): Promise<void> {
      const user = await users.findByEmail(email);
      const userId = user && !user.disabledAt ? user.id : null;
      await db.transaction((tx) => mailer.enqueue({ purpose: "password_reset", userId }, tx));
    },

    /**
     * The `auth.send-link` job: issues the token (ending older ones) and sends its link, at most
     * once per job. A retry before anything went out issues a new token, so one link works.
     */
    async sendLink(job: AuthLinkJob, run: JobRun): Promise<void> {
      const { userId } = job;
      if (!userId) return;
      await mailer.deliverOnce(`job:${run.id}`, (tx) => composeLink({ ...job, userId }, tx));
    },

    /** A password change, or a reset, ends every reset and verification link still out. */
    async endOutstandingTokens(userId: string, tx: Executor): Promise<void> {
      await tokens.spendAllOfUser(userId, clock.now(), tx);
    },

    /** Sets the password, ends every session and mail link; a refused password spends nothing. */
    async resetPassword(token: string, newPassword: string, context: RequestContext) {
      await db.transaction(async (tx) => {
        const user = await spend("password_reset", token, tx);
        await tokens.spendAllOfUser(user.id, clock.now(), tx);
        const passwordHash = await users.hashAcceptable(user, newPassword);
        await users.updatePasswordHash(user.id, passwordHash, tx);
        // The mail reached its owner, so the address is proven too.
        await users.markEmailVerified(user, tx);
        const ended = await sessions.revokeAllForUser(user.id, "password_reset", {}, tx);
        await audit.record(
          {
            type: "password_reset",
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

    /** Whose live reset token this is, for the per-email rate limit of resets. */
    async emailOfResetToken(token: string): Promise<string | undefined> {
      const row = await tokens.findLive("password_reset", hashToken(token), clock.now());
      return row ? (await users.findById(row.userId))?.email : undefined;
    },

    async verifyEmail(token: string, context: RequestContext): Promise<void> {
      await db.transaction(async (tx) => {
        const user = await spend("email_verification", token, tx);
        await users.markEmailVerified(user, tx);
        await audit.record({ type: "email_verified", userId: user.id, context }, tx);
      });
    },

    /** Sends a fresh link unless the address is already verified; older links stop working. */
    async resendVerification(actor: Actor): Promise<void> {
      const user = await users.findById(actor.userId);
      if (!user || user.emailVerifiedAt) return;
      await db.transaction((tx) => sendVerification(user, tx));
    },
  };
}

export type RecoveryService = ReturnType<typeof createRecoveryService>;
