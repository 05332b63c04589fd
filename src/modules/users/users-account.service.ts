import type { Db, Executor } from "../../db/client.ts";
import type { Clock } from "../../lib/clock.ts";
import type { AuditService } from "../audit/audit.service.ts";
import type { SessionsService } from "../auth/sessions.service.ts";
import type { UsersRepository } from "./users.repository.ts";
import { toUser, type User } from "./users.schema.ts";
import { assertAnotherAdminRemains } from "./users.service.ts";

type UsersAccountDeps = {
  db: Db;
  usersRepository: UsersRepository;
  sessions: SessionsService;
  audit: AuditService;
  clock: Clock;
};

/** The user row's part in exporting and deleting an account. */
export function createUsersAccountService(deps: UsersAccountDeps) {
  const { db, usersRepository, sessions, audit, clock } = deps;
  return {
    async exportProfile(userId: string): Promise<User | null> {
      const row = await usersRepository.findById(userId);
      return row ? toUser(row) : null;
    },

    /**
     * Disables the account and ends every session at once, in the caller's transaction. The
     * last enabled admin cannot delete itself: nobody could administer accounts afterwards.
     */
    async disableForDeletion(userId: string, tx: Executor): Promise<void> {
      await assertAnotherAdminRemains(usersRepository, userId, tx);
      await usersRepository.update(userId, { disabledAt: clock.now() }, tx);
      const ended = await sessions.revokeAllForUser(userId, "account_deleted", {}, tx);
      const data = { reason: "account_deleted", sessionsEnded: ended.length };
      await audit.record({ type: "user_disabled", userId, data }, tx);
    },

    /** Last step of a deletion: audit events keep a pseudonym, then the user row goes. */
    async removeForDeletion(userId: string): Promise<void> {
      await db.transaction(async (tx) => {
        const user = await usersRepository.findById(userId, tx);
        if (user) await audit.pseudonymize(user, tx);
        await usersRepository.remove(userId, tx);
      });
    },
  };
}

export type UsersAccountService = ReturnType<typeof createUsersAccountService>;
