import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { expectProblem, randomIp } from "../../../test/factories/auth.ts";
import { bearer, createUser } from "../../../test/factories/users.ts";
import { createTestApp, type TestContext } from "../../../test/helpers/app.ts";
import { resetDatabase } from "../../../test/helpers/database.ts";
import { auditEvents } from "../audit/audit.table.ts";

describe("admin: users and audit", () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestApp();
  });
  beforeEach(() => resetDatabase(ctx.deps.database));
  afterAll(() => ctx.close());

  const get = (url: string, accessToken: string) =>
    ctx.app.inject({ method: "GET", url, headers: bearer(accessToken) });
  const patch = (id: string, payload: object, accessToken: string) =>
    ctx.app.inject({
      method: "PATCH",
      url: `/api/admin/users/${id}`,
      payload,
      headers: bearer(accessToken),
    });
  const me = (accessToken: string) => get("/api/auth/me", accessToken);

  it("answers 403 forbidden to a non-admin and 401 to anonymous on every admin route", async () => {
    const { user, accessToken } = await createUser(ctx);
    const routes = [
      { method: "GET" as const, url: "/api/admin/users" },
      { method: "PATCH" as const, url: `/api/admin/users/${user.id}`, payload: { role: "admin" } },
      { method: "GET" as const, url: "/api/admin/audit" },
    ];
    for (const route of routes) {
      expectProblem(
        await ctx.app.inject({ ...route, headers: bearer(accessToken) }),
        403,
        "forbidden",
      );
      expectProblem(await ctx.app.inject(route), 401, "unauthorized");
    }
    expect((await me(accessToken)).json().role).toBe("user");
  });

  it("lists users newest first with cursor pagination and ?q= on email or name", async () => {
    const admin = await createUser(ctx, { role: "admin", name: "Root" });
    await createUser(ctx, { name: "Alice Liddell" });
    await createUser(ctx, { email: "bob.alice@example.com", name: "Bob" });
    await createUser(ctx, { name: "Carol" });
    const first = await get("/api/admin/users?limit=2", admin.accessToken);
    expect(first.statusCode).toBe(200);
    const second = await get(
      `/api/admin/users?limit=2&cursor=${first.json().nextCursor}`,
      admin.accessToken,
    );
    const names = [...first.json().items, ...second.json().items].map(
      (u: { name: string }) => u.name,
    );
    expect(names).toEqual(["Carol", "Bob", "Alice Liddell", "Root"]);
    expect(second.json().nextCursor).toBeNull();
    const found = await get("/api/admin/users?q=ALICE", admin.accessToken);
    expect(found.json().items.map((u: { name: string }) => u.name)).toEqual([
      "Bob",
      "Alice Liddell",
    ]);
    expect(Object.keys(found.json().items[0]).sort()).toEqual([
      "createdAt",
      "disabled",
      "email",
      "emailVerified",
      "id",
      "name",
      "role",
    ]);
    expectProblem(
      await get("/api/admin/users?cursor=bad!", admin.accessToken),
      400,
      "validation_failed",
    );
  });

  it("disabling a user ends all their sessions at once and blocks login", async () => {
    const admin = await createUser(ctx, { role: "admin" });
    const target = await createUser(ctx);
    const response = await patch(target.user.id, { disabled: true }, admin.accessToken);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ id: target.user.id, disabled: true });
    expectProblem(await me(target.accessToken), 401, "invalid_token");
    const refreshed = await ctx.app.inject({
      method: "POST",
      url: "/api/auth/refresh",
      payload: { refreshToken: target.refreshToken },
      remoteAddress: randomIp(),
    });
    expect(refreshed.statusCode).toBe(401);
    const login = await ctx.app.inject({
      method: "POST",
      url: "/api/auth/login",
      payload: { email: target.user.email, password: target.password },
      remoteAddress: randomIp(),
    });
    expectProblem(login, 401, "invalid_credentials");
    const enabled = await patch(target.user.id, { disabled: false }, admin.accessToken);
    expect(enabled.json().disabled).toBe(false);
  });

  it("a role change ends the user's sessions and is audited", async () => {
    const admin = await createUser(ctx, { role: "admin" });
    const target = await createUser(ctx);
    const response = await patch(
      target.user.id,
      { role: "admin", email: "x@example.com" },
      admin.accessToken,
    );
    expect(response.json()).toMatchObject({ role: "admin", email: target.user.email });
    expectProblem(await me(target.accessToken), 401, "invalid_token");
    const events = await ctx.deps.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.userId, target.user.id));
    expect(events.map((event) => event.type)).toContain("role_changed");
  });

  it("returns 404 for an unknown user and 400 for an empty patch", async () => {
    const admin = await createUser(ctx, { role: "admin" });
    expectProblem(
      await patch("00000000-0000-4000-8000-000000000000", { role: "user" }, admin.accessToken),
      404,
      "user_not_found",
    );
    expectProblem(await patch(admin.user.id, {}, admin.accessToken), 400, "validation_failed");
  });

  it("lists audit events newest first, without secrets", async () => {
    const admin = await createUser(ctx, { role: "admin" });
    const target = await createUser(ctx);
    const password = "not-the-password-1";
    await ctx.app.inject({
      method: "POST",
      url: "/api/auth/login",
      payload: { email: target.user.email, password },
      remoteAddress: randomIp(),
      headers: { "user-agent": "probe" },
    });
    await patch(target.user.id, { disabled: true }, admin.accessToken);
    const response = await get("/api/admin/audit?limit=1", admin.accessToken);
    expect(response.statusCode).toBe(200);
    const [latest] = response.json().items;
    expect(latest).toMatchObject({
      type: "user_disabled",
      userId: target.user.id,
      data: { by: admin.user.id },
    });
    const next = await get(
      `/api/admin/audit?cursor=${response.json().nextCursor}`,
      admin.accessToken,
    );
    const failed = next.json().items[0];
    expect(failed).toEqual({
      id: expect.any(String),
      type: "login_failed",
      userId: null,
      ip: expect.any(String),
      userAgent: "probe",
      createdAt: expect.any(String),
      data: { emailHash: ctx.deps.audit.emailHash(target.user.email) },
    });
    expect(JSON.stringify(next.json())).not.toContain(password);
    expect(JSON.stringify(next.json())).not.toContain(target.user.email);
  });
});
