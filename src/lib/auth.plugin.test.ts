import { randomUUID } from "node:crypto";
import Fastify, { type RouteOptions } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectProblem } from "../../test/factories/auth.ts";
import { createTestApp } from "../../test/helpers/app.ts";
import type { Actor } from "./actor.ts";
import { authPlugin, type RouteAuth } from "./auth.plugin.ts";
import { registerErrorHandling } from "./error-handler.ts";
import { UnauthorizedError } from "./errors.ts";

describe("a route's `auth` option", () => {
  const app = Fastify();
  const declared = new Map<string, unknown>();
  const actors: Record<string, Actor> = {
    user: { userId: randomUUID(), role: "user", sessionId: randomUUID() },
    admin: { userId: randomUUID(), role: "admin", sessionId: randomUUID() },
  };
  const body = { type: "object", required: ["name"], properties: { name: { type: "string" } } };

  beforeAll(async () => {
    registerErrorHandling(app);
    await app.register(authPlugin, {
      authenticate: async (token) => {
        const actor = actors[token];
        if (!actor) throw new UnauthorizedError("invalid_token");
        return actor;
      },
    });
    // Registered after the plugin's own onRoute hook, so it sees the route as declared.
    app.addHook("onRoute", (route: RouteOptions) => {
      if (route.method === "POST") declared.set(route.url, route.schema?.security);
    });
    for (const auth of ["none", "optional", "required", "admin"] satisfies RouteAuth[]) {
      app.post(`/${auth}`, { config: { auth }, schema: { body } }, async (request) => ({
        actor: request.actor?.role ?? null,
      }));
    }
  });
  afterAll(() => app.close());

  const post = (url: string, payload: object, token?: string) =>
    app.inject({
      method: "POST",
      url,
      payload,
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });

  it("gives each route its OpenAPI security entry", () => {
    expect(Object.fromEntries(declared)).toEqual({
      "/none": [],
      "/optional": [{}, { bearerAuth: [] }],
      "/required": [{ bearerAuth: [] }],
      "/admin": [{ bearerAuth: [] }],
    });
  });

  it("answers an anonymous caller 401 before looking at the body", async () => {
    for (const url of ["/required", "/admin"]) {
      expectProblem(await post(url, { wrong: true }), 401, "unauthorized");
    }
    expectProblem(await post("/none", { wrong: true }), 400, "validation_failed");
    expectProblem(await post("/optional", { wrong: true }), 400, "validation_failed");
  });

  it("lets the right callers through and refuses a non-admin with 403", async () => {
    expect((await post("/required", { name: "a" }, "user")).json()).toEqual({ actor: "user" });
    expect((await post("/optional", { name: "a" })).json()).toEqual({ actor: null });
    expect((await post("/admin", { name: "a" }, "admin")).json()).toEqual({ actor: "admin" });
    expectProblem(await post("/admin", { name: "a" }, "user"), 403, "forbidden");
    expectProblem(await post("/admin", { wrong: true }, "user"), 403, "forbidden");
  });
});

describe("the app's routes", () => {
  it("answers an anonymous create with a bad body 401, not a list of field errors", async () => {
    const ctx = await createTestApp();
    try {
      const response = await ctx.app.inject({
        method: "POST",
        url: "/api/recipes",
        payload: { title: 7 },
      });
      expectProblem(response, 401, "unauthorized");
    } finally {
      await ctx.close();
    }
  });
});
