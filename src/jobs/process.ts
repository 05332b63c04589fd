import closeWithGrace from "close-with-grace";
import { migrate } from "../db/migrate.ts";
import { createDeps, type Deps, type DepsOverrides } from "../deps.ts";
import { configOrExit, exitOnStartupError } from "../lib/bootstrap.ts";
import { logMissingPatches } from "../lib/dependency-patches.ts";
import type { JobsContext } from "./define.ts";
import { startWorkerHttp, type WorkerHttp } from "./http.ts";
import type { Jobs } from "./registry.ts";

/**
 * A worker process: runs jobs whatever WORKER_MODE says and serves no API, only its health and
 * metrics on WORKER_HTTP_PORT. On SIGTERM readiness turns 503 at once; the worker stops fetching,
 * lets running jobs finish for up to SHUTDOWN_TIMEOUT_MS and hands back the rest.
 */
export async function runWorkerProcess(
  options: { overrides?: DepsOverrides; configure?: (deps: Deps) => void } = {},
): Promise<void> {
  const config = configOrExit();
  const worker = { ...config.worker, mode: "inline" as const };
  const deps = await createDeps({ ...config, worker }, options.overrides).catch(exitOnStartupError);
  const { logger } = deps;
  logMissingPatches(logger);
  let http: WorkerHttp | undefined;
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
        // Closed last, so readiness answers 503 for the whole drain.
        await http?.close();
        logger.info("worker shutdown complete");
      },
    );
    // Before the first fetch: a port already taken stops the start, not a running worker.
    if (config.worker.http) {
      const readiness = () => deps.health.readiness();
      http = await startWorkerHttp({
        ...config.worker.http,
        readiness,
        metrics: deps.metrics,
        logger,
      });
    }
    deps.worker.start(context);
  } catch (error) {
    logger.error({ err: error }, "worker startup failed");
    await http?.close();
    await deps.close().catch(() => {});
    exitOnStartupError(error);
  }
}
