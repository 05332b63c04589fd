import { and, eq, gt, isNull, lt, ne, or, sql } from "drizzle-orm";
import type { Db, Executor } from "../../db/client.ts";
import { prepared, preparedInsert } from "../../db/prepared.ts";
import { users } from "../users/users.table.ts";
import { refreshTokens, type SessionRow, sessions } from "./auth.table.ts";

export type NewSession = Pick<
  SessionRow,
  | "userId"
  | "createdAt"
  | "lastUsedAt"
  | "expiresAt"
  | "absoluteExpiresAt"
  | "authenticatedAt"
  | "userAgent"
  | "ip"
>;
export type NewRefreshToken = {
  sessionId: string;
  tokenHash: string;
  createdAt: Date;
  expiresAt: Date;
};
export type SessionListKey = { createdAt: string; id: string };

export function createSessionsRepository(db: Db) {
  const insertSession = preparedInsert(db, "session_insert", (tx, row: NewSession) =>
    tx.insert(sessions).values(row).returning(),
  );
  const insertRefreshToken = preparedInsert(
    db,
    "refresh_token_insert",
    (tx, row: NewRefreshToken) => tx.insert(refreshTokens).values(row),
  );
  const active = prepared(db, "session_active", (tx) =>
    tx
      .select({
        id: sessions.id,
        userId: sessions.userId,
        role: users.role,
        disabledAt: users.disabledAt,
        emailVerifiedAt: users.emailVerifiedAt,
      })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(
        and(
          eq(sessions.id, sql.placeholder("id")),
          isNull(sessions.revokedAt),
          gt(sessions.expiresAt, sql.placeholder("now")),
          gt(sessions.absoluteExpiresAt, sql.placeholder("now")),
        ),
      ),
  );

  return {
    async insert(values: NewSession, tx: Executor = db): Promise<SessionRow> {
      const [row] = await insertSession(values, tx);
      return row as SessionRow;
    },

    /** The session and the state of its user, in one statement: the per-request check. */
    async findActive(id: string, now: Date, tx: Executor = db) {
      // A placeholder's value reaches the driver as is: timestamps go as ISO text.
      const [row] = await active({ id, now: now.toISOString() }, tx);
      return row;
    },

    async findById(id: string, tx: Executor = db): Promise<SessionRow | undefined> {
      const [row] = await tx.select().from(sessions).where(eq(sessions.id, id));
      return row;
    },

    async touch(
      id: string,
      values: Partial<Pick<SessionRow, "lastUsedAt" | "expiresAt" | "authenticatedAt">>,
      tx: Executor = db,
    ): Promise<void> {
      await tx.update(sessions).set(values).where(eq(sessions.id, id));
    },

    /** Revokes matching live sessions and returns their ids. */
    async revoke(
      where: { id?: string; userId?: string; exceptId?: string },
      reason: string,
      now: Date,
      tx: Executor = db,
    ): Promise<string[]> {
      const rows = await tx
        .update(sessions)
        .set({ revokedAt: now, revokedReason: reason })
        .where(
          and(
            isNull(sessions.revokedAt),
            where.id ? eq(sessions.id, where.id) : undefined,
            where.userId ? eq(sessions.userId, where.userId) : undefined,
            where.exceptId ? ne(sessions.id, where.exceptId) : undefined,
          ),
        )
        .returning({ id: sessions.id });
      return rows.map((row) => row.id);
    },

    async listActive(
      options: { userId: string; now: Date; limit: number; after?: SessionListKey },
      tx: Executor = db,
    ): Promise<SessionRow[]> {
      const after = options.after;
      return tx
        .select()
        .from(sessions)
        .where(
          and(
            eq(sessions.userId, options.userId),
            isNull(sessions.revokedAt),
            gt(sessions.expiresAt, options.now),
            gt(sessions.absoluteExpiresAt, options.now),
            after
              ? or(
                  lt(sessions.createdAt, new Date(after.createdAt)),
                  and(eq(sessions.createdAt, new Date(after.createdAt)), lt(sessions.id, after.id)),
                )
              : undefined,
          ),
        )
        .orderBy(sql`${sessions.createdAt} desc`, sql`${sessions.id} desc`)
        .limit(options.limit + 1);
    },

    async insertRefreshToken(values: NewRefreshToken, tx: Executor = db): Promise<void> {
      await insertRefreshToken(values, tx);
    },

    /**
     * Marks an unspent refresh token spent and returns it; a single UPDATE, so of many
     * concurrent callers exactly one gets the row.
     */
    async spendRefreshToken(tokenHash: string, now: Date, tx: Executor = db) {
      const [row] = await tx
        .update(refreshTokens)
        .set({ usedAt: now })
        .where(and(eq(refreshTokens.tokenHash, tokenHash), isNull(refreshTokens.usedAt)))
        .returning();
      return row;
    },

    async findRefreshToken(tokenHash: string, tx: Executor = db) {
      const [row] = await tx
        .select()
        .from(refreshTokens)
        .where(eq(refreshTokens.tokenHash, tokenHash));
      return row;
    },

    /** A page of every session of the user (ended ones too), in id order, for an export. */
    async pageByUser(userId: string, afterId: string | undefined, limit: number) {
      return db
        .select({
          id: sessions.id,
          createdAt: sessions.createdAt,
          lastUsedAt: sessions.lastUsedAt,
          expiresAt: sessions.expiresAt,
          revokedAt: sessions.revokedAt,
          userAgent: sessions.userAgent,
          ip: sessions.ip,
        })
        .from(sessions)
        .where(and(eq(sessions.userId, userId), afterId ? gt(sessions.id, afterId) : undefined))
        .orderBy(sessions.id)
        .limit(limit);
    },

    /** Deletes every session of the user; their refresh tokens go with them (cascade). */
    async removeAllForUser(userId: string, tx: Executor = db): Promise<number> {
      const rows = await tx
        .delete(sessions)
        .where(eq(sessions.userId, userId))
        .returning({ id: sessions.id });
      return rows.length;
    },

    /** Deletes sessions (and, by cascade, their tokens) that can no longer be used. */
    async purgeExpired(before: Date, tx: Executor = db): Promise<number> {
      const deletedTokens = await tx
        .delete(refreshTokens)
        .where(lt(refreshTokens.expiresAt, before))
        .returning({ id: refreshTokens.id });
      const deleted = await tx
        .delete(sessions)
        .where(
          or(
            lt(sessions.expiresAt, before),
            lt(sessions.absoluteExpiresAt, before),
            lt(sessions.revokedAt, before),
          ),
        )
        .returning({ id: sessions.id });
      return deleted.length + deletedTokens.length;
    },
  };
}

export type SessionsRepository = ReturnType<typeof createSessionsRepository>;
