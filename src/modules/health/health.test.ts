import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestContext, testConfig } from "../../../test/helpers/app.ts";
import { openUnmigratedDatabase } from "../../../test/helpers/database.ts";
import { capturingLogger } from "../../../test/helpers/logs.ts";
import { startServer, waitForOutput } from "../../../test/helpers/process.ts";
import { buildApp } from "../../app.ts";
import type { Database } from "../../db/client.ts";
import { committedMigrations, migrate, warnOfPendingMigrations } from "../../db/migrate.ts";
import { createDeps, type Deps } from "../../deps.ts";

describe("GET /health/live", () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestApp();
  });
  afterAll(() => ctx.close());

  it("returns 200 ok", async () => {
    const response = await ctx.app.inject({ method: "GET", url: "/health/live" });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: "ok" });
  });
});

describe("GET /health/ready", () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestApp();
  });
  afterAll(() => ctx.close());

  it("returns 200 with the database up and its latency", async () => {
    const response = await ctx.app.inject({ method: "GET", url: "/health/ready" });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.status).toBe("ready");
    expect(body.checks.database.status).toBe("up");
    expect(body.checks.database.latencyMs).toBeGreaterThanOrEqual(0);
    expect(body.checks.schema).toMatchObject({ status: "up" });
    expect(body.checks.schema.pending).toBeUndefined();
  });

  it("returns 503 once shutdown has begun", async () => {
    ctx.deps.lifecycle.shuttingDown = true;
    try {
      const response = await ctx.app.inject({ method: "GET", url: "/health/ready" });
      expect(response.statusCode).toBe(503);
      expect(response.json().status).toBe("not_ready");
    } finally {
      ctx.deps.lifecycle.shuttingDown = false;
    }
  });

  it("returns 503 with the database marked down when it is unreachable", async () => {
    const deps = await createDeps(
      testConfig({ DATABASE_URL: "postgres://stratum@127.0.0.1:1/none", DB_POOL_SIZE: "1" }),
    );
    const app = await buildApp(deps);
    try {
      const response = await app.inject({ method: "GET", url: "/health/ready" });
      expect(response.statusCode).toBe(503);
      const body = response.json();
      expect(body.status).toBe("not_ready");
      expect(body.checks.database.status).toBe("down");
      expect(typeof body.checks.database.error).toBe("string");
    } finally {
      await app.close();
      await deps.close();
    }
  });
});

describe("GET /health/ready on a database whose migrations were never applied", () => {
  const capture = capturingLogger();
  const committed = committedMigrations().length;
  let database: Database;
  let deps: Deps;
  let app: FastifyInstance;
  beforeAll(async () => {
    database = await openUnmigratedDatabase("unmigrated");
    deps = await createDeps(testConfig(), { database, logger: capture.logger });
    app = await buildApp(deps);
  });
  afterAll(async () => {
    await app?.close();
    await deps?.close();
    await database?.close();
  });

  it("logs at start how many migrations are pending and how to apply them", async () => {
    await warnOfPendingMigrations(database, capture.logger);
    const warning = capture.lines.find((line) => line.level === 40);
    expect(warning?.msg).toBe(`${committed} migrations pending: run \`npm run db:migrate\``);
  });

  it("returns 503 with the pending count, then 200 once the migrations are applied", async () => {
    expect(committed).toBeGreaterThan(0);
    const before = await app.inject({ method: "GET", url: "/health/ready" });
    expect(before.statusCode).toBe(503);
    expect(before.json()).toMatchObject({
      status: "not_ready",
      checks: {
        database: { status: "up" },
        schema: {
          status: "down",
          pending: committed,
          error: `${committed} migrations pending: run \`npm run db:migrate\``,
        },
      },
    });

    await migrate(database);
    const after = await app.inject({ method: "GET", url: "/health/ready" });
    expect(after.statusCode).toBe(200);
    expect(after.json().checks.schema).toEqual({ status: "up", latencyMs: expect.any(Number) });
  });
});

describe("a server started without MIGRATE_ON_START on a database never migrated", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "stratum-unmigrated-"));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it("warns how many migrations are pending and answers readiness with 503", async () => {
    const server = await startServer({ DATA_DIR: dataDir, MIGRATE_ON_START: "false" });
    try {
      const pending = committedMigrations().length;
      const line = `${pending} migrations pending: run \`npm run db:migrate\``;
      await waitForOutput(server, new RegExp(`"level":40,.*"msg":"${line}"`));
      const ready = await fetch(`${server.url}/health/ready`);
      expect(ready.status).toBe(503);
      expect(((await ready.json()) as { checks: { schema: unknown } }).checks.schema).toMatchObject(
        {
          status: "down",
          pending,
        },
      );
    } finally {
      server.child.kill("SIGTERM");
      await server.exited;
    }
  }, 90_000);
});

describe("GET /metrics", () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestApp();
  });
  afterAll(() => ctx.close());

  it("exposes request counters and durations labelled by route and status", async () => {
    await ctx.app.inject({ method: "GET", url: "/health/live" });
    await ctx.app.inject({ method: "GET", url: "/nowhere" });
    const response = await ctx.app.inject({ method: "GET", url: "/metrics" });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toMatch(/^text\/plain/);
    expect(response.body).toMatch(
      /http_requests_total\{method="GET",route="\/health\/live",status_code="200"\} 1/,
    );
    expect(response.body).toMatch(
      /http_requests_total\{method="GET",route="unmatched",status_code="404"\} 1/,
    );
    expect(response.body).toContain("http_request_duration_seconds_bucket");
    expect(response.body).toContain("process_cpu_user_seconds_total");
  });
});
