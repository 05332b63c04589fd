import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { type Database, openDatabase } from "../../src/db/client.ts";
import { migrate } from "../../src/db/migrate.ts";
import type { Tracing } from "../../src/lib/tracing.types.ts";

let shared: Promise<Database> | undefined;

type JobQueueLike = { boss: { deleteAllJobs(): Promise<unknown> } };
/** The job queues open on each test database: resetDatabase empties their jobs through pg-boss. */
const jobQueues = new Map<Database, Set<JobQueueLike>>();

/** Lets resetDatabase(database) empty this queue's jobs too; call the result before closing it. */
export function trackJobQueue(database: Database, queue: JobQueueLike): () => void {
  const queues = jobQueues.get(database) ?? new Set();
  jobQueues.set(database, queues.add(queue));
  return () => queues.delete(queue);
}

/** Creates an empty database of its own on the server behind TEST_DATABASE_URL. */
export async function createScratchPostgres(baseUrl: string, label: string): Promise<string> {
  const name = `stratum_test_${process.env.STRATUM_TEST_RUN ?? "local"}_${label}_${process.pid}`;
  const admin = postgres(baseUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.unsafe(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export const testDataDir = join(tmpdir(), "stratum-test");

async function open(): Promise<Database> {
  const baseUrl = process.env.TEST_DATABASE_URL;
  const url = baseUrl ? await createScratchPostgres(baseUrl, "w") : undefined;
  const database = await openDatabase({
    dataDir: testDataDir,
    database: { url, embedded: !url, poolSize: 5, statementTimeoutMs: 10_000 },
    memory: url ? undefined : {},
  });
  await migrate(database);
  return database;
}

/**
 * A database of its own with no migration applied (PGlite in memory, or a fresh PostgreSQL one);
 * with `tracer`, its statements are spans.
 */
export async function openUnmigratedDatabase(label: string, tracer?: Tracing): Promise<Database> {
  const baseUrl = process.env.TEST_DATABASE_URL;
  const url = baseUrl ? await createScratchPostgres(baseUrl, label) : undefined;
  return openDatabase({
    dataDir: testDataDir,
    database: { url, embedded: !url, poolSize: 2, statementTimeoutMs: 10_000 },
    memory: url ? undefined : {},
    tracer,
  });
}

/** One migrated database per test worker: PGlite in memory, or PostgreSQL with TEST_DATABASE_URL. */
export function testDatabase(): Promise<Database> {
  shared ??= open();
  return shared;
}

/** Empties every application table, so each test starts from nothing. */
export async function resetDatabase(database: Database): Promise<void> {
  // Jobs live in pg-boss's own schema; tests that count them start from none too.
  const [queue] = jobQueues.get(database) ?? [];
  await queue?.boss.deleteAllJobs();
  const tables = await database.rows<{ tablename: string }>(
    sql`select tablename from pg_tables where schemaname = 'public'`,
  );
  if (tables.length === 0) return;
  const names = sql.join(
    tables.map(({ tablename }) => sql.identifier(tablename)),
    sql`, `,
  );
  await database.db.execute(sql`truncate ${names} restart identity cascade`);
}
