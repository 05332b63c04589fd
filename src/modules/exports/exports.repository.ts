import { and, count, desc, eq, gte, inArray, isNotNull, lt, min, or } from "drizzle-orm";
import type { Db, Executor } from "../../db/client.ts";
import { ConflictError, isUniqueViolation } from "../../lib/errors.ts";
import { type DataExportRow, dataExports } from "./exports.table.ts";

type Key = { createdAt: Date; id: string };

export function createExportsRepository(db: Db) {
  return {
    async findById(id: string, tx: Executor = db): Promise<DataExportRow | undefined> {
      const [row] = await tx.select().from(dataExports).where(eq(dataExports.id, id));
      return row;
    },

    async findInProgress(userId: string, tx: Executor = db): Promise<DataExportRow | undefined> {
      const [row] = await tx
        .select()
        .from(dataExports)
        .where(
          and(eq(dataExports.userId, userId), inArray(dataExports.status, ["queued", "running"])),
        );
      return row;
    },

    /** How many exports the user started since `since`, and when the oldest of them was. */
    async countCreatedSince(userId: string, since: Date, tx: Executor = db) {
      const [row] = await tx
        .select({ count: count(), oldest: min(dataExports.createdAt) })
        .from(dataExports)
        .where(and(eq(dataExports.userId, userId), gte(dataExports.createdAt, since)));
      return { count: row?.count ?? 0, oldest: row?.oldest ?? undefined };
    },

    /** Throws ConflictError when the user already has an export in progress. */
    async insert(userId: string, createdAt: Date, tx: Executor = db): Promise<DataExportRow> {
      try {
        const [row] = await tx.insert(dataExports).values({ userId, createdAt }).returning();
        return row as DataExportRow;
      } catch (error) {
        if (isUniqueViolation(error)) throw new ConflictError("export_in_progress");
        throw error;
      }
    },

    async update(id: string, values: Partial<DataExportRow>, tx: Executor = db) {
      const [row] = await tx
        .update(dataExports)
        .set(values)
        .where(eq(dataExports.id, id))
        .returning();
      return row;
    },

    /** The user's exports, newest first, after the keyset `after`. */
    async listByUser(userId: string, limit: number, after: Key | undefined, tx: Executor = db) {
      const keyset = after
        ? or(
            lt(dataExports.createdAt, after.createdAt),
            and(eq(dataExports.createdAt, after.createdAt), lt(dataExports.id, after.id)),
          )
        : undefined;
      return tx
        .select()
        .from(dataExports)
        .where(and(eq(dataExports.userId, userId), keyset))
        .orderBy(desc(dataExports.createdAt), desc(dataExports.id))
        .limit(limit + 1);
    },

    async listExpired(now: Date, limit: number, tx: Executor = db) {
      return tx
        .select()
        .from(dataExports)
        .where(and(isNotNull(dataExports.expiresAt), lt(dataExports.expiresAt, now)))
        .limit(limit);
    },

    async listByUserAll(userId: string, tx: Executor = db) {
      return tx.select().from(dataExports).where(eq(dataExports.userId, userId));
    },

    async remove(id: string, tx: Executor = db): Promise<void> {
      await tx.delete(dataExports).where(eq(dataExports.id, id));
    },
  };
}

export type ExportsRepository = ReturnType<typeof createExportsRepository>;
