import type { Config } from "./config.ts";
import { type Database, openDatabase } from "./db/client.ts";
import { type Clock, systemClock } from "./lib/clock.ts";
import { createLogger, type Logger } from "./lib/logger.ts";
import { createMetrics } from "./lib/metrics.ts";
import { createHealthService } from "./modules/health/health.service.ts";

export type DepsOverrides = {
  logger?: Logger;
  /** A database owned by the caller (tests share one per worker); it is not closed by close(). */
  database?: Database;
  clock?: Clock;
};

/** The composition root: the only place that wires things together. */
export async function createDeps(config: Config, overrides: DepsOverrides = {}) {
  const logger = overrides.logger ?? createLogger(config);
  const database = overrides.database ?? (await openDatabase(config));
  const ownsDatabase = overrides.database === undefined;
  const clock = overrides.clock ?? systemClock;
  const metrics = createMetrics();
  const lifecycle = { shuttingDown: false };

  const health = createHealthService({
    lifecycle,
    checks: { database: () => database.ping() },
  });

  return {
    config,
    logger,
    database,
    db: database.db,
    clock,
    metrics,
    lifecycle,
    health,
    async close() {
      if (ownsDatabase) await database.close();
    },
  };
}

export type Deps = Awaited<ReturnType<typeof createDeps>>;
