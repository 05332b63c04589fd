import {
  bigint,
  boolean,
  index,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { users } from "../users/users.table.ts";

const at = () => timestamp({ withTimezone: true, mode: "date" });

/** A WebAuthn credential (passkey) of an account: its public key, never a secret. */
export const passkeys = pgTable(
  "passkeys",
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** The authenticator's credential id, base64url. */
    credentialId: text().notNull(),
    /** The COSE public key, base64url. */
    publicKey: text().notNull(),
    /** The authenticator's signature counter; 0 for those that keep none (most synced passkeys). */
    counter: bigint({ mode: "number" }).notNull().default(0),
    transports: text().array().notNull().default([]),
    name: text().notNull(),
    deviceType: text({ enum: ["singleDevice", "multiDevice"] }).notNull(),
    backedUp: boolean().notNull(),
    createdAt: at().notNull().defaultNow(),
    lastUsedAt: at(),
  },
  (table) => [
    uniqueIndex("passkeys_credential_id_key").on(table.credentialId),
    index("passkeys_user_id_idx").on(table.userId, table.createdAt),
  ],
);

/**
 * A challenge handed out for one passkey ceremony: kept as a hash, spent once (usedAt), and good
 * for a few minutes. A registration's is bound to the account that asked for it.
 */
export const webauthnChallenges = pgTable(
  "webauthn_challenges",
  {
    id: uuid().primaryKey().defaultRandom(),
    purpose: text({ enum: ["registration", "authentication"] }).notNull(),
    userId: uuid().references(() => users.id, { onDelete: "cascade" }),
    challengeHash: text().notNull(),
    createdAt: at().notNull().defaultNow(),
    expiresAt: at().notNull(),
    usedAt: at(),
  },
  (table) => [
    uniqueIndex("webauthn_challenges_challenge_hash_key").on(table.challengeHash),
    index("webauthn_challenges_user_id_idx").on(table.userId),
    index("webauthn_challenges_expires_at_idx").on(table.expiresAt),
  ],
);

export type PasskeyRow = typeof passkeys.$inferSelect;
export type NewPasskey = typeof passkeys.$inferInsert;
export type WebauthnChallengeRow = typeof webauthnChallenges.$inferSelect;
export type ChallengePurpose = WebauthnChallengeRow["purpose"];
