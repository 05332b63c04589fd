import {
  bigint,
  index,
  integer,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { users } from "../users/users.table.ts";

const at = () => timestamp({ withTimezone: true, mode: "date" });

/**
 * An account's authenticator app (TOTP, RFC 6238). The secret is kept encrypted (see totp.ts);
 * `confirmedAt` is null while enrolment waits for a first code, and `lastUsedStep` is the time
 * step of the last code accepted, so no code works twice.
 */
export const mfaTotp = pgTable("mfa_totp", {
  userId: uuid()
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  secret: text().notNull(),
  createdAt: at().notNull(),
  confirmedAt: at(),
  lastUsedStep: bigint({ mode: "number" }),
});

/** Single-use recovery codes: a digest of each, never the code. */
export const recoveryCodes = pgTable(
  "recovery_codes",
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    codeHash: text().notNull(),
    createdAt: at().notNull(),
    usedAt: at(),
  },
  (table) => [
    uniqueIndex("recovery_codes_code_hash_key").on(table.codeHash),
    index("recovery_codes_user_id_idx").on(table.userId),
  ],
);

/**
 * The second step of a sign-in: issued when the password was right and the account has a second
 * factor; spent by a valid code. `device` is the trusted device the password step came with (its
 * failures are charged to that device's budget, as the password step's were).
 */
export const mfaChallenges = pgTable(
  "mfa_challenges",
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    tokenHash: text().notNull(),
    /** How the first step was proved: what the sign-in is recorded as once the code is right. */
    method: text().notNull().default("password"),
    device: text(),
    failures: integer().notNull().default(0),
    createdAt: at().notNull(),
    expiresAt: at().notNull(),
    usedAt: at(),
  },
  (table) => [
    uniqueIndex("mfa_challenges_token_hash_key").on(table.tokenHash),
    index("mfa_challenges_user_id_idx").on(table.userId),
    index("mfa_challenges_expires_at_idx").on(table.expiresAt),
  ],
);

export type MfaTotpRow = typeof mfaTotp.$inferSelect;
export type MfaChallengeRow = typeof mfaChallenges.$inferSelect;
