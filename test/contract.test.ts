import { randomUUID } from "node:crypto";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../src/app.ts";
import { createDeps, type Deps } from "../src/deps.ts";
import { randomIp } from "./factories/auth.ts";
import { bearer, createUser } from "./factories/users.ts";
import { createTestApp, type TestContext, testConfig } from "./helpers/app.ts";
import { flushStatuses, noteStatus, recordStatuses } from "./helpers/statuses.ts";

// The errors shared code gives any route (a token that does not verify, a path segment over the
// limit, a body that is not JSON, too large or of another type, a database that does not answer),
// sent to every operation of the document: each must answer as its entry says, with problem+json.

type Operation = {
  operationId?: string;
  responses: Record<string, unknown>;
  requestBody?: unknown;
  security?: Record<string, string[]>[];
};
type Document = { paths: Record<string, Record<string, Operation>> };

const BODY_METHODS = new Set(["post", "put", "patch", "delete"]);
const BODY_LIMIT = 1_024;

describe("every operation answers the errors its entry lists", () => {
  let ctx: TestContext;
  let token: string;
  let operations: { method: string; path: string; operation: Operation }[];

  beforeAll(async () => {
    ctx = await createTestApp({ env: { BODY_LIMIT_BYTES: String(BODY_LIMIT) } });
    // An administrator may call every operation, so each request gets past the route's guard.
    token = (await createUser(ctx, { role: "admin" })).accessToken;
    const { paths } = ctx.app.swagger() as unknown as Document;
    operations = Object.entries(paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ method, path, operation })),
    );
  });
  afterAll(() => ctx.close());

  const urlOf = (path: string, id: string = randomUUID()) => path.replace(/\{\w+\}/g, id);

  async function expectListed(
    app: FastifyInstance,
    method: string,
    path: string,
    response: LightMyRequestResponse,
    status: number,
    code?: RegExp,
  ): Promise<void> {
    const what = `${method.toUpperCase()} ${path}`;
    expect(response.statusCode, `${what}: ${response.body}`).toBe(status);
    expect(response.headers["content-type"], what).toMatch(/^application\/problem\+json/);
    if (code) expect(response.json().code, what).toMatch(code);
    const { paths } = app.swagger() as unknown as Document;
    expect(Object.keys(paths[path]?.[method]?.responses ?? {}), what).toContain(String(status));
  }

  it("401 for an Authorization header that does not verify, with WWW-Authenticate", async () => {
    for (const { method, path } of operations) {
      const response = await ctx.app.inject({
        method: method.toUpperCase() as "GET",
        url: urlOf(path),
        headers: { authorization: "Bearer not-a-token" },
      });
      await expectListed(ctx.app, method, path, response, 401, /^invalid_token$/);
      expect(response.headers["www-authenticate"]).toBe("Bearer");
    }
  });

  it("414 for a path segment over 100 characters", async () => {
    for (const { method, path } of operations.filter((op) => op.path.includes("{"))) {
      const response = await ctx.app.inject({
        method: method.toUpperCase() as "GET",
        url: urlOf(path, "a".repeat(101)),
        headers: bearer(token),
      });
      await expectListed(ctx.app, method, path, response, 414, /^uri_too_long$/);
      // Answered before the route is chosen, so the route's hook does not record it.
      noteStatus(method, path, 414);
    }
  });

  it("400, 413 and 415 for a body that is not JSON, too large, or of another type", async () => {
    const withBody = operations.filter((op) => BODY_METHODS.has(op.method));
    expect(withBody.length).toBeGreaterThan(0);
    for (const { method, path } of withBody) {
      const send = (contentType: string, payload: string) =>
        ctx.app.inject({
          method: method.toUpperCase() as "POST",
          url: urlOf(path),
          headers: { ...bearer(token), "content-type": contentType },
          payload,
          remoteAddress: randomIp(),
        });
      const notJson = await send("application/json", "{");
      await expectListed(ctx.app, method, path, notJson, 400, /^invalid_json$/);
      const large = await send(
        "application/json",
        JSON.stringify({ text: "x".repeat(BODY_LIMIT) }),
      );
      await expectListed(ctx.app, method, path, large, 413, /^body_too_large$/);
      const text = await send("text/plain", "hello");
      await expectListed(ctx.app, method, path, text, 415, /^unsupported_media_type$/);
    }
  });

  describe("with the database down", () => {
    let down: { app: FastifyInstance; deps: Deps };

    beforeAll(async () => {
      // Nothing listens on port 1: every query fails to connect, as when PostgreSQL is down.
      const config = testConfig({ DATABASE_URL: "postgres://stratum@127.0.0.1:1/stratum" });
      const deps = await createDeps(config);
      const app = await buildApp(deps);
      recordStatuses(app);
      await app.ready();
      down = { app, deps };
    });
    afterAll(async () => {
      flushStatuses();
      await down.app.close();
      await down.deps.close();
    });

    it("503 database_unavailable with Retry-After, for every operation", async () => {
      for (const { method, path, operation } of operations) {
        const response = await down.app.inject({
          method: method.toUpperCase() as "GET",
          url: urlOf(path),
          // A token is checked against its session on every route, public ones too.
          headers: bearer(token),
          ...(operation.requestBody ? { payload: {} } : {}),
        });
        if (path === "/health/ready") {
          expect(response.statusCode).toBe(503);
          continue;
        }
        await expectListed(down.app, method, path, response, 503, /^database_unavailable$/);
        expect(response.headers["retry-after"]).toBeDefined();
      }
    });
  });
});
