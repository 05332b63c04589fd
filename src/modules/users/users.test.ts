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

  describe("the last enabled admin", () => {
    const deleteMe = (password: string, accessToken: string) =>
      ctx.app.inject({
        method: "DELETE",
        url: "/api/me",
        payload: { password },
        headers: bearer(accessToken),
      });

    it("cannot demote or disable itself (409 last_admin) and keeps its role and sessions", async () => {
      const admin = await createUser(ctx, { role: "admin" });
      const disabledAdmin = await createUser(ctx, { role: "admin" });
      await patch(disabledAdmin.user.id, { disabled: true }, admin.accessToken);
      await createUser(ctx);

      for (const body of [{ role: "user" }, { disabled: true }, { role: "user", disabled: true }]) {
        const refused = expectProblem(
          await patch(admin.user.id, body, admin.accessToken),
          409,
          "last_admin",
        );
        expect(refused.detail).toMatch(/make another account admin/);
      }
      expect((await me(admin.accessToken)).json()).toMatchObject({ role: "admin" });
      const events = await ctx.deps.db
        .select()
        .from(auditEvents)
        .where(eq(auditEvents.userId, admin.user.id));
      expect(events).toEqual([]);
    });

    it("lets an admin demote or disable another, or itself, while one enabled admin remains", async () => {
      const first = await createUser(ctx, { role: "admin" });
      const second = await createUser(ctx, { role: "admin" });
      const third = await createUser(ctx, { role: "admin" });
      expect((await patch(second.user.id, { role: "user" }, first.accessToken)).statusCode).toBe(
        200,
      );
      expect((await patch(third.user.id, { disabled: true }, first.accessToken)).statusCode).toBe(
        200,
      );
      expectProblem(
        await patch(first.user.id, { role: "user" }, first.accessToken),
        409,
        "last_admin",
      );

      const enabled = await patch(third.user.id, { disabled: false }, first.accessToken);
      expect(enabled.json()).toMatchObject({ role: "admin", disabled: false });
      const demoted = await patch(first.user.id, { role: "user" }, first.accessToken);
      expect(demoted.json()).toMatchObject({ role: "user", disabled: false });
      const events = await ctx.deps.db
        .select()
        .from(auditEvents)
        .where(eq(auditEvents.userId, third.user.id));
      expect(events.map((event) => [event.type, event.data.by])).toEqual(
        expect.arrayContaining([
          ["user_disabled", first.user.id],
          ["user_enabled", first.user.id],
        ]),
      );
    });

    it("is kept when two admins demote each other at the same time", async () => {
      for (let round = 0; round < 3; round++) {
        await resetDatabase(ctx.deps.database);
        const one = await createUser(ctx, { role: "admin" });
        const two = await createUser(ctx, { role: "admin" });
        const answers = await Promise.all([
          patch(two.user.id, { role: "user" }, one.accessToken),
          patch(one.user.id, { disabled: true }, two.accessToken),
        ]);
        // One wins. The other is refused by the rule (409), or, when the winner committed
        // before it was authenticated, finds its session ended by the winner's change (401).
        const [first, second] = answers.map((answer) => answer.statusCode).sort();
        expect(first).toBe(200);
        expect([401, 409]).toContain(second);
        const admins = await get("/api/admin/users", one.accessToken);
        const remaining = (
          admins.statusCode === 200 ? admins : await get("/api/admin/users", two.accessToken)
        )
          .json()
          .items.filter(
            (user: { role: string; disabled: boolean }) => user.role === "admin" && !user.disabled,
          );
        expect(remaining).toHaveLength(1);
      }
    });

    it("cannot delete its own account; another admin can once one remains", async () => {
      const admin = await createUser(ctx, { role: "admin" });
      expectProblem(await deleteMe(admin.password, admin.accessToken), 409, "last_admin");
      expect((await me(admin.accessToken)).json()).toMatchObject({ role: "admin" });

      await createUser(ctx, { role: "admin" });
      const deleted = await deleteMe(admin.password, admin.accessToken);
      expect(deleted.statusCode).toBe(202);
    });
  });
});
