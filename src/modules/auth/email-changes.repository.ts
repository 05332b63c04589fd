import { and, desc, eq, isNotNull, isNull, lt } from "drizzle-orm";
import type { Db, Executor } from "../../db/client.ts";
import { type EmailChangeRow, emailChanges } from "./auth.table.ts";

export function createEmailChangesRepository(db: Db) {
  return {
    async insert(
      values: Pick<EmailChangeRow, "userId" | "oldEmail" | "newEmail" | "requestedAt">,
      tx: Executor = db,
    ): Promise<void> {
      await tx.insert(emailChanges).values(values);
    },

    /** Drops the user's changes not yet confirmed: a new request replaces them. */
    async removePending(userId: string, tx: Executor = db): Promise<void> {
      await tx
        .delete(emailChanges)
        .where(and(eq(emailChanges.userId, userId), isNull(emailChanges.confirmedAt)));
    },

    /** The user's latest change not yet confirmed, or the latest confirmed and not undone. */
    async latest(
      userId: string,
      state: "pending" | "confirmed",
      tx: Executor = db,
    ): Promise<EmailChangeRow | undefined> {
      const [row] = await tx
        .select()
        .from(emailChanges)
        .where(
          and(
            eq(emailChanges.userId, userId),
            state === "pending"
              ? isNull(emailChanges.confirmedAt)
              : and(isNotNull(emailChanges.confirmedAt), isNull(emailChanges.undoneAt)),
          ),
        )
        .orderBy(desc(emailChanges.requestedAt))
        .limit(1);
      return row;
    },

    /** Every address the user's changes name, old and new: what account deletion clears. */
    async addressesOf(userId: string, tx: Executor = db): Promise<string[]> {
      const rows = await tx
        .select({ oldEmail: emailChanges.oldEmail, newEmail: emailChanges.newEmail })
        .from(emailChanges)
        .where(eq(emailChanges.userId, userId));
      return [...new Set(rows.flatMap((row) => [row.oldEmail, row.newEmail]))];
    },

    async removeAllForUser(userId: string, tx: Executor = db): Promise<number> {
      const rows = await tx
        .delete(emailChanges)
        .where(eq(emailChanges.userId, userId))
        .returning({ id: emailChanges.id });
      return rows.length;
    },

    async removeRequestedBefore(before: Date, tx: Executor = db): Promise<number> {
      const rows = await tx
        .delete(emailChanges)
        .where(lt(emailChanges.requestedAt, before))
        .returning({ id: emailChanges.id });
      return rows.length;
    },

    async update(
      id: string,
      values: Partial<Pick<EmailChangeRow, "confirmedAt" | "undoneAt">>,
      tx: Executor = db,
    ): Promise<void> {
      await tx.update(emailChanges).set(values).where(eq(emailChanges.id, id));
    },
  };
}

export type EmailChangesRepository = ReturnType<typeof createEmailChangesRepository>;
