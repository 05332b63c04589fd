import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { PgliteDatabase } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import type { PostgresJsDatabase } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import type { Database } from "./client.ts";

export const migrationsFolder = fileURLToPath(new URL("./migrations", import.meta.url));

// Any constant works; it only has to be the same in every process that migrates.
const MIGRATION_LOCK_KEY = 7_201_114_026;

/**
 * Applies pending migrations. On PostgreSQL an advisory lock makes concurrent starters
 * (several replicas, a CLI) wait for each other instead of racing.
 */
export async function migrate(database: Database): Promise<void> {
  if (!existsSync(join(migrationsFolder, "meta", "_journal.json"))) return;
  const config = { migrationsFolder, migrationsSchema: "drizzle" };
  if (database.driver === "pglite") {
    await migratePglite(database.db as unknown as PgliteDatabase, config);
    return;
  }
  const sql = database.sql;
  if (!sql) throw new Error("PostgreSQL client missing");
  const lock = await sql.reserve();
  try {
    await lock`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
    await migratePostgres(database.db as unknown as PostgresJsDatabase, config);
  } finally {
    await lock`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.catch(() => {});
    lock.release();
  }
}
