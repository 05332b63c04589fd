import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { migrate } from "../../src/db/migrate.ts";
import { createDeps } from "../../src/deps.ts";
import { testConfig } from "../helpers/app.ts";
import { spawnEntry } from "../helpers/process.ts";
import { outboxMessages, queuedJobs } from "../helpers/queue.ts";
import { PG_URL, recordFigure, scratchDatabase, waitUntil } from "./support.ts";

const JOBS = 300;
const KILLS = 3;

describe.runIf(PG_URL)("worker killed mid-job", () => {
  it("completes every job exactly once across repeated SIGKILLs", async () => {
    const url = await scratchDatabase("worker");
    const deps = await createDeps(testConfig({ DATABASE_URL: url, WORKER_MODE: "off" }));
    const env = {
      DATABASE_URL: url,
      JWT_SECRET: "x".repeat(40),
      LOG_LEVEL: "warn",
      WORKER_CONCURRENCY: "5",
      WORKER_POLL_INTERVAL_MS: "500",
      JOB_MAINTENANCE_INTERVAL_SECONDS: "1",
    };
    try {
      await migrate(deps.database);
      for (let i = 0; i < JOBS; i++) {
        const data = { note: `message ${i}` };
        await deps.queue.send("mail.send", {
          to: `reader${i}@example.com`,
          template: "mail.test",
          data,
        });
      }
      const deliveredAtKill: number[] = [];
      for (let kill = 0; kill < KILLS; kill++) {
        const worker = spawnEntry("src/worker.ts", [], env);
        const before = deliveredAtKill.at(-1) ?? 0;
        // Kill it only once it is sending: some jobs done, others in flight.
        await waitUntil(async () => (await outboxMessages(deps)).length > before + 20, 60_000);
        await sleep(300);
        worker.child.kill("SIGKILL");
        await worker.exited;
        deliveredAtKill.push((await outboxMessages(deps)).length);
      }
      const last = spawnEntry("src/worker.ts", [], env);
      const started = Date.now();
      await waitUntil(async () => {
        const jobs = await queuedJobs(deps, "mail.send");
        return jobs.length === JOBS && jobs.every((job) => job.state === "completed");
      }, 180_000);
      last.child.kill("SIGTERM");
      expect(await last.exited).toBe(0);

      const messages = await outboxMessages(deps);
      const recipients = new Set(messages.map((message) => message.to));
      recordFigure(
        "5. Worker killed mid-job",
        `${JOBS} mail.send jobs; the worker process SIGKILLed ${KILLS} times while sending`,
        `${messages.length} messages for ${recipients.size} distinct jobs (delivered at each kill: ${deliveredAtKill.join(", ")}); the rest finished ${Math.round((Date.now() - started) / 1000)} s after the last restart`,
        messages.length === JOBS && recipients.size === JOBS,
      );
      expect(recipients.size).toBe(JOBS);
      expect(messages.length).toBe(JOBS);
    } finally {
      await deps.close();
    }
  }, 300_000);
});
