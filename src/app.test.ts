import { Writable } from "node:stream";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createTestApp, type TestContext } from "../test/helpers/app.ts";
import { ConflictError, UnauthorizedError } from "./lib/errors.ts";
import { loggerOptions } from "./lib/logger.ts";

function addProbeRoutes(app: FastifyInstance) {
  const typed = app.withTypeProvider<ZodTypeProvider>();
  typed.post(
    "/probe",
    { schema: { body: z.object({ name: z.string().min(1), count: z.number().int() }) } },
    async (request) => ({ got: request.body.name }),
  );
  typed.get("/probe/conflict", async () => {
    throw new ConflictError("probe_taken", { detail: "Already there." });
  });
  typed.get("/probe/unauthorized", async () => {
    throw new UnauthorizedError("token_invalid");
  });
  typed.get("/probe/crash", async () => {
    throw new Error("secret internal detail");
  });
}

function expectProblem(
  response: { headers: Record<string, unknown>; json(): unknown },
  status: number,
  code: string,
) {
  expect(response.headers["content-type"]).toMatch(/^application\/problem\+json/);
  const body = response.json() as Record<string, unknown>;
  expect(body).toMatchObject({ type: "about:blank", status, code });
  expect(typeof body.title).toBe("string");
  expect(typeof body.detail).toBe("string");
  expect(typeof body.instance).toBe("string");
  expect(body.requestId).toBe(response.headers["x-request-id"]);
  return body;
}

describe("error responses", () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestApp({ env: { BODY_LIMIT_BYTES: "2048" }, configure: addProbeRoutes });
  });
  afterAll(() => ctx.close());

  it("returns 400 invalid_json for malformed JSON", async () => {
    const response = await ctx.app.inject({
      method: "POST",
      url: "/probe",
      headers: { "content-type": "application/json" },
      payload: '{"name": ',
    });
    expect(response.statusCode).toBe(400);
    expectProblem(response, 400, "invalid_json");
  });

  it("returns 400 validation_failed naming each bad field", async () => {
    const response = await ctx.app.inject({
      method: "POST",
      url: "/probe",
      payload: { name: "", count: "x" },
    });
    expect(response.statusCode).toBe(400);
    const body = expectProblem(response, 400, "validation_failed");
    const paths = (body.errors as { path: string }[]).map((error) => error.path).sort();
    expect(paths).toEqual(["body.count", "body.name"]);
  });

  it("returns 415 for a text/plain body on a JSON endpoint", async () => {
    const response = await ctx.app.inject({
      method: "POST",
      url: "/probe",
      headers: { "content-type": "text/plain" },
      payload: "name=x",
    });
    expect(response.statusCode).toBe(415);
    expectProblem(response, 415, "unsupported_media_type");
  });

  it("returns 413 for a body over BODY_LIMIT_BYTES", async () => {
    const response = await ctx.app.inject({
      method: "POST",
      url: "/probe",
      payload: { name: "x".repeat(4096), count: 1 },
    });
    expect(response.statusCode).toBe(413);
    expectProblem(response, 413, "body_too_large");
  });

  it("returns 404 for an unknown route", async () => {
    const response = await ctx.app.inject({ method: "GET", url: "/nowhere?x=1" });
    expect(response.statusCode).toBe(404);
    const body = expectProblem(response, 404, "route_not_found");
    expect(body.instance).toBe("/nowhere");
  });

  it("returns 405 with Allow for an unknown method on a known path", async () => {
    const response = await ctx.app.inject({ method: "DELETE", url: "/probe" });
    expect(response.statusCode).toBe(405);
    expect(response.headers.allow).toBe("POST");
    expectProblem(response, 405, "method_not_allowed");
  });

  it("renders an AppError with its status and code", async () => {
    const response = await ctx.app.inject({ method: "GET", url: "/probe/conflict" });
    expect(response.statusCode).toBe(409);
    expect(expectProblem(response, 409, "probe_taken").detail).toBe("Already there.");
  });

  it("sends WWW-Authenticate: Bearer with every 401", async () => {
    const response = await ctx.app.inject({ method: "GET", url: "/probe/unauthorized" });
    expect(response.statusCode).toBe(401);
    expect(response.headers["www-authenticate"]).toBe("Bearer");
    expectProblem(response, 401, "token_invalid");
  });

  it("returns 500 with a generic detail and keeps the message out of the body", async () => {
    const response = await ctx.app.inject({ method: "GET", url: "/probe/crash" });
    expect(response.statusCode).toBe(500);
    const body = expectProblem(response, 500, "internal_error");
    expect(response.body).not.toContain("secret internal detail");
    expect(body.detail).toBe("An unexpected error occurred.");
  });

  it("sets helmet's security headers on answers and on problems", async () => {
    for (const url of ["/health/live", "/no/such/route", "/probe/crash"]) {
      const response = await ctx.app.inject({ method: "GET", url });
      expect(response.headers).toMatchObject({
        "content-security-policy": expect.stringContaining("default-src 'self'"),
        "cross-origin-opener-policy": "same-origin",
        "cross-origin-resource-policy": "same-origin",
        "origin-agent-cluster": "?1",
        "referrer-policy": "no-referrer",
        "strict-transport-security": "max-age=31536000; includeSubDomains",
        "x-content-type-options": "nosniff",
        "x-dns-prefetch-control": "off",
        "x-download-options": "noopen",
        "x-frame-options": "SAMEORIGIN",
        "x-permitted-cross-domain-policies": "none",
        "x-xss-protection": "0",
      });
      expect(response.headers["x-powered-by"]).toBeUndefined();
    }
  });

  it("gives /docs a policy that works over plain http on any host name", async () => {
    for (const url of ["/docs/", "/docs/static/swagger-ui-bundle.js", "/docs/json"]) {
      const response = await ctx.app.inject({
        method: "GET",
        url,
        headers: { host: "stratum.test:3000" },
      });
      expect(response.statusCode).toBe(200);
      const policy = response.headers["content-security-policy"];
      expect(policy).toContain("script-src 'self'");
      expect(policy).toContain("frame-ancestors 'self'");
      expect(policy).not.toContain("upgrade-insecure-requests");
      expect(response.headers["x-content-type-options"]).toBe("nosniff");
    }
  });

  it("keeps the strict policy on the API beside /docs", async () => {
    for (const url of ["/health/live", "/openapi.json", "/no/such/route"]) {
      const response = await ctx.app.inject({ method: "GET", url });
      const policy = response.headers["content-security-policy"];
      expect(policy).toContain("default-src 'self'");
      expect(policy).toContain("upgrade-insecure-requests");
    }
  });
});

