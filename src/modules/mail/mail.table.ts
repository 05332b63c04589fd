import { index, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";

/** Messages kept by the development transport instead of being sent. */
export const mailOutbox = pgTable(
  "mail_outbox",
  {
    id: uuid().primaryKey().defaultRandom(),
    to: text().notNull(),
    subject: text().notNull(),
    text: text().notNull(),
    html: text().notNull(),
    createdAt: timestamp({ withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (table) => [index("mail_outbox_created_at_id_idx").on(table.createdAt, table.id)],
);

/**
 * One row per message handed to a transport, keyed by the job id or the sender's own key:
 * a job that runs twice finds its row and does not send again.
 */
export const mailDeliveries = pgTable(
  "mail_deliveries",
  {
    key: text().primaryKey(),
    to: text().notNull(),
    template: text().notNull(),
    transport: text({ enum: ["smtp", "outbox"] }).notNull(),
    messageId: text(),
    sentAt: timestamp({ withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (table) => [index("mail_deliveries_sent_at_idx").on(table.sentAt)],
);
