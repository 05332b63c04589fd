import { sql } from "drizzle-orm";
import PgBoss10 from "pg-boss-10";
import { describe, expect, it } from "vitest";
import { testConfig } from "../../test/helpers/app.ts";
import { createScratchPostgres, testDataDir } from "../../test/helpers/database.ts";
import { drainQueue, outboxMessages } from "../../test/helpers/queue.ts";
import { openDatabase } from "../db/client.ts";
import { migrate } from "../db/migrate.ts";
import { createDeps, type Deps } from "../deps.ts";
import { mailSendJob } from "../modules/mail/mail.jobs.ts";
import { jobBacklog } from "./backlog.table.ts";

const baseUrl = process.env.TEST_DATABASE_URL;

const mail = (to: string) => ({ to, template: "mail.test", data: { note: "upgrade" } });

/** The previous release's job queue: pg-boss 10.4.2 in its `pgboss` schema. */
async function previousRelease(url: string): Promise<PgBoss10> {
  const boss = new PgBoss10({ connectionString: url, schema: "pgboss", max: 2 });
  boss.on("error", () => {});
  await boss.start();
  return boss;
}

/** What the previous release's worker does until its queue is empty: run each job, complete it. */
async function drainPrevious(boss: PgBoss10, deps: Deps): Promise<number> {
  let ran = 0;
  for (;;) {
    const jobs = await boss.fetch<object>("mail.send", { batchSize: 5, includeMetadata: true });
    if (jobs.length === 0) return ran;
    for (const job of jobs) {
      const run = { id: job.id, name: job.name, attempt: job.retryCount + 1 };
      await mailSendJob.handle(mailSendJob.payload.parse(job.data), deps, run);
      await boss.complete("mail.send", job.id);
      ran++;
    }
  }
}

describe.runIf(baseUrl)("upgrading a database that pg-boss 10 created", { timeout: 60_000 }, () => {
  it("runs new jobs on pg-boss 12 beside the old schema, which drains and is dropped", async () => {
    const url = await createScratchPostgres(baseUrl as string, "pgboss10");
    const database = await openDatabase({
      dataDir: testDataDir,
      database: { url, embedded: false, poolSize: 2, statementTimeoutMs: 10_000 },
    });
    let deps: Deps | undefined;
    try {
      await migrate(database);
      // The previous release: its queue, and a job sent the way it sent them (with its backlog row).
      const old = await previousRelease(url);
      const { retry, expireInSeconds } = mailSendJob;
      const options = {
        retryLimit: retry.limit,
        retryDelay: retry.delaySeconds,
        retryBackoff: retry.backoff,
        expireInSeconds,
      };
      await old.createQueue("mail.send", { name: "mail.send", ...options });
      const oldId = await old.send("mail.send", mail("before@example.com"), options);
      await database.db.insert(jobBacklog).values({
        jobId: oldId as string,
        queue: "mail.send",
        dueAt: new Date(Date.now() - 3.6e6),
      });
      await old.stop({ graceful: false, wait: true });

      // This release on the same database: pg-boss 12 installs its own schema and starts.
      deps = await createDeps(testConfig({ JOB_QUEUE_WARN_AGE_SECONDS: "300" }), { database });
      const ready = await deps.health.readiness();
      expect(ready.checks.queue?.status).toBe("up");
      // The old job's backlog row is found gone from the queue and dropped, not reported.
      expect(ready.warnings).toEqual([]);
      await deps.queue.send("mail.send", mail("after@example.com"));
      expect(await drainQueue(deps)).toBe(1);
      expect((await outboxMessages(deps)).map((m) => m.to)).toEqual(["after@example.com"]);

      // The previous release's worker, still running beside the new one, drains the old schema.
      const drainer = await previousRelease(url);
      expect(await drainPrevious(drainer, deps)).toBe(1);
      expect(await drainer.getQueueSize("mail.send")).toBe(0);
      await drainer.stop({ graceful: false, wait: true });
      expect((await outboxMessages(deps)).map((m) => m.to).sort()).toEqual([
        "after@example.com",
        "before@example.com",
      ]);

      // Drained, the old schema goes; pg-boss 12 carries on.
      await database.db.execute(sql`drop schema pgboss cascade`);
      await deps.queue.send("mail.send", mail("later@example.com"));
      expect(await drainQueue(deps)).toBe(1);
      expect(await outboxMessages(deps)).toHaveLength(3);
    } finally {
      await deps?.close();
      await database.close();
    }
  });
});
