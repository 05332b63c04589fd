import { and, eq, gt, isNull, lt, or, sql } from "drizzle-orm";
import type { Db, Executor } from "../../db/client.ts";
import { ConflictError, isUniqueViolation } from "../../lib/errors.ts";
import {
  type IdentityFlowRow,
  type IdentityProviderId,
  identityFlows,
  type UserIdentityRow,
  userIdentities,
} from "./identities.table.ts";

export type IdentityListKey = { createdAt: string; id: string };

export const identityTaken = () =>
  new ConflictError("identity_taken", {
    detail: "This identity already signs in to another account.",
  });

export function createIdentitiesRepository(db: Db) {
  return {
    async findBySubject(
      provider: IdentityProviderId,
      subject: string,
      tx: Executor = db,
    ): Promise<UserIdentityRow | undefined> {
      const [row] = await tx
        .select()
        .from(userIdentities)
        .where(and(eq(userIdentities.provider, provider), eq(userIdentities.subject, subject)));
      return row;
    },

    /** A (provider, subject) already linked anywhere is a 409 `identity_taken`. */
    async insert(
      values: Pick<
        UserIdentityRow,
        "userId" | "provider" | "subject" | "email" | "createdAt" | "lastUsedAt"
      >,
      tx: Executor = db,
    ): Promise<UserIdentityRow> {
      try {
        const [row] = await tx.insert(userIdentities).values(values).returning();
        return row as UserIdentityRow;
      } catch (error) {
        if (isUniqueViolation(error)) throw identityTaken();
        throw error;
      }
    },

    async touch(id: string, at: Date, tx: Executor = db): Promise<void> {
      await tx.update(userIdentities).set({ lastUsedAt: at }).where(eq(userIdentities.id, id));
    },

    async list(
      options: { userId: string; limit: number; after?: IdentityListKey | undefined },
      tx: Executor = db,
    ): Promise<UserIdentityRow[]> {
      const { after } = options;
      return tx
        .select()
        .from(userIdentities)
        .where(
          and(
            eq(userIdentities.userId, options.userId),
            after
              ? or(
                  lt(userIdentities.createdAt, new Date(after.createdAt)),
                  and(
                    eq(userIdentities.createdAt, new Date(after.createdAt)),
                    lt(userIdentities.id, after.id),
                  ),
                )
              : undefined,
          ),
        )
        .orderBy(sql`${userIdentities.createdAt} desc`, sql`${userIdentities.id} desc`)
        .limit(options.limit + 1);
    },

    /** Every identity of the user, locked until the transaction ends (unlinking counts them). */
    lockAllOfUser: (userId: string, tx: Executor) =>
      tx.select().from(userIdentities).where(eq(userIdentities.userId, userId)).for("update"),

    async remove(id: string, tx: Executor = db): Promise<void> {
      await tx.delete(userIdentities).where(eq(userIdentities.id, id));
    },

    async insertFlow(
      values: Pick<
        IdentityFlowRow,
        | "provider"
        | "purpose"
        | "userId"
        | "stateHash"
        | "clientKeyHash"
        | "nonce"
        | "codeVerifier"
        | "createdAt"
        | "expiresAt"
      >,
      tx: Executor = db,
    ): Promise<void> {
      await tx.insert(identityFlows).values(values);
    },

    /** Spends the flow of a state, once and before it expires: the callback's one chance. */
    async spendState(
      provider: IdentityProviderId,
      stateHash: string,
      now: Date,
      tx: Executor = db,
    ): Promise<IdentityFlowRow | undefined> {
      const [row] = await tx
        .update(identityFlows)
        .set({ calledBackAt: now })
        .where(
          and(
            eq(identityFlows.stateHash, stateHash),
            eq(identityFlows.provider, provider),
            isNull(identityFlows.calledBackAt),
            gt(identityFlows.expiresAt, now),
          ),
        )
        .returning();
      return row;
    },

    /** A called-back sign-in: the account to sign in and the code the client trades for it. */
    async setExchange(
      id: string,
      values: Pick<IdentityFlowRow, "userId" | "exchangeCodeHash" | "expiresAt">,
      tx: Executor = db,
    ): Promise<void> {
      await tx.update(identityFlows).set(values).where(eq(identityFlows.id, id));
    },

    /** Spends an exchange code, once and before it expires. */
    async spendExchange(
      exchangeCodeHash: string,
      now: Date,
      tx: Executor = db,
    ): Promise<IdentityFlowRow | undefined> {
      const [row] = await tx
        .update(identityFlows)
        .set({ exchangedAt: now })
        .where(
          and(
            eq(identityFlows.exchangeCodeHash, exchangeCodeHash),
            isNull(identityFlows.exchangedAt),
            gt(identityFlows.expiresAt, now),
          ),
        )
        .returning();
      return row;
    },

    async purgeFlowsExpiredBefore(before: Date, tx: Executor = db): Promise<number> {
      const rows = await tx
        .delete(identityFlows)
        .where(lt(identityFlows.expiresAt, before))
        .returning({ id: identityFlows.id });
      return rows.length;
    },

    exportRows: (userId: string, tx: Executor = db) =>
      tx
        .select({
          provider: userIdentities.provider,
          subject: userIdentities.subject,
          email: userIdentities.email,
          createdAt: userIdentities.createdAt,
          lastUsedAt: userIdentities.lastUsedAt,
        })
        .from(userIdentities)
        .where(eq(userIdentities.userId, userId))
        .orderBy(userIdentities.createdAt),
  };
}

export type IdentitiesRepository = ReturnType<typeof createIdentitiesRepository>;
