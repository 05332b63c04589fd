import closeWithGrace from "close-with-grace";
import { migrate } from "../db/migrate.ts";
import { createDeps, type Deps, type DepsOverrides } from "../deps.ts";
import { configOrExit, exitOnStartupError } from "../lib/bootstrap.ts";
import type { JobsContext } from "./define.ts";
import type { Jobs } from "./registry.ts";

/**
 * A worker process: runs jobs whatever WORKER_MODE says and serves no HTTP. On SIGTERM it stops
 * fetching, lets running jobs finish for up to SHUTDOWN_TIMEOUT_MS and hands back the rest.
 */
export async function runWorkerProcess(
  options: { overrides?: DepsOverrides; configure?: (deps: Deps) => void } = {},
): Promise<void> {
  const config = configOrExit();
  const worker = { ...config.worker, mode: "inline" as const };
  const deps = await createDeps({ ...config, worker }, options.overrides).catch(exitOnStartupError);
  const { logger } = deps;
  try {
    if (config.migrateOnStart) await migrate(deps.database);
    options.configure?.(deps);
    // Compile-time proof that the deps give every registered handler what it asks for.
    const context: JobsContext<Jobs> = deps;
    closeWithGrace(
      { delay: config.shutdownTimeoutMs + 2_000, logger: { error: (m) => logger.error(m) } },
      async ({ signal, err }) => {
        if (err) logger.error({ err }, "worker shutting down after an error");
        else logger.info({ signal }, "worker shutting down");
        deps.lifecycle.shuttingDown = true;
        await deps.close();
        logger.info("worker shutdown complete");
      },
    );
    deps.worker.start(context);
  } catch (error) {
    logger.error({ err: error }, "worker startup failed");
    await deps.close().catch(() => {});
    exitOnStartupError(error);
  }
}
