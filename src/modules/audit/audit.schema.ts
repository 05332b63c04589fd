import { z } from "zod";
import { pageSchema } from "../../lib/pagination.ts";
import { AUDIT_EVENT_TYPES, type AuditEventRow } from "./audit.table.ts";

export const AuditEventSchema = z
  .object({
    id: z.uuid(),
    type: z.enum(AUDIT_EVENT_TYPES),
    userId: z.uuid().nullable(),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    createdAt: z.iso.datetime(),
    data: z.record(z.string(), z.unknown()),
  })
  .meta({ id: "AuditEvent" });
export type AuditEventView = z.infer<typeof AuditEventSchema>;

export const AuditPageSchema = pageSchema(AuditEventSchema);

export function toAuditEvent(row: AuditEventRow): AuditEventView {
  return {
    id: row.id,
    type: row.type,
    userId: row.userId,
    ip: row.ip,
    userAgent: row.userAgent,
    createdAt: row.createdAt.toISOString(),
    data: row.data,
  };
}
