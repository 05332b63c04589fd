import { z } from "zod";
import { defineJob } from "../../jobs/define.ts";
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
