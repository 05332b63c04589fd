import { z } from "zod";
import { defineJob } from "../../jobs/define.ts";
import type { AccountDeletionService } from "./account-deletion.service.ts";

export const deleteAccountJob = defineJob({
  name: "accounts.delete",
  payload: z.object({ userId: z.uuid() }),
  retry: { limit: 10, delaySeconds: 30, backoff: true },
  // Steps are idempotent; a killed worker's run resumes after this long.
  expireInSeconds: 10 * 60,
  async handle({ userId }, { accountDeletion }: { accountDeletion: AccountDeletionService }) {
    await accountDeletion.run(userId);
  },
});
