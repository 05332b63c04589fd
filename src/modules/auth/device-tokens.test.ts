import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectProblem, manualClock, randomIp } from "../../../test/factories/auth.ts";
import { bearer, createUser, strongPassword, uniqueEmail } from "../../../test/factories/users.ts";
import { createTestApp, type TestContext } from "../../../test/helpers/app.ts";
import { createPasswordHasher } from "../../lib/passwords.ts";
import { createDeviceTokens, DEVICE_TOKEN_TTL_SECONDS } from "./device-tokens.ts";

// Counting is what is tested here, not hashing: cheap parameters keep 100 logins fast.
const hasher = createPasswordHasher({ memoryCost: 1024, timeCost: 1, parallelism: 1 });

describe("device tokens", () => {
  const secret = "a-secret-that-is-at-least-32-bytes-long";
  const account = { id: "5b0c3c9e-8f0e-4c55-9d3e-0d6c4c1e2f10", passwordHash: "$argon2id$one" };

  it("verify only for the account and password they were issued for, until they expire", () => {
    const clock = manualClock();
    const tokens = createDeviceTokens({ secret }, clock);
    const token = tokens.issue(account);
    expect(tokens.verify(token, account)).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(tokens.verify(token, { ...account, id: "9e1f0a52-7c1b-4a3e-8f57-3b0e6d2a9c11" })).toBe(
      undefined,
    );
    expect(tokens.verify(token, { ...account, passwordHash: "$argon2id$two" })).toBe(undefined);
    expect(tokens.verify(`${token.slice(0, -2)}AA`, account)).toBe(undefined);
    expect(tokens.verify("dt1.1.2.3", account)).toBe(undefined);
    clock.advance((DEVICE_TOKEN_TTL_SECONDS + 1) * 1000);
    expect(tokens.verify(token, account)).toBe(undefined);
  });

  it("keep working through a JWT_SECRET rollover, and not with an unrelated secret", () => {
    const clock = manualClock();
    const token = createDeviceTokens({ secret }, clock).issue(account);
    const rolled = createDeviceTokens({ secret: `${secret}-new`, previousSecret: secret }, clock);
    expect(rolled.verify(token, account)).toBeDefined();
    expect(createDeviceTokens({ secret: `${secret}-new` }, clock).verify(token, account)).toBe(
      undefined,
    );
  });
});

describe("POST /api/auth/login with a device token", () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestApp({ overrides: { hasher } });
  });
  afterAll(() => ctx.close());

  // Every attempt from its own address, so only the per-account and per-device budgets count.
  const login = (payload: { email: string; password: string; deviceToken?: string }) =>
    ctx.app.inject({ method: "POST", url: "/api/auth/login", payload, remoteAddress: randomIp() });

  async function deviceTokenOf(email: string, password: string): Promise<string> {
    const response = await login({ email, password });
    expect(response.statusCode).toBe(200);
    const { deviceToken } = response.json();
    expect(deviceToken).toMatch(/^dt1\./);
    return deviceToken;
  }

  async function lockOut(email: string): Promise<void> {
    for (let i = 0; i < 100; i++) {
      expect((await login({ email, password: `wrong-${i}-pass` })).statusCode).toBe(401);
    }
    expectProblem(await login({ email, password: "wrong-again" }), 429, "rate_limited");
  }

  it("lets the owner's device in while failures from elsewhere lock the account", async () => {
    const { user, password } = await createUser(ctx);
    const other = await createUser(ctx);
    const mine = await deviceTokenOf(user.email, password);
    const theirs = await deviceTokenOf(other.user.email, other.password);
    await lockOut(user.email);

    expectProblem(await login({ email: user.email, password }), 429, "rate_limited");
    const foreign = await login({ email: user.email, password, deviceToken: theirs });
    expectProblem(foreign, 429, "rate_limited");
    const garbage = await login({ email: user.email, password, deviceToken: "dt1.x.y.z" });
    expectProblem(garbage, 429, "rate_limited");
    const trusted = await login({ email: user.email, password, deviceToken: mine });
    expect(trusted.statusCode).toBe(200);
    expect(trusted.json().deviceToken).toMatch(/^dt1\./);
    const events = await ctx.deps.database.rows<{ trusted: string | null }>(
      sql`select data->>'trustedDevice' as trusted from audit_events
          where user_id = ${user.id} and type = 'login_succeeded'`,
    );
    expect(events.map((event) => event.trusted).sort()).toEqual([null, "true"]);
  }, 60_000);

  it("counts wrong passwords with a device token against that device, not the account", async () => {
    const { user, password } = await createUser(ctx);
    const deviceToken = await deviceTokenOf(user.email, password);
    for (let i = 0; i < 10; i++) {
      const response = await login({ email: user.email, password: `wrong-${i}-pass`, deviceToken });
      expectProblem(response, 401, "invalid_credentials");
    }
    const spent = await login({ email: user.email, password, deviceToken });
    expectProblem(spent, 429, "rate_limited");
    expect(Number(spent.headers["retry-after"])).toBeGreaterThan(60);
    expect((await login({ email: user.email, password })).statusCode).toBe(200);
  });

  it("stops trusting a device token once the password changes", async () => {
    const { user, accessToken, password } = await createUser(ctx);
    const deviceToken = await deviceTokenOf(user.email, password);
    const newPassword = strongPassword();
    const changed = await ctx.app.inject({
      method: "POST",
      url: "/api/auth/password",
      headers: bearer(accessToken),
      payload: { currentPassword: password, newPassword },
      remoteAddress: randomIp(),
    });
    expect(changed.statusCode).toBe(204);
    await lockOut(user.email);
    const stale = await login({ email: user.email, password: newPassword, deviceToken });
    expectProblem(stale, 429, "rate_limited");
  }, 60_000);

  it("gives a device token at registration too", async () => {
    const response = await ctx.app.inject({
      method: "POST",
      url: "/api/auth/register",
      payload: { email: uniqueEmail(), password: strongPassword(), name: "D" },
      remoteAddress: randomIp(),
    });
    expect(response.statusCode).toBe(201);
    expect(response.json().deviceToken).toMatch(/^dt1\./);
  });
});
