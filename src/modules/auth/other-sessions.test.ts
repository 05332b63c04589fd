import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectProblem, randomIp } from "../../../test/factories/auth.ts";
import { bearer, createUser } from "../../../test/factories/users.ts";
import { createTestApp, type TestContext } from "../../../test/helpers/app.ts";
import { auditEvents } from "../audit/audit.table.ts";
import { sessions } from "./auth.table.ts";

describe("POST /api/auth/sessions/end-others", () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestApp();
  });
  afterAll(() => ctx.close());

  const login = async (email: string, password: string) => {
    const response = await ctx.app.inject({
      method: "POST",
      url: "/api/auth/login",
      payload: { email, password },
      remoteAddress: randomIp(),
    });
    expect(response.statusCode).toBe(200);
    return response.json() as { accessToken: string; refreshToken: string };
  };
  const refresh = (refreshToken: string) =>
    ctx.app.inject({
      method: "POST",
      url: "/api/auth/refresh",
      payload: { refreshToken },
      remoteAddress: randomIp(),
    });
  const me = (accessToken: string) =>
    ctx.app.inject({ method: "GET", url: "/api/auth/me", headers: bearer(accessToken) });
  const endOthers = (accessToken: string) =>
    ctx.app.inject({
      method: "POST",
      url: "/api/auth/sessions/end-others",
      headers: bearer(accessToken),
    });

  it("ends every other session at once: their tokens stop working, the caller's keep working", async () => {
    const { user, password, accessToken, refreshToken } = await createUser(ctx);
    const phone = await login(user.email, password);
    const laptop = await login(user.email, password);
    const stranger = await createUser(ctx);

    const response = await endOthers(accessToken);

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ sessionsEnded: 2 });
    for (const other of [phone, laptop]) {
      expectProblem(await me(other.accessToken), 401, "invalid_token");
      expectProblem(await refresh(other.refreshToken), 401, "invalid_token");
    }
    expect((await me(accessToken)).statusCode).toBe(200);
    const renewed = await refresh(refreshToken);
    expect(renewed.statusCode).toBe(200);
    expect((await me(renewed.json().accessToken)).statusCode).toBe(200);
    expect((await me(stranger.accessToken)).statusCode).toBe(200);
    const live = await ctx.deps.db.select().from(sessions).where(eq(sessions.userId, user.id));
    expect(live.filter((row) => row.revokedAt === null)).toHaveLength(1);
    expect(live.filter((row) => row.revokedReason === "other_sessions_ended")).toHaveLength(2);
    const [event] = await ctx.deps.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.userId, user.id), eq(auditEvents.type, "other_sessions_ended")));
    expect(event?.data).toMatchObject({ sessionsEnded: 2, sessionId: expect.any(String) });
  });

  it("answers 0 when there is no other session", async () => {
    const { accessToken } = await createUser(ctx);
    const response = await endOthers(accessToken);
    expect(response.json()).toEqual({ sessionsEnded: 0 });
    expect((await me(accessToken)).statusCode).toBe(200);
  });

  it("answers 401 without a token", async () => {
    const response = await ctx.app.inject({
      method: "POST",
      url: "/api/auth/sessions/end-others",
    });
    expectProblem(response, 401, "unauthorized");
  });

  it("is limited to 10 calls a minute per account", async () => {
    const { accessToken } = await createUser(ctx);
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await endOthers(accessToken)).statusCode);
    expect(statuses).toEqual([...Array(10).fill(200), 429]);
  });
});
