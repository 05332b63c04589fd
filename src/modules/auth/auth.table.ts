import { index, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { users } from "../users/users.table.ts";

const at = () => timestamp({ withTimezone: true, mode: "date" });

/** One login: every refresh token and access token of it carries its id. */
export const sessions = pgTable(
  "sessions",
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: at().notNull().defaultNow(),
    lastUsedAt: at().notNull().defaultNow(),
    /** Sliding expiry: moves forward on each refresh, never past absoluteExpiresAt. */
    expiresAt: at().notNull(),
    absoluteExpiresAt: at().notNull(),
    /** When the user last proved who they are in this session: its sign-in, or a re-authentication. */
    authenticatedAt: at().notNull().defaultNow(),
    revokedAt: at(),
    revokedReason: text(),
    userAgent: text(),
    ip: text(),
  },
  (table) => [
    index("sessions_user_id_idx").on(table.userId),
    index("sessions_expires_at_idx").on(table.expiresAt),
  ],
);

export const refreshTokens = pgTable(
  "refresh_tokens",
  {
    id: uuid().primaryKey().defaultRandom(),
    sessionId: uuid()
      .notNull()
      .references(() => sessions.id, { onDelete: "cascade" }),
    tokenHash: text().notNull(),
    createdAt: at().notNull().defaultNow(),
    expiresAt: at().notNull(),
    usedAt: at(),
  },
  (table) => [
    uniqueIndex("refresh_tokens_token_hash_key").on(table.tokenHash),
    index("refresh_tokens_session_id_idx").on(table.sessionId),
    index("refresh_tokens_expires_at_idx").on(table.expiresAt),
  ],
);

/** Single-use tokens sent by mail: email verification and password reset. */
export const userTokens = pgTable(
  "user_tokens",
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    purpose: text({
      enum: ["email_verification", "password_reset", "email_change", "email_change_undo"],
    }).notNull(),
    tokenHash: text().notNull(),
    createdAt: at().notNull().defaultNow(),
    expiresAt: at().notNull(),
    usedAt: at(),
  },
  (table) => [
    uniqueIndex("user_tokens_token_hash_key").on(table.tokenHash),
    index("user_tokens_user_id_idx").on(table.userId),
    index("user_tokens_expires_at_idx").on(table.expiresAt),
  ],
);

/**
 * An email change: asked for with the password, confirmed from the new address, undone from the
 * old one. Login keeps the old address until `confirmedAt`.
 */
export const emailChanges = pgTable(
  "email_changes",
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    oldEmail: text().notNull(),
    newEmail: text().notNull(),
    requestedAt: at().notNull(),
    confirmedAt: at(),
    undoneAt: at(),
  },
  (table) => [index("email_changes_user_id_idx").on(table.userId, table.requestedAt)],
);

export type EmailChangeRow = typeof emailChanges.$inferSelect;
export type SessionRow = typeof sessions.$inferSelect;
export type RefreshTokenRow = typeof refreshTokens.$inferSelect;
export type UserTokenRow = typeof userTokens.$inferSelect;
export type UserTokenPurpose = UserTokenRow["purpose"];
