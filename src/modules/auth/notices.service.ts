import type { Executor } from "../../db/client.ts";
import type { JobRun } from "../../jobs/define.ts";
import type { UsersService } from "../users/users.service.ts";
import type { AuthMail, AuthMailer, AuthNoticeJob } from "./auth.mail.ts";
import {
  identityLinkedTemplate,
  identityUnlinkedTemplate,
  newSignInTemplate,
  passwordChangedTemplate,
} from "./notices.mail.ts";
import type { SessionsService } from "./sessions.service.ts";

type NoticesDeps = { users: UsersService; sessions: SessionsService; mailer: AuthMailer };

/**
 * Security notices to an account's own address. The job carries ids and a time only; the
 * address, and the IP and user agent of a sign-in (from its session), are read when it runs.
 */
export function createNoticesService({ users, sessions, mailer }: NoticesDeps) {
  async function compose(job: AuthNoticeJob, tx: Executor): Promise<AuthMail | undefined> {
    const user = await users.findById(job.userId, tx);
    if (!user || user.disabledAt) return undefined;
    const { name } = user;
    if (job.notice === "password_changed") {
      const data = { name, at: job.at };
      return { to: user.email, template: passwordChangedTemplate.name, data };
    }
    if (job.notice === "identity_linked" || job.notice === "identity_unlinked") {
      const template =
        job.notice === "identity_linked" ? identityLinkedTemplate : identityUnlinkedTemplate;
      const data = { name, at: job.at, provider: job.provider ?? "an identity provider" };
      return { to: user.email, template: template.name, data };
    }
    const session = job.sessionId ? await sessions.findById(job.sessionId, tx) : undefined;
    if (!session || session.userId !== user.id) return undefined;
    const { ip, userAgent } = session;
    const data = { name, at: job.at, ip, userAgent };
    return { to: user.email, template: newSignInTemplate.name, data };
  }

  return {
    /** The `auth.notify` job: at most one mail per job, nothing for an account that is gone. */
    async send(job: AuthNoticeJob, run: JobRun): Promise<void> {
      await mailer.deliverOnce(`job:${run.id}`, (tx) => compose(job, tx));
    },
  };
}

export type NoticesService = ReturnType<typeof createNoticesService>;
