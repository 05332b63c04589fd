import { and, eq, lt, or, sql } from "drizzle-orm";
import type { Db, Executor } from "../../db/client.ts";
import { preparedInsert } from "../../db/prepared.ts";
import { type AuditEventRow, auditEvents } from "./audit.table.ts";

export type NewAuditEvent = Omit<AuditEventRow, "id">;
export type AuditListKey = { createdAt: string; id: string };

export function createAuditRepository(db: Db) {
  // Every login, logout and refresh records an event.
  const insertEvent = preparedInsert(db, "audit_event_insert", (tx, row: NewAuditEvent) =>
    tx.insert(auditEvents).values(row),
  );

  return {
    async insert(values: NewAuditEvent, tx: Executor = db): Promise<void> {
      await insertEvent(values, tx);
    },

    /**
     * Replaces the user id of every event of the user, and of the failed logins on their email
     * (by hash; by the address itself for events recorded before hashes), by a pseudonym kept in
     * `data.subject`, and drops the address, IP and user agent.
     */
    async pseudonymize(
      match: { userId: string; email: string; emailHash: string },
      pseudonym: string,
      tx: Executor = db,
    ): Promise<number> {
      const rows = await tx
        .update(auditEvents)
        .set({
          userId: null,
          ip: null,
          userAgent: null,
          data: sql`(${auditEvents.data} - 'email' - 'emailHash')
            || jsonb_build_object('subject', ${pseudonym}::text)`,
        })
        .where(
          or(
            eq(auditEvents.userId, match.userId),
            sql`${auditEvents.data}->>'emailHash' = ${match.emailHash}`,
            sql`lower(${auditEvents.data}->>'email') = ${match.email.toLowerCase()}`,
          ),
        )
        .returning({ id: auditEvents.id });
      return rows.length;
    },

    async list(
      options: { limit: number; after?: AuditListKey },
      tx: Executor = db,
    ): Promise<AuditEventRow[]> {
      const after = options.after;
      return tx
        .select()
        .from(auditEvents)
        .where(
          after
            ? or(
                lt(auditEvents.createdAt, new Date(after.createdAt)),
                and(
                  eq(auditEvents.createdAt, new Date(after.createdAt)),
                  lt(auditEvents.id, after.id),
                ),
              )
            : undefined,
        )
        .orderBy(sql`${auditEvents.createdAt} desc`, sql`${auditEvents.id} desc`)
        .limit(options.limit + 1);
    },
  };
}

export type AuditRepository = ReturnType<typeof createAuditRepository>;
