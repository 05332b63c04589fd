import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { REPORTS_DIR } from "../helpers/browser.ts";
import { startServer } from "../helpers/process.ts";

// Not localhost: Chromium upgrades nothing on localhost, so only another name shows what a policy
// like `upgrade-insecure-requests` does to a page served over plain http.
const HOST_NAME = "stratum.test";

declare module "vitest" {
  export interface ProvidedContext {
    browserServer: { origin: string; url: string };
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * One real server for all browser tests (starting one costs seconds): development, so the
 * mailbox is on, on a data directory of its own. Its output is kept in reports/ after the run.
 */
export default async function setup(project: TestProject) {
  const dataDir = mkdtempSync(join(tmpdir(), "stratum-browser-"));
  const port = await freePort();
  const origin = `http://${HOST_NAME}:${port}`;
  const server = await startServer({
    NODE_ENV: "development",
    PORT: String(port),
    DATA_DIR: dataDir,
    APP_URL: origin,
    WORKER_POLL_INTERVAL_MS: "500",
  });
  project.provide("browserServer", { origin, url: server.url });
  return async () => {
    server.child.kill("SIGTERM");
    await server.exited;
    mkdirSync(REPORTS_DIR, { recursive: true });
    writeFileSync(join(REPORTS_DIR, "browser-server.log"), server.output());
    rmSync(dataDir, { recursive: true, force: true });
  };
}
