import { index, jsonb, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { users } from "../users/users.table.ts";

export const AUDIT_EVENT_TYPES = [
  "user_registered",
  "login_succeeded",
  "login_failed",
  "session_refreshed",
  "refresh_token_reused",
  "logout",
  "password_changed",
  "password_check_failed",
  "password_reset",
  "email_verified",
  "session_revoked",
  "other_sessions_ended",
  "email_change_requested",
  "email_changed",
  "email_change_undone",
  "mfa_challenged",
  "mfa_failed",
  "mfa_enabled",
  "mfa_disabled",
  "recovery_codes_regenerated",
  "reauthenticated",
  "user_disabled",
  "user_enabled",
  "role_changed",
  "passkey_added",
  "passkey_renamed",
  "passkey_removed",
  "passkey_counter_regressed",
  "identity_linked",
  "identity_unlinked",
] as const;

export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

export const auditEvents = pgTable(
  "audit_events",
  {
    id: uuid().primaryKey().defaultRandom(),
    type: text({ enum: AUDIT_EVENT_TYPES }).notNull(),
    userId: uuid().references(() => users.id, { onDelete: "set null" }),
    ip: text(),
    userAgent: text(),
    data: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    createdAt: timestamp({ withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (table) => [
    index("audit_events_created_at_id_idx").on(table.createdAt.desc(), table.id.desc()),
    index("audit_events_user_id_idx").on(table.userId),
  ],
);

export type AuditEventRow = typeof auditEvents.$inferSelect;
