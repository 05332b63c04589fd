import { createHmac, randomUUID } from "node:crypto";
import { z } from "zod";
import type { Executor } from "../../db/client.ts";
import type { Clock } from "../../lib/clock.ts";
import type { Logger } from "../../lib/logger.ts";
import { decodeOptionalCursor, type Page, type PageQuery, toPage } from "../../lib/pagination.ts";
import type { AuditListKey, AuditRepository } from "./audit.repository.ts";
import { type AuditEventView, toAuditEvent } from "./audit.schema.ts";
import type { AuditEventType } from "./audit.table.ts";

/** Where a request came from; recorded with each event. */
export type RequestContext = { ip: string | null; userAgent: string | null };

export type AuditEvent = {
  type: AuditEventType;
  userId: string | null;
  context?: RequestContext;
  /**
   * Never secrets: ids, reasons, counts. An `email` is not stored: it becomes `emailHash`, a keyed
   * hash that links attempts on one address and can be matched when that account is deleted.
   */
  data?: Record<string, unknown>;
};

const KeySchema = z.object({ createdAt: z.iso.datetime(), id: z.uuid() });

type AuditDeps = {
  auditRepository: AuditRepository;
  clock: Clock;
  logger: Logger;
  /** The key of `emailHash` is derived from it (a server secret: the hash cannot be guessed). */
  pseudonymSecret: string;
};

export function createAuditService(deps: AuditDeps) {
  const { auditRepository, clock, logger } = deps;
  const key = createHmac("sha256", deps.pseudonymSecret).update("stratum:audit-email").digest();
  const emailHash = (email: string) =>
    createHmac("sha256", key).update(email.trim().toLowerCase()).digest("base64url");

  function withoutEmail(data: Record<string, unknown> = {}): Record<string, unknown> {
    const { email, ...rest } = data;
    return typeof email === "string" ? { ...rest, emailHash: emailHash(email) } : data;
  }

  return {
    emailHash,

    /** Writes the event in the caller's transaction (so it commits with the change) and logs it. */
    async record(event: AuditEvent, tx?: Executor): Promise<void> {
      const row = {
        type: event.type,
        userId: event.userId,
        ip: event.context?.ip ?? null,
        userAgent: event.context?.userAgent?.slice(0, 512) ?? null,
        data: withoutEmail(event.data),
        createdAt: clock.now(),
      };
      await auditRepository.insert(row, tx);
      logger.info(
        { audit: { type: row.type, userId: row.userId, ip: row.ip, data: row.data } },
        `audit ${row.type}`,
      );
    },

    /**
     * For a deleted account: its events stay, linked to each other by a random pseudonym, without
     * the address, IP or user agent; failed logins on its email are matched by their hash.
     */
    async pseudonymize(user: { id: string; email: string }, tx?: Executor): Promise<number> {
      const subject = `deleted-user:${randomUUID()}`;
      const match = { userId: user.id, email: user.email, emailHash: emailHash(user.email) };
      return auditRepository.pseudonymize(match, subject, tx);
    },

    async list(query: PageQuery): Promise<Page<AuditEventView>> {
      const after: AuditListKey | undefined = decodeOptionalCursor(query.cursor, KeySchema);
      const rows = await auditRepository.list({ limit: query.limit, after });
      return toPage(
        rows,
        query.limit,
        (row) => ({ createdAt: row.createdAt.toISOString(), id: row.id }),
        toAuditEvent,
      );
    },
  };
}

export type AuditService = ReturnType<typeof createAuditService>;
