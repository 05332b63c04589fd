import type { Db, Executor } from "../../db/client.ts";
import type { JobRun } from "../../jobs/define.ts";
import type { Actor } from "../../lib/actor.ts";
import type { Clock } from "../../lib/clock.ts";
import { ForbiddenError, UnauthorizedError } from "../../lib/errors.ts";
import type { AuditService, RequestContext } from "../audit/audit.service.ts";
import type { UsersService } from "../users/users.service.ts";
import { type AuthMail, type AuthMailer, mailLink } from "./auth.mail.ts";
import type { UserTokenPurpose } from "./auth.table.ts";
import {
  confirmEmailChangeTemplate,
  type EmailChangeJob,
  emailChangedTemplate,
} from "./email-change.mail.ts";
import type { EmailChangesRepository } from "./email-changes.repository.ts";
import { createLinkTokens, invalidToken } from "./link-tokens.ts";
import type { SessionsService } from "./sessions.service.ts";
import type { UserTokensRepository } from "./user-tokens.repository.ts";

export const EMAIL_CHANGE_TTL_MS = 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;
export const EMAIL_CHANGE_UNDO_TTL_MS = 7 * DAY_MS;
/** Past every link a change can have out (1 hour to confirm, then 7 days to undo). */
const KEPT_MS = 9 * DAY_MS;

type EmailChangeDeps = {
  db: Db;
  users: UsersService;
  sessions: SessionsService;
  userTokensRepository: UserTokensRepository;
  emailChangesRepository: EmailChangesRepository;
  mailer: AuthMailer;
  audit: AuditService;
  clock: Clock;
  appUrl: string;
};

/**
 * Changing the account's email: asked for with the password, confirmed by a link to the new
 * address, told to the old one with a link that undoes it. Tokens as in ./recovery.service.ts.
 */
export function createEmailChangeService(deps: EmailChangeDeps) {
  const { db, users, sessions, userTokensRepository: tokens, mailer, audit, clock } = deps;
  const changes = deps.emailChangesRepository;

  const links = createLinkTokens({ tokens, users, clock });
  const issue = links.issue;
  /** A disabled account's links do nothing. */
  async function spend(purpose: UserTokenPurpose, token: string, tx: Executor) {
    const user = await links.spend(purpose, token, tx);
    if (user.disabledAt) throw invalidToken();
    return user;
  }

  /** The mail of a link job; nothing when the change is gone or the new address is taken. */
  async function compose(job: EmailChangeJob, tx: Executor): Promise<AuthMail | undefined> {
    const user = await users.findById(job.userId, tx);
    if (!user || user.disabledAt) return undefined;
    const { name } = user;
    if (job.purpose === "email_change") {
      const change = await changes.latest(user.id, "pending", tx);
      // A taken address gets nothing: the request's answer was the same either way.
      if (!change || (await users.findByEmail(change.newEmail, tx))) return undefined;
      const token = await issue(user.id, job.purpose, EMAIL_CHANGE_TTL_MS, tx);
      const url = mailLink(deps.appUrl, "confirm-email", token);
      return {
        to: change.newEmail,
        template: confirmEmailChangeTemplate.name,
        data: { name, url },
      };
    }
    const change = await changes.latest(user.id, "confirmed", tx);
    if (!change || change.newEmail !== user.email) return undefined;
    const token = await issue(user.id, job.purpose, EMAIL_CHANGE_UNDO_TTL_MS, tx);
    const url = mailLink(deps.appUrl, "undo-email-change", token);
    const data = { name, newEmail: change.newEmail, url };
    return { to: change.oldEmail, template: emailChangedTemplate.name, data };
  }

  return {
    /**
     * Records the change and enqueues the confirmation; the answer is the same whether or not
     * the new address is taken (the job decides), so it tells nothing about other accounts.
     */
    async request(
      actor: Actor,
      body: { newEmail: string; password: string },
      context: RequestContext,
    ): Promise<void> {
      if (!(await users.verifyPassword(actor.userId, body.password))) {
        const data = { purpose: "email_change", sessionId: actor.sessionId };
        await audit.record({ type: "password_check_failed", userId: actor.userId, context, data });
        throw new ForbiddenError("invalid_password", { detail: "The password is wrong." });
      }
      const user = await users.findById(actor.userId);
      if (!user) throw new UnauthorizedError("unauthorized");
      const now = clock.now();
      await db.transaction(async (tx) => {
        await changes.removePending(user.id, tx);
        await tokens.spendAllFor(user.id, "email_change", now, tx);
        if (body.newEmail !== user.email) {
          const change = { userId: user.id, oldEmail: user.email, newEmail: body.newEmail };
          await changes.insert({ ...change, requestedAt: now }, tx);
          await mailer.enqueueEmailChange({ purpose: "email_change", userId: user.id }, tx);
        }
        await audit.record({ type: "email_change_requested", userId: user.id, context }, tx);
      });
    },

    /** The `auth.email-change-link` job: at most one mail per job, as `auth.send-link`. */
    async sendLink(job: EmailChangeJob, run: JobRun): Promise<void> {
      await mailer.deliverOnce(`job:${run.id}`, (tx) => compose(job, tx));
    },

    /** Switches to the new address (proven by the link), and tells the old one how to undo. */
    async confirm(token: string, context: RequestContext): Promise<void> {
      await db.transaction(async (tx) => {
        const user = await spend("email_change", token, tx);
        const change = await changes.latest(user.id, "pending", tx);
        if (!change) throw invalidToken();
        const now = clock.now();
        await users.setVerifiedEmail(user.id, change.newEmail, tx);
        await changes.update(change.id, { confirmedAt: now }, tx);
        // Links mailed to the old address end with it.
        await tokens.spendAllFor(user.id, "email_verification", now, tx);
        await tokens.spendAllFor(user.id, "password_reset", now, tx);
        await audit.record({ type: "email_changed", userId: user.id, context }, tx);
        await mailer.enqueueEmailChange({ purpose: "email_change_undo", userId: user.id }, tx);
      });
    },

    /** Account deletion: the changes, and the mail to every address they name. */
    async removeAllForUser(userId: string, removeMailTo: (address: string) => Promise<number>) {
      let removed = 0;
      for (const address of await changes.addressesOf(userId)) {
        removed += await removeMailTo(address);
      }
      return removed + (await changes.removeAllForUser(userId));
    },

    /** The hourly cleanup: changes whose links have all expired. */
    purgeExpired: (now: Date) => changes.removeRequestedBefore(new Date(now.getTime() - KEPT_MS)),

    /** Puts the old address back and ends every session: its owner takes the account back. */
    async undo(token: string, context: RequestContext): Promise<void> {
      await db.transaction(async (tx) => {
        const user = await spend("email_change_undo", token, tx);
        const change = await changes.latest(user.id, "confirmed", tx);
        if (!change || change.newEmail !== user.email) throw invalidToken();
        const now = clock.now();
        await users.setVerifiedEmail(user.id, change.oldEmail, tx);
        await changes.update(change.id, { undoneAt: now }, tx);
        await tokens.spendAllOfUser(user.id, now, tx);
        const ended = await sessions.revokeAllForUser(user.id, "email_change_undone", {}, tx);
        const data = { sessionsEnded: ended.length };
        await audit.record({ type: "email_change_undone", userId: user.id, context, data }, tx);
      });
    },
  };
}

export type EmailChangeService = ReturnType<typeof createEmailChangeService>;
