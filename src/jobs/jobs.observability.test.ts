import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { createTestApp, type TestContext } from "../../test/helpers/app.ts";
import { resetDatabase } from "../../test/helpers/database.ts";
import { capturingLogger } from "../../test/helpers/logs.ts";
import { drainQueue } from "../../test/helpers/queue.ts";
import type { Readiness } from "../modules/health/health.service.ts";
import { defineJob } from "./define.ts";
import { startWorkerHttp, type WorkerHttp } from "./http.ts";

const observedJob = defineJob({
  name: "test.observed",
  payload: z.object({ secret: z.string(), fail: z.boolean() }),
  retry: { limit: 1, delaySeconds: 0, backoff: false },
  expireInSeconds: 30,
  async handle({ fail }) {
    if (fail) throw new Error("the handler gave up");
  },
});

/** A clock the test moves: waiting ten minutes costs nothing. */
function movableClock(start = new Date("2026-12-03T10:00:00Z")) {
  let now = start.getTime();
  return {
    now: () => new Date(now),
    advance(seconds: number) {
      now += seconds * 1000;
    },
  };
}

async function oldestAge(ctx: TestContext, queue: string): Promise<number | undefined> {
  const text = await ctx.deps.metrics.registry.metrics();
  const prefix = `jobs_oldest_queued_age_seconds{queue="${queue}"} `;
  const line = text.split("\n").find((l) => l.startsWith(prefix));
  return line === undefined ? undefined : Number(line.slice(prefix.length));
}

describe("job run log lines", () => {
  const { logger, lines, text, clear } = capturingLogger();
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestApp({ overrides: { logger, jobs: [observedJob] } });
  });
  afterAll(() => ctx.close());
  beforeEach(async () => {
    await resetDatabase(ctx.deps.database);
    clear();
  });

  const send = (fail: boolean) =>
    ctx.deps.queue.sendUntyped("test.observed", { secret: "payload-secret-42", fail });

  it("logs a job's start and end with its id, name, attempt and duration", async () => {
    const id = await send(false);
    await drainQueue(ctx.deps);
    logger.flush();

    const job = { id, name: "test.observed", attempt: 1 };
    expect(lines.filter((line) => line.msg === "job started")).toEqual([
      expect.objectContaining({ level: 30, job }),
    ]);
    expect(lines.filter((line) => line.msg === "job completed")).toEqual([
      expect.objectContaining({ level: 30, job, durationMs: expect.any(Number) }),
    ]);
    expect(text()).not.toContain("payload-secret-42");
  });

  it("logs a failure at warn while it will be retried and at error once it failed for good", async () => {
    const id = await send(true);
    await drainQueue(ctx.deps, { now: true });
    logger.flush();

    const failures = lines.filter((line) => String(line.msg).startsWith("job failed"));
    expect(failures).toEqual([
      expect.objectContaining({
        level: 40,
        msg: "job failed; will retry",
        job: { id, name: "test.observed", attempt: 1 },
        durationMs: expect.any(Number),
        err: expect.objectContaining({ message: "the handler gave up" }),
      }),
      expect.objectContaining({
        level: 50,
        msg: "job failed for good",
        job: { id, name: "test.observed", attempt: 2 },
        durationMs: expect.any(Number),
      }),
    ]);
    expect(text()).not.toContain("payload-secret-42");
  });
});

