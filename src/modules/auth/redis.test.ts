import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectProblem, randomIp } from "../../../test/factories/auth.ts";
import { bearer, createUser, uniqueEmail } from "../../../test/factories/users.ts";
import { createTestApp, type TestContext } from "../../../test/helpers/app.ts";
import { emailKey } from "./auth.limits.ts";

const redisUrl = process.env.TEST_REDIS_URL;

describe("auth with Redis unreachable", () => {
  let ctx: TestContext;
  beforeAll(async () => {
    // Nothing listens on port 1: every Redis command fails at once.
    ctx = await createTestApp({ env: { REDIS_URL: "redis://127.0.0.1:1" } });
  });
  afterAll(() => ctx.close());

  it("answers rate-limited auth routes with 503 rate_limit_unavailable, not 500", async () => {
    const response = await ctx.app.inject({
      method: "POST",
      url: "/api/auth/login",
      payload: { email: uniqueEmail(), password: "whatever-1" },
    });
    expectProblem(response, 503, "rate_limit_unavailable");
    expect(response.headers["retry-after"]).toBeDefined();
  });

  it("keeps routes without rate limits working and reports redis down in readiness", async () => {
    const { accessToken } = await createUser(ctx);
    expect(
      (await ctx.app.inject({ method: "GET", url: "/api/auth/me", headers: bearer(accessToken) }))
        .statusCode,
    ).toBe(200);
    const ready = await ctx.app.inject({ method: "GET", url: "/health/ready" });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().checks.redis.status).toBe("down");
  });
});

describe.runIf(redisUrl)("two app instances sharing Redis (TEST_REDIS_URL)", () => {
  let one: TestContext;
  let two: TestContext;
  beforeAll(async () => {
    const env = { REDIS_URL: redisUrl as string };
    one = await createTestApp({ env });
    two = await createTestApp({ env });
    // An instance answers 503 rate_limit_unavailable until its Redis connection is up (no
    // offline queue): wait until both are ready, as a balancer would.
    for (const instance of [one, two]) {
      for (let attempt = 0; ; attempt++) {
        const ready = await instance.app.inject({ url: "/health/ready" });
        if (ready.json().checks.redis?.status === "up") break;
        if (attempt === 100) throw new Error("Redis never became ready for a test instance");
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  });
  afterAll(async () => {
    await one.close();
    await two.close();
  });

  it("shares rate limits: the sixth register from one IP is refused whichever instance gets it", async () => {
    const ip = randomIp();
    const codes: number[] = [];
    for (let i = 0; i < 6; i++) {
      const instance = i % 2 === 0 ? one : two;
      const response = await instance.app.inject({
        method: "POST",
        url: "/api/auth/register",
        payload: { email: uniqueEmail(), password: "x", name: "n" },
        remoteAddress: ip,
      });
      codes.push(response.statusCode);
    }
    expect(codes).toEqual([400, 400, 400, 400, 400, 429]);
  });

  it("shares revocations: a logout on one instance kills the token on the other at once", async () => {
    const { accessToken } = await createUser(one);
    const me = (instance: TestContext) =>
      instance.app.inject({ method: "GET", url: "/api/auth/me", headers: bearer(accessToken) });
    expect((await me(two)).statusCode).toBe(200);
    expect(
      (
        await one.app.inject({
          method: "POST",
          url: "/api/auth/logout",
          headers: bearer(accessToken),
        })
      ).statusCode,
    ).toBe(204);
    expectProblem(await me(two), 401, "invalid_token");
  });

  it("names its keys after the rule: stratum:rl:<rule>:<key>, no route placeholder", async () => {
    const ip = randomIp();
    const email = uniqueEmail();
    await one.app.inject({
      method: "POST",
      url: "/api/auth/login",
      payload: { email, password: "wrong-pass-1" },
      remoteAddress: ip,
    });
    const keys = (await one.deps.redis?.keys(`stratum:rl:*${ip}*`)) ?? [];
    expect(keys).toContain(`stratum:rl:login-ip:${ip}`);
    expect(keys).toContain(`stratum:rl:login-ip-email:${ip}|${emailKey(email)}`);
    expect(keys.filter((key) => key.includes("undefined"))).toEqual([]);
    // Addresses never stand in clear in a key: the account budget is keyed by a digest too.
    const all = (await one.deps.redis?.keys("stratum:rl:*")) ?? [];
    expect(all.filter((key) => key.includes(email.split("@")[0] as string))).toEqual([]);
    expect(all).toContain(`stratum:rl:login-failures:${emailKey(email)}`);
  });

  it("reports redis up in readiness", async () => {
    const ready = await one.app.inject({ method: "GET", url: "/health/ready" });
    expect(ready.json().checks.redis.status).toBe("up");
  });
});
