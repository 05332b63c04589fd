import type { PGlite } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import pg from "pg";
import {
  type Db as BossDb,
  type DrizzleTransactionLike,
  fromDrizzle,
  fromPglite,
  PgBoss,
} from "pg-boss";
import type postgres from "postgres";
import type { Config } from "../config.ts";
import type { Database, Tx } from "../db/client.ts";
import { traceStatement } from "../db/traced.ts";
import type { Logger } from "../lib/logger.ts";
import type { Tracing } from "../lib/tracing.types.ts";

/**
 * pg-boss 12's schema. Not pg-boss 10's `pgboss`: 12 cannot migrate that one, so both live side by
 * side until the old one is drained and dropped (docs/jobs.md, "Upgrading from pg-boss 10").
 */
export const BOSS_SCHEMA = "pgboss_v12";

/** The queue no worker fetches from: jobs that failed for good wait here for an operator. */
export const DEAD_LETTERS = "jobs.dead-letters";

export type { BossDb };

/** Values as pg (pg-boss's own driver) sends them: undefined is NULL, objects are JSON. */
function asPgParameter(value: unknown): unknown {
  if (value === undefined) return null;
  if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
  return value instanceof Date ? value.toISOString() : JSON.stringify(value);
}

/**
 * pg-boss statements run on a caller's open transaction: they commit or roll back with it.
 * pg-boss's Drizzle adapter hands values to the driver as they are; postgres.js does not turn an
 * object into JSON (a job's output, `fail`'s error) the way pg does, so they go as text.
 */
export function transactionExecutor(tx: Tx): BossDb {
  const db = fromDrizzle(tx as unknown as DrizzleTransactionLike, sql);
  return { executeSql: (text, values) => db.executeSql(text, values?.map(asPgParameter)) };
}

/** Runs `fn` in one transaction of the app's database, handing it that transaction for pg-boss. */
export function inTransaction<T>(database: Database, fn: (db: BossDb) => Promise<T>): Promise<T> {
  return database.db.transaction((tx) => fn(transactionExecutor(tx)));
}

function pgSsl(ssl: unknown): pg.PoolConfig["ssl"] {
  if (ssl === false || ssl === undefined || ssl === "disable" || ssl === "prefer") return false;
  return typeof ssl === "object" ? (ssl as object) : { rejectUnauthorized: ssl === "verify-full" };
}

/** pg-boss's own small pool to the server and database the app uses. */
function createPool(database: Database, logger: Logger): pg.Pool {
  const options = (database.sql as postgres.Sql).options;
  const pool = new pg.Pool({
    host: options.host[0],
    port: options.port[0],
    database: options.database,
    user: options.user,
    password: (options as { pass?: string | null }).pass ?? undefined,
    ssl: pgSsl(options.ssl),
    max: 3,
    application_name: "stratum-jobs",
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  // Without a listener, an idle connection dropped by the server crashes the process.
  pool.on("error", (error) => logger.error({ err: error }, "job queue connection lost"));
  return pool;
}

type BossOptions = {
  database: Database;
  config: Pick<Config, "worker">;
  logger: Logger;
  tracing: Tracing;
  /** Supervision (expiring crashed runs, retention) and cron belong to processes that run jobs. */
  runsJobs: boolean;
};

/** The schema pg-boss 10 (this project up to 0.1.0) installed its tables in. */
export const LEGACY_BOSS_SCHEMA = "pgboss";

export type Boss = {
  boss: PgBoss;
  /** pg-boss 10's schema version when its schema is still in the database, else null. */
  legacyVersion(): Promise<number | null>;
  close(): Promise<void>;
};

/** pg-boss's statements on its own connection, as spans within a traced request or job run. */
function traced(db: BossDb, tracing: Tracing): BossDb {
  if (!tracing.enabled) return db;
  const executeSql = db.executeSql.bind(db);
  return {
    ...db,
    executeSql: (text, values) => traceStatement(tracing, text, () => executeSql(text, values)),
  };
}

export function createBoss({ database, config, logger, tracing, runsJobs }: BossOptions): Boss {
  const pool = database.driver === "postgres" ? createPool(database, logger) : undefined;
  const db = traced(
    pool
      ? { executeSql: (text, values) => pool.query(text, values) }
      : fromPglite(database.pglite as PGlite),
    tracing,
  );
  const interval = config.worker.maintenanceIntervalSeconds;
  const boss = new PgBoss({
    db,
    schema: BOSS_SCHEMA,
    backend: pool ? "postgres" : "pglite",
    supervise: runsJobs,
    schedule: runsJobs,
    // The monitor pass (every supervise tick, per queue at most every monitor interval) is what
    // fails and retries the runs of a killed worker once their expiry has passed.
    superviseIntervalSeconds: interval,
    monitorIntervalSeconds: interval,
    // Retention: deleting finished jobs past their queue's deleteAfterSeconds.
    maintenanceIntervalSeconds: Math.max(interval, 600),
    cronMonitorIntervalSeconds: 30,
  });
  boss.on("error", (error) => logger.error({ err: error }, "job queue error"));
  return {
    boss,
    async legacyVersion() {
      // pg-boss's own reading of a schema, through an instance that is never started.
      const legacy = new PgBoss({ db, schema: LEGACY_BOSS_SCHEMA });
      return (await legacy.isInstalled()) ? legacy.schemaVersion() : null;
    },
    async close() {
      await boss.stop({ graceful: false, close: false });
      await pool?.end();
    },
  };
}
