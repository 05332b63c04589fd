import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { TEST_JWT_SECRET, testConfig } from "../../test/helpers/app.ts";
import {
  createScratchPostgres,
  resetDatabase,
  testDataDir,
  trackJobQueue,
} from "../../test/helpers/database.ts";
import { spawnEntry, startServer, waitForOutput } from "../../test/helpers/process.ts";
import { drainQueue, outboxMessages, queuedJobs } from "../../test/helpers/queue.ts";
import { type Database, openDatabase } from "../db/client.ts";
import { migrate } from "../db/migrate.ts";
import { createDeps, type Deps } from "../deps.ts";
import { probeJob, probeTemplate } from "./fixtures/probe.ts";

const baseUrl = process.env.TEST_DATABASE_URL;

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// Real processes on a loaded machine take a while to boot; the assertions are about outcomes.
describe.runIf(baseUrl)("worker processes on PostgreSQL", { timeout: 60_000 }, () => {
  let url: string;
  let database: Database;
  let deps: Deps;
  let untrack: () => void;

  const startWorker = () =>
    spawnEntry("src/jobs/fixtures/probe-worker.ts", [], {
      DATABASE_URL: url,
      JWT_SECRET: TEST_JWT_SECRET,
      WORKER_POLL_INTERVAL_MS: "500",
      JOB_MAINTENANCE_INTERVAL_SECONDS: "1",
      SHUTDOWN_TIMEOUT_MS: "5000",
    });

  beforeAll(async () => {
    url = await createScratchPostgres(baseUrl as string, "jobs");
    database = await openDatabase({
      dataDir: testDataDir,
      database: { url, embedded: false, poolSize: 2, statementTimeoutMs: 10_000 },
    });
    await migrate(database);
    deps = await createDeps(testConfig(), { database, jobs: [probeJob] });
    deps.mailTemplates.add(probeTemplate);
    untrack = trackJobQueue(database, deps.queue);
  });
  afterAll(async () => {
    untrack();
    await deps.close();
    await database.close();
  });
  beforeEach(() => resetDatabase(database));

  it("retries the job of a worker killed mid-job and its effect happens once", async () => {
    const first = startWorker();
    const id = await deps.queue.sendUntyped("test.probe", { label: "kill", holdMs: 60_000 });
    await waitForOutput(first, /probe effect done/);
    first.child.kill("SIGKILL");
    await first.exited;
    expect((await queuedJobs(deps, "test.probe"))[0]?.state).toBe("active");

    const second = startWorker();
    try {
      const jobs = await waitFor(
        () => queuedJobs(deps, "test.probe"),
        (rows) => rows[0]?.state === "completed",
      );
      expect(jobs[0]).toMatchObject({ id, state: "completed", retryCount: 1 });
      expect(await outboxMessages(deps)).toHaveLength(1);
    } finally {
      second.child.kill("SIGTERM");
      await second.exited;
    }
  });

  it("lets a running job finish on SIGTERM before the worker exits", async () => {
    const worker = startWorker();
    const id = await deps.queue.sendUntyped("test.probe", { label: "term", holdMs: 1_200 });
    await waitForOutput(worker, /probe effect done/);
    worker.child.kill("SIGTERM");
    expect(await worker.exited).toBe(0);

    const output = worker.output();
    expect(output.indexOf("probe finished")).toBeGreaterThan(
      output.indexOf("worker shutting down"),
    );
    expect(output.indexOf("worker shutdown complete")).toBeGreaterThan(
      output.indexOf("probe finished"),
    );
    expect((await queuedJobs(deps, "test.probe"))[0]).toMatchObject({ id, state: "completed" });
  });

  it("serves health and metrics on its own port, logs each run, and is unready once SIGTERM came", async () => {
    const worker = startWorker();
    try {
      const [, url] = await waitForOutput(
        worker,
        /worker health and metrics at (http:\/\/127\.0\.0\.1:\d+)/,
      );
      expect((await fetch(`${url}/health/live`)).status).toBe(200);
      const ready = await waitFor(
        () => fetch(`${url}/health/ready`),
        (response) => response.status === 200,
      );
      expect(ready.status).toBe(200);
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toContain('jobs_oldest_queued_age_seconds{queue="test.probe"} 0');

      const id = await deps.queue.sendUntyped("test.probe", { label: "http", holdMs: 1_500 });
      await waitForOutput(worker, /probe effect done/);
      worker.child.kill("SIGTERM");
      await waitForOutput(worker, /worker shutting down/);
      // The running job is still draining: the endpoint answers, and says not ready.
      expect((await fetch(`${url}/health/ready`)).status).toBe(503);
      expect(await worker.exited).toBe(0);

      const lines = worker
        .output()
        .split("\n")
        .filter((line) => line.includes(`"id":"${id}"`));
      expect(lines.find((line) => line.includes('"msg":"job started"'))).toBeDefined();
      expect(lines.find((line) => line.includes('"msg":"job completed"'))).toMatch(
        /"durationMs":\d/,
      );
    } finally {
      worker.child.kill("SIGKILL");
      await worker.exited;
    }
  });

  it("lists and requeues a dead letter with `npm run jobs`", async () => {
    const payload = { label: "cli", holdMs: 0, refuseOnce: "mail server on fire" };
    const id = (await deps.queue.sendUntyped("test.probe", payload)) as string;
    expect(await drainQueue(deps)).toBe(1);
    const cli = (args: string[]) =>
      spawnEntry("src/cli.ts", ["jobs", ...args], {
        DATABASE_URL: url,
        JWT_SECRET: TEST_JWT_SECRET,
      });

    const failed = cli(["failed"]);
    expect(await failed.exited).toBe(0);
    expect(failed.output()).toMatch(new RegExp(`${id}\\s+test\\.probe.*mail server on fire`));
    const retry = cli(["retry", id]);
    expect(await retry.exited).toBe(0);
    expect(retry.output()).toContain(`requeued ${id}`);

    expect(await drainQueue(deps)).toBe(1);
    expect((await queuedJobs(deps, "test.probe"))[0]).toMatchObject({ id, state: "completed" });
  });

  it("hands a job still running at SHUTDOWN_TIMEOUT_MS back to the queue", async () => {
    const worker = spawnEntry("src/jobs/fixtures/probe-worker.ts", [], {
      DATABASE_URL: url,
      JWT_SECRET: TEST_JWT_SECRET,
      WORKER_POLL_INTERVAL_MS: "500",
      SHUTDOWN_TIMEOUT_MS: "200",
    });
    const id = await deps.queue.sendUntyped("test.probe", { label: "slow", holdMs: 1_800 });
    await waitForOutput(worker, /probe effect done/);
    worker.child.kill("SIGTERM");
    await worker.exited;
    expect((await queuedJobs(deps, "test.probe"))[0]).toMatchObject({
      id,
      state: "created",
      retryCount: 0,
    });
  });
});

