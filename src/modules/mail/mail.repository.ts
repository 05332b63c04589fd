import { desc, eq, lt, sql } from "drizzle-orm";
import type { Db, Executor } from "../../db/client.ts";
import { mailDeliveries, mailOutbox } from "./mail.table.ts";

export type OutboxRow = typeof mailOutbox.$inferSelect;
export type NewOutboxRow = typeof mailOutbox.$inferInsert;
export type DeliveryRow = typeof mailDeliveries.$inferSelect;
export type NewDeliveryRow = typeof mailDeliveries.$inferInsert;

export function createMailRepository(db: Db) {
  return {
    async findDelivery(key: string, tx: Executor = db): Promise<DeliveryRow | undefined> {
      const [row] = await tx.select().from(mailDeliveries).where(eq(mailDeliveries.key, key));
      return row;
    },

    /** Returns false when a delivery with this key already exists. */
    async insertDelivery(values: NewDeliveryRow, tx: Executor = db): Promise<boolean> {
      const rows = await tx
        .insert(mailDeliveries)
        .values(values)
        .onConflictDoNothing()
        .returning({ key: mailDeliveries.key });
      return rows.length === 1;
    },

    async insertOutbox(values: NewOutboxRow, tx: Executor = db): Promise<OutboxRow> {
      const [row] = await tx.insert(mailOutbox).values(values).returning();
      return row as OutboxRow;
    },

    async listOutbox(limit: number, tx: Executor = db): Promise<OutboxRow[]> {
      return tx
        .select()
        .from(mailOutbox)
        .orderBy(desc(mailOutbox.createdAt), desc(mailOutbox.id))
        .limit(limit);
    },

    async removeOutboxBefore(before: Date, tx: Executor = db): Promise<number> {
      const rows = await tx
        .delete(mailOutbox)
        .where(lt(mailOutbox.createdAt, before))
        .returning({ id: mailOutbox.id });
      return rows.length;
    },

    /** Addresses are compared lower-cased: senders may keep the case a user typed. */
    async removeOutboxTo(address: string, tx: Executor = db): Promise<number> {
      const rows = await tx
        .delete(mailOutbox)
        .where(eq(sql`lower(${mailOutbox.to})`, address.toLowerCase()))
        .returning({ id: mailOutbox.id });
      return rows.length;
    },

    async removeDeliveriesTo(address: string, tx: Executor = db): Promise<number> {
      const rows = await tx
        .delete(mailDeliveries)
        .where(eq(sql`lower(${mailDeliveries.to})`, address.toLowerCase()))
        .returning({ key: mailDeliveries.key });
      return rows.length;
    },

    async removeDeliveriesBefore(before: Date, tx: Executor = db): Promise<number> {
      const rows = await tx
        .delete(mailDeliveries)
        .where(lt(mailDeliveries.sentAt, before))
        .returning({ key: mailDeliveries.key });
      return rows.length;
    },
  };
}

export type MailRepository = ReturnType<typeof createMailRepository>;
