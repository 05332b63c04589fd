import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { sql } from "drizzle-orm";
import { type MigrationConfig, readMigrationFiles } from "drizzle-orm/migrator";
import type { PgliteDatabase } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import type postgres from "postgres";
import type { Logger } from "../lib/logger.ts";
import type { Database } from "./client.ts";

export const migrationsFolder = fileURLToPath(new URL("./migrations", import.meta.url));
const journalPath = join(migrationsFolder, "meta", "_journal.json");

// Where Drizzle's migrator records what it applied (its documented defaults, named explicitly).
const MIGRATIONS_SCHEMA = "drizzle";
const MIGRATIONS_TABLE = "__drizzle_migrations";

// Any constant works; it only has to be the same in every process that migrates.
const MIGRATION_LOCK_KEY = 7_201_114_026;

/**
 * Applies pending migrations. On PostgreSQL the whole run is one transaction that first takes a
 * transaction-scoped advisory lock, so concurrent starters (several replicas, a CLI) wait for each
 * other instead of racing, and the lock ends with the transaction whatever happens. A session
 * lock (`pg_advisory_lock`) is not safe behind PgBouncer in transaction mode: the lock, the
 * migration and the unlock may run on different server connections, and a lock left on one blocks
 * the next migrator for as long as PgBouncer keeps that connection (docs/deploy.md, "Migrations").
 */
export async function migrate(database: Database): Promise<void> {
  if (!existsSync(journalPath)) return;
  const config = {
    migrationsFolder,
    migrationsSchema: MIGRATIONS_SCHEMA,
    migrationsTable: MIGRATIONS_TABLE,
  };
  if (database.driver === "pglite") {
    await migratePglite(database.db as unknown as PgliteDatabase, config);
    return;
  }
  if (!database.sql) throw new Error("PostgreSQL client missing");
  await migratePostgresLocked(database.sql, config);
}

/**
 * Drizzle's own rule and bookkeeping (its postgres-js migrator: the same table, applying every
 * migration stamped after the latest record, each with its hash), run inside one transaction
 * behind the lock. Drizzle's migrator cannot be handed a transaction, and it creates its table
 * and reads the latest record before opening its own.
 *
 * verify: raw-sql-allowed — `unsafe` runs only the statements of the committed migration files,
 * as Drizzle's migrator does with `sql.raw`.
 */
async function migratePostgresLocked(client: postgres.Sql, config: MigrationConfig) {
  const migrations = readMigrationFiles(config);
  await client.begin(async (tx) => {
    const table = tx`${tx(MIGRATIONS_SCHEMA)}.${tx(MIGRATIONS_TABLE)}`;
    // A request-sized statement timeout would cancel a waiting starter, or a long index build.
    await tx`set local statement_timeout = 0`;
    await tx`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`;
    await tx`create schema if not exists ${tx(MIGRATIONS_SCHEMA)}`;
    await tx`create table if not exists ${table} (
      id serial primary key, hash text not null, created_at bigint
    )`;
    const [last] = await tx<{ created_at: string | null }[]>`
      select created_at from ${table} order by created_at desc limit 1`;
    const lastApplied = last?.created_at == null ? undefined : Number(last.created_at);
    for (const migration of migrations) {
      if (lastApplied !== undefined && migration.folderMillis <= lastApplied) continue;
      for (const statement of migration.sql) await tx.unsafe(statement);
      await tx`insert into ${table} (hash, created_at)
        values (${migration.hash}, ${migration.folderMillis})`;
    }
  });
}

/** The `when` stamp of every migration committed with the code, from drizzle-kit's journal. */
export function committedMigrations(): number[] {
  if (!existsSync(journalPath)) return [];
  const journal = JSON.parse(readFileSync(journalPath, "utf8")) as { entries: { when: number }[] };
  return journal.entries.map((entry) => entry.when);
}

/**
 * How many committed migrations Drizzle's migrator would still apply. It records each applied
 * migration's journal stamp in `created_at` and applies every one stamped after the latest
 * record, so that is what counts here (`undefined`: nothing was ever applied).
 */
export function countPending(
  committed: readonly number[],
  lastApplied: number | undefined,
): number {
  if (lastApplied === undefined) return committed.length;
  return committed.filter((when) => when > lastApplied).length;
}

/** The latest applied migration's stamp, or undefined on a database never migrated. */
async function lastAppliedMigration(database: Database): Promise<number | undefined> {
  const table = `${MIGRATIONS_SCHEMA}.${MIGRATIONS_TABLE}`;
  const [found] = await database.rows<{ present: boolean }>(
    sql`select to_regclass(${table}) is not null as present`,
  );
  if (!found?.present) return undefined;
  const [row] = await database.rows<{ last: string | number | null }>(
    sql`select max(created_at) as last from ${sql.identifier(MIGRATIONS_SCHEMA)}.${sql.identifier(MIGRATIONS_TABLE)}`,
  );
  return row?.last === null || row?.last === undefined ? undefined : Number(row.last);
}

/** How many migrations committed with this code the database has not applied yet. */
export async function pendingMigrations(database: Database): Promise<number> {
  return countPending(committedMigrations(), await lastAppliedMigration(database));
}

/** The one wording of "the schema is behind the code", for the start log and readiness. */
export function pendingMigrationsMessage(pending: number): string {
  return `${pending} migration${pending === 1 ? "" : "s"} pending: run \`npm run db:migrate\``;
}

/**
 * At a start that does not migrate: readiness stays 503 while migrations are pending, so say why
 * in the log too. A database that does not answer yet is readiness's to report, not a reason to
 * stop starting.
 */
export async function warnOfPendingMigrations(database: Database, logger: Logger): Promise<void> {
  const pending = await pendingMigrations(database).catch((error: unknown) => {
    logger.warn({ err: error }, "could not check for pending migrations");
    return 0;
  });
  if (pending > 0) logger.warn(pendingMigrationsMessage(pending));
}
