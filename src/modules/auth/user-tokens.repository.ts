import { and, eq, gt, isNull, lt, ne, or } from "drizzle-orm";
import type { Db, Executor } from "../../db/client.ts";
import { type UserTokenPurpose, type UserTokenRow, userTokens } from "./auth.table.ts";

export type NewUserToken = Pick<
  UserTokenRow,
  "userId" | "purpose" | "tokenHash" | "createdAt" | "expiresAt"
>;

export function createUserTokensRepository(db: Db) {
  return {
    async insert(values: NewUserToken, tx: Executor = db): Promise<void> {
      await tx.insert(userTokens).values(values);
    },

    /**
     * Spends a live token of the purpose and returns it; one UPDATE, so a token works once
     * even when presented twice at the same moment.
     */
    async spend(
      purpose: UserTokenPurpose,
      tokenHash: string,
      now: Date,
      tx: Executor = db,
    ): Promise<UserTokenRow | undefined> {
      const [row] = await tx
        .update(userTokens)
        .set({ usedAt: now })
        .where(
          and(
            eq(userTokens.purpose, purpose),
            eq(userTokens.tokenHash, tokenHash),
            isNull(userTokens.usedAt),
            gt(userTokens.expiresAt, now),
          ),
        )
        .returning();
      return row;
    },

    async findLive(
      purpose: UserTokenPurpose,
      tokenHash: string,
      now: Date,
      tx: Executor = db,
    ): Promise<UserTokenRow | undefined> {
      const [row] = await tx
        .select()
        .from(userTokens)
        .where(
          and(
            eq(userTokens.purpose, purpose),
            eq(userTokens.tokenHash, tokenHash),
            isNull(userTokens.usedAt),
            gt(userTokens.expiresAt, now),
          ),
        );
      return row;
    },

    /** Spends every live token of a purpose, so an older mail stops working. */
    async spendAllFor(
      userId: string,
      purpose: UserTokenPurpose,
      now: Date,
      tx: Executor = db,
    ): Promise<void> {
      await tx
        .update(userTokens)
        .set({ usedAt: now })
        .where(
          and(
            eq(userTokens.userId, userId),
            eq(userTokens.purpose, purpose),
            isNull(userTokens.usedAt),
          ),
        );
    },

    /**
     * Spends every live token of every purpose: after a password change or reset. An email
     * change's undo link stays: it is the owner's way back from whoever changed both.
     */
    async spendAllOfUser(userId: string, now: Date, tx: Executor = db): Promise<void> {
      await tx
        .update(userTokens)
        .set({ usedAt: now })
        .where(
          and(
            eq(userTokens.userId, userId),
            isNull(userTokens.usedAt),
            ne(userTokens.purpose, "email_change_undo"),
          ),
        );
    },

    async purgeExpired(before: Date, tx: Executor = db): Promise<number> {
      const rows = await tx
        .delete(userTokens)
        .where(or(lt(userTokens.expiresAt, before), lt(userTokens.usedAt, before)))
        .returning({ id: userTokens.id });
      return rows.length;
    },
  };
}

export type UserTokensRepository = ReturnType<typeof createUserTokensRepository>;