describe("embedded mode", () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), "stratum-embedded-jobs-"));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it("processes jobs with `npm start` alone", async () => {
    const config = testConfig({ DATA_DIR: dataDir });
    const seed = await openDatabase(config);
    await migrate(seed);
    const seedDeps = await createDeps(config, { database: seed });
    await seedDeps.queue.send("mail.send", {
      to: "embedded@example.com",
      template: "mail.test",
      data: { note: "queued before the server started" },
    });
    await seedDeps.close();
    await seed.close();

    const server = await startServer({ DATA_DIR: dataDir, WORKER_POLL_INTERVAL_MS: "500" });
    try {
      const mail = await waitFor(
        async () => (await (await fetch(`${server.url}/api/dev/mail`)).json()) as { items: [] },
        (body) => body.items.length > 0,
      );
      expect(mail.items).toMatchObject([
        { to: "embedded@example.com", subject: "Stratum test message" },
      ]);
      const ready = (await (await fetch(`${server.url}/health/ready`)).json()) as {
        checks: Record<string, { status: string }>;
      };
      expect(ready.checks.queue?.status).toBe("up");
    } catch (error) {
      throw new Error(`${error}\n${server.output()}`);
    } finally {
      server.child.kill("SIGTERM");
      await server.exited;
    }
  }, 120_000);
});
