import { z } from "zod";
import type { Db, Tx } from "../../db/client.ts";
import type { Actor, Role } from "../../lib/actor.ts";
import type { Clock } from "../../lib/clock.ts";
import { NotFoundError } from "../../lib/errors.ts";
import { decodeOptionalCursor, type Page, type PageQuery, toPage } from "../../lib/pagination.ts";
import type { AuditService, RequestContext } from "../audit/audit.service.ts";
import type { SessionsService } from "../auth/sessions.service.ts";
import type { UserPatch, UsersRepository } from "./users.repository.ts";
import { type AdminUser, normaliseEmail, toAdminUser } from "./users.schema.ts";
import { assertAnotherAdminRemains, userNotFound } from "./users.service.ts";
import type { UserRow } from "./users.table.ts";

const KeySchema = z.object({ createdAt: z.iso.datetime(), id: z.uuid() });

type AdminUsersDeps = {
  db: Db;
  usersRepository: UsersRepository;
  sessions: SessionsService;
  audit: AuditService;
  clock: Clock;
};

export type AdminUserUpdate = { role?: Role; disabled?: boolean };

type Change = { roleChanged: boolean; disabling: boolean; enabling: boolean };

/** Whether the change takes the admin role away from an enabled admin. */
function removesAdmin(user: UserRow, body: AdminUserUpdate): boolean {
  if (user.role !== "admin" || user.disabledAt !== null) return false;
  return body.disabled === true || (body.role !== undefined && body.role !== "admin");
}

function changeOf(user: UserRow, body: AdminUserUpdate): Change {
  return {
    roleChanged: body.role !== undefined && body.role !== user.role,
    disabling: body.disabled === true && user.disabledAt === null,
    enabling: body.disabled === false && user.disabledAt !== null,
  };
}

function patchOf(change: Change, body: AdminUserUpdate, now: Date): UserPatch {
  return {
    ...(change.roleChanged ? { role: body.role } : {}),
    ...(change.disabling ? { disabledAt: now } : {}),
    ...(change.enabling ? { disabledAt: null } : {}),
  };
}

export function createAdminUsersService(deps: AdminUsersDeps) {
  const { db, usersRepository, sessions, audit, clock } = deps;

  async function auditChange(
    userId: string,
    from: Role,
    to: Role | undefined,
    change: Change,
    meta: { context: RequestContext; origin: Record<string, string> },
    tx: Tx,
  ): Promise<void> {
    const { context, origin } = meta;
    if (change.enabling) {
      await audit.record({ type: "user_enabled", userId, context, data: origin }, tx);
    }
    if (!change.roleChanged && !change.disabling) return;
    const reason = change.disabling ? "user_disabled" : "role_changed";
    const ended = await sessions.revokeAllForUser(userId, reason, {}, tx);
    const data = { ...origin, sessionsEnded: ended.length };
    if (change.disabling) await audit.record({ type: "user_disabled", userId, context, data }, tx);
    if (change.roleChanged) {
      const changed = { ...data, from, to };
      await audit.record({ type: "role_changed", userId, context, data: changed }, tx);
    }
  }

  /**
   * Changes a role or disables an account. Either ends every session of the user at once,
   * so a demoted or disabled user keeps no token that works. `by` is the admin calling the
   * API, or "cli" for `npm run user:update`.
   */
  async function update(
    by: Actor | "cli",
    id: string,
    body: AdminUserUpdate,
    context: RequestContext,
  ): Promise<AdminUser> {
    return db.transaction(async (tx) => {
      let user = await usersRepository.findById(id, tx);
      if (!user) throw userNotFound();
      if (removesAdmin(user, body)) {
        await assertAnotherAdminRemains(usersRepository, id, tx);
        // Read again under the lock: another transaction may have changed it meanwhile.
        user = (await usersRepository.findById(id, tx)) ?? user;
      }
      const change = changeOf(user, body);
      const updated = await usersRepository.update(id, patchOf(change, body, clock.now()), tx);
      const origin: Record<string, string> = by === "cli" ? { via: "cli" } : { by: by.userId };
      await auditChange(id, user.role, body.role, change, { context, origin }, tx);
      return toAdminUser(updated ?? user);
    });
  }

  return {
    update,

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

    /** `npm run user:update`: the same change, found by email, audited as done from the CLI. */
    async updateByEmail(email: string, body: AdminUserUpdate): Promise<AdminUser> {
      const user = await usersRepository.findByEmail(normaliseEmail(email));
      if (!user) throw new NotFoundError("user_not_found", { detail: `No user ${email}.` });
      return update("cli", user.id, body, { ip: null, userAgent: null });
    },
  };
}

export type AdminUsersService = ReturnType<typeof createAdminUsersService>;
