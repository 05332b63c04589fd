import { sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { createTestApp, type TestContext, testConfig } from "../../test/helpers/app.ts";
import { resetDatabase, testDataDir } from "../../test/helpers/database.ts";
import { drainQueue, queuedJobs } from "../../test/helpers/queue.ts";
import { openDatabase } from "../db/client.ts";
import { createDeps } from "../deps.ts";
import { ConflictError } from "../lib/errors.ts";
import { defineJob } from "./define.ts";
import { runJobsCommand } from "./jobs.cli.ts";
import { InvalidJobError } from "./queue.ts";

/** How often each key's handler ran, and how many of its runs should throw first. */
const attempts = new Map<string, number>();

const flakyJob = defineJob({
  name: "test.flaky",
  payload: z.object({ key: z.string(), failures: z.number().int(), permanent: z.boolean() }),
  retry: { limit: 2, delaySeconds: 0, backoff: false },
  expireInSeconds: 30,
  async handle({ key, failures, permanent }) {
    const attempt = (attempts.get(key) ?? 0) + 1;
    attempts.set(key, attempt);
    if (attempt <= failures) {
      throw permanent ? new ConflictError("probe_refused") : new Error(`flaky ${attempt}`);
    }
  },
});

/** The same job on an exclusive queue: one unfinished job per singletonKey. */
const uniqueJob = defineJob({ ...flakyJob, name: "test.unique", policy: "exclusive" });

async function metric(ctx: TestContext, name: string, job: string): Promise<number> {
  const text = await ctx.deps.metrics.registry.metrics();
  const line = text.split("\n").find((l) => l.startsWith(`${name}{name="${job}"}`));
  return line ? Number(line.split(" ").at(-1)) : 0;
}

describe("job queue", () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestApp({ overrides: { jobs: [flakyJob, uniqueJob] } });
  });
  afterAll(() => ctx.close());
  beforeEach(async () => {
    await resetDatabase(ctx.deps.database);
    attempts.clear();
  });

  const send = (key: string, failures = 0, permanent = false) =>
    ctx.deps.queue.sendUntyped("test.flaky", { key, failures, permanent });

  it("runs a job enqueued in a transaction that commits", async () => {
    const id = await ctx.deps.db.transaction(async (tx) => {
      await tx.execute(sql`select 1`);
      return ctx.deps.queue.sendUntyped(
        "test.flaky",
        { key: "commit", failures: 0, permanent: false },
        { tx },
      );
    });
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await drainQueue(ctx.deps)).toBe(1);
    expect(attempts.get("commit")).toBe(1);
    expect((await queuedJobs(ctx.deps, "test.flaky"))[0]).toMatchObject({ id, state: "completed" });
  });

  it("never runs a job enqueued in a transaction that rolls back", async () => {
    const rollback = ctx.deps.db.transaction(async (tx) => {
      await ctx.deps.queue.sendUntyped(
        "test.flaky",
        { key: "rollback", failures: 0, permanent: false },
        { tx },
      );
      throw new Error("business rule failed");
    });
    await expect(rollback).rejects.toThrow("business rule failed");
    expect(await queuedJobs(ctx.deps, "test.flaky")).toEqual([]);
    expect(await drainQueue(ctx.deps, { now: true })).toBe(0);
    expect(attempts.has("rollback")).toBe(false);
  });

  it("keeps one unfinished job per singletonKey and accepts the key again once it is done", async () => {
    const payload = { key: "single", failures: 1, permanent: false };
    const first = await ctx.deps.queue.sendUntyped("test.unique", payload, { singletonKey: "k" });
    expect(first).toMatch(/^[0-9a-f-]{36}$/);
    expect(await ctx.deps.queue.sendUntyped("test.unique", payload, { singletonKey: "k" })).toBe(
      null,
    );
    const other = await ctx.deps.queue.sendUntyped("test.unique", payload, { singletonKey: "j" });
    expect(other).toMatch(/^[0-9a-f-]{36}$/);
    expect(await drainQueue(ctx.deps)).toBe(3);
    expect((await queuedJobs(ctx.deps, "test.unique"))[0]).toMatchObject({ state: "completed" });
    const again = await ctx.deps.queue.sendUntyped("test.unique", payload, { singletonKey: "k" });
    expect(again).not.toBe(first);
    expect(again).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("refuses a singletonKey for a job whose queue is not exclusive", async () => {
    const payload = { key: "keyed", failures: 0, permanent: false };
    await expect(
      ctx.deps.queue.sendUntyped("test.flaky", payload, { singletonKey: "k" }),
    ).rejects.toThrow(InvalidJobError);
    expect(await queuedJobs(ctx.deps, "test.flaky")).toEqual([]);
  });

  it("registers the hourly cleanup as a cron schedule", async () => {
    const schedules = await ctx.deps.queue.boss.getSchedules();
    expect(schedules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: "maintenance.cleanup", cron: "0 * * * *" }),
      ]),
    );
  });

  it("starts a job no earlier than its startAfter", async () => {
    const later = new Date(Date.now() + 60_000);
    await ctx.deps.queue.sendUntyped(
      "test.flaky",
      { key: "later", failures: 0, permanent: false },
      { startAfter: later },
    );
    expect(await drainQueue(ctx.deps)).toBe(0);
    expect((await queuedJobs(ctx.deps, "test.flaky"))[0]?.startAfter.getTime()).toBe(
      later.getTime(),
    );
  });

  it("rejects an unknown job name and an invalid payload at enqueue time", async () => {
    // @ts-expect-error only registered job names type-check
    await expect(ctx.deps.queue.send("no.such.job", {})).rejects.toThrow(InvalidJobError);
    await expect(
      // @ts-expect-error the payload type comes from the job's schema
      ctx.deps.queue.send("mail.send", { to: 42, template: "x" }),
    ).rejects.toThrow(/Invalid payload for job "mail.send"/);
    await expect(
      ctx.deps.queue.send("mail.send", { to: "not-an-email", template: "x" }),
    ).rejects.toThrow(/Invalid payload for job "mail.send"/);
    await expect(
      ctx.deps.queue.send("mail.send", { to: "a@example.com", template: "no.such.template" }),
    ).rejects.toThrow(/Unknown mail template/);
    expect(await queuedJobs(ctx.deps)).toEqual([]);
  });

  it("retries a failing job and then completes it", async () => {
    const before = await metric(ctx, "jobs_retried_total", "test.flaky");
    const id = await send("retry", 2);
    expect(await drainQueue(ctx.deps)).toBe(3);
    expect(attempts.get("retry")).toBe(3);
    const [job] = await queuedJobs(ctx.deps, "test.flaky");
    expect(job).toMatchObject({ id, state: "completed", retryCount: 2 });
    expect(await metric(ctx, "jobs_retried_total", "test.flaky")).toBe(before + 2);
    expect(await metric(ctx, "jobs_completed_total", "test.flaky")).toBeGreaterThan(0);
  });

  it("moves a job past its retry limit to the dead letters, and the CLI requeues it", async () => {
    const id = (await send("dead", 3)) as string;
    await drainQueue(ctx.deps);
    expect(attempts.get("dead")).toBe(3);
    expect((await queuedJobs(ctx.deps, "test.flaky"))[0]).toMatchObject({ state: "failed" });

    const listing = await runJobsCommand(ctx.deps.queue, ["failed"]);
    expect(listing).toContain(id);
    expect(listing).toContain("test.flaky");
    expect(listing).toContain("flaky 3");
    expect(await runJobsCommand(ctx.deps.queue, ["retry", id])).toBe(`requeued ${id}`);

    expect(await drainQueue(ctx.deps)).toBe(1);
    expect(attempts.get("dead")).toBe(4);
    expect((await queuedJobs(ctx.deps, "test.flaky"))[0]).toMatchObject({ id, state: "completed" });
    expect(await runJobsCommand(ctx.deps.queue, ["failed"])).toBe("no failed jobs");
  });

  it("fails a job for good, without retries, when the handler throws an AppError", async () => {
    const before = await metric(ctx, "jobs_failed_total", "test.flaky");
    const id = await send("permanent", 1, true);
    expect(await drainQueue(ctx.deps, { now: true })).toBe(1);
    expect(attempts.get("permanent")).toBe(1);
    // The job itself ends cancelled (no further attempt); its dead letter says why.
    expect((await queuedJobs(ctx.deps, "test.flaky"))[0]).toMatchObject({ id, state: "cancelled" });
    expect(await metric(ctx, "jobs_failed_total", "test.flaky")).toBe(before + 1);
    const listing = await runJobsCommand(ctx.deps.queue, ["failed"]);
    expect(listing).toMatch(new RegExp(`${id}\\s+test\\.flaky\\s+attempts=1 .*probe_refused`));

    expect(await runJobsCommand(ctx.deps.queue, ["retry", id as string])).toBe(`requeued ${id}`);
    expect(await drainQueue(ctx.deps, { now: true })).toBe(1);
    expect(attempts.get("permanent")).toBe(2);
    expect(await runJobsCommand(ctx.deps.queue, ["failed"])).toBe("no failed jobs");
  });

  it("rejects a CLI retry of an id that is not a dead letter", async () => {
    const id = "00000000-0000-4000-8000-000000000000";
    await expect(runJobsCommand(ctx.deps.queue, ["retry", id])).rejects.toThrow(/no failed job/);
    await expect(runJobsCommand(ctx.deps.queue, ["bogus"])).rejects.toThrow(/usage/);
  });

  it("runs the hourly cleanup with every registered step", async () => {
    const seen: Date[] = [];
    const probe = async (now: Date) => {
      seen.push(now);
      return 0;
    };
    ctx.deps.cleanupSteps.push({ name: "probe", run: probe });
    try {
      await ctx.deps.queue.send("maintenance.cleanup", {});
      await drainQueue(ctx.deps);
      expect(seen).toHaveLength(1);
      expect((await queuedJobs(ctx.deps, "maintenance.cleanup"))[0]?.state).toBe("completed");
    } finally {
      ctx.deps.cleanupSteps.pop();
    }
  });
});

