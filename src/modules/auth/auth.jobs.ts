import { z } from "zod";
import { defineJob } from "../../jobs/define.ts";
import type { EmailChangeService } from "./email-change.service.ts";
import { NOTICES } from "./notices.mail.ts";
import type { NoticesService } from "./notices.service.ts";
import type { RecoveryService } from "./recovery.service.ts";

/** Issues a verification or reset token and mails its link; the payload holds no secret. */
export const sendAuthLinkJob = defineJob({
  name: "auth.send-link",
  payload: z.object({
    purpose: z.enum(["email_verification", "password_reset"]),
    userId: z.uuid().nullable(),
  }),
  // The mail transport's policy: 30 s, 1 min, 2 min … rides out a mail server restart.
  retry: { limit: 6, delaySeconds: 30, backoff: true },
  expireInSeconds: 60,
  async handle(payload, { recovery }: { recovery: RecoveryService }, run) {
    await recovery.sendLink(payload, run);
  },
});

/** Mails a security notice to the account's own address; the payload holds ids and a time. */
export const sendAuthNoticeJob = defineJob({
  name: "auth.notify",
  payload: z.object({
    notice: z.enum(NOTICES),
    userId: z.uuid(),
    sessionId: z.uuid().nullable(),
    at: z.iso.datetime(),
    provider: z.string().max(100).optional(),
  }),
  retry: { limit: 6, delaySeconds: 30, backoff: true },
  expireInSeconds: 60,
  async handle(payload, { notices }: { notices: NoticesService }, run) {
    await notices.send(payload, run);
  },
});

/** Issues an email change's confirmation or undo token and mails its link; ids only. */
export const sendEmailChangeLinkJob = defineJob({
  name: "auth.email-change-link",
  payload: z.object({
    purpose: z.enum(["email_change", "email_change_undo"]),
    userId: z.uuid(),
  }),
  retry: { limit: 6, delaySeconds: 30, backoff: true },
  expireInSeconds: 60,
  async handle(payload, { emailChange }: { emailChange: EmailChangeService }, run) {
    await emailChange.sendLink(payload, run);
  },
});
