import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { readMigrationFiles } from "drizzle-orm/migrator";
import { describe, expect, it } from "vitest";
import { createScratchPostgres, testDataDir } from "../../test/helpers/database.ts";
import { type Database, openDatabase } from "./client.ts";
import { countPending, migrate, migrationsFolder, pendingMigrationsMessage } from "./migrate.ts";

function journalEntries(): number {
  const journal = join(migrationsFolder, "meta", "_journal.json");
  if (!existsSync(journal)) return 0;
  return (JSON.parse(readFileSync(journal, "utf8")) as { entries: unknown[] }).entries.length;
}

async function appliedMigrations(database: Database): Promise<number> {
  const [exists] = await database.rows<{ present: boolean }>(
    sql`select to_regclass('drizzle.__drizzle_migrations') is not null as present`,
  );
  if (!exists?.present) return 0;
  const [row] = await database.rows<{ count: number }>(
    sql`select count(*)::int as count from drizzle.__drizzle_migrations`,
  );
  return row?.count ?? 0;
}

async function expectMigratesTwice(database: Database, concurrently: boolean) {
  try {
    if (concurrently) await Promise.all([migrate(database), migrate(database)]);
    else await migrate(database);
    await migrate(database);
    expect(await appliedMigrations(database)).toBe(journalEntries());
  } finally {
    await database.close();
  }
}

describe("migrate", () => {
  it("applies every migration to an empty PGlite, and again without error", async () => {
    const database = await openDatabase({
      dataDir: testDataDir,
      database: { url: undefined, embedded: true, poolSize: 1, statementTimeoutMs: 5_000 },
      memory: {},
    });
    await expectMigratesTwice(database, false);
  });

  it.runIf(process.env.TEST_DATABASE_URL)(
    "applies every migration to an empty PostgreSQL, concurrently and again",
    async () => {
      const url = await createScratchPostgres(process.env.TEST_DATABASE_URL as string, "migrate");
      const database = await openDatabase({
        dataDir: testDataDir,
        database: { url, embedded: false, poolSize: 4, statementTimeoutMs: 10_000 },
      });
      await expectMigratesTwice(database, true);
    },
  );

  it.runIf(process.env.TEST_DATABASE_URL)(
    "migrates once when three processes start at once, and leaves no lock behind",
    async () => {
      const url = await createScratchPostgres(process.env.TEST_DATABASE_URL as string, "migrate3");
      // Each its own client of one connection, as three processes would be.
      const starters = await Promise.all(
        [1, 2, 3].map(() =>
          openDatabase({
            dataDir: testDataDir,
            database: { url, embedded: false, poolSize: 1, statementTimeoutMs: 10_000 },
          }),
        ),
      );
      try {
        await Promise.all(starters.map((database) => migrate(database)));
        const [database] = starters as [Database];
        const rows = await database.rows<{ hash: string; created_at: string }>(
          sql`select hash, created_at from drizzle.__drizzle_migrations order by id`,
        );
        const committed = readMigrationFiles({ migrationsFolder });
        expect(rows.map((row) => [row.hash, Number(row.created_at)])).toEqual(
          committed.map((migration) => [migration.hash, migration.folderMillis]),
        );
        const locks = await database.rows<{ count: number }>(
          sql`select count(*)::int as count from pg_locks where locktype = 'advisory'
              and database = (select oid from pg_database where datname = current_database())`,
        );
        expect(locks[0]?.count).toBe(0);
      } finally {
        await Promise.all(starters.map((database) => database.close()));
      }
    },
  );
});

describe("countPending", () => {
  const committed = [100, 200, 300];

  it("counts every committed migration on a database never migrated", () => {
    expect(countPending(committed, undefined)).toBe(3);
  });

  it("counts the migrations stamped after the latest applied one, as the migrator does", () => {
    expect(countPending(committed, 100)).toBe(2);
    expect(countPending(committed, 250)).toBe(1);
    expect(countPending(committed, 300)).toBe(0);
  });

  it("counts none when the database is ahead of the code", () => {
    expect(countPending(committed, 400)).toBe(0);
    expect(countPending([], undefined)).toBe(0);
  });
});

describe("pendingMigrationsMessage", () => {
  it("says how many are pending and how to apply them, in the singular for one", () => {
    expect(pendingMigrationsMessage(1)).toBe("1 migration pending: run `npm run db:migrate`");
    expect(pendingMigrationsMessage(6)).toBe("6 migrations pending: run `npm run db:migrate`");
  });
});
