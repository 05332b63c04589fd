import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  expectProblem,
  manualClock,
  randomIp,
  stableProblem,
} from "../../../test/factories/auth.ts";
import { bearer, createUser, strongPassword, uniqueEmail } from "../../../test/factories/users.ts";
import { createTestApp, type TestContext } from "../../../test/helpers/app.ts";
import { resetDatabase } from "../../../test/helpers/database.ts";
import { crashAfterEffect, drainQueue, queuedJobs } from "../../../test/helpers/queue.ts";
import { users } from "../users/users.table.ts";

type Mail = {
  id: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  createdAt: string;
};

describe("password reset and email verification", () => {
  let ctx: TestContext;
  const clock = manualClock();
  beforeAll(async () => {
    ctx = await createTestApp({ overrides: { clock } });
  });
  beforeEach(async () => {
    clock.set(new Date());
    await resetDatabase(ctx.deps.database);
  });
  afterAll(() => ctx.close());

  const post = (url: string, payload?: object, headers: Record<string, string> = {}) =>
    ctx.app.inject({ method: "POST", url, payload, headers, remoteAddress: randomIp() });

  /** Runs the queued mail jobs and returns the newest message to an address. */
  async function mailTo(to: string): Promise<Mail | undefined> {
    await drainQueue(ctx.deps);
    const response = await ctx.app.inject({ method: "GET", url: "/api/dev/mail" });
    return (response.json().items as Mail[]).find((mail) => mail.to === to);
  }

  function tokenIn(mail: Mail | undefined, path: string): string {
    const link = mail?.text.match(/https?:\/\/\S+/)?.[0] ?? "";
    const url = new URL(link);
    expect(url.origin).toBe("http://localhost:3000");
    expect(url.pathname).toBe(`/${path}`);
    return url.searchParams.get("token") ?? "";
  }

  async function forgot(email: string) {
    const response = await post("/api/auth/password/forgot", { email });
    expect(response.statusCode).toBe(202);
    return tokenIn(await mailTo(email), "reset-password");
  }

  describe("POST /api/auth/password/forgot", () => {
    it("answers 202 with the same body for unknown emails and enqueues one job either way", async () => {
      const known = await createUser(ctx);
      const unknownEmail = uniqueEmail();
      const a = await post("/api/auth/password/forgot", { email: known.user.email });
      const b = await post("/api/auth/password/forgot", { email: unknownEmail });
      expect([a.statusCode, b.statusCode]).toEqual([202, 202]);
      expect(a.json()).toEqual(b.json());
      // The same work in the request for both: one lookup, one job; the job decides.
      const jobs = await queuedJobs(ctx.deps);
      expect(jobs.map((job) => [job.name, job.data])).toEqual([
        ["auth.send-link", { purpose: "password_reset", userId: known.user.id }],
        ["auth.send-link", { purpose: "password_reset", userId: null }],
      ]);
      expect(await mailTo(known.user.email)).toBeDefined();
      expect(await mailTo(unknownEmail)).toBeUndefined();
      expect((await queuedJobs(ctx.deps)).map((job) => job.state)).toEqual([
        "completed",
        "completed",
      ]);
    });
  });

  describe("links in job payloads", () => {
    it("keeps tokens, links and addresses out of every job after register, resend and forgot", async () => {
      const email = uniqueEmail();
      const registered = await post("/api/auth/register", {
        email,
        password: strongPassword(),
        name: "Quinn",
      });
      const headers = bearer(registered.json().accessToken);
      const first = tokenIn(await mailTo(email), "verify-email");
      expect((await post("/api/auth/email/resend", undefined, headers)).statusCode).toBe(202);
      const second = tokenIn(await mailTo(email), "verify-email");
      const reset = await forgot(email);
      const payloads = JSON.stringify((await queuedJobs(ctx.deps)).map((job) => job.data));
      for (const secret of [first, second, reset, "token=", "verify-email", "reset-password"]) {
        expect(payloads).not.toContain(secret);
      }
      expect(payloads).not.toContain(email);
      expect((await post("/api/auth/email/verify", { token: second })).statusCode).toBe(204);
      const newPassword = strongPassword();
      expect(
        (await post("/api/auth/password/reset", { token: reset, newPassword })).statusCode,
      ).toBe(204);
    });

    it("sends one working link when a link job runs again after its mail went out", async () => {
      const { user } = await createUser(ctx);
      const sent = await post("/api/auth/password/forgot", { email: user.email });
      expect(sent.statusCode).toBe(202);
      // As if the worker died after sending but before marking the job done: it runs again.
      await crashAfterEffect(ctx.deps, "auth.send-link");
      expect(await drainQueue(ctx.deps, { now: true })).toBe(1);
      const response = await ctx.app.inject({ method: "GET", url: "/api/dev/mail" });
      const mails = (response.json().items as Mail[]).filter((mail) => mail.to === user.email);
      expect(mails).toHaveLength(1);
      const token = tokenIn(mails[0], "reset-password");
      const newPassword = strongPassword();
      expect((await post("/api/auth/password/reset", { token, newPassword })).statusCode).toBe(204);
    });
  });

  describe("links end when the password changes", () => {
    const changePassword = (accessToken: string, currentPassword: string) =>
      post(
        "/api/auth/password",
        { currentPassword, newPassword: strongPassword() },
        bearer(accessToken),
      );

    it("refuses a reset link issued before a password change", async () => {
      const { user, accessToken, password } = await createUser(ctx);
      const token = await forgot(user.email);
      expect((await changePassword(accessToken, password)).statusCode).toBe(204);
      expectProblem(
        await post("/api/auth/password/reset", { token, newPassword: strongPassword() }),
        400,
        "invalid_token",
      );
    });

    it("refuses a verification link issued before a password change", async () => {
      const { user, accessToken, password } = await createUser(ctx);
      await post("/api/auth/email/resend", undefined, bearer(accessToken));
      const token = tokenIn(await mailTo(user.email), "verify-email");
      expect((await changePassword(accessToken, password)).statusCode).toBe(204);
      expectProblem(await post("/api/auth/email/verify", { token }), 400, "invalid_token");
    });

    it("ends the other outstanding links when a reset is used", async () => {
      const { user, accessToken } = await createUser(ctx);
      await post("/api/auth/email/resend", undefined, bearer(accessToken));
      const verification = tokenIn(await mailTo(user.email), "verify-email");
      const reset = await forgot(user.email);
      const newPassword = strongPassword();
      expect(
        (await post("/api/auth/password/reset", { token: reset, newPassword })).statusCode,
      ).toBe(204);
      expectProblem(
        await post("/api/auth/email/verify", { token: verification }),
        400,
        "invalid_token",
      );
    });
  });

  describe("POST /api/auth/password/reset", () => {
    it("sets the password, ends every session, and works once", async () => {
      const { user, accessToken, refreshToken } = await createUser(ctx);
      const token = await forgot(user.email);
      const newPassword = strongPassword();
      expect((await post("/api/auth/password/reset", { token, newPassword })).statusCode).toBe(204);
      expectProblem(
        await ctx.app.inject({ method: "GET", url: "/api/auth/me", headers: bearer(accessToken) }),
        401,
        "invalid_token",
      );
      expect((await post("/api/auth/refresh", { refreshToken })).statusCode).toBe(401);
      expect(
        (await post("/api/auth/login", { email: user.email, password: newPassword })).statusCode,
      ).toBe(200);
      expectProblem(
        await post("/api/auth/password/reset", { token, newPassword: strongPassword() }),
        400,
        "invalid_token",
      );
    });

    it("rejects a token older than 30 minutes and an unknown one alike", async () => {
      const { user } = await createUser(ctx);
      const token = await forgot(user.email);
      clock.advance(30 * 60 * 1000 + 1000);
      const expired = await post("/api/auth/password/reset", {
        token,
        newPassword: strongPassword(),
      });
      const unknown = await post("/api/auth/password/reset", {
        token: "x".repeat(43),
        newPassword: strongPassword(),
      });
      expectProblem(expired, 400, "invalid_token");
      expect(stableProblem(expired)).toEqual(stableProblem(unknown));
    });

    it("accepts a token just inside 30 minutes", async () => {
      const { user } = await createUser(ctx);
      const token = await forgot(user.email);
      clock.advance(29 * 60 * 1000);
      expect(
        (await post("/api/auth/password/reset", { token, newPassword: strongPassword() }))
          .statusCode,
      ).toBe(204);
    });

    it("keeps the token usable when the new password is refused", async () => {
      const { user } = await createUser(ctx);
      const token = await forgot(user.email);
      expectProblem(
        await post("/api/auth/password/reset", { token, newPassword: "12345678" }),
        400,
        "validation_failed",
      );
      expect(
        (await post("/api/auth/password/reset", { token, newPassword: strongPassword() }))
          .statusCode,
      ).toBe(204);
    });

    it("stops an older link working once a newer one is sent", async () => {
      const { user } = await createUser(ctx);
      const first = await forgot(user.email);
      await forgot(user.email);
      expectProblem(
        await post("/api/auth/password/reset", { token: first, newPassword: strongPassword() }),
        400,
        "invalid_token",
      );
    });
  });

  describe("email verification", () => {
    it("mails a link on register that verifies the address once", async () => {
      const email = uniqueEmail();
      const registered = await post("/api/auth/register", {
        email,
        password: strongPassword(),
        name: "Vera",
      });
      expect(registered.statusCode).toBe(201);
      const mail = await mailTo(email);
      expect(mail?.subject).toMatch(/confirm/i);
      const token = tokenIn(mail, "verify-email");
      expect(Buffer.from(token, "base64url")).toHaveLength(32);
      expect((await post("/api/auth/email/verify", { token })).statusCode).toBe(204);
      const me = await ctx.app.inject({
        method: "GET",
        url: "/api/auth/me",
        headers: bearer(registered.json().accessToken),
      });
      expect(me.json().emailVerified).toBe(true);
      expectProblem(await post("/api/auth/email/verify", { token }), 400, "invalid_token");
    });

    it("expires verification links after 24 hours", async () => {
      const { user, accessToken } = await createUser(ctx);
      expect(
        (await post("/api/auth/email/resend", undefined, bearer(accessToken))).statusCode,
      ).toBe(202);
      const token = tokenIn(await mailTo(user.email), "verify-email");
      clock.advance(24 * 60 * 60 * 1000 + 1000);
      expectProblem(await post("/api/auth/email/verify", { token }), 400, "invalid_token");
      const [row] = await ctx.deps.db.select().from(users).where(eq(users.id, user.id));
      expect(row?.emailVerifiedAt).toBeNull();
    });

    it("limits resends to 5 per hour per user", async () => {
      const { accessToken } = await createUser(ctx);
      const codes: number[] = [];
      for (let i = 0; i < 6; i++) {
        codes.push(
          (await post("/api/auth/email/resend", undefined, bearer(accessToken))).statusCode,
        );
      }
      expect(codes).toEqual([202, 202, 202, 202, 202, 429]);
    });

    it("resend needs a bearer token and sends nothing once verified", async () => {
      expectProblem(await post("/api/auth/email/resend"), 401, "unauthorized");
      const { user, accessToken } = await createUser(ctx);
      await ctx.deps.db
        .update(users)
        .set({ emailVerifiedAt: new Date() })
        .where(eq(users.id, user.id));
      expect(
        (await post("/api/auth/email/resend", undefined, bearer(accessToken))).statusCode,
      ).toBe(202);
      expect(await queuedJobs(ctx.deps, "auth.send-link")).toEqual([]);
      expect(await mailTo(user.email)).toBeUndefined();
    });
  });
});
