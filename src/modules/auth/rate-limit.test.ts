import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectProblem, randomIp } from "../../../test/factories/auth.ts";
import { createUser, strongPassword, uniqueEmail } from "../../../test/factories/users.ts";
import { createTestApp, type TestContext } from "../../../test/helpers/app.ts";
import { createPasswordHasher } from "../../lib/passwords.ts";

type Inject = {
  url: string;
  payload: object;
  remoteAddress?: string;
  headers?: Record<string, string>;
};

// Counting is what is tested here, not hashing: cheap parameters keep 100 logins fast.
const hasher = createPasswordHasher({ memoryCost: 1024, timeCost: 1, parallelism: 1 });

describe("auth rate limits (in process)", () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestApp({ overrides: { hasher } });
  });
  afterAll(() => ctx.close());

  const post = ({ url, payload, remoteAddress = "127.0.0.1", headers = {} }: Inject) =>
    ctx.app.inject({ method: "POST", url, payload, remoteAddress, headers });

  async function statuses(count: number, make: (i: number) => Inject): Promise<number[]> {
    const result: number[] = [];
    for (let i = 0; i < count; i++) result.push((await post(make(i))).statusCode);
    return result;
  }

  it("limits login to 5 per minute per IP and email, with RateLimit-* and Retry-After", async () => {
    const ip = randomIp();
    const email = uniqueEmail();
    const first = await post({
      url: "/api/auth/login",
      payload: { email, password: "wrong-pass-1" },
      remoteAddress: ip,
    });
    expect(first.statusCode).toBe(401);
    expect(first.headers).toMatchObject({ "ratelimit-limit": "5", "ratelimit-remaining": "4" });
    expect(Number(first.headers["ratelimit-reset"])).toBeGreaterThan(0);
    expect(
      await statuses(4, () => ({
        url: "/api/auth/login",
        payload: { email, password: "wrong-pass-1" },
        remoteAddress: ip,
      })),
    ).toEqual([401, 401, 401, 401]);
    const limited = await post({
      url: "/api/auth/login",
      payload: { email, password: "wrong-pass-1" },
      remoteAddress: ip,
    });
    expectProblem(limited, 429, "rate_limited");
    expect(limited.headers).toMatchObject({ "ratelimit-limit": "5", "ratelimit-remaining": "0" });
    expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0);
    expect(limited.headers["x-ratelimit-limit"]).toBeUndefined();
  });

  it("limits login to 10 per minute per IP across emails, counting successes and bad bodies", async () => {
    const ip = randomIp();
    const { user, password } = await createUser(ctx);
    const codes = await statuses(10, (i) => ({
      url: "/api/auth/login",
      payload:
        i % 3 === 0
          ? { email: user.email, password }
          : i % 3 === 1
            ? { nope: true }
            : { email: uniqueEmail(), password: "wrong-pass-1" },
      remoteAddress: ip,
    }));
    expect(codes).toEqual(expect.arrayContaining([200, 400, 401]));
    expect(codes).not.toContain(429);
    const limited = await post({
      url: "/api/auth/login",
      payload: { email: user.email, password },
      remoteAddress: ip,
    });
    expectProblem(limited, 429, "rate_limited");
    expect(limited.headers["ratelimit-limit"]).toBe("10");
  });

  it("ignores a rotated X-Forwarded-For while TRUST_PROXY is off", async () => {
    const codes = await statuses(6, (i) => ({
      url: "/api/auth/register",
      payload: { email: uniqueEmail(), password: "x", name: "n" },
      remoteAddress: "192.0.2.7",
      headers: { "x-forwarded-for": `203.0.113.${i + 1}` },
    }));
    expect(codes).toEqual([400, 400, 400, 400, 400, 429]);
  });

  it("limits refresh to 30 per minute per IP", async () => {
    const ip = randomIp();
    const codes = await statuses(31, () => ({
      url: "/api/auth/refresh",
      payload: { refreshToken: "unknown" },
      remoteAddress: ip,
    }));
    expect(codes.slice(0, 30).every((code) => code === 401)).toBe(true);
    expect(codes[30]).toBe(429);
  });

  it("limits forgot to 3 per hour per email and 5 per minute per IP, apart from reset", async () => {
    const email = uniqueEmail();
    const perEmail = await statuses(4, () => ({
      url: "/api/auth/password/forgot",
      payload: { email },
      remoteAddress: randomIp(),
    }));
    expect(perEmail).toEqual([202, 202, 202, 429]);
    const ip = randomIp();
    const perIp = await statuses(6, () => ({
      url: "/api/auth/password/forgot",
      payload: { email: uniqueEmail() },
      remoteAddress: ip,
    }));
    expect(perIp).toEqual([202, 202, 202, 202, 202, 429]);
    const reset = await post({
      url: "/api/auth/password/reset",
      payload: { token: "unknown", newPassword: strongPassword() },
      remoteAddress: ip,
    });
    expectProblem(reset, 400, "invalid_token");
  });

  it("limits reset to 5 per minute per IP", async () => {
    const ip = randomIp();
    const codes = await statuses(6, () => ({
      url: "/api/auth/password/reset",
      payload: { token: "unknown", newPassword: strongPassword() },
      remoteAddress: ip,
    }));
    expect(codes).toEqual([400, 400, 400, 400, 400, 429]);
  });

  it("blocks an account after 100 failed logins in an hour from any address", async () => {
    const { user, password } = await createUser(ctx);
    for (let i = 0; i < 100; i++) {
      const response = await post({
        url: "/api/auth/login",
        payload: { email: user.email, password: `wrong-${i}-pass` },
        remoteAddress: `198.51.100.${(i % 250) + 1}`,
      });
      expect(response.statusCode).toBe(401);
    }
    const blocked = await post({
      url: "/api/auth/login",
      payload: { email: user.email, password },
      remoteAddress: randomIp(),
    });
    expectProblem(blocked, 429, "rate_limited");
    expect(Number(blocked.headers["retry-after"])).toBeGreaterThan(60);
  }, 60_000);
});

describe("auth rate limits with TRUST_PROXY on", () => {
  it("counts each X-Forwarded-For client separately", async () => {
    const ctx = await createTestApp({ env: { TRUST_PROXY: "true" } });
    try {
      const register = (client: string) =>
        ctx.app.inject({
          method: "POST",
          url: "/api/auth/register",
          payload: { email: uniqueEmail(), password: "x", name: "n" },
          remoteAddress: "192.0.2.9",
          headers: { "x-forwarded-for": client },
        });
      for (let i = 0; i < 5; i++) expect((await register("203.0.113.50")).statusCode).toBe(400);
      expect((await register("203.0.113.50")).statusCode).toBe(429);
      expect((await register("203.0.113.51")).statusCode).toBe(400);
    } finally {
      await ctx.close();
    }
  });
});
