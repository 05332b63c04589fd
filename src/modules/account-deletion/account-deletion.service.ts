import type { Db, Tx } from "../../db/client.ts";
import type { Actor } from "../../lib/actor.ts";
import { ForbiddenError } from "../../lib/errors.ts";
import type { Logger } from "../../lib/logger.ts";
import type { AuditService, RequestContext } from "../audit/audit.service.ts";

/**
 * One module's share of deleting an account. Each step deletes by user id, so running it again
 * after a crash deletes what is left and nothing else: the job is resumable by being idempotent.
 */
export type DeletionStep = { name: string; run(userId: string): Promise<number> };

type AccountDeletionDeps = {
  db: Db;
  logger: Logger;
  audit: AuditService;
  queue: {
    send(
      name: "accounts.delete",
      payload: { userId: string },
      options?: { tx?: Tx },
    ): Promise<unknown>;
  };
  users: {
    verifyPassword(userId: string, password: string): Promise<boolean>;
    /** Disables the account and ends every session at once, inside `tx`. */
    disableForDeletion(userId: string, tx: Tx): Promise<void>;
    /** Replaces the user id in kept records (the audit log) by a pseudonym, then deletes the user. */
    removeForDeletion(userId: string): Promise<void>;
  };
  steps: readonly DeletionStep[];
};

export function createAccountDeletionService(deps: AccountDeletionDeps) {
  const { db, users, logger } = deps;
  return {
    /** Disables the account now and schedules the deletion of everything it owns. */
    async request(actor: Actor, password: string, context: RequestContext): Promise<void> {
      if (!(await users.verifyPassword(actor.userId, password))) {
        const data = { purpose: "account_deletion", sessionId: actor.sessionId };
        await deps.audit.record({
          type: "password_check_failed",
          userId: actor.userId,
          context,
          data,
        });
        throw new ForbiddenError("invalid_password", { detail: "The password is not correct." });
      }
      await db.transaction(async (tx) => {
        await users.disableForDeletion(actor.userId, tx);
        await deps.queue.send("accounts.delete", { userId: actor.userId }, { tx });
      });
    },

    /** The job: runs every step, then removes the user. */
    async run(userId: string): Promise<void> {
      for (const step of deps.steps) {
        const removed = await step.run(userId);
        logger.info({ step: step.name, removed }, "account deletion step done");
      }
      await users.removeForDeletion(userId);
    },
  };
}

export type AccountDeletionService = ReturnType<typeof createAccountDeletionService>;
