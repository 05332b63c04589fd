// Every table of every module, for Drizzle's relational queries and drizzle-kit.

export * from "../jobs/backlog.table.ts";
export * from "../modules/audit/audit.table.ts";
export * from "../modules/auth/auth.table.ts";
export * from "../modules/auth/identities.table.ts";
export * from "../modules/auth/mfa.table.ts";
export * from "../modules/auth/passkeys.table.ts";
export * from "../modules/exports/exports.table.ts";
export * from "../modules/favorites/favorites.table.ts";
export * from "../modules/mail/mail.table.ts";
export * from "../modules/ratings/ratings.table.ts";
export * from "../modules/recipes/recipes.table.ts";
export * from "../modules/tags/tags.table.ts";
export * from "../modules/users/users.table.ts";
