import { createSecretKey } from "node:crypto";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectProblem, manualClock } from "../../../test/factories/auth.ts";
import { bearer, createUser } from "../../../test/factories/users.ts";
import { createTestApp, TEST_JWT_SECRET, type TestContext } from "../../../test/helpers/app.ts";
import { createAccessTokens } from "./tokens.ts";

function base64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[1] as string, "base64url").toString("utf8"));
}

async function sign(
  claims: Record<string, unknown>,
  header: Record<string, unknown> = {},
  secret = TEST_JWT_SECRET,
) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256", typ: "at+jwt", ...header })
    .sign(createSecretKey(Buffer.from(secret)));
}

describe("access tokens", () => {
  let ctx: TestContext;
  const clock = manualClock();
  beforeAll(async () => {
    ctx = await createTestApp({ overrides: { clock } });
  });
  afterAll(() => ctx.close());

  const me = (authorization: string) =>
    ctx.app.inject({ method: "GET", url: "/api/auth/me", headers: { authorization } });

  it("carries sub, sid, role, iat, exp, iss, aud and jti, valid for 15 minutes", async () => {
    const { user, accessToken } = await createUser(ctx);
    const claims = claimsOf(accessToken);
    expect(claims).toMatchObject({
      sub: user.id,
      role: "user",
      iss: "stratum",
      aud: "stratum-api",
    });
    expect(Object.keys(claims).sort()).toEqual([
      "aud",
      "exp",
      "iat",
      "iss",
      "jti",
      "role",
      "sid",
      "sub",
    ]);
    expect((claims.exp as number) - (claims.iat as number)).toBe(900);
  });

  it("accepts the scheme name in any case", async () => {
    const { accessToken } = await createUser(ctx);
    expect((await me(`bearer ${accessToken}`)).statusCode).toBe(200);
    expect((await me(`BEARER ${accessToken}`)).statusCode).toBe(200);
  });

  it("rejects alg none", async () => {
    const { accessToken } = await createUser(ctx);
    const [, payload] = accessToken.split(".");
    const forged = `${base64url({ alg: "none", typ: "at+jwt" })}.${payload}.`;
    expectProblem(await me(`Bearer ${forged}`), 401, "invalid_token");
  });

  it("rejects a tampered payload", async () => {
    const { accessToken } = await createUser(ctx);
    const [header, , signature] = accessToken.split(".");
    const payload = base64url({ ...claimsOf(accessToken), role: "admin" });
    expectProblem(await me(`Bearer ${header}.${payload}.${signature}`), 401, "invalid_token");
  });

  it("rejects an expired token", async () => {
    const { accessToken } = await createUser(ctx);
    clock.advance(15 * 60 * 1000 + 1000);
    try {
      expectProblem(await me(`Bearer ${accessToken}`), 401, "invalid_token");
    } finally {
      clock.set(new Date());
    }
  });

  it("rejects a wrong audience, a wrong issuer and a wrong typ", async () => {
    const { accessToken } = await createUser(ctx);
    const claims = claimsOf(accessToken);
    for (const token of [
      await sign({ ...claims, aud: "another-api" }),
      await sign({ ...claims, iss: "someone-else" }),
      await sign(claims, { typ: "JWT" }),
      await sign(claims, {}, "another-secret-that-is-at-least-32-bytes"),
    ]) {
      expectProblem(await me(`Bearer ${token}`), 401, "invalid_token");
    }
  });

  it("rejects a refresh token used as a bearer token", async () => {
    const { refreshToken } = await createUser(ctx);
    expectProblem(await me(`Bearer ${refreshToken}`), 401, "invalid_token");
  });

  it("rejects a malformed header even on a public route", async () => {
    expectProblem(
      await ctx.app.inject({
        method: "GET",
        url: "/health/live",
        headers: { authorization: "Basic abc" },
      }),
      401,
      "invalid_token",
    );
    expect((await ctx.app.inject({ method: "GET", url: "/health/live" })).statusCode).toBe(200);
  });

  it("rejects a token whose session or user is gone", async () => {
    const { accessToken } = await createUser(ctx);
    const forged = await sign({
      ...claimsOf(accessToken),
      sid: "00000000-0000-4000-8000-000000000000",
    });
    expectProblem(await me(`Bearer ${forged}`), 401, "invalid_token");
  });

  it("answers 401, not 500, to a correctly signed token whose ids are not UUIDs", async () => {
    const { user } = await createUser(ctx);
    const tokens = createAccessTokens(ctx.deps.jwt, clock);
    for (const claims of [
      { userId: user.id, sessionId: "not-a-uuid", role: "user" as const },
      { userId: user.id, sessionId: "' or 1=1 --", role: "admin" as const },
      {
        userId: "not-a-uuid",
        sessionId: "00000000-0000-4000-8000-000000000000",
        role: "user" as const,
      },
    ]) {
      expectProblem(await me(`Bearer ${await tokens.sign(claims)}`), 401, "invalid_token");
    }
  });
});

describe("JWT_SECRET rotation", () => {
  it("verifies tokens signed with JWT_SECRET_PREVIOUS during a rollover", async () => {
    const before = await createTestApp();
    const { accessToken } = await createUser(before);
    await before.close();
    const after = await createTestApp({
      env: {
        JWT_SECRET: "the-new-secret-that-is-at-least-32-bytes",
        JWT_SECRET_PREVIOUS: TEST_JWT_SECRET,
      },
    });
    const without = await createTestApp({
      env: { JWT_SECRET: "the-new-secret-that-is-at-least-32-bytes" },
    });
    try {
      const get = (app: TestContext) =>
        app.app.inject({ method: "GET", url: "/api/auth/me", headers: bearer(accessToken) });
      expect((await get(after)).statusCode).toBe(200);
      expectProblem(await get(without), 401, "invalid_token");
    } finally {
      await after.close();
      await without.close();
    }
  });
});
