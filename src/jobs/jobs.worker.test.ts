import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { createTestApp, type TestContext } from "../../test/helpers/app.ts";
import { resetDatabase } from "../../test/helpers/database.ts";
import { queuedJobs } from "../../test/helpers/queue.ts";
import { defineJob } from "./define.ts";

const state = { active: 0, maxActive: 0, finished: [] as string[] };

const holdJob = defineJob({
  name: "test.hold",
  payload: z.object({ label: z.string(), holdMs: z.number().int() }),
  retry: { limit: 2, delaySeconds: 0, backoff: false },
  expireInSeconds: 30,
  async handle({ label, holdMs }) {
    state.active++;
    state.maxActive = Math.max(state.maxActive, state.active);
    try {
      await sleep(holdMs);
      state.finished.push(label);
    } finally {
      state.active--;
    }
  },
});

async function until(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await check()) && Date.now() < deadline) await sleep(50);
}

describe("job worker loop", () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestApp({
      env: { WORKER_CONCURRENCY: "2", WORKER_POLL_INTERVAL_MS: "500" },
      overrides: { jobs: [holdJob] },
    });
  });
  afterAll(() => ctx.close());
  beforeEach(async () => {
    await resetDatabase(ctx.deps.database);
    Object.assign(state, { active: 0, maxActive: 0, finished: [] });
  });

  const send = (label: string, holdMs: number) =>
    ctx.deps.queue.sendUntyped("test.hold", { label, holdMs });

  it("runs at most WORKER_CONCURRENCY jobs at a time and all of them in the end", async () => {
    for (const label of ["a", "b", "c", "d", "e"]) await send(label, 100);
    ctx.deps.worker.start(ctx.deps);
    try {
      await until(async () => state.finished.length === 5);
    } finally {
      await ctx.deps.worker.stop(5_000);
    }
    expect(state.finished.sort()).toEqual(["a", "b", "c", "d", "e"]);
    expect(state.maxActive).toBe(2);
    const jobs = await queuedJobs(ctx.deps, "test.hold");
    expect(jobs.map((job) => job.state)).toEqual(Array(5).fill("completed"));
  });

  it("lets a running job finish when stopped within the shutdown timeout", async () => {
    const id = await send("finish", 300);
    ctx.deps.worker.start(ctx.deps);
    await until(async () => state.active === 1);
    await ctx.deps.worker.stop(5_000);
    expect(state.finished).toEqual(["finish"]);
    expect((await queuedJobs(ctx.deps, "test.hold"))[0]).toMatchObject({ id, state: "completed" });
  });

  it("hands back a job still running at the shutdown timeout without spending an attempt", async () => {
    const id = await send("slow", 1_000);
    ctx.deps.worker.start(ctx.deps);
    await until(async () => state.active === 1);
    await ctx.deps.worker.stop(50);
    expect((await queuedJobs(ctx.deps, "test.hold"))[0]).toMatchObject({
      id,
      state: "created",
      retryCount: 0,
    });
    await until(async () => state.active === 0);
  });

  it("reports the worker in the queue readiness check while it runs", async () => {
    ctx.deps.worker.start(ctx.deps);
    try {
      expect(ctx.deps.worker.running).toBe(true);
      const ready = await ctx.app.inject({ method: "GET", url: "/health/ready" });
      expect(ready.json().checks.queue.status).toBe("up");
    } finally {
      await ctx.deps.worker.stop(1_000);
    }
    expect(ctx.deps.worker.running).toBe(false);
  });
});
