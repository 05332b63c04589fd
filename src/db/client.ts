import { join } from "node:path";
import type { PGlite } from "@electric-sql/pglite";
import type { ExtractTablesWithRelations } from "drizzle-orm";
import { type SQL, sql } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import type { Config } from "../config.ts";
import type { Tracing } from "../lib/tracing.types.ts";
import { acquireDataDirLock } from "./lock.ts";
import * as schema from "./schema.ts";
import { tracePglite, tracePostgres } from "./traced.ts";

type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];
/** What a repository runs its statements on: the database or a caller's transaction. */
export type Executor = Db | Tx;

export type Database = {
  db: Db;
  driver: "pglite" | "postgres";
  /** Counts every statement Drizzle sends; tests use it to catch N+1 queries. */
  stats: { queries: number };
  /** The raw clients, for the migrator and the job queue. */
  pglite?: PGlite;
  sql?: postgres.Sql;
  /** Runs a statement and returns its rows, whatever the driver's result shape. */
  rows<T extends Record<string, unknown>>(query: SQL): Promise<T[]>;
  ping(): Promise<number>;
  close(): Promise<void>;
};

type DatabaseOptions = Pick<Config, "dataDir"> & {
  /** `preparedStatements` and `pipelining` default to on, as their settings do. */
  database: Omit<Config["database"], "preparedStatements" | "pipelining"> &
    Partial<Pick<Config["database"], "preparedStatements" | "pipelining">>;
  /** Open PGlite in memory, optionally from a dumped data directory (tests). */
  memory?: { loadDataDir?: Blob };
  /** With tracing on, every statement Drizzle sends is a span (src/db/traced.ts). */
  tracer?: Tracing;
};

function withStats(): { stats: { queries: number }; logger: { logQuery(): void } } {
  const stats = { queries: 0 };
  return {
    stats,
    logger: {
      logQuery() {
        stats.queries++;
      },
    },
  };
}

async function openPglite(options: DatabaseOptions): Promise<Database> {
  // Loaded only in embedded mode: a server on PostgreSQL never needs the WebAssembly build.
  const [{ PGlite }, { drizzle: drizzlePglite }] = await Promise.all([
    import("@electric-sql/pglite"),
    import("drizzle-orm/pglite"),
  ]);
  const releaseLock = options.memory ? () => {} : acquireDataDirLock(options.dataDir);
  let pglite: PGlite;
  try {
    pglite = options.memory
      ? await PGlite.create({ loadDataDir: options.memory.loadDataDir })
      : await PGlite.create({ dataDir: join(options.dataDir, "pglite") });
  } catch (error) {
    releaseLock();
    throw error;
  }
  const { stats, logger } = withStats();
  const traced = options.tracer?.enabled ? tracePglite(options.tracer, pglite) : undefined;
  const drizzled = drizzlePglite({
    client: traced?.client ?? pglite,
    schema,
    logger,
    casing: "snake_case",
  }) as unknown as Db;
  const db = traced ? traced.named(drizzled) : drizzled;
  return {
    db,
    driver: "pglite",
    stats,
    pglite,
    rows: async <T>(query: SQL) => ((await db.execute(query)) as unknown as { rows: T[] }).rows,
    ping: () => timed(db),
    async close() {
      if (!pglite.closed) await pglite.close();
      releaseLock();
    },
  };
}

function openPostgres(url: string, options: DatabaseOptions): Database {
  const client = postgres(url, {
    max: options.database.poolSize,
    // Off, every statement (Drizzle's `.prepare(name)` ones too) goes unnamed.
    prepare: options.database.preparedStatements ?? true,
    // How many queries postgres.js may write on a connection before the first answers (its
    // default: 100). 0 sends one at a time, which a transaction pooler needs: PgBouncer 1.18 hands
    // a server connection back at the first answer's end, and the replies to the queries behind
    // it go to no one (docs/deploy.md). Needs patches/postgres+3.4.9.patch for transactions.
    ...({ max_pipeline: options.database.pipelining === false ? 0 : 100 } as object),
    connect_timeout: 5,
    // postgres.js retries a refused connection with a backoff that grows to 20 s, so after an
    // outage the pool could stay away for seconds once the server is back; cap it at 250 ms.
    backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 0.25),
    idle_timeout: 30,
    onnotice: () => {},
    connection: {
      application_name: "stratum",
      statement_timeout: options.database.statementTimeoutMs,
    },
  });
  const { stats, logger } = withStats();
  const traced = options.tracer?.enabled ? tracePostgres(options.tracer, client) : undefined;
  const drizzled = drizzlePostgres({
    client: traced?.client ?? client,
    schema,
    logger,
    casing: "snake_case",
  }) as unknown as Db;
  const db = traced ? traced.named(drizzled) : drizzled;
  return {
    db,
    driver: "postgres",
    stats,
    sql: client,
    rows: async <T>(query: SQL) => [...((await db.execute(query)) as unknown as T[])],
    ping: () => timed(db),
    close: () => client.end({ timeout: 5 }),
  };
}

async function timed(db: Db): Promise<number> {
  const started = performance.now();
  await db.execute(sql`select 1`);
  return Math.round((performance.now() - started) * 100) / 100;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.database.url ? openPostgres(options.database.url, options) : openPglite(options);
}
