import { index, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { users } from "../users/users.table.ts";

const at = () => timestamp({ withTimezone: true, mode: "date" });

export const IDENTITY_PROVIDERS = ["oidc", "github"] as const;
export type IdentityProviderId = (typeof IDENTITY_PROVIDERS)[number];

/** An account at an identity provider that signs in to a local account. */
export const userIdentities = pgTable(
  "user_identities",
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    provider: text({ enum: IDENTITY_PROVIDERS }).notNull(),
    /** The provider's stable id of the account (`sub`, or GitHub's numeric user id). */
    subject: text().notNull(),
    /** The address the provider gave when the identity was linked: shown, never matched on. */
    email: text(),
    createdAt: at().notNull().defaultNow(),
    lastUsedAt: at(),
  },
  (table) => [
    uniqueIndex("user_identities_provider_subject_key").on(table.provider, table.subject),
    index("user_identities_user_id_idx").on(table.userId, table.createdAt),
  ],
);

/**
 * One trip to a provider and back: the secrets of its authorization request (state, nonce,
 * PKCE verifier), spent by the callback; then, for a sign-in, the exchange code the client
 * trades for tokens, spent by the exchange.
 */
export const identityFlows = pgTable(
  "identity_flows",
  {
    id: uuid().primaryKey().defaultRandom(),
    provider: text({ enum: IDENTITY_PROVIDERS }).notNull(),
    purpose: text({ enum: ["sign_in", "link"] }).notNull(),
    /** link: the account that started it; sign_in: the account signed in, once called back. */
    userId: uuid().references(() => users.id, { onDelete: "cascade" }),
    stateHash: text().notNull(),
    /** The hash of the secret the starting client keeps and shows again at the exchange. */
    clientKeyHash: text().notNull(),
    nonce: text().notNull(),
    codeVerifier: text().notNull(),
    exchangeCodeHash: text(),
    createdAt: at().notNull().defaultNow(),
    expiresAt: at().notNull(),
    calledBackAt: at(),
    exchangedAt: at(),
  },
  (table) => [
    uniqueIndex("identity_flows_state_hash_key").on(table.stateHash),
    uniqueIndex("identity_flows_exchange_code_hash_key").on(table.exchangeCodeHash),
    index("identity_flows_user_id_idx").on(table.userId),
    index("identity_flows_expires_at_idx").on(table.expiresAt),
  ],
);

export type UserIdentityRow = typeof userIdentities.$inferSelect;
export type IdentityFlowRow = typeof identityFlows.$inferSelect;
