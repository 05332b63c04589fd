import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomIp } from "../../test/factories/auth.ts";
import { anonymous, createRecipe, signUp, type TestUser } from "../../test/factories/recipes.ts";
import { createUser, strongPassword, uniqueEmail } from "../../test/factories/users.ts";
import { createTestApp, type TestContext } from "../../test/helpers/app.ts";
import { drainQueue } from "../../test/helpers/queue.ts";

describe("Cache-Control: no-store", () => {
  let ctx: TestContext;
  let cook: TestUser;
  let admin: TestUser;
  beforeAll(async () => {
    ctx = await createTestApp({
      configure: (app) => {
        app.get("/api/me/probe-cache", async (_request, reply) =>
          reply.header("cache-control", "private, max-age=60").send({ ok: true }),
        );
      },
    });
    cook = await signUp(ctx);
    admin = await signUp(ctx, "admin");
  });
  afterAll(() => ctx.close());

  const send = (method: "GET" | "POST", url: string, user = anonymous, payload?: object) =>
    ctx.app.inject({ method, url, headers: user.headers, payload, remoteAddress: randomIp() });

  it("marks token answers: register, login and refresh", async () => {
    const email = uniqueEmail();
    const password = strongPassword();
    const registered = await send("POST", "/api/auth/register", anonymous, {
      email,
      password,
      name: "Ann",
    });
    expect(registered.statusCode).toBe(201);
    expect(registered.headers["cache-control"]).toBe("no-store");
    const login = await send("POST", "/api/auth/login", anonymous, { email, password });
    expect(login.statusCode).toBe(200);
    expect(login.headers["cache-control"]).toBe("no-store");
    const { refreshToken } = login.json();
    const refreshed = await send("POST", "/api/auth/refresh", anonymous, { refreshToken });
    expect(refreshed.statusCode).toBe(200);
    expect(refreshed.headers["cache-control"]).toBe("no-store");
  });

  it("marks the caller's profile and sessions, and the admin lists", async () => {
    for (const [url, user] of [
      ["/api/auth/me", cook],
      ["/api/auth/sessions", cook],
      ["/api/admin/users", admin],
      ["/api/admin/audit", admin],
      ["/api/me/exports", cook],
    ] as const) {
      const response = await send("GET", url, user);
      expect(response.statusCode, url).toBe(200);
      expect(response.headers["cache-control"], url).toBe("no-store");
    }
  });

  it("marks an export download", async () => {
    const { user, accessToken } = await createUser(ctx);
    const owner = {
      ...anonymous,
      id: user.id,
      headers: { authorization: `Bearer ${accessToken}` },
    };
    const started = await send("POST", "/api/me/exports", owner);
    expect(started.headers["cache-control"]).toBe("no-store");
    await drainQueue(ctx.deps);
    const download = await send("GET", `/api/me/exports/${started.json().id}/download`, owner);
    expect(download.statusCode).toBe(200);
    expect(download.headers["cache-control"]).toBe("no-store");
  });

  it("marks errors under the private paths and any answer to an authenticated request", async () => {
    const denied = await send("GET", "/api/auth/me");
    expect(denied.statusCode).toBe(401);
    expect(denied.headers["cache-control"]).toBe("no-store");
    const recipe = await createRecipe(ctx, cook);
    const signedIn = await send("GET", `/api/recipes/${recipe.id}`, cook);
    expect(signedIn.statusCode).toBe(200);
    expect(signedIn.headers["cache-control"]).toBe("no-store");
  });

  it("leaves an anonymous public read as it was", async () => {
    const recipe = await createRecipe(ctx, cook);
    const one = await send("GET", `/api/recipes/${recipe.id}`);
    expect(one.statusCode).toBe(200);
    expect(one.headers["cache-control"]).toBeUndefined();
    const list = await send("GET", "/api/recipes");
    expect(list.statusCode).toBe(200);
    expect(list.headers["cache-control"]).toBeUndefined();
  });

  it("keeps a Cache-Control a route sets itself", async () => {
    const response = await send("GET", "/api/me/probe-cache", cook);
    expect(response.headers["cache-control"]).toBe("private, max-age=60");
  });
});
