import { and, count, eq, gt, isNull, lt, or, sql } from "drizzle-orm";
import type { Db, Executor } from "../../db/client.ts";
import { prepared } from "../../db/prepared.ts";
import {
  type MfaChallengeRow,
  type MfaTotpRow,
  mfaChallenges,
  mfaTotp,
  recoveryCodes,
} from "./mfa.table.ts";

export function createMfaRepository(db: Db) {
  // Read on every login: prepared, as the rest of login's statements are.
  const totpOf = prepared(db, "mfa_totp_of", (tx) =>
    tx
      .select()
      .from(mfaTotp)
      .where(eq(mfaTotp.userId, sql.placeholder("userId"))),
  );

  return {
    async findTotp(userId: string, tx: Executor = db): Promise<MfaTotpRow | undefined> {
      const [row] = await totpOf({ userId }, tx);
      return row;
    },

    /** Starts (or starts again) an enrolment; an enrolled app is never replaced here. */
    async upsertPendingTotp(
      values: { userId: string; secret: string; createdAt: Date },
      tx: Executor = db,
    ): Promise<boolean> {
      const rows = await tx
        .insert(mfaTotp)
        .values(values)
        .onConflictDoUpdate({
          target: mfaTotp.userId,
          set: { secret: values.secret, createdAt: values.createdAt },
          setWhere: isNull(mfaTotp.confirmedAt),
        })
        .returning({ userId: mfaTotp.userId });
      return rows.length > 0;
    },

    async confirmTotp(userId: string, step: number, at: Date, tx: Executor = db): Promise<boolean> {
      const rows = await tx
        .update(mfaTotp)
        .set({ confirmedAt: at, lastUsedStep: step })
        .where(and(eq(mfaTotp.userId, userId), isNull(mfaTotp.confirmedAt)))
        .returning({ userId: mfaTotp.userId });
      return rows.length > 0;
    },

    /**
     * Records a code's time step as used; false when this step (or a later one) already was: the
     * same code twice, or two requests racing with it.
     */
    async useStep(userId: string, step: number, tx: Executor = db): Promise<boolean> {
      const rows = await tx
        .update(mfaTotp)
        .set({ lastUsedStep: step })
        .where(
          and(
            eq(mfaTotp.userId, userId),
            or(isNull(mfaTotp.lastUsedStep), lt(mfaTotp.lastUsedStep, step)),
          ),
        )
        .returning({ userId: mfaTotp.userId });
      return rows.length > 0;
    },

    async resealSecret(userId: string, secret: string, tx: Executor = db): Promise<void> {
      await tx.update(mfaTotp).set({ secret }).where(eq(mfaTotp.userId, userId));
    },

    /**
     * Removes the app (enrolled or enrolling) and the recovery codes: the account is back to its
     * password alone. False when no enrolled app was there.
     */
    async removeFactors(userId: string, tx: Executor = db): Promise<boolean> {
      await tx.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
      const rows = await tx
        .delete(mfaTotp)
        .where(eq(mfaTotp.userId, userId))
        .returning({ confirmedAt: mfaTotp.confirmedAt });
      return rows.some((row) => row.confirmedAt !== null);
    },

    /** Replaces every recovery code of the user. */
    async replaceRecoveryCodes(
      userId: string,
      codeHashes: string[],
      at: Date,
      tx: Executor = db,
    ): Promise<void> {
      await tx.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
      await tx
        .insert(recoveryCodes)
        .values(codeHashes.map((codeHash) => ({ userId, codeHash, createdAt: at })));
    },

    /** Spends a recovery code of this user; false when it is not theirs or already spent. */
    async spendRecoveryCode(
      userId: string,
      codeHash: string,
      at: Date,
      tx: Executor = db,
    ): Promise<boolean> {
      const rows = await tx
        .update(recoveryCodes)
        .set({ usedAt: at })
        .where(
          and(
            eq(recoveryCodes.userId, userId),
            eq(recoveryCodes.codeHash, codeHash),
            isNull(recoveryCodes.usedAt),
          ),
        )
        .returning({ id: recoveryCodes.id });
      return rows.length > 0;
    },

    async recoveryCodesLeft(userId: string, tx: Executor = db): Promise<number> {
      const [row] = await tx
        .select({ left: count() })
        .from(recoveryCodes)
        .where(and(eq(recoveryCodes.userId, userId), isNull(recoveryCodes.usedAt)));
      return row?.left ?? 0;
    },

    async insertChallenge(
      values: Pick<
        MfaChallengeRow,
        "userId" | "tokenHash" | "method" | "device" | "createdAt" | "expiresAt"
      >,
      tx: Executor = db,
    ): Promise<void> {
      await tx.insert(mfaChallenges).values(values);
    },

    /** A challenge that can still be answered: not spent, not expired. */
    async findOpenChallenge(
      tokenHash: string,
      now: Date,
      tx: Executor = db,
    ): Promise<MfaChallengeRow | undefined> {
      const [row] = await tx
        .select()
        .from(mfaChallenges)
        .where(
          and(
            eq(mfaChallenges.tokenHash, tokenHash),
            isNull(mfaChallenges.usedAt),
            gt(mfaChallenges.expiresAt, now),
          ),
        );
      return row;
    },

    /** Spends a challenge; false when another request spent it first. */
    async spendChallenge(id: string, at: Date, tx: Executor = db): Promise<boolean> {
      const rows = await tx
        .update(mfaChallenges)
        .set({ usedAt: at })
        .where(and(eq(mfaChallenges.id, id), isNull(mfaChallenges.usedAt)))
        .returning({ id: mfaChallenges.id });
      return rows.length > 0;
    },

    /** Counts a wrong answer; the challenge is spent once it has had `max` of them. */
    async failChallenge(id: string, max: number, at: Date, tx: Executor = db): Promise<void> {
      await tx
        .update(mfaChallenges)
        .set({
          failures: sql`${mfaChallenges.failures} + 1`,
          usedAt: sql`case when ${mfaChallenges.failures} + 1 >= ${max} then ${at.toISOString()}::timestamptz else null end`,
        })
        .where(eq(mfaChallenges.id, id));
    },

    /** Challenges past their expiry, spent or not: the cleanup job's share. */
    async purgeExpiredChallenges(now: Date, tx: Executor = db): Promise<number> {
      const rows = await tx
        .delete(mfaChallenges)
        .where(lt(mfaChallenges.expiresAt, now))
        .returning({ id: mfaChallenges.id });
      return rows.length;
    },

    /** Enrolments never confirmed, started before `before`: their secrets serve no one. */
    async purgePendingTotp(before: Date, tx: Executor = db): Promise<number> {
      const rows = await tx
        .delete(mfaTotp)
        .where(and(isNull(mfaTotp.confirmedAt), lt(mfaTotp.createdAt, before)))
        .returning({ userId: mfaTotp.userId });
      return rows.length;
    },
  };
}

export type MfaRepository = ReturnType<typeof createMfaRepository>;
