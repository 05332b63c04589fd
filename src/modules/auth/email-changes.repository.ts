import { and, desc, eq, isNotNull, isNull } from "drizzle-orm";
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
