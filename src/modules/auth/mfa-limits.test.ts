import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectProblem, randomIp } from "../../../test/factories/auth.ts";
import { enableTotp } from "../../../test/factories/totp.ts";
import { bearer, createUser } from "../../../test/factories/users.ts";
import { createTestApp, type TestContext } from "../../../test/helpers/app.ts";
import { createPasswordHasher } from "../../lib/passwords.ts";

// Counting is what is tested here, not hashing: cheap parameters keep 100 attempts fast.
const hasher = createPasswordHasher({ memoryCost: 1024, timeCost: 1, parallelism: 1 });

describe("wrong second-step codes and the failure budgets", () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestApp({ overrides: { hasher } });
  });
  afterAll(() => ctx.close());

  const post = (url: string, payload: object, headers: Record<string, string> = {}) =>
    ctx.app.inject({ method: "POST", url, payload, headers, remoteAddress: randomIp() });

  async function enrolled() {
    const created = await createUser(ctx);
    await enableTotp(ctx, created.accessToken);
    return created;
  }

  /** A password step and `count` wrong codes (a new challenge every five). */
  async function failCodes(email: string, password: string, count: number, deviceToken?: string) {
    let mfaToken = "";
    for (let i = 0; i < count; i++) {
      if (i % 5 === 0) {
        const login = await post("/api/auth/login", { email, password, deviceToken });
        expect(login.statusCode).toBe(202);
        mfaToken = login.json().mfaToken;
      }
      const wrong = await post("/api/auth/login/mfa", { mfaToken, recoveryCode: `wrong-${i}` });
      expectProblem(wrong, 401, "invalid_mfa_code");
    }
  }

  it("charges wrong codes to the account's budget of failed logins", async () => {
    const { user, password } = await enrolled();
    for (let i = 0; i < 96; i++) {
      const failed = await post("/api/auth/login", { email: user.email, password: `wrong-${i}` });
      expect(failed.statusCode).toBe(401);
    }
    await failCodes(user.email, password, 4);
    expectProblem(
      await post("/api/auth/login", { email: user.email, password }),
      429,
      "rate_limited",
    );
  }, 60_000);

  it("charges a trusted device's wrong codes to that device, not to the account", async () => {
    const { user, password, accessToken } = await enrolled();
    // A device token comes with a session: sign in once with a recovery code to get one.
    const first = await post("/api/auth/login", { email: user.email, password });
    expect(first.statusCode).toBe(202);
    const { recoveryCodes } = await post(
      "/api/auth/mfa/recovery-codes",
      {},
      bearer(accessToken),
    ).then((response) => response.json());
    const signedIn = await post("/api/auth/login/mfa", {
      mfaToken: first.json().mfaToken,
      recoveryCode: recoveryCodes[0],
    });
    expect(signedIn.statusCode).toBe(200);
    const { deviceToken } = signedIn.json();

    await failCodes(user.email, password, 10, deviceToken);
    const device = await post("/api/auth/login", { email: user.email, password, deviceToken });
    expectProblem(device, 429, "rate_limited");
    const elsewhere = await post("/api/auth/login", { email: user.email, password });
    expect(elsewhere.statusCode).toBe(202);
  }, 60_000);

  it("charges a wrong code on re-authentication to the account's budget", async () => {
    const { user, password, accessToken } = await enrolled();
    for (let i = 0; i < 99; i++) {
      const failed = await post("/api/auth/login", { email: user.email, password: `wrong-${i}` });
      expect(failed.statusCode).toBe(401);
    }
    const wrong = await post(
      "/api/auth/reauthenticate",
      { password, code: "000000" },
      bearer(accessToken),
    );
    expectProblem(wrong, 403, "invalid_mfa_code");
    const limited = await post(
      "/api/auth/reauthenticate",
      { password, code: "000000" },
      bearer(accessToken),
    );
    expectProblem(limited, 429, "rate_limited");
  }, 60_000);
});
