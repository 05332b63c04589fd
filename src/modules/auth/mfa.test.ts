import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectProblem, manualClock, randomIp } from "../../../test/factories/auth.ts";
import { enableTotp, totpCode } from "../../../test/factories/totp.ts";
import { bearer, createUser } from "../../../test/factories/users.ts";
import { createTestApp, type TestContext } from "../../../test/helpers/app.ts";
import { drainQueue, outboxMessages } from "../../../test/helpers/queue.ts";
import { registerPasskey, type SoftAuthenticator } from "../../../test/helpers/webauthn.ts";
import { auditEvents } from "../audit/audit.table.ts";
import { users } from "../users/users.table.ts";
import { runMfaReset } from "./mfa.cli.ts";
import { mfaTotp, recoveryCodes } from "./mfa.table.ts";

const MINUTE = 60_000;

describe("two-step sign-in (TOTP) and recovery codes", () => {
  let ctx: TestContext;
  const clock = manualClock(new Date("2026-12-04T10:00:00Z"));
  beforeAll(async () => {
    ctx = await createTestApp({ overrides: { clock } });
  });
  afterAll(() => ctx.close());

  const call = (
    method: "GET" | "POST" | "DELETE",
    url: string,
    options: { token?: string; payload?: object } = {},
  ) =>
    ctx.app.inject({
      method,
      url,
      ...(options.payload ? { payload: options.payload } : {}),
      headers: options.token ? bearer(options.token) : {},
      remoteAddress: randomIp(),
    });

  /** A user with two-step sign-in on; the clock moves on past every code used so far. */
  async function enrolled() {
    clock.advance(MINUTE);
    const created = await createUser(ctx);
    const { secret, recoveryCodes } = await enableTotp(ctx, created.accessToken);
    clock.advance(MINUTE);
    return { ...created, secret, recoveryCodes };
  }

  async function passwordStep(email: string, password: string) {
    const response = await call("POST", "/api/auth/login", { payload: { email, password } });
    expect(response.statusCode).toBe(202);
    return response.json().mfaToken as string;
  }

  async function eventsOf(userId: string) {
    const rows = await ctx.deps.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.userId, userId))
      .orderBy(auditEvents.createdAt);
    return rows.map((row) => row.type);
  }

  describe("enrolment", () => {
    it("gives a secret and its otpauth URI, on only once a first code confirms it", async () => {
      const { user, accessToken } = await createUser(ctx);
      const off = await call("GET", "/api/auth/mfa", { token: accessToken });
      expect(off.json()).toEqual({ totp: "off", enabledAt: null, recoveryCodesLeft: 0 });

      const started = await call("POST", "/api/auth/mfa/totp", { token: accessToken });
      expect(started.statusCode).toBe(201);
      const { secret, uri, ...rest } = started.json();
      expect(rest).toEqual({ algorithm: "SHA1", digits: 6, period: 30 });
      expect(secret).toMatch(/^[A-Z2-7]{32}$/);
      const parsed = new URL(uri);
      expect(parsed.protocol).toBe("otpauth:");
      expect(parsed.host).toBe("totp");
      expect(decodeURIComponent(parsed.pathname)).toBe(`/Stratum:${user.email}`);
      expect(Object.fromEntries(parsed.searchParams)).toEqual({
        issuer: "Stratum",
        secret,
        algorithm: "SHA1",
        digits: "6",
        period: "30",
      });
      // The secret is kept sealed, never as the app's base32.
      const [row] = await ctx.deps.db.select().from(mfaTotp).where(eq(mfaTotp.userId, user.id));
      expect(row?.secret).toMatch(/^ts1\./);
      expect(row?.secret).not.toContain(secret);
      expect((await call("GET", "/api/auth/mfa", { token: accessToken })).json().totp).toBe(
        "pending",
      );

      const wrong = await call("POST", "/api/auth/mfa/totp/confirm", {
        token: accessToken,
        payload: { code: totpCode(secret, clock.now(), 5) },
      });
      expectProblem(wrong, 403, "invalid_mfa_code");

      const confirmed = await call("POST", "/api/auth/mfa/totp/confirm", {
        token: accessToken,
        payload: { code: totpCode(secret, clock.now()) },
      });
      expect(confirmed.statusCode).toBe(200);
      const codes: string[] = confirmed.json().recoveryCodes;
      expect(codes).toHaveLength(10);
      expect(new Set(codes).size).toBe(10);
      for (const code of codes) expect(code).toMatch(/^[a-z2-7]{6}(-[a-z2-7]{6}){3}$/);
      // Kept as digests only.
      const kept = await ctx.deps.db
        .select()
        .from(recoveryCodes)
        .where(eq(recoveryCodes.userId, user.id));
      expect(kept).toHaveLength(10);
      for (const row of kept) expect(codes.join()).not.toContain(row.codeHash.slice(0, 12));

      const on = await call("GET", "/api/auth/mfa", { token: accessToken });
      expect(on.json()).toEqual({
        totp: "on",
        enabledAt: clock.now().toISOString(),
        recoveryCodesLeft: 10,
      });
      const again = await call("POST", "/api/auth/mfa/totp", { token: accessToken });
      expectProblem(again, 409, "mfa_already_enabled");
      const late = await call("POST", "/api/auth/mfa/totp/confirm", {
        token: accessToken,
        payload: { code: totpCode(secret, clock.now()) },
      });
      expectProblem(late, 409, "mfa_not_pending");
      expect(await eventsOf(user.id)).toContain("mfa_enabled");
    });

    it("refuses malformed codes with 400 validation_failed", async () => {
      const { accessToken } = await createUser(ctx);
      for (const code of ["12345", "1234567", "abcdef", 123456]) {
        const response = await call("POST", "/api/auth/mfa/totp/confirm", {
          token: accessToken,
          payload: { code },
        });
        expectProblem(response, 400, "validation_failed");
      }
    });

    it("needs a fresh sign-in to start", async () => {
      const { accessToken } = await createUser(ctx);
      clock.advance(6 * MINUTE);
      const response = await call("POST", "/api/auth/mfa/totp", { token: accessToken });
      expectProblem(response, 403, "reauthentication_required");
    });
  });

  describe("sign-in", () => {
    it("answers a challenge for the password, then a session for a code", async () => {
      const { user, password, secret } = await enrolled();
      const mfaToken = await passwordStep(user.email, password);

      const wrong = await call("POST", "/api/auth/login/mfa", {
        payload: { mfaToken, code: totpCode(secret, clock.now(), 3) },
      });
      expectProblem(wrong, 401, "invalid_mfa_code");

      const done = await call("POST", "/api/auth/login/mfa", {
        payload: { mfaToken, code: totpCode(secret, clock.now()) },
      });
      expect(done.statusCode).toBe(200);
      expect(done.json()).toMatchObject({ tokenType: "Bearer", user: { id: user.id } });
      const me = await call("GET", "/api/auth/me", { token: done.json().accessToken });
      expect(me.statusCode).toBe(200);

      // The challenge is spent.
      const replay = await call("POST", "/api/auth/login/mfa", {
        payload: { mfaToken, code: totpCode(secret, clock.now(), 1) },
      });
      expectProblem(replay, 401, "invalid_mfa_token");
      const events = await eventsOf(user.id);
      expect(events).toEqual(expect.arrayContaining(["mfa_challenged", "mfa_failed"]));
      const [succeeded] = await ctx.deps.db
        .select()
        .from(auditEvents)
        .where(eq(auditEvents.userId, user.id))
        .orderBy(auditEvents.createdAt)
        .then((rows) => rows.filter((row) => row.type === "login_succeeded"));
      expect(succeeded?.data).toMatchObject({ secondFactor: "totp" });
    });

    it("takes each code once, and the step before or after, never older ones", async () => {
      const { user, password, secret } = await enrolled();
      const code = totpCode(secret, clock.now());
      const first = await passwordStep(user.email, password);
      const ok = await call("POST", "/api/auth/login/mfa", { payload: { mfaToken: first, code } });
      expect(ok.statusCode).toBe(200);

      const second = await passwordStep(user.email, password);
      const replay = await call("POST", "/api/auth/login/mfa", {
        payload: { mfaToken: second, code },
      });
      expectProblem(replay, 401, "invalid_mfa_code");
      // The next step's code (the app's clock 30 s ahead) is accepted.
      const ahead = await call("POST", "/api/auth/login/mfa", {
        payload: { mfaToken: second, code: totpCode(secret, clock.now(), 1) },
      });
      expect(ahead.statusCode).toBe(200);

      clock.advance(2 * MINUTE);
      const third = await passwordStep(user.email, password);
      const stale = await call("POST", "/api/auth/login/mfa", {
        payload: { mfaToken: third, code: totpCode(secret, clock.now(), -2) },
      });
      expectProblem(stale, 401, "invalid_mfa_code");
      const behind = await call("POST", "/api/auth/login/mfa", {
        payload: { mfaToken: third, code: totpCode(secret, clock.now(), -1) },
      });
      expect(behind.statusCode).toBe(200);
    });

    it("spends the challenge after five wrong codes, and after five minutes", async () => {
      const { user, password, secret } = await enrolled();
      const mfaToken = await passwordStep(user.email, password);
      for (let attempt = 0; attempt < 5; attempt++) {
        const wrong = await call("POST", "/api/auth/login/mfa", {
          payload: { mfaToken, code: String(100000 + attempt) },
        });
        expectProblem(wrong, 401, "invalid_mfa_code");
      }
      const right = await call("POST", "/api/auth/login/mfa", {
        payload: { mfaToken, code: totpCode(secret, clock.now()) },
      });
      expectProblem(right, 401, "invalid_mfa_token");

      const later = await passwordStep(user.email, password);
      clock.advance(5 * MINUTE + 1000);
      const expired = await call("POST", "/api/auth/login/mfa", {
        payload: { mfaToken: later, code: totpCode(secret, clock.now()) },
      });
      expectProblem(expired, 401, "invalid_mfa_token");
    });

    it("answers invalid_mfa_token for a disabled account's challenge", async () => {
      const { user, password, secret } = await enrolled();
      const mfaToken = await passwordStep(user.email, password);
      await ctx.deps.db.update(users).set({ disabledAt: new Date() }).where(eq(users.id, user.id));
      const response = await call("POST", "/api/auth/login/mfa", {
        payload: { mfaToken, code: totpCode(secret, clock.now()) },
      });
      expectProblem(response, 401, "invalid_mfa_token");
    });

    it("signs in with a recovery code once, typed in any case without dashes", async () => {
      const { user, password, recoveryCodes: codes } = await enrolled();
      const typed = (codes[0] as string).replaceAll("-", "").toUpperCase();
      const mfaToken = await passwordStep(user.email, password);
      const ok = await call("POST", "/api/auth/login/mfa", {
        payload: { mfaToken, recoveryCode: typed },
      });
      expect(ok.statusCode).toBe(200);
      const status = await call("GET", "/api/auth/mfa", { token: ok.json().accessToken });
      expect(status.json().recoveryCodesLeft).toBe(9);

      const again = await passwordStep(user.email, password);
      const replay = await call("POST", "/api/auth/login/mfa", {
        payload: { mfaToken: again, recoveryCode: codes[0] },
      });
      expectProblem(replay, 401, "invalid_mfa_code");

      await drainQueue(ctx.deps);
      const subjects = (await outboxMessages(ctx.deps))
        .filter((mail) => mail.to === user.email)
        .map((mail) => mail.subject);
      expect(subjects).toEqual(
        expect.arrayContaining(["Two-step sign-in was turned on", "A recovery code was used"]),
      );
    });

    it("takes a passkey of the account as the second step, not another account's", async () => {
      const { user, password, accessToken } = await enrolled();
      const { authenticator } = await registerPasskey(ctx.app, accessToken);
      const stranger = await createUser(ctx);
      const { authenticator: strangers } = await registerPasskey(ctx.app, stranger.accessToken);
      const assertion = async (device: SoftAuthenticator) => {
        const asked = await call("POST", "/api/auth/passkeys/authentication/options");
        const { challengeId, options } = asked.json();
        return { challengeId, response: device.assert(options) };
      };

      const login = await call("POST", "/api/auth/login", {
        payload: { email: user.email, password },
      });
      expect(login.statusCode).toBe(202);
      expect(login.json().methods).toEqual(["totp", "recovery_code", "passkey"]);
      const { mfaToken } = login.json();
      const wrongAccount = await call("POST", "/api/auth/login/mfa", {
        payload: { mfaToken, passkey: await assertion(strangers) },
      });
      expectProblem(wrongAccount, 401, "invalid_mfa_code");
      const proof = await assertion(authenticator);
      const done = await call("POST", "/api/auth/login/mfa", {
        payload: { mfaToken, passkey: proof },
      });
      expect(done.statusCode).toBe(200);

      // The same assertion again: its challenge is spent.
      const again = await passwordStep(user.email, password);
      const replay = await call("POST", "/api/auth/login/mfa", {
        payload: { mfaToken: again, passkey: proof },
      });
      expectProblem(replay, 401, "invalid_mfa_code");

      // It re-authenticates too.
      clock.advance(6 * MINUTE);
      const reauth = await call("POST", "/api/auth/reauthenticate", {
        token: accessToken,
        payload: { password, passkey: await assertion(authenticator) },
      });
      expect(reauth.statusCode).toBe(200);
      const [event] = await ctx.deps.db
        .select()
        .from(auditEvents)
        .where(eq(auditEvents.userId, user.id))
        .then((rows) => rows.filter((row) => row.type === "reauthenticated"));
      expect(event?.data).toMatchObject({ secondFactor: "passkey" });
    });

    it("wants exactly one of code and recoveryCode", async () => {
      const both = await call("POST", "/api/auth/login/mfa", {
        payload: { mfaToken: "x", code: "123456", recoveryCode: "abc" },
      });
      expectProblem(both, 400, "validation_failed");
      const neither = await call("POST", "/api/auth/login/mfa", { payload: { mfaToken: "x" } });
      expectProblem(neither, 400, "validation_failed");
      const unknown = await call("POST", "/api/auth/login/mfa", {
        payload: { mfaToken: "unknown", code: "123456" },
      });
      expectProblem(unknown, 401, "invalid_mfa_token");
    });

    it("limits second steps to ten a minute from one address", async () => {
      const remoteAddress = randomIp();
      const statuses: number[] = [];
      for (let attempt = 0; attempt < 11; attempt++) {
        const response = await ctx.app.inject({
          method: "POST",
          url: "/api/auth/login/mfa",
          payload: { mfaToken: `unknown-${attempt}`, code: "000000" },
          remoteAddress,
        });
        statuses.push(response.statusCode);
      }
      expect(statuses).toEqual([...Array(10).fill(401), 429]);
    });
  });

  describe("changes that need a fresh sign-in", () => {
    it("turns two-step sign-in off only after a re-authentication with a code", async () => {
      const { user, password, secret, accessToken } = await enrolled();
      clock.advance(6 * MINUTE);
      const stale = await call("DELETE", "/api/auth/mfa/totp", { token: accessToken });
      expectProblem(stale, 403, "reauthentication_required");

      const noCode = await call("POST", "/api/auth/reauthenticate", {
        token: accessToken,
        payload: { password },
      });
      expectProblem(noCode, 403, "invalid_mfa_code");
      const wrongPassword = await call("POST", "/api/auth/reauthenticate", {
        token: accessToken,
        payload: { password: `${password}x`, code: totpCode(secret, clock.now()) },
      });
      expectProblem(wrongPassword, 403, "invalid_password");
      const reauthenticated = await call("POST", "/api/auth/reauthenticate", {
        token: accessToken,
        payload: { password, code: totpCode(secret, clock.now()) },
      });
      expect(reauthenticated.statusCode).toBe(200);
      expect(reauthenticated.json()).toEqual({
        authenticatedAt: clock.now().toISOString(),
        freshUntil: new Date(clock.now().getTime() + 5 * MINUTE).toISOString(),
      });

      const off = await call("DELETE", "/api/auth/mfa/totp", { token: accessToken });
      expect(off.statusCode).toBe(204);
      const again = await call("DELETE", "/api/auth/mfa/totp", { token: accessToken });
      expectProblem(again, 409, "mfa_not_enabled");
      const login = await call("POST", "/api/auth/login", {
        payload: { email: user.email, password },
      });
      expect(login.statusCode).toBe(200);
      expect(await eventsOf(user.id)).toEqual(
        expect.arrayContaining(["reauthenticated", "mfa_disabled", "password_check_failed"]),
      );
    });

    it("regenerates recovery codes: the old ones stop working", async () => {
      const { user, password, accessToken, recoveryCodes: old } = await enrolled();
      clock.advance(6 * MINUTE);
      const stale = await call("POST", "/api/auth/mfa/recovery-codes", { token: accessToken });
      expectProblem(stale, 403, "reauthentication_required");
      const reauth = await call("POST", "/api/auth/reauthenticate", {
        token: accessToken,
        payload: { password, recoveryCode: old[1] },
      });
      expect(reauth.statusCode).toBe(200);
      const fresh = await call("POST", "/api/auth/mfa/recovery-codes", { token: accessToken });
      expect(fresh.statusCode).toBe(200);
      const codes: string[] = fresh.json().recoveryCodes;
      expect(codes).toHaveLength(10);
      expect(codes).not.toContain(old[0]);

      const mfaToken = await passwordStep(user.email, password);
      const oldCode = await call("POST", "/api/auth/login/mfa", {
        payload: { mfaToken, recoveryCode: old[0] },
      });
      expectProblem(oldCode, 401, "invalid_mfa_code");
      const newCode = await call("POST", "/api/auth/login/mfa", {
        payload: { mfaToken, recoveryCode: codes[0] },
      });
      expect(newCode.statusCode).toBe(200);
    });

    it("is turned off by `npm run user:reset-mfa` for a user who lost everything", async () => {
      const { user, password } = await enrolled();
      const done = await runMfaReset(ctx.deps, ["--email", user.email.toUpperCase()]);
      expect(done).toBe(
        `two-step sign-in turned off for ${user.email} (${user.id}); they were mailed a notice`,
      );
      const login = await call("POST", "/api/auth/login", {
        payload: { email: user.email, password },
      });
      expect(login.statusCode).toBe(200);
      const [event] = await ctx.deps.db
        .select()
        .from(auditEvents)
        .where(eq(auditEvents.userId, user.id))
        .then((rows) => rows.filter((row) => row.type === "mfa_disabled"));
      expect(event?.data).toEqual({ via: "cli" });
      await expect(runMfaReset(ctx.deps, ["--email", user.email])).rejects.toThrow(
        "Two-step sign-in is not on",
      );
      await expect(runMfaReset(ctx.deps, ["--email", "nobody@example.com"])).rejects.toThrow(
        "no user nobody@example.com",
      );
      await expect(runMfaReset(ctx.deps, [])).rejects.toThrow("usage: npm run user:reset-mfa");
    });

    it("answers 409 mfa_not_enabled for recovery codes without an app", async () => {
      const { accessToken } = await createUser(ctx);
      const response = await call("POST", "/api/auth/mfa/recovery-codes", { token: accessToken });
      expectProblem(response, 409, "mfa_not_enabled");
    });

    it("changes the password of an account with a second factor only in a fresh session", async () => {
      const { password, secret, accessToken } = await enrolled();
      clock.advance(6 * MINUTE);
      const body = { currentPassword: password, newPassword: "another long passphrase 1" };
      const stale = await call("POST", "/api/auth/password", { token: accessToken, payload: body });
      expectProblem(stale, 403, "reauthentication_required");
      const reauth = await call("POST", "/api/auth/reauthenticate", {
        token: accessToken,
        payload: { password, code: totpCode(secret, clock.now()) },
      });
      expect(reauth.statusCode).toBe(200);
      const changed = await call("POST", "/api/auth/password", {
        token: accessToken,
        payload: body,
      });
      expect(changed.statusCode).toBe(204);
    });

    it("re-authenticates an account without a second factor with its password alone", async () => {
      const { password, accessToken } = await createUser(ctx);
      clock.advance(6 * MINUTE);
      const response = await call("POST", "/api/auth/reauthenticate", {
        token: accessToken,
        payload: { password },
      });
      expect(response.statusCode).toBe(200);
      const started = await call("POST", "/api/auth/mfa/totp", { token: accessToken });
      expect(started.statusCode).toBe(201);
    });
  });
});