describe("request log", () => {
  it("writes one line per request, with its id, and still redacts every other line", async () => {
    const lines: Record<string, unknown>[] = [];
    const stream = new Writable({
      write(chunk, _encoding, callback) {
        for (const line of String(chunk).trim().split("\n")) lines.push(JSON.parse(line));
        callback();
      },
    });
    const logger = pino(loggerOptions({ logLevel: "info" }), stream);
    const ctx = await createTestApp({ overrides: { logger } });
    try {
      await ctx.app.inject({
        method: "GET",
        url: "/health/live?probe=1",
        headers: { "x-request-id": "req-log-1" },
      });
      logger.info({ body: { password: "hunter2" }, token: "secret" }, "another line");
    } finally {
      await ctx.close();
    }
    const completed = lines.filter((line) => line.msg === "request completed");
    expect(completed).toEqual([
      expect.objectContaining({
        level: 30,
        requestId: "req-log-1",
        method: "GET",
        route: "/health/live",
        url: "/health/live?probe=1",
        statusCode: 200,
        durationMs: expect.any(Number),
      }),
    ]);
    expect(lines.find((line) => line.msg === "another line")).toMatchObject({
      body: { password: "[redacted]" },
      token: "[redacted]",
    });
  });
});

describe("X-Request-ID", () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestApp();
  });
  afterAll(() => ctx.close());

  it("echoes a safe request id", async () => {
    const response = await ctx.app.inject({
      method: "GET",
      url: "/health/live",
      headers: { "x-request-id": "abc.DEF-123_x" },
    });
    expect(response.headers["x-request-id"]).toBe("abc.DEF-123_x");
  });

  it.each([["has spaces and <html>"], ["x".repeat(129)], ["ünïcode"]])(
    "replaces an unsafe request id (%#)",
    async (given) => {
      const response = await ctx.app.inject({
        method: "GET",
        url: "/health/live",
        headers: { "x-request-id": given },
      });
      expect(response.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    },
  );

  it("generates one when none is sent and puts it in problem bodies", async () => {
    const response = await ctx.app.inject({ method: "GET", url: "/missing" });
    expect(response.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.json().requestId).toBe(response.headers["x-request-id"]);
  });
});

describe("CORS", () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestApp({ env: { CORS_ORIGINS: "https://app.example.com" } });
  });
  afterAll(() => ctx.close());

  it("allows a configured origin and no other", async () => {
    const allowed = await ctx.app.inject({
      method: "GET",
      url: "/health/live",
      headers: { origin: "https://app.example.com" },
    });
    expect(allowed.headers["access-control-allow-origin"]).toBe("https://app.example.com");
    const other = await ctx.app.inject({
      method: "GET",
      url: "/health/live",
      headers: { origin: "https://evil.example.com" },
    });
    expect(other.headers["access-control-allow-origin"]).toBeUndefined();
  });

  it.each(["PATCH", "DELETE", "PUT"])(
    "lets an allowed origin %s with its headers",
    async (method) => {
      const response = await ctx.app.inject({
        method: "OPTIONS",
        url: "/api/recipes/00000000-0000-4000-8000-000000000000",
        headers: {
          origin: "https://app.example.com",
          "access-control-request-method": method,
          "access-control-request-headers": "authorization, content-type, if-match, x-request-id",
        },
      });
      expect(response.statusCode).toBe(204);
      expect(response.headers["access-control-allow-origin"]).toBe("https://app.example.com");
      const methods = String(response.headers["access-control-allow-methods"]).split(/, */);
      expect(methods).toEqual(
        expect.arrayContaining(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]),
      );
      const headers = String(response.headers["access-control-allow-headers"]).toLowerCase();
      for (const name of [
        "authorization",
        "content-type",
        "if-match",
        "if-none-match",
        "x-request-id",
      ]) {
        expect(headers.split(/, */)).toContain(name);
      }
    },
  );

  it("lets the allowed origin read ETag, Location, X-Request-ID and the rate-limit headers", async () => {
    const response = await ctx.app.inject({
      method: "GET",
      url: "/health/live",
      headers: { origin: "https://app.example.com" },
    });
    const exposed = String(response.headers["access-control-expose-headers"]).toLowerCase();
    expect(exposed.split(/, */)).toEqual(
      expect.arrayContaining([
        "etag",
        "location",
        "x-request-id",
        "ratelimit-limit",
        "ratelimit-remaining",
        "ratelimit-reset",
        "retry-after",
      ]),
    );
  });
});
