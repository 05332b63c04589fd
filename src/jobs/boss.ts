import type { PGlite, Results } from "@electric-sql/pglite";
import pg from "pg";
import PgBoss from "pg-boss";
import type postgres from "postgres";
import type { Config } from "../config.ts";
import type { Database, Tx } from "../db/client.ts";
import type { Logger } from "../lib/logger.ts";

export const BOSS_SCHEMA = "pgboss";

type SqlResult = { rows: Record<string, unknown>[] };

/**
 * pg-boss sends its schema plans as one parameterless multi-statement string (only `exec` runs
 * those on PGlite) and everything else as a single parameterized statement (`query`).
 */
export function pgliteExecutor(client: Pick<PGlite, "exec" | "query">): PgBoss.Db {
  return {
    async executeSql(text: string, values?: unknown[]): Promise<SqlResult> {
      if (!values || values.length === 0) {
        const results: Results[] = await client.exec(text);
        return { rows: (results.at(-1)?.rows ?? []) as Record<string, unknown>[] };
      }
      const result = await client.query<Record<string, unknown>>(text, values);
      return { rows: result.rows };
    },
  };
}

/** Values as pg (pg-boss's own driver) would send them: undefined is NULL, objects are JSON. */
function asPgParameter(value: unknown): unknown {
  if (value === undefined) return null;
  if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
  return value instanceof Date ? value.toISOString() : JSON.stringify(value);
}

type PostgresTxClient = {
  unsafe(text: string, values: unknown[]): Promise<Record<string, unknown>[]>;
};
type PgliteTxClient = Pick<PGlite, "query" | "exec">;

/**
 * Runs pg-boss statements on a caller's open transaction, so a job inserted there exists if and
 * only if that transaction commits. Drizzle keeps the driver's transaction client on the session.
 */
// verify: raw-sql-allowed — the text is pg-boss's own parameterized SQL; values stay parameters.
export function transactionExecutor(database: Database, tx: Tx): PgBoss.Db {
  const client = (tx as unknown as { session: { client: unknown } }).session.client;
  if (database.driver === "pglite") return pgliteExecutor(client as PgliteTxClient);
  const sql = client as PostgresTxClient;
  return {
    async executeSql(text: string, values?: unknown[]): Promise<SqlResult> {
      const params = (values ?? []).map(asPgParameter);
      return { rows: [...(await sql.unsafe(text, params))] };
    },
  };
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
  /** Maintenance (expiring crashed runs, archiving) and cron belong to processes that run jobs. */
  runsJobs: boolean;
};

export type Boss = { boss: PgBoss; close(): Promise<void> };

export function createBoss({ database, config, logger, runsJobs }: BossOptions): Boss {
  const pool = database.driver === "postgres" ? createPool(database, logger) : undefined;
  const db: PgBoss.Db = pool
    ? { executeSql: (text, values) => pool.query(text, values) }
    : pgliteExecutor(database.pglite as PGlite);
  const boss = new PgBoss({
    db,
    schema: BOSS_SCHEMA,
    supervise: runsJobs,
    schedule: runsJobs,
    maintenanceIntervalSeconds: config.worker.maintenanceIntervalSeconds,
    // Failed jobs are the dead letters an operator lists and requeues: keep them a month.
    archiveFailedAfterSeconds: 30 * 24 * 3600,
    archiveCompletedAfterSeconds: 12 * 3600,
    cronMonitorIntervalSeconds: 30,
  });
  boss.on("error", (error) => logger.error({ err: error }, "job queue error"));
  return {
    boss,
    async close() {
      await boss.stop({ graceful: false, close: false });
      await pool?.end();
    },
  };
}
