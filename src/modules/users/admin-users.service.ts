import { z } from "zod";
import type { Db } from "../../db/client.ts";
import type { Actor, Role } from "../../lib/actor.ts";
import type { Clock } from "../../lib/clock.ts";
import { decodeOptionalCursor, type Page, type PageQuery, toPage } from "../../lib/pagination.ts";
import type { AuditService, RequestContext } from "../audit/audit.service.ts";
import type { SessionsService } from "../auth/sessions.service.ts";
import type { UsersRepository } from "./users.repository.ts";
import { type AdminUser, toAdminUser } from "./users.schema.ts";
import { userNotFound } from "./users.service.ts";

const KeySchema = z.object({ createdAt: z.iso.datetime(), id: z.uuid() });

type AdminUsersDeps = {
  db: Db;
  usersRepository: UsersRepository;
  sessions: SessionsService;
  audit: AuditService;
  clock: Clock;
};

export type AdminUserUpdate = { role?: Role; disabled?: boolean };

export function createAdminUsersService(deps: AdminUsersDeps) {
  const { db, usersRepository, sessions, audit, clock } = deps;
  return {
    async list(query: PageQuery & { q?: string }): Promise<Page<AdminUser>> {
      const after = decodeOptionalCursor(query.cursor, KeySchema);
      const rows = await usersRepository.list({ limit: query.limit, after, q: query.q });
      return toPage(
        rows,
        query.limit,
        (row) => ({ createdAt: row.createdAt.toISOString(), id: row.id }),
        toAdminUser,
      );
    },

    /**
     * Changes a role or disables an account. Either ends every session of the user at once,
     * so a demoted or disabled user keeps no token that works.
     */
    async update(
      actor: Actor,
      id: string,
      body: AdminUserUpdate,
      context: RequestContext,
    ): Promise<AdminUser> {
      return db.transaction(async (tx) => {
        const user = await usersRepository.findById(id, tx);
        if (!user) throw userNotFound();
        const roleChanged = body.role !== undefined && body.role !== user.role;
        const disabling = body.disabled === true && user.disabledAt === null;
        const enabling = body.disabled === false && user.disabledAt !== null;
        const updated = await usersRepository.update(
          id,
          {
            ...(roleChanged ? { role: body.role } : {}),
            ...(disabling ? { disabledAt: clock.now() } : {}),
            ...(enabling ? { disabledAt: null } : {}),
          },
          tx,
        );
        if (roleChanged || disabling) {
          const ended = await sessions.revokeAllForUser(
            id,
            disabling ? "user_disabled" : "role_changed",
            {},
            tx,
          );
          const data = { by: actor.userId, sessionsEnded: ended.length };
          if (disabling)
            await audit.record({ type: "user_disabled", userId: id, context, data }, tx);
          if (roleChanged) {
            await audit.record(
              {
                type: "role_changed",
                userId: id,
                context,
                data: { ...data, from: user.role, to: body.role },
              },
              tx,
            );
          }
        }
        return toAdminUser(updated ?? user);
      });
    },
  };
}

export type AdminUsersService = ReturnType<typeof createAdminUsersService>;
