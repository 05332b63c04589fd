import { setTimeout as sleep } from "node:timers/promises";
import closeWithGrace from "close-with-grace";
import { buildApp, buildMetricsApp } from "./app.ts";
import { productionWarnings } from "./config.ts";
import { migrate, warnOfPendingMigrations } from "./db/migrate.ts";
import { createDeps } from "./deps.ts";
import { configOrExit, exitOnStartupError } from "./lib/bootstrap.ts";
import { logMissingPatches } from "./lib/dependency-patches.ts";

const config = configOrExit();
const deps = await createDeps(config).catch(exitOnStartupError);
const { logger } = deps;
logMissingPatches(logger);
for (const warning of productionWarnings(config)) logger.warn(warning);

try {
  if (config.migrateOnStart) await migrate(deps.database);
  else await warnOfPendingMigrations(deps.database, logger);
  const app = await buildApp(deps);
  const metricsApp = config.metrics.port === undefined ? undefined : await buildMetricsApp(deps);

  closeWithGrace(
    // The worker may use all of SHUTDOWN_TIMEOUT_MS to drain; closing the rest needs a moment more.
    {
      delay: config.shutdownDrainMs + config.shutdownTimeoutMs + 2_000,
      logger: { error: (message) => logger.error(message) },
    },
    async ({ signal, err }) => {
      if (err) logger.error({ err }, "shutting down after an error");
      else logger.info({ signal }, "shutting down");
      // Readiness answers 503 from here on and every response closes its connection. On SIGTERM
      // (an orchestrator, not a person at a terminal) keep serving for the drain period so a load
      // balancer sees the 503 and no client writes into a connection that is being closed.
      deps.lifecycle.shuttingDown = true;
      if (signal === "SIGTERM") await sleep(config.shutdownDrainMs);
      await app.close();
      await metricsApp?.close();
      await deps.close();
      logger.info("shutdown complete");
    },
  );

  await app.listen({ host: config.host, port: config.port });
  await metricsApp?.listen({ host: config.metrics.host, port: config.metrics.port });
  if (config.worker.mode === "inline") deps.worker.start(deps);
} catch (error) {
  logger.error({ err: error }, "startup failed");
  await deps.close().catch(() => {});
  exitOnStartupError(error);
}
