import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectProblem, randomIp } from "../../../test/factories/auth.ts";
import { bearer, createUser, strongPassword } from "../../../test/factories/users.ts";
import { createTestApp, type TestContext } from "../../../test/helpers/app.ts";
import { createPasswordHasher } from "../../lib/passwords.ts";

// Counting is what is tested here, not hashing: cheap parameters keep 100 attempts fast.
const hasher = createPasswordHasher({ memoryCost: 1024, timeCost: 1, parallelism: 1 });

describe("password checks of a signed-in caller (change password, delete account)", () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestApp({ overrides: { hasher } });
  });
  afterAll(() => ctx.close());

  const changePassword = (accessToken: string, currentPassword: string, ip = randomIp()) =>
    ctx.app.inject({
      method: "POST",
      url: "/api/auth/password",
      headers: bearer(accessToken),
      payload: { currentPassword, newPassword: strongPassword() },
      remoteAddress: ip,
    });
  const deleteAccount = (accessToken: string, password: string, ip = randomIp()) =>
    ctx.app.inject({
      method: "DELETE",
      url: "/api/me",
      headers: bearer(accessToken),
      payload: { password },
      remoteAddress: ip,
    });
  const login = (email: string, password: string) =>
    ctx.app.inject({
      method: "POST",
      url: "/api/auth/login",
      payload: { email, password },
      remoteAddress: randomIp(),
    });

  async function failLogins(email: string, count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      expect((await login(email, `wrong-${i}-pass`)).statusCode).toBe(401);
    }
  }

  it("limits a wrong current password to 5 a minute per account, from any address", async () => {
    const { accessToken, password } = await createUser(ctx);
    const codes: number[] = [];
    for (let i = 0; i < 5; i++)
      codes.push((await changePassword(accessToken, "wrong-pass")).statusCode);
    expect(codes).toEqual([403, 403, 403, 403, 403]);
    const limited = await changePassword(accessToken, password);
    expectProblem(limited, 429, "rate_limited");
    expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0);
  });

  it("limits a wrong password on account deletion the same way", async () => {
    const { accessToken, password } = await createUser(ctx);
    const codes: number[] = [];
    for (let i = 0; i < 5; i++)
      codes.push((await deleteAccount(accessToken, "wrong-pass")).statusCode);
    expect(codes).toEqual([403, 403, 403, 403, 403]);
    expectProblem(await deleteAccount(accessToken, password), 429, "rate_limited");
  });

  it("audits each failed check with what it was for, and the change itself", async () => {
    const { user, accessToken, password } = await createUser(ctx);
    const ip = randomIp();
    expect((await changePassword(accessToken, "wrong-pass", ip)).statusCode).toBe(403);
    expect((await deleteAccount(accessToken, "wrong-pass", ip)).statusCode).toBe(403);
    expect((await changePassword(accessToken, password, ip)).statusCode).toBe(204);
    const events = await ctx.deps.database.rows<{ type: string; ip: string; purpose: string }>(
      sql`select type, ip, data->>'purpose' as purpose from audit_events
          where user_id = ${user.id}`,
    );
    expect(events).toHaveLength(3);
    expect(events).toEqual(
      expect.arrayContaining([
        { type: "password_check_failed", ip, purpose: "password_change" },
        { type: "password_check_failed", ip, purpose: "account_deletion" },
        { type: "password_changed", ip, purpose: null },
      ]),
    );
  });

  it("shares the account's budget with failed logins, and only that account's", async () => {
    const victim = await createUser(ctx);
    const neighbour = await createUser(ctx);
    await failLogins(victim.user.email, 100);
    expectProblem(await changePassword(victim.accessToken, victim.password), 429, "rate_limited");
    expectProblem(await deleteAccount(victim.accessToken, victim.password), 429, "rate_limited");
    expect((await changePassword(neighbour.accessToken, neighbour.password)).statusCode).toBe(204);
  }, 60_000);

  it("counts failed checks against the budget of failed logins", async () => {
    const { user, accessToken, password } = await createUser(ctx);
    await failLogins(user.email, 96);
    for (let i = 0; i < 2; i++) {
      expect((await changePassword(accessToken, "wrong-pass")).statusCode).toBe(403);
      expect((await deleteAccount(accessToken, "wrong-pass")).statusCode).toBe(403);
    }
    expectProblem(await login(user.email, password), 429, "rate_limited");
  }, 60_000);
});
