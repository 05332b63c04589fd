import { index, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";

/**
 * One row per job sent through `queue.send` that no worker has fetched yet: how old the oldest
 * waiting job of each queue is. pg-boss's public API tells how many jobs wait, not since when,
 * so the project keeps this record itself (docs/decisions.md, 2026-12-03).
 */
export const jobBacklog = pgTable(
  "job_backlog",
  {
    jobId: uuid().primaryKey(),
    queue: text().notNull(),
    /** When the job could first run: when it was sent, or its `startAfter`. */
    dueAt: timestamp({ withTimezone: true, mode: "date" }).notNull(),
  },
  (table) => [index("job_backlog_queue_due_at_idx").on(table.queue, table.dueAt)],
);