describe("queue depth", () => {
  // A queue of its own: pg-boss recounts a queue at most once a minute, so one no other test
  // scrapes reads what this test sent.
  const depthJob = defineJob({ ...flakyJob, name: "test.depth" });
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestApp({ overrides: { jobs: [depthJob] } });
  });
  afterAll(() => ctx.close());

  it("reports queue depth on /metrics and the queue check in /health/ready", async () => {
    const payload = { key: "waiting", failures: 0, permanent: false };
    await ctx.deps.queue.sendUntyped("test.depth", payload);
    await ctx.deps.queue.sendUntyped("test.depth", payload);
    await ctx.deps.queue.sendUntyped("test.depth", payload, {
      startAfter: new Date(Date.now() + 3_600_000),
    });
    const metrics = await ctx.app.inject({ method: "GET", url: "/metrics" });
    expect(metrics.body).toContain('jobs_queue_depth{name="test.depth",state="ready"} 2');
    expect(metrics.body).toContain('jobs_queue_depth{name="test.depth",state="deferred"} 1');
    expect(metrics.body).toContain('jobs_queue_depth{name="test.depth",state="active"} 0');
    expect(metrics.body).toMatch(/jobs_queue_depth\{name="jobs\.dead-letters",state="dead"\} \d/);
    const ready = await ctx.app.inject({ method: "GET", url: "/health/ready" });
    expect(ready.statusCode).toBe(200);
    expect(ready.json().checks.queue.status).toBe("up");
  });
});

describe("job queue with PostgreSQL unreachable", () => {
  it("starts, reports the queue down and rejects sends instead of crashing", async () => {
    const database = await openDatabase({
      dataDir: testDataDir,
      database: {
        url: "postgres://postgres@127.0.0.1:1/none",
        embedded: false,
        poolSize: 1,
        statementTimeoutMs: 1_000,
      },
    });
    const deps = await createDeps(testConfig(), { database });
    try {
      deps.worker.start(deps);
      const readiness = await deps.health.readiness();
      expect(readiness.status).toBe("not_ready");
      expect(readiness.checks.queue?.status).toBe("down");
      await expect(deps.queue.send("maintenance.cleanup", {})).rejects.toThrow();
    } finally {
      await deps.close();
      await database.close();
    }
  });
});
