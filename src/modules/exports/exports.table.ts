import { sql } from "drizzle-orm";
import { bigint, index, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { users } from "../users/users.table.ts";

export const EXPORT_STATUSES = ["queued", "running", "succeeded", "failed"] as const;
export type ExportStatus = (typeof EXPORT_STATUSES)[number];

export const dataExports = pgTable(
  "data_exports",
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    status: text({ enum: EXPORT_STATUSES }).notNull().default("queued"),
    storageKey: text(),
    sizeBytes: bigint({ mode: "number" }),
    error: text(),
    createdAt: timestamp({ withTimezone: true, mode: "date" }).notNull().defaultNow(),
    startedAt: timestamp({ withTimezone: true, mode: "date" }),
    finishedAt: timestamp({ withTimezone: true, mode: "date" }),
    expiresAt: timestamp({ withTimezone: true, mode: "date" }),
  },
  (table) => [
    index("data_exports_user_id_created_at_id_idx").on(table.userId, table.createdAt, table.id),
    index("data_exports_expires_at_idx").on(table.expiresAt),
    // At most one export in progress per user, even when two requests race.
    uniqueIndex("data_exports_one_in_progress_key")
      .on(table.userId)
      .where(sql`${table.status} in ('queued', 'running')`),
  ],
);

export type DataExportRow = typeof dataExports.$inferSelect;
