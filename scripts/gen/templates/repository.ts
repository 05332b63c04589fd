import { __drizzleImports__ } from "drizzle-orm";
import type { Db, Executor } from "../../db/client.ts";
// gen:if refs
import { BadRequestError } from "../../lib/errors.ts";
// gen:end
import { type __Name__Row, __names__ } from "./__module__.table.ts";

/** The columns a client writes; the rest belong to the table. */
// gen:if owned
export type __Name__Values = Omit<
  __Name__Row,
  "id" | "ownerId" | "version" | "createdAt" | "updatedAt"
>;
// gen:end
// gen:if !owned
export type __Name__Values = Omit<__Name__Row, "id" | "version" | "createdAt" | "updatedAt">;
// gen:end

// gen:if filters
/** What a list may be narrowed by; an absent key does not filter. */
export type __Name__Filters = {
  // gen:if owned
  ownerId?: string;
  // gen:end
  // gen:each filterType
  title?: string;
  // gen:end
};
// gen:end

/** A page's last row: `created_at` as PostgreSQL prints it (microseconds kept), and the id. */
export type __Name__Key = [createdAt: string, id: string];

// gen:if refs
// A referenced row that does not exist fails the foreign key (23503): the client's mistake.
function isForeignKeyViolation(error: unknown): boolean {
  for (let e = error; e; e = (e as { cause?: unknown }).cause) {
    if ((e as { code?: unknown }).code === "23503") return true;
  }
  return false;
}

async function checkingReferences<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (!isForeignKeyViolation(error)) throw error;
    throw new BadRequestError("reference_not_found", {
      detail: "A referenced row does not exist.",
    });
  }
}
// gen:end

// gen:if filters
function conditions(filters: __Name__Filters): (SQL | undefined)[] {
  return [
    // gen:if owned
    filters.ownerId === undefined ? undefined : eq(__names__.ownerId, filters.ownerId),
    // gen:end
    // gen:each filterCondition
    filters.title === undefined ? undefined : eq(todos.title, filters.title),
    // gen:end
  ];
}
// gen:end

export function create__Names__Repository(db: Db) {
  return {
    async findById(id: string, tx: Executor = db): Promise<__Name__Row | undefined> {
      const [row] = await tx.select().from(__names__).where(eq(__names__.id, id));
      return row;
    },

    /** Locks the row for the rest of the transaction, so concurrent writers queue up. */
    async lockById(id: string, tx: Executor): Promise<__Name__Row | undefined> {
      const [row] = await tx.select().from(__names__).where(eq(__names__.id, id)).for("update");
      return row;
    },

    async insert(
      values: __Name__Values & {
        // gen:if owned
        ownerId: string;
        // gen:end
        createdAt: Date;
        updatedAt: Date;
      },
      tx: Executor = db,
    ): Promise<__Name__Row> {
      // gen:if refs
      const [row] = await checkingReferences(() => tx.insert(__names__).values(values).returning());
      // gen:end
      // gen:if !refs
      const [row] = await tx.insert(__names__).values(values).returning();
      // gen:end
      return row as __Name__Row;
    },

    /** Writes the given columns and bumps the version. */
    async update(
      id: string,
      values: Partial<__Name__Values> & { updatedAt: Date },
      tx: Executor = db,
    ): Promise<__Name__Row> {
      // gen:if refs
      const [row] = await checkingReferences(() =>
        tx
          .update(__names__)
          .set({ ...values, version: sql`${__names__.version} + 1` })
          .where(eq(__names__.id, id))
          .returning(),
      );
      // gen:end
      // gen:if !refs
      const [row] = await tx
        .update(__names__)
        .set({ ...values, version: sql`${__names__.version} + 1` })
        .where(eq(__names__.id, id))
        .returning();
      // gen:end
      return row as __Name__Row;
    },

    async remove(id: string, tx: Executor = db): Promise<void> {
      await tx.delete(__names__).where(eq(__names__.id, id));
    },
    // gen:if owned

    /** Every row of one owner (account deletion); returns how many went. */
    async removeAllByOwner(ownerId: string, tx: Executor = db): Promise<number> {
      const rows = await tx
        .delete(__names__)
        .where(eq(__names__.ownerId, ownerId))
        .returning({ id: __names__.id });
      return rows.length;
    },
    // gen:end

    /** Newest first, `limit + 1` rows after the keyset `after`, so the caller sees a next page. */
    async list(
      // gen:if filters
      filters: __Name__Filters,
      // gen:end
      limit: number,
      after: __Name__Key | undefined,
      tx: Executor = db,
    ) {
      const keyset = after
        ? sql`(${__names__.createdAt}, ${__names__.id}) < (${after[0]}::timestamptz, ${after[1]}::uuid)`
        : undefined;
      return tx
        .select({ ...getTableColumns(__names__), sortKey: sql<string>`${__names__.createdAt}::text` })
        .from(__names__)
        // gen:if filters
        .where(and(...conditions(filters), keyset))
        // gen:end
        // gen:if !filters
        .where(keyset)
        // gen:end
        .orderBy(desc(__names__.createdAt), desc(__names__.id))
        .limit(limit + 1);
    },
  };
}

export type __Names__Repository = ReturnType<typeof create__Names__Repository>;
