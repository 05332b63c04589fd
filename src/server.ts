import closeWithGrace from "close-with-grace";
import { buildApp } from "./app.ts";
import { migrate } from "./db/migrate.ts";
import { createDeps } from "./deps.ts";
import { configOrExit, exitOnStartupError } from "./lib/bootstrap.ts";

const config = configOrExit();
const deps = await createDeps(config).catch(exitOnStartupError);
const { logger } = deps;

try {
  if (config.migrateOnStart) await migrate(deps.database);
  const app = await buildApp(deps);

  closeWithGrace(
    { delay: config.shutdownTimeoutMs, logger: { error: (message) => logger.error(message) } },
    async ({ signal, err }) => {
      if (err) logger.error({ err }, "shutting down after an error");
      else logger.info({ signal }, "shutting down");
      // Readiness answers 503 from here on; Fastify lets in-flight requests finish.
      deps.lifecycle.shuttingDown = true;
      await app.close();
      await deps.close();
      logger.info("shutdown complete");
    },
  );

  await app.listen({ host: config.host, port: config.port });
} catch (error) {
  logger.error({ err: error }, "startup failed");
  await deps.close().catch(() => {});
  exitOnStartupError(error);
}
