import { and, eq, ilike, isNull, lt, or, type SQL, sql } from "drizzle-orm";
import type { Db, Executor } from "../../db/client.ts";
import { prepared } from "../../db/prepared.ts";
import { ConflictError, isUniqueViolation } from "../../lib/errors.ts";
import { type NewUserRow, type UserRow, users } from "./users.table.ts";

export type UserListKey = { createdAt: string; id: string };
export type UserPatch = Partial<
  Pick<UserRow, "name" | "role" | "passwordHash" | "emailVerifiedAt" | "disabledAt">
>;

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}

export function createUsersRepository(db: Db) {
  // Every login reads the account by email and again by id in its transaction.
  const byId = prepared(db, "user_by_id", (tx) =>
    tx
      .select()
      .from(users)
      .where(eq(users.id, sql.placeholder("id"))),
  );
  const byEmail = prepared(db, "user_by_email", (tx) =>
    tx
      .select()
      .from(users)
      .where(eq(users.email, sql.placeholder("email"))),
  );

  return {
    async findById(id: string, tx: Executor = db): Promise<UserRow | undefined> {
      const [row] = await byId({ id }, tx);
      return row;
    },

    async findByEmail(email: string, tx: Executor = db): Promise<UserRow | undefined> {
      const [row] = await byEmail({ email }, tx);
      return row;
    },

    async insert(values: NewUserRow, tx: Executor = db): Promise<UserRow> {
      try {
        const [row] = await tx.insert(users).values(values).returning();
        return row as UserRow;
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw new ConflictError("email_taken", { detail: "This email is already registered." });
        }
        throw error;
      }
    },

    async update(id: string, patch: UserPatch, tx: Executor = db): Promise<UserRow | undefined> {
      const [row] = await tx
        .update(users)
        .set({ ...patch, updatedAt: sql`now()` })
        .where(eq(users.id, id))
        .returning();
      return row;
    },

    async setEmail(id: string, email: string, verifiedAt: Date, tx: Executor = db): Promise<void> {
      try {
        await tx
          .update(users)
          .set({ email, emailVerifiedAt: verifiedAt, updatedAt: sql`now()` })
          .where(eq(users.id, id));
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw new ConflictError("email_taken", { detail: "This email is already registered." });
        }
        throw error;
      }
    },

    /**
     * Locks the rows of every enabled admin until the transaction ends, in id order, so two
     * transactions that both demote an admin queue one behind the other instead of deadlocking;
     * the second then counts what the first left.
     */
    async lockEnabledAdmins(tx: Executor): Promise<{ id: string }[]> {
      return tx
        .select({ id: users.id })
        .from(users)
        .where(and(eq(users.role, "admin"), isNull(users.disabledAt)))
        .orderBy(users.id)
        .for("update");
    },

    async remove(id: string, tx: Executor = db): Promise<void> {
      await tx.delete(users).where(eq(users.id, id));
    },

    /** Newest first; `q` matches a substring of the email or the name, case-insensitively. */
    async list(
      options: { limit: number; after?: UserListKey; q?: string },
      tx: Executor = db,
    ): Promise<UserRow[]> {
      const conditions: (SQL | undefined)[] = [];
      if (options.q) {
        const pattern = `%${escapeLike(options.q)}%`;
        conditions.push(or(ilike(users.email, pattern), ilike(users.name, pattern)));
      }
      if (options.after) {
        const at = new Date(options.after.createdAt);
        conditions.push(
          or(lt(users.createdAt, at), and(eq(users.createdAt, at), lt(users.id, options.after.id))),
        );
      }
      return tx
        .select()
        .from(users)
        .where(and(...conditions))
        .orderBy(sql`${users.createdAt} desc`, sql`${users.id} desc`)
        .limit(options.limit + 1);
    },
  };
}

export type UsersRepository = ReturnType<typeof createUsersRepository>;
