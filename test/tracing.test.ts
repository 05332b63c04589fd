import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { buildApp } from "../src/app.ts";
import type { Database } from "../src/db/client.ts";
import { migrate } from "../src/db/migrate.ts";
import { createDeps, type Deps } from "../src/deps.ts";
import { startTracing } from "../src/lib/tracing.ts";
import type { Tracing } from "../src/lib/tracing.types.ts";
import { createUser } from "./factories/users.ts";
import { testConfig } from "./helpers/app.ts";
import { openUnmigratedDatabase } from "./helpers/database.ts";
import { capturingLogger } from "./helpers/logs.ts";
import { descendants, type ReceivedSpan, startOtlpReceiver } from "./helpers/otlp.ts";
import { drainQueue } from "./helpers/queue.ts";

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const SERVER = 2;
const CLIENT = 3;
const PRODUCER = 4;
const CONSUMER = 5;

describe("tracing to an OTLP/HTTP receiver", () => {
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  let tracing: Tracing;
  let database: Database;
  let deps: Deps;
  let app: FastifyInstance;
  let logs: ReturnType<typeof capturingLogger>;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    const config = testConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_SERVICE_NAME: "stratum-test",
    });
    tracing = await startTracing(config.tracing);
    logs = capturingLogger("info", tracing.logFields);
    database = await openUnmigratedDatabase("tracing", tracing);
    await migrate(database);
    deps = await createDeps(config, { database, tracing, logger: logs.logger });
    app = await buildApp(deps);
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await deps?.close();
    await database?.close();
    await tracing?.shutdown();
    await receiver?.close();
  });

  async function exported(): Promise<ReceivedSpan[]> {
    await tracing.flush();
    return receiver.spans;
  }

  it("POST /api/me/exports: the request's statements, and the job's run with its statements and file", async () => {
    const { user, accessToken } = await createUser({ deps });
    const requestId = "export-trace-1";

    const started = await app.inject({
      method: "POST",
      url: "/api/me/exports",
      headers: { authorization: `Bearer ${accessToken}`, "x-request-id": requestId },
    });
    expect(started.statusCode).toBe(202);
    const exportId = started.json().id as string;
    expect(await drainQueue(deps)).toBe(1);
    const spans = await exported();

    const http = spans.find((s) => s.kind === SERVER && s.name === "POST /api/me/exports");
    expect(http).toBeDefined();
    if (!http) return;
    expect(http.parentSpanId).toBeUndefined();
    expect(http.resource["service.name"]).toBe("stratum-test");
    expect(http.attributes).toMatchObject({
      "http.request.method": "POST",
      "http.route": "/api/me/exports",
      "http.response.status_code": 202,
      "stratum.request_id": requestId,
    });

    // The request: its session check and its transaction's statements, and the job it sent.
    const inRequest = descendants(spans, http);
    const statements = inRequest.filter((s) => s.attributes["db.system.name"] === "postgresql");
    expect(statements.map((s) => s.name)).toContain("session_active");
    expect(statements.map((s) => s.name)).toContain("INSERT data_exports");
    for (const statement of statements) {
      expect(statement.kind).toBe(CLIENT);
      expect(String(statement.attributes["db.query.text"])).not.toContain(user.id);
    }
    const send = inRequest.find((s) => s.name === "send exports.build");
    expect(send?.kind).toBe(PRODUCER);

    // The job's run: in the request's trace, under the span that sent it and linked to it.
    const run = spans.find((s) => s.name === "process exports.build");
    expect(run).toMatchObject({
      kind: CONSUMER,
      traceId: http.traceId,
      parentSpanId: send?.spanId,
      links: [{ traceId: http.traceId, spanId: send?.spanId }],
    });
    expect(run?.attributes["stratum.request_id"]).toBe(requestId);
    if (!run) return;
    const inRun = descendants(spans, run);
    expect(inRun.filter((s) => s.attributes["db.system.name"] === "postgresql").length).toBe(
      inRun.filter((s) => s.kind === CLIENT && s.name !== "storage put").length,
    );
    const runStatements = inRun.filter((s) => s.attributes["db.system.name"] === "postgresql");
    expect(runStatements.map((s) => s.name)).toContain("UPDATE data_exports");
    expect(runStatements.map((s) => s.name)).toContain("user_by_id");
    const write = inRun.find((s) => s.name === "storage put");
    expect(write?.attributes).toMatchObject({
      "stratum.storage.backend": "local",
      "stratum.storage.key": `exports/${user.id}/${exportId}.json`,
    });
    // No statement anywhere carries a parameter's value.
    for (const span of spans.filter((s) => s.attributes["db.system.name"])) {
      expect(JSON.stringify(span.attributes)).not.toContain(exportId);
    }

    // The lines of the request and of its job carry its id and their spans' trace.
    const line = (msg: string) => logs.lines.findLast((l) => l.msg === msg);
    expect(line("job started")).toMatchObject({ requestId, trace_id: http.traceId });
    expect(line("job completed")).toMatchObject({ requestId });
  });

  it("continues a caller's traceparent and restores the request's context after the body is read", async () => {
    const { user } = await createUser({ deps });
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const callerSpan = "00f067aa0ba902b7";

    const login = await app.inject({
      method: "POST",
      url: "/api/auth/login",
      headers: { traceparent: `00-${traceId}-${callerSpan}-01`, "x-request-id": "login-trace-1" },
      payload: { email: user.email, password: "wrong password, surely" },
    });
    expect(login.statusCode).toBe(401);
    const spans = await exported();

    const http = spans.find((s) => s.kind === SERVER && s.traceId === traceId);
    expect(http).toMatchObject({ name: "POST /api/auth/login", parentSpanId: callerSpan });
    if (!http) return;
    // Read after the JSON body was parsed: without the context restored, these would be orphans.
    const names = descendants(spans, http).map((s) => s.name);
    expect(names).toContain("user_by_email");
    expect(names.filter((name) => name.startsWith("audit_event_insert:"))).toHaveLength(1);
    const audit = logs.lines.find((line) => line.msg === "audit login_failed");
    expect(audit).toMatchObject({ requestId: "login-trace-1", trace_id: traceId });
  });

  it("records no statement outside a traced operation (the job queue's polling)", async () => {
    const before = (await exported()).length;
    await deps.db.execute("select 1" as never).catch(() => {});
    await deps.health.readiness();
    const after = await exported();
    expect(after.slice(before).filter((s) => s.attributes["db.system.name"])).toEqual([]);
  });
});
