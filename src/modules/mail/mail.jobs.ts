import { defineJob } from "../../jobs/define.ts";
import { MailSendPayload } from "./mail.schema.ts";
import type { Mailer } from "./mail.service.ts";

export const mailSendJob = defineJob({
  name: "mail.send",
  payload: MailSendPayload,
  // 30 s, 1 min, 2 min … (with jitter): rides out a mail server restart or greylisting.
  retry: { limit: 6, delaySeconds: 30, backoff: true },
  expireInSeconds: 60,
  async handle(payload, { mailer }: { mailer: Mailer }, run) {
    await mailer.deliver(payload, run);
  },
});
