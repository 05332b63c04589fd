import type { Executor } from "../../db/client.ts";
import type { JobRun } from "../../jobs/define.ts";
import type { UsersService } from "../users/users.service.ts";
import type { AuthMail, AuthMailer, AuthNoticeJob } from "./auth.mail.ts";
import {
  changeNoticeTemplates,
  identityNoticeTemplates,
  isChangeNotice,
  isIdentityNotice,
  sessionNoticeTemplates,
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
    if (isIdentityNotice(job.notice)) {
      const data = { name, at: job.at, provider: job.provider ?? "an identity provider" };
      return { to: user.email, template: identityNoticeTemplates[job.notice].name, data };
    }
    if (isChangeNotice(job.notice)) {
      const data = { name, at: job.at };
      return { to: user.email, template: changeNoticeTemplates[job.notice].name, data };
    }
    const found = job.sessionId ? await sessions.findById(job.sessionId, tx) : undefined;
    const session = found?.userId === user.id ? found : undefined;
    // A sign-in whose session is gone is not told of; a change to the account always is.
    if (!session && job.notice === "new_sign_in") return undefined;
    const data = {
      name,
      at: job.at,
      ip: session?.ip ?? null,
      userAgent: session?.userAgent ?? null,
    };
    return { to: user.email, template: sessionNoticeTemplates[job.notice].name, data };
  }

  return {
    /** The `auth.notify` job: at most one mail per job, nothing for an account that is gone. */
    async send(job: AuthNoticeJob, run: JobRun): Promise<void> {
      await mailer.deliverOnce(`job:${run.id}`, (tx) => compose(job, tx));
    },
  };
}

export type NoticesService = ReturnType<typeof createNoticesService>;
