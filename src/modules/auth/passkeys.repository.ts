import { and, eq, gt, isNull, lt, or, sql } from "drizzle-orm";
import type { Db, Executor } from "../../db/client.ts";
import { ConflictError, isUniqueViolation } from "../../lib/errors.ts";
import {
  type ChallengePurpose,
  type NewPasskey,
  type PasskeyRow,
  passkeys,
  type WebauthnChallengeRow,
  webauthnChallenges,
} from "./passkeys.table.ts";

export type PasskeyListKey = { createdAt: string; id: string };
export type NewChallenge = Pick<
  WebauthnChallengeRow,
  "purpose" | "userId" | "challengeHash" | "createdAt" | "expiresAt"
>;

export function createPasskeysRepository(db: Db) {
  return {
    async insert(values: NewPasskey, tx: Executor = db): Promise<PasskeyRow> {
      try {
        const [row] = await tx.insert(passkeys).values(values).returning();
        return row as PasskeyRow;
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw new ConflictError("passkey_exists", {
            detail: "This passkey is already registered.",
          });
        }
        throw error;
      }
    },

    async findById(id: string, tx: Executor = db): Promise<PasskeyRow | undefined> {
      const [row] = await tx.select().from(passkeys).where(eq(passkeys.id, id));
      return row;
    },

    async findByCredentialId(
      credentialId: string,
      tx: Executor = db,
    ): Promise<PasskeyRow | undefined> {
      const [row] = await tx.select().from(passkeys).where(eq(passkeys.credentialId, credentialId));
      return row;
    },

    /** The user's passkeys, newest first; `limit + 1` rows for toPage. */
    async list(
      options: { userId: string; limit: number; after?: PasskeyListKey },
      tx: Executor = db,
    ): Promise<PasskeyRow[]> {
      const { after } = options;
      return tx
        .select()
        .from(passkeys)
        .where(
          and(
            eq(passkeys.userId, options.userId),
            after
              ? or(
                  lt(passkeys.createdAt, new Date(after.createdAt)),
                  and(eq(passkeys.createdAt, new Date(after.createdAt)), lt(passkeys.id, after.id)),
                )
              : undefined,
          ),
        )
        .orderBy(sql`${passkeys.createdAt} desc`, sql`${passkeys.id} desc`)
        .limit(options.limit + 1);
    },

    /** Every credential id of the user (the registration's `excludeCredentials`). */
    async credentialsOf(userId: string, tx: Executor = db) {
      return tx
        .select({ id: passkeys.credentialId, transports: passkeys.transports })
        .from(passkeys)
        .where(eq(passkeys.userId, userId))
        .limit(100);
    },

    /** For exports: name and times only, in id order from `afterId`. */
    async pageByUser(userId: string, afterId: string | undefined, limit: number) {
      return db
        .select({
          id: passkeys.id,
          name: passkeys.name,
          createdAt: passkeys.createdAt,
          lastUsedAt: passkeys.lastUsedAt,
          deviceType: passkeys.deviceType,
          backedUp: passkeys.backedUp,
        })
        .from(passkeys)
        .where(and(eq(passkeys.userId, userId), afterId ? gt(passkeys.id, afterId) : undefined))
        .orderBy(passkeys.id)
        .limit(limit);
    },

    async update(
      id: string,
      patch: Partial<Pick<PasskeyRow, "name" | "counter" | "lastUsedAt" | "backedUp">>,
      tx: Executor = db,
    ): Promise<PasskeyRow | undefined> {
      const [row] = await tx.update(passkeys).set(patch).where(eq(passkeys.id, id)).returning();
      return row;
    },

    /**
     * Records a use, if the counter is still the one the assertion was checked against: of two
     * assertions racing with the same counter (a cloned authenticator), one records, one does not.
     */
    async recordUse(
      id: string,
      seenCounter: number,
      use: Pick<PasskeyRow, "counter" | "lastUsedAt" | "backedUp">,
      tx: Executor = db,
    ): Promise<PasskeyRow | undefined> {
      const [row] = await tx
        .update(passkeys)
        .set(use)
        .where(and(eq(passkeys.id, id), eq(passkeys.counter, seenCounter)))
        .returning();
      return row;
    },

    async remove(id: string, tx: Executor = db): Promise<PasskeyRow | undefined> {
      const [row] = await tx.delete(passkeys).where(eq(passkeys.id, id)).returning();
      return row;
    },

    async insertChallenge(values: NewChallenge, tx: Executor = db): Promise<string> {
      const [row] = await tx
        .insert(webauthnChallenges)
        .values(values)
        .returning({ id: webauthnChallenges.id });
      return (row as { id: string }).id;
    },

    /**
     * Spends a live challenge of the purpose and returns it; one UPDATE, so a challenge works once
     * even when two responses to it arrive at the same moment.
     */
    async spendChallenge(
      where: { purpose: ChallengePurpose; challengeHash: string; id?: string },
      now: Date,
      tx: Executor = db,
    ): Promise<WebauthnChallengeRow | undefined> {
      const [row] = await tx
        .update(webauthnChallenges)
        .set({ usedAt: now })
        .where(
          and(
            eq(webauthnChallenges.purpose, where.purpose),
            eq(webauthnChallenges.challengeHash, where.challengeHash),
            where.id ? eq(webauthnChallenges.id, where.id) : undefined,
            isNull(webauthnChallenges.usedAt),
            gt(webauthnChallenges.expiresAt, now),
          ),
        )
        .returning();
      return row;
    },

    async purgeExpiredChallenges(before: Date, tx: Executor = db): Promise<number> {
      const rows = await tx
        .delete(webauthnChallenges)
        .where(or(lt(webauthnChallenges.expiresAt, before), lt(webauthnChallenges.usedAt, before)))
        .returning({ id: webauthnChallenges.id });
      return rows.length;
    },
  };
}

export type PasskeysRepository = ReturnType<typeof createPasskeysRepository>;
