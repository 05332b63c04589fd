import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectProblem, manualClock, randomIp } from "../../../test/factories/auth.ts";
import { bearer, type CreatedUser, createUser } from "../../../test/factories/users.ts";
import { createTestApp, type TestContext } from "../../../test/helpers/app.ts";
import { drainQueue, outboxMessages } from "../../../test/helpers/queue.ts";
import {
  TEST_ORIGIN as ORIGIN,
  registerPasskey,
  type SoftAuthenticator,
  softAuthenticator,
} from "../../../test/helpers/webauthn.ts";
import { auditEvents } from "../audit/audit.table.ts";
import { users } from "../users/users.table.ts";
import { sessions } from "./auth.table.ts";
import { passkeys } from "./passkeys.table.ts";
import { CHALLENGE_TTL_MS } from "./passkeys.webauthn.ts";

describe("passkeys", () => {
  let ctx: TestContext;
  const clock = manualClock();
  beforeAll(async () => {
    ctx = await createTestApp({ overrides: { clock } });
  });
  afterAll(() => ctx.close());

  const post = (url: string, payload?: object, headers: Record<string, string> = {}, ip?: string) =>
    ctx.app.inject({
      method: "POST",
      url,
      ...(payload === undefined ? {} : { payload }),
      headers,
      remoteAddress: ip ?? randomIp(),
    });

  async function registrationOptions(account: CreatedUser) {
    const response = await post(
      "/api/auth/passkeys/registration/options",
      undefined,
      bearer(account.accessToken),
    );
    expect(response.statusCode).toBe(200);
    return response.json();
  }

  const addPasskey = (account: CreatedUser, name?: string) =>
    registerPasskey(ctx.app, account.accessToken, name);

  async function authenticationOptions() {
    const response = await post("/api/auth/passkeys/authentication/options");
    expect(response.statusCode).toBe(200);
    return response.json();
  }

  /** An assertion of the authenticator, answering fresh options. */
  async function assertion(authenticator: SoftAuthenticator, tweaks = {}) {
    const { challengeId, options } = await authenticationOptions();
    return { challengeId, response: authenticator.assert(options, tweaks) };
  }

  const eventsOf = async (userId: string) =>
    (await ctx.deps.db.select().from(auditEvents).where(eq(auditEvents.userId, userId))).map(
      (event) => ({ type: event.type, data: event.data }),
    );

  async function mailsTo(to: string) {
    await drainQueue(ctx.deps);
    return (await outboxMessages(ctx.deps)).filter((mail) => mail.to === to).reverse();
  }

  describe("POST /api/auth/passkeys/registration/options", () => {
    it("asks for a discoverable, user-verified credential of this site, bound to the account", async () => {
      const account = await createUser(ctx);
      const first = await addPasskey(account);

      const { challengeId, options } = await registrationOptions(account);

      expect(challengeId).toEqual(expect.any(String));
      expect(options).toMatchObject({
        rp: { id: "localhost", name: "Stratum" },
        user: { name: account.user.email, displayName: account.user.name },
        attestation: "none",
        authenticatorSelection: { residentKey: "required", userVerification: "required" },
        excludeCredentials: [{ id: first.authenticator.credentialId, type: "public-key" }],
      });
      expect(Buffer.from(options.user.id, "base64url").toString()).toBe(account.user.id);
    });
  });

  describe("POST /api/auth/passkeys", () => {
    it("adds a passkey: listed, audited, and the owner told by mail", async () => {
      const account = await createUser(ctx);

      const { passkey } = await addPasskey(account, "  Laptop  ");

      expect(passkey).toEqual({
        id: expect.any(String),
        name: "Laptop",
        createdAt: clock.now().toISOString(),
        lastUsedAt: null,
        deviceType: "singleDevice",
        backedUp: false,
        transports: ["internal"],
      });
      const [row] = await ctx.deps.db.select().from(passkeys).where(eq(passkeys.id, passkey.id));
      expect(row).toMatchObject({ userId: account.user.id, counter: 0 });
      expect(await eventsOf(account.user.id)).toContainEqual({
        type: "passkey_added",
        data: { passkeyId: passkey.id, sessionId: expect.any(String) },
      });
      const [mail] = await mailsTo(account.user.email);
      expect(mail?.subject).toBe("A passkey was added to your account");
      expect(mail?.text).toContain("IP address: 127.0.0.1");
    });

    it("tells of a passkey added even when the session that added it is gone since", async () => {
      const account = await createUser(ctx);
      await addPasskey(account);
      await ctx.deps.db.delete(sessions).where(eq(sessions.userId, account.user.id));

      const [mail] = await mailsTo(account.user.email);

      expect(mail?.subject).toBe("A passkey was added to your account");
      expect(mail?.text).toContain("IP address: unknown");
    });

    it("refuses a response from another origin, and spends the challenge", async () => {
      const account = await createUser(ctx);
      const authenticator = softAuthenticator({ origin: ORIGIN });
      const { challengeId, options } = await registrationOptions(account);
      const headers = bearer(account.accessToken);

      const wrong = await post(
        "/api/auth/passkeys",
        {
          challengeId,
          name: "Evil",
          response: authenticator.register(options, { origin: "https://evil.example" }),
        },
        headers,
      );
      const again = await post(
        "/api/auth/passkeys",
        { challengeId, name: "Laptop", response: authenticator.register(options) },
        headers,
      );

      expectProblem(wrong, 400, "invalid_passkey");
      expectProblem(again, 400, "invalid_passkey");
      expect(
        await ctx.deps.db.select().from(passkeys).where(eq(passkeys.userId, account.user.id)),
      ).toEqual([]);
    });

    it("refuses another account's challenge", async () => {
      const account = await createUser(ctx);
      const other = await createUser(ctx);
      const { challengeId, options } = await registrationOptions(other);
      const response = softAuthenticator({ origin: ORIGIN }).register(options);

      const added = await post(
        "/api/auth/passkeys",
        { challengeId, name: "Laptop", response },
        bearer(account.accessToken),
      );

      expectProblem(added, 400, "invalid_passkey");
    });

    it("answers 409 for a passkey registered already", async () => {
      const account = await createUser(ctx);
      const { authenticator } = await addPasskey(account);
      const { challengeId, options } = await registrationOptions(account);

      const again = await post(
        "/api/auth/passkeys",
        { challengeId, name: "Again", response: authenticator.register(options) },
        bearer(account.accessToken),
      );

      expectProblem(again, 409, "passkey_exists");
    });

    it("answers 400 validation_failed for a malformed body", async () => {
      const account = await createUser(ctx);
      const headers = bearer(account.accessToken);

      const empty = await post("/api/auth/passkeys", {}, headers);
      const notBase64 = await post(
        "/api/auth/passkeys",
        {
          name: "",
          response: {
            id: "a b",
            rawId: "x",
            type: "other",
            response: {},
            clientExtensionResults: {},
          },
        },
        headers,
      );

      expectProblem(empty, 400, "validation_failed");
      const body = expectProblem(notBase64, 400, "validation_failed");
      const paths = (body.errors as { path: string }[]).map((error) => error.path);
      expect(paths).toEqual(
        expect.arrayContaining(["body.name", "body.response.id", "body.response.type"]),
      );
    });

    it("limits adding passkeys to 10 a minute per account", async () => {
      const account = await createUser(ctx);
      const statuses: number[] = [];
      for (let i = 0; i < 11; i++) {
        const response = await post(
          "/api/auth/passkeys/registration/options",
          undefined,
          bearer(account.accessToken),
        );
        statuses.push(response.statusCode);
        if (i === 10) expectProblem(response, 429, "rate_limited");
      }
      expect(statuses).toEqual([...Array(10).fill(200), 429]);
      const add = await post("/api/auth/passkeys", {}, bearer(account.accessToken));
      expectProblem(add, 429, "rate_limited");
    });
  });

  describe("GET, PATCH and DELETE /api/auth/passkeys", () => {
    it("lists, renames and removes your passkeys", async () => {
      const account = await createUser(ctx);
      const headers = bearer(account.accessToken);
      const first = await addPasskey(account, "Laptop");
      clock.advance(1_000);
      const second = await addPasskey(account, "Phone");

      const page = await ctx.app.inject({
        method: "GET",
        url: "/api/auth/passkeys?limit=1",
        headers,
      });
      expect(page.statusCode).toBe(200);
      expect(page.json().items.map((item: { name: string }) => item.name)).toEqual(["Phone"]);
      const cursor = page.json().nextCursor;
      const rest = await ctx.app.inject({
        method: "GET",
        url: `/api/auth/passkeys?cursor=${cursor}`,
        headers,
      });
      expect(rest.json()).toEqual({ items: [first.passkey], nextCursor: null });

      const renamed = await ctx.app.inject({
        method: "PATCH",
        url: `/api/auth/passkeys/${second.passkey.id}`,
        headers,
        payload: { name: "Work phone" },
      });
      expect(renamed.statusCode).toBe(200);
      expect(renamed.json()).toEqual({ ...second.passkey, name: "Work phone" });

      const removed = await ctx.app.inject({
        method: "DELETE",
        url: `/api/auth/passkeys/${first.passkey.id}`,
        headers,
      });
      expect(removed.statusCode).toBe(204);
      const left = await ctx.app.inject({ method: "GET", url: "/api/auth/passkeys", headers });
      expect(left.json().items.map((item: { name: string }) => item.name)).toEqual(["Work phone"]);
      const types = (await eventsOf(account.user.id)).map((event) => event.type);
      expect(types).toEqual(expect.arrayContaining(["passkey_renamed", "passkey_removed"]));
      const subjects = (await mailsTo(account.user.email)).map((mail) => mail.subject);
      expect(subjects).toContain("A passkey was removed from your account");
      // A removed passkey no longer signs in.
      expectProblem(
        await post("/api/auth/login/passkey", await assertion(first.authenticator)),
        401,
        "invalid_passkey",
      );
    });

    it("keeps the last passkey of an account with no password and no identity", async () => {
      const account = await createUser(ctx);
      const headers = bearer(account.accessToken);
      const first = await addPasskey(account, "Laptop");
      const second = await addPasskey(account, "Phone");
      await ctx.deps.db
        .update(users)
        .set({ passwordHash: null })
        .where(eq(users.id, account.user.id));
      const remove = (id: string) =>
        ctx.app.inject({ method: "DELETE", url: `/api/auth/passkeys/${id}`, headers });
      expect((await remove(first.passkey.id)).statusCode).toBe(204);
      expectProblem(await remove(second.passkey.id), 409, "last_sign_in_method");
      // It still signs in.
      const login = await post("/api/auth/login/passkey", await assertion(second.authenticator));
      expect(login.statusCode).toBe(200);
    });

    it("answers 400 invalid_cursor for a cursor the list did not give", async () => {
      const account = await createUser(ctx);
      const response = await ctx.app.inject({
        method: "GET",
        url: "/api/auth/passkeys?cursor=bm90LWpzb24",
        headers: bearer(account.accessToken),
      });
      expectProblem(response, 400, "invalid_cursor");
    });
  });

  describe("POST /api/auth/login/passkey", () => {
    it("signs in with a passkey alone: the account found from the credential", async () => {
      const account = await createUser(ctx);
      const { authenticator, passkey } = await addPasskey(account);
      const { challengeId, options } = await authenticationOptions();
      expect(options).toMatchObject({
        rpId: "localhost",
        allowCredentials: [],
        userVerification: "required",
      });

      const login = await post("/api/auth/login/passkey", {
        challengeId,
        response: authenticator.assert(options),
      });

      expect(login.statusCode, login.body).toBe(200);
      expect(login.json()).toMatchObject({ user: { id: account.user.id }, tokenType: "Bearer" });
      const me = await ctx.app.inject({
        method: "GET",
        url: "/api/auth/me",
        headers: bearer(login.json().accessToken),
      });
      expect(me.json().id).toBe(account.user.id);
      const [row] = await ctx.deps.db.select().from(passkeys).where(eq(passkeys.id, passkey.id));
      expect(row).toMatchObject({ counter: 1, lastUsedAt: clock.now() });
      expect(await eventsOf(account.user.id)).toContainEqual({
        type: "login_succeeded",
        data: { sessionId: expect.any(String), method: "passkey" },
      });
    });

    it("signs in without the challenge id too: the challenge is found from the response", async () => {
      const account = await createUser(ctx);
      const { authenticator } = await addPasskey(account);
      const { response } = await assertion(authenticator);

      const login = await post("/api/auth/login/passkey", { response });

      expect(login.statusCode).toBe(200);
    });

    it("answers 401 to a replayed assertion", async () => {
      const account = await createUser(ctx);
      const { authenticator } = await addPasskey(account);
      const body = await assertion(authenticator);

      expect((await post("/api/auth/login/passkey", body)).statusCode).toBe(200);
      const replayed = await post("/api/auth/login/passkey", body);

      expectProblem(replayed, 401, "invalid_passkey");
    });

    it("answers 401 to an assertion made for another origin", async () => {
      const account = await createUser(ctx);
      const { authenticator } = await addPasskey(account);

      const login = await post(
        "/api/auth/login/passkey",
        await assertion(authenticator, { origin: "https://evil.example" }),
      );

      expectProblem(login, 401, "invalid_passkey");
      expect(await eventsOf(account.user.id)).toContainEqual({
        type: "login_failed",
        data: { method: "passkey", reason: "signature" },
      });
    });

    it("answers 401 when the counter goes backwards, and records it", async () => {
      const account = await createUser(ctx);
      const { authenticator, passkey } = await addPasskey(account);
      expect(
        (await post("/api/auth/login/passkey", await assertion(authenticator, { counter: 5 })))
          .statusCode,
      ).toBe(200);

      const cloned = await post(
        "/api/auth/login/passkey",
        await assertion(authenticator, { counter: 3 }),
      );

      expectProblem(cloned, 401, "invalid_passkey");
      expect(await eventsOf(account.user.id)).toContainEqual({
        type: "passkey_counter_regressed",
        data: { passkeyId: passkey.id, stored: 5, received: 3 },
      });
      const [row] = await ctx.deps.db.select().from(passkeys).where(eq(passkeys.id, passkey.id));
      expect(row?.counter).toBe(5);
    });

    it("answers 401 once the challenge has expired", async () => {
      const account = await createUser(ctx);
      const { authenticator } = await addPasskey(account);
      const body = await assertion(authenticator);

      clock.advance(CHALLENGE_TTL_MS + 1_000);
      const late = await post("/api/auth/login/passkey", body);

      expectProblem(late, 401, "invalid_passkey");
    });

    it("answers 401 for an unknown credential, a disabled account or no user verification", async () => {
      const account = await createUser(ctx);
      const { authenticator } = await addPasskey(account);
      const stranger = softAuthenticator({ origin: ORIGIN });
      const unverified = await post(
        "/api/auth/login/passkey",
        await assertion(authenticator, { userVerified: false }),
      );
      const unknown = await post("/api/auth/login/passkey", await assertion(stranger));
      await ctx.deps.db
        .update(users)
        .set({ disabledAt: clock.now() })
        .where(eq(users.id, account.user.id));
      const disabled = await post("/api/auth/login/passkey", await assertion(authenticator));

      expectProblem(unverified, 401, "invalid_passkey");
      expectProblem(unknown, 401, "invalid_passkey");
      expectProblem(disabled, 401, "invalid_passkey");
    });

    it("answers 400 validation_failed for a malformed body", async () => {
      const response = await post("/api/auth/login/passkey", { response: { id: 1 } });
      expectProblem(response, 400, "validation_failed");
    });

    it("limits options and logins per IP", async () => {
      const ip = randomIp();
      const options: number[] = [];
      for (let i = 0; i < 21; i++) {
        options.push(
          (await post("/api/auth/passkeys/authentication/options", undefined, {}, ip)).statusCode,
        );
      }
      const logins: number[] = [];
      for (let i = 0; i < 11; i++) {
        logins.push((await post("/api/auth/login/passkey", {}, {}, ip)).statusCode);
      }

      expect(options).toEqual([...Array(20).fill(200), 429]);
      expect(logins).toEqual([...Array(10).fill(400), 429]);
    });

    it("answers 429 once a passkey's failed-login budget is spent", async () => {
      const account = await createUser(ctx);
      const { authenticator } = await addPasskey(account);
      for (let i = 0; i < 20; i++) {
        const { response } = await assertion(authenticator, { origin: "https://evil.example" });
        expect((await post("/api/auth/login/passkey", { response })).statusCode).toBe(401);
      }

      const locked = await post("/api/auth/login/passkey", await assertion(authenticator));

      expectProblem(locked, 429, "rate_limited");
    });
  });
});
