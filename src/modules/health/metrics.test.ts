import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { expectProblem } from "../../../test/factories/auth.ts";
import { createTestApp, type TestContext } from "../../../test/helpers/app.ts";
import { testDatabase } from "../../../test/helpers/database.ts";
import { buildMetricsApp } from "../../app.ts";

const PRODUCTION = { NODE_ENV: "production", ALLOW_EMBEDDED_IN_PRODUCTION: "true" };
const TOKEN = "metrics-token-that-is-long-enough-0123";

// PGlite and its migrations take seconds: not inside the first test's time.
beforeAll(async () => {
  await testDatabase();
});

let ctx: TestContext | undefined;
afterEach(async () => {
  await ctx?.close();
  ctx = undefined;
});

async function app(env: Record<string, string>) {
  ctx = await createTestApp({ env });
  return ctx.app;
}

describe("GET /metrics", () => {
  it("is served on the API port outside production, as before", async () => {
    const response = await (await app({})).inject({ url: "/metrics" });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain("http_requests_total");
  });

  it("is not on the API port in production by default", async () => {
    expectProblem(
      await (await app(PRODUCTION)).inject({ url: "/metrics" }),
      404,
      "route_not_found",
    );
  });

  it("needs the bearer token when METRICS_TOKEN is set", async () => {
    const api = await app({ ...PRODUCTION, METRICS_TOKEN: TOKEN });
    expectProblem(await api.inject({ url: "/metrics" }), 401, "invalid_token");
    const wrong = { authorization: `Bearer ${TOKEN}x` };
    expectProblem(await api.inject({ url: "/metrics", headers: wrong }), 401, "invalid_token");
    const right = await api.inject({
      url: "/metrics",
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(right.statusCode).toBe(200);
    expect(right.body).toContain("process_cpu_seconds_total");
  });

  it("moves to its own listener with METRICS_PORT, which serves nothing else", async () => {
    const api = await app({ METRICS_PORT: "9464" });
    expectProblem(await api.inject({ url: "/metrics" }), 404, "route_not_found");
    const metricsApp = await buildMetricsApp((ctx as TestContext).deps);
    try {
      expect((await metricsApp.inject({ url: "/metrics" })).statusCode).toBe(200);
      for (const url of ["/health/ready", "/api/recipes", "/docs"]) {
        expectProblem(await metricsApp.inject({ url }), 404, "route_not_found");
      }
    } finally {
      await metricsApp.close();
    }
  });

  it("keeps the token on its own listener too", async () => {
    await app({ METRICS_PORT: "9464", METRICS_TOKEN: TOKEN });
    const metricsApp = await buildMetricsApp((ctx as TestContext).deps);
    try {
      expectProblem(await metricsApp.inject({ url: "/metrics" }), 401, "invalid_token");
      const headers = { authorization: `Bearer ${TOKEN}` };
      expect((await metricsApp.inject({ url: "/metrics", headers })).statusCode).toBe(200);
    } finally {
      await metricsApp.close();
    }
  });
});

describe("/docs and /openapi.json", () => {
  it("are served outside production", async () => {
    const api = await app({});
    expect((await api.inject({ url: "/openapi.json" })).statusCode).toBe(200);
    expect((await api.inject({ url: "/docs/" })).statusCode).toBe(200);
  });

  it("are not served in production unless API_DOCS=true", async () => {
    const closed = await app(PRODUCTION);
    for (const url of ["/openapi.json", "/docs/", "/docs"]) {
      expectProblem(await closed.inject({ url }), 404, "route_not_found");
    }
    await ctx?.close();
    const open = await app({ ...PRODUCTION, API_DOCS: "true" });
    const document = await open.inject({ url: "/openapi.json" });
    expect(document.statusCode).toBe(200);
    expect(document.json().info.title).toBe("Stratum API");
    expect((await open.inject({ url: "/docs/" })).statusCode).toBe(200);
  });

  it("are not served when API_DOCS=false", async () => {
    const api = await app({ API_DOCS: "false" });
    expectProblem(await api.inject({ url: "/openapi.json" }), 404, "route_not_found");
  });
});
