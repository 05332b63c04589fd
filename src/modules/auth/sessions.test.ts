import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectProblem, manualClock, randomIp } from "../../../test/factories/auth.ts";
import { bearer, createUser, strongPassword } from "../../../test/factories/users.ts";
import { createTestApp, type TestContext } from "../../../test/helpers/app.ts";
import { auditEvents } from "../audit/audit.table.ts";
import { refreshTokens, sessions } from "./auth.table.ts";
import { hashToken } from "./tokens.ts";

const DAY = 24 * 60 * 60 * 1000;

describe("sessions", () => {
  let ctx: TestContext;
  const clock = manualClock();
  beforeAll(async () => {
    ctx = await createTestApp({ overrides: { clock } });
  });
  afterAll(() => ctx.close());

  const refresh = (refreshToken: string, remoteAddress = randomIp()) =>
    ctx.app.inject({
      method: "POST",
      url: "/api/auth/refresh",
      payload: { refreshToken },
      remoteAddress,
    });
  const me = (accessToken: string) =>
    ctx.app.inject({ method: "GET", url: "/api/auth/me", headers: bearer(accessToken) });
  const login = (email: string, password: string) =>
    ctx.app.inject({
      method: "POST",
      url: "/api/auth/login",
      payload: { email, password },
      remoteAddress: randomIp(),
      headers: { "user-agent": "second-device" },
    });

  describe("POST /api/auth/refresh", () => {
    it("rotates: a new pair works, the old refresh token is spent, only hashes are stored", async () => {
      const { refreshToken } = await createUser(ctx);
      const response = await refresh(refreshToken);
      expect(response.statusCode).toBe(200);
      const pair = response.json();
      expect(pair).toMatchObject({ tokenType: "Bearer", expiresIn: 900 });
      expect(pair.refreshToken).not.toBe(refreshToken);
      expect(Buffer.from(pair.refreshToken, "base64url")).toHaveLength(32);
      expect((await me(pair.accessToken)).statusCode).toBe(200);
      const stored = await ctx.deps.db
        .select()
        .from(refreshTokens)
        .where(eq(refreshTokens.tokenHash, hashToken(pair.refreshToken)));
      expect(stored).toHaveLength(1);
      const plain = await ctx.deps.db
        .select()
        .from(refreshTokens)
        .where(eq(refreshTokens.tokenHash, pair.refreshToken));
      expect(plain).toHaveLength(0);
    });

    it("revokes the whole session when a spent token is presented again", async () => {
      const { refreshToken, accessToken } = await createUser(ctx);
      const first = (await refresh(refreshToken)).json();
      expectProblem(await refresh(refreshToken), 401, "refresh_token_reused");
      expectProblem(await refresh(first.refreshToken), 401, "invalid_token");
      expectProblem(await me(first.accessToken), 401, "invalid_token");
      expectProblem(await me(accessToken), 401, "invalid_token");
      const events = await ctx.deps.db
        .select()
        .from(auditEvents)
        .where(eq(auditEvents.type, "refresh_token_reused"));
      expect(events.length).toBeGreaterThan(0);
    });

    it("lets exactly one of 20 concurrent refreshes with one token succeed", async () => {
      const { refreshToken } = await createUser(ctx);
      const responses = await Promise.all(Array.from({ length: 20 }, () => refresh(refreshToken)));
      const statuses = responses.map((response) => response.statusCode);
      expect(statuses.filter((status) => status === 200)).toHaveLength(1);
      expect(statuses.filter((status) => status === 401)).toHaveLength(19);
    });

    it("returns 401 for an unknown token", async () => {
      expectProblem(await refresh("not-a-real-token"), 401, "invalid_token");
    });

    it("expires a refresh token unused for 7 days (sliding) and every session after 30 days", async () => {
      const start = new Date();
      clock.set(start);
      try {
        const idle = await createUser(ctx);
        clock.set(new Date(start.getTime() + 7 * DAY + 1000));
        expectProblem(await refresh(idle.refreshToken), 401, "invalid_token");

        clock.set(start);
        let { refreshToken } = await createUser(ctx);
        for (let day = 6; day < 30; day += 6) {
          clock.set(new Date(start.getTime() + day * DAY));
          const response = await refresh(refreshToken);
          expect(response.statusCode).toBe(200);
          refreshToken = response.json().refreshToken;
        }
        clock.set(new Date(start.getTime() + 30 * DAY + 1000));
        expectProblem(await refresh(refreshToken), 401, "invalid_token");
      } finally {
        clock.set(new Date());
      }
    });
  });

  describe("POST /api/auth/logout", () => {
    it("ends the session: its access token stops working at once, its refresh token too", async () => {
      const { accessToken, refreshToken } = await createUser(ctx);
      const response = await ctx.app.inject({
        method: "POST",
        url: "/api/auth/logout",
        headers: bearer(accessToken),
        payload: { refreshToken },
      });
      expect(response.statusCode).toBe(204);
      expectProblem(await me(accessToken), 401, "invalid_token");
      expect((await refresh(refreshToken)).statusCode).toBe(401);
    });

    it("works without a body", async () => {
      const { accessToken } = await createUser(ctx);
      const response = await ctx.app.inject({
        method: "POST",
        url: "/api/auth/logout",
        headers: bearer(accessToken),
      });
      expect(response.statusCode).toBe(204);
      expectProblem(await me(accessToken), 401, "invalid_token");
    });

    it("needs a bearer token", async () => {
      expectProblem(
        await ctx.app.inject({ method: "POST", url: "/api/auth/logout" }),
        401,
        "unauthorized",
      );
    });
  });

  describe("POST /api/auth/password", () => {
    it("changes the password and ends every other session but keeps this one", async () => {
      const { user, password, accessToken } = await createUser(ctx);
      const other = (await login(user.email, password)).json();
      const newPassword = strongPassword();
      const response = await ctx.app.inject({
        method: "POST",
        url: "/api/auth/password",
        headers: bearer(accessToken),
        payload: { currentPassword: password, newPassword },
      });
      expect(response.statusCode).toBe(204);
      expect((await me(accessToken)).statusCode).toBe(200);
      expectProblem(await me(other.accessToken), 401, "invalid_token");
      expect((await refresh(other.refreshToken)).statusCode).toBe(401);
      expect((await login(user.email, password)).statusCode).toBe(401);
      expect((await login(user.email, newPassword)).statusCode).toBe(200);
    });

    it("returns 403 invalid_password for a wrong current password", async () => {
      const { accessToken } = await createUser(ctx);
      const response = await ctx.app.inject({
        method: "POST",
        url: "/api/auth/password",
        headers: bearer(accessToken),
        payload: { currentPassword: "wrong-password-1", newPassword: strongPassword() },
      });
      expectProblem(response, 403, "invalid_password");
    });

    it("applies the password policy to the new password", async () => {
      const { accessToken, password } = await createUser(ctx);
      const response = await ctx.app.inject({
        method: "POST",
        url: "/api/auth/password",
        headers: bearer(accessToken),
        payload: { currentPassword: password, newPassword: "qwertyuiop" },
      });
      const body = expectProblem(response, 400, "validation_failed");
      expect(body.errors).toEqual([{ path: "body.newPassword", message: expect.any(String) }]);
    });
  });

  describe("GET/DELETE /api/auth/sessions", () => {
    it("lists the caller's active sessions, marks the current one, and ends one of them", async () => {
      const { user, password, accessToken } = await createUser(ctx);
      const other = (await login(user.email, password)).json();
      const list = await ctx.app.inject({
        method: "GET",
        url: "/api/auth/sessions?limit=1",
        headers: bearer(accessToken),
      });
      expect(list.statusCode).toBe(200);
      const page = list.json();
      expect(page.items).toHaveLength(1);
      expect(page.nextCursor).toEqual(expect.any(String));
      const next = await ctx.app.inject({
        method: "GET",
        url: `/api/auth/sessions?limit=1&cursor=${page.nextCursor}`,
        headers: bearer(accessToken),
      });
      const all = [...page.items, ...next.json().items];
      expect(next.json().nextCursor).toBeNull();
      expect(all.map((s: { current: boolean }) => s.current).sort()).toEqual([false, true]);
      const second = all.find((s: { current: boolean }) => !s.current);
      expect(second).toMatchObject({
        userAgent: "second-device",
        ip: expect.any(String),
        lastUsedAt: expect.any(String),
      });

      const removed = await ctx.app.inject({
        method: "DELETE",
        url: `/api/auth/sessions/${second.id}`,
        headers: bearer(accessToken),
      });
      expect(removed.statusCode).toBe(204);
      expectProblem(await me(other.accessToken), 401, "invalid_token");
      const [row] = await ctx.deps.db.select().from(sessions).where(eq(sessions.id, second.id));
      expect(row?.revokedAt).not.toBeNull();
    });

    it("returns 404 for another user's session", async () => {
      const mine = await createUser(ctx);
      const theirs = await createUser(ctx);
      const [session] = await ctx.deps.db
        .select()
        .from(sessions)
        .where(eq(sessions.userId, theirs.user.id));
      const response = await ctx.app.inject({
        method: "DELETE",
        url: `/api/auth/sessions/${session?.id}`,
        headers: bearer(mine.accessToken),
      });
      expectProblem(response, 404, "session_not_found");
      expect((await me(theirs.accessToken)).statusCode).toBe(200);
    });
  });
});