describe("the oldest queued job, with no worker running", () => {
  const clock = movableClock();
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestApp({
      env: { JOB_QUEUE_WARN_AGE_SECONDS: "300" },
      overrides: { clock, jobs: [observedJob] },
    });
  });
  afterAll(() => ctx.close());
  beforeEach(() => resetDatabase(ctx.deps.database));

  const send = (options: { startAfter?: Date } = {}) =>
    ctx.deps.queue.sendUntyped("test.observed", { secret: "s", fail: false }, options);
  const ready = async () => {
    const response = await ctx.app.inject({ method: "GET", url: "/health/ready" });
    return { statusCode: response.statusCode, body: response.json() };
  };

  it("shows in the age metric and, past the threshold, as a readiness warning", async () => {
    await send();
    expect(await oldestAge(ctx, "test.observed")).toBe(0);
    expect(await ready()).toMatchObject({ statusCode: 200, body: { warnings: [] } });

    clock.advance(299);
    expect(await oldestAge(ctx, "test.observed")).toBe(299);
    expect((await ready()).body.warnings).toEqual([]);

    clock.advance(61);
    expect(await oldestAge(ctx, "test.observed")).toBe(360);
    expect(await ready()).toMatchObject({
      statusCode: 200,
      body: {
        status: "ready",
        warnings: [{ queue: "test.observed", oldestQueuedAgeSeconds: 360 }],
      },
    });
    // Every known queue has a series, so an alert on it needs no absent() guard.
    expect(await oldestAge(ctx, "mail.send")).toBe(0);
  });

  it("clears once a worker has taken the job", async () => {
    await send();
    clock.advance(600);
    expect((await ready()).body.warnings).toHaveLength(1);

    await drainQueue(ctx.deps);
    expect(await oldestAge(ctx, "test.observed")).toBe(0);
    expect((await ready()).body.warnings).toEqual([]);
  });

  it("counts a deferred job from its startAfter, not from when it was sent", async () => {
    await send({ startAfter: new Date(clock.now().getTime() + 3_600_000) });
    clock.advance(1_800);
    expect(await oldestAge(ctx, "test.observed")).toBe(0);
    clock.advance(1_800 + 400);
    expect(await oldestAge(ctx, "test.observed")).toBe(400);
  });

  it("forgets a job that left the queue without a worker (cancelled)", async () => {
    const old = (await send()) as string;
    clock.advance(900);
    await send();
    clock.advance(100);
    await ctx.deps.queue.boss.cancel("test.observed", old);

    expect(await oldestAge(ctx, "test.observed")).toBe(100);
    expect((await ready()).body.warnings).toEqual([]);
  });

  it("never records a job whose transaction rolled back", async () => {
    await ctx.deps.db
      .transaction(async (tx) => {
        await ctx.deps.queue.sendUntyped("test.observed", { secret: "s", fail: false }, { tx });
        throw new Error("rolled back");
      })
      .catch(() => {});
    clock.advance(900);
    expect(await oldestAge(ctx, "test.observed")).toBe(0);
  });
});

describe("the worker's health and metrics endpoint", () => {
  let ctx: TestContext;
  let http: WorkerHttp;
  beforeAll(async () => {
    ctx = await createTestApp({ env: { WORKER_MODE: "inline" } });
    http = await startWorkerHttp({
      host: "127.0.0.1",
      port: 0,
      readiness: () => ctx.deps.health.readiness(),
      metrics: ctx.deps.metrics,
      logger: ctx.deps.logger,
    });
  });
  afterAll(async () => {
    await http.close();
    await ctx.close();
  });
  afterEach(async () => {
    ctx.deps.lifecycle.shuttingDown = false;
    await ctx.deps.worker.stop(1_000);
  });

  it("answers liveness, and readiness while the fetch loop runs", async () => {
    const live = await fetch(`${http.url}/health/live`);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: "ok" });

    const idle = await fetch(`${http.url}/health/ready`);
    expect(idle.status).toBe(503);
    expect(((await idle.json()) as Readiness).checks.queue).toMatchObject({
      status: "down",
      error: "job worker is not running",
    });

    ctx.deps.worker.start(ctx.deps);
    const running = await fetch(`${http.url}/health/ready`);
    expect(running.status).toBe(200);
    expect(await running.json()).toMatchObject({
      status: "ready",
      checks: { database: { status: "up" }, queue: { status: "up" } },
    });
  });

  it("answers 503 once shutdown has begun", async () => {
    ctx.deps.worker.start(ctx.deps);
    ctx.deps.lifecycle.shuttingDown = true;
    const response = await fetch(`${http.url}/health/ready`);
    expect(response.status).toBe(503);
    expect(((await response.json()) as Readiness).status).toBe("not_ready");
  });

  it("serves Prometheus metrics with the job series", async () => {
    const response = await fetch(`${http.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(text).toContain('jobs_oldest_queued_age_seconds{queue="mail.send"} 0');
    expect(text).toContain("jobs_queue_depth");
    expect(text).toContain("process_cpu_user_seconds_total");
  });

  it("refuses to start on a port already taken, saying what to do", async () => {
    const port = Number(new URL(http.url).port);
    const second = startWorkerHttp({
      host: "127.0.0.1",
      port,
      readiness: () => ctx.deps.health.readiness(),
      metrics: ctx.deps.metrics,
      logger: ctx.deps.logger,
    });
    await expect(second).rejects.toThrow(
      `worker HTTP port 127.0.0.1:${port} is in use: give each worker on this host its own WORKER_HTTP_PORT (0 picks a free one) or set it to off`,
    );
  });

  it("answers anything else with a problem", async () => {
    const missing = await fetch(`${http.url}/api/recipes`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toBe("application/problem+json");
    const posted = await fetch(`${http.url}/metrics`, { method: "POST" });
    expect(posted.status).toBe(405);
  });
});
