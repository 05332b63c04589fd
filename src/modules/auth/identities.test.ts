import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectProblem, randomIp } from "../../../test/factories/auth.ts";
import { enableTotp, totpCode } from "../../../test/factories/totp.ts";
import { bearer, createUser, uniqueEmail } from "../../../test/factories/users.ts";
import { createTestApp, type TestContext } from "../../../test/helpers/app.ts";
import {
  callback,
  exchange,
  landingOf,
  providersEnv,
  signInWith,
  startGitHubMock,
  startOidcMock,
  visitProvider,
} from "../../../test/helpers/identity-providers.ts";
import { capturingLogger } from "../../../test/helpers/logs.ts";
import { drainQueue, outboxMessages } from "../../../test/helpers/queue.ts";
import { registerPasskey } from "../../../test/helpers/webauthn.ts";
import { createPasswordHasher } from "../../lib/passwords.ts";
import { auditEvents } from "../audit/audit.table.ts";
import { users } from "../users/users.table.ts";
import { identityFlows, userIdentities } from "./identities.table.ts";

type Oidc = Awaited<ReturnType<typeof startOidcMock>>;
type GitHub = Awaited<ReturnType<typeof startGitHubMock>>;

describe("signing in with an identity provider", () => {
  let ctx: TestContext;
  let oidc: Oidc;
  let github: GitHub;
  beforeAll(async () => {
    [oidc, github] = await Promise.all([startOidcMock(), startGitHubMock()]);
    ctx = await createTestApp({
      env: providersEnv(oidc.issuer, github.url),
      overrides: {
        hasher: createPasswordHasher({ memoryCost: 1_024, timeCost: 1, parallelism: 1 }),
      },
    });
  });
  afterAll(async () => {
    await ctx.close();
    await Promise.all([oidc.close(), github.close()]);
  });

  const subject = () => `sub-${randomUUID()}`;
  const me = (accessToken: string) =>
    ctx.app.inject({ method: "GET", url: "/api/auth/me", headers: bearer(accessToken) });
  const identitiesOf = (accessToken: string) =>
    ctx.app.inject({ method: "GET", url: "/api/auth/identities", headers: bearer(accessToken) });
  const unlink = (accessToken: string, id: string) =>
    ctx.app.inject({
      method: "DELETE",
      url: `/api/auth/identities/${id}`,
      headers: bearer(accessToken),
    });
  const rowsOf = (userId: string) =>
    ctx.deps.db.select().from(userIdentities).where(eq(userIdentities.userId, userId));
  const eventsOf = async (userId: string) =>
    (await ctx.deps.db.select().from(auditEvents).where(eq(auditEvents.userId, userId))).map(
      (event) => ({ type: event.type, data: event.data }),
    );
  const verifyEmail = (userId: string) =>
    ctx.deps.db.update(users).set({ emailVerifiedAt: new Date() }).where(eq(users.id, userId));
  async function mailsTo(to: string) {
    await drainQueue(ctx.deps);
    return (await outboxMessages(ctx.deps)).filter((mail) => mail.to === to).reverse();
  }

  it("lists the configured providers", async () => {
    const response = await ctx.app.inject({ method: "GET", url: "/api/auth/providers" });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      providers: [
        { id: "oidc", name: "Mock ID" },
        { id: "github", name: "GitHub" },
      ],
    });
  });

  it("sends the browser to the provider with state, nonce and an S256 PKCE challenge", async () => {
    const response = await ctx.app.inject({
      method: "POST",
      url: "/api/auth/providers/oidc/start",
      remoteAddress: randomIp(),
    });
    expect(response.statusCode).toBe(200);
    const url = new URL(response.json().url);
    expect(`${url.origin}${url.pathname}`).toBe(`${oidc.issuer}/authorize`);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      client_id: "stratum-test",
      response_type: "code",
      redirect_uri: "http://localhost:3000/api/auth/providers/oidc/callback",
      scope: "openid email profile",
      code_challenge_method: "S256",
      state: expect.any(String),
      nonce: expect.any(String),
      code_challenge: expect.any(String),
    });
  });

  it("creates an account on the first sign-in and signs in to it the second time", async () => {
    const email = uniqueEmail("oidc");
    const sub = subject();
    oidc.as({ subject: sub, email, emailVerified: true, name: "Ada Lovelace" });

    const first = await signInWith(ctx, "oidc");

    expect(first.statusCode).toBe(200);
    const body = first.json();
    expect(body.user).toMatchObject({ email, name: "Ada Lovelace", emailVerified: true });
    expect((await me(body.accessToken)).statusCode).toBe(200);
    const [user] = await ctx.deps.db.select().from(users).where(eq(users.id, body.user.id));
    expect(user?.passwordHash).toBeNull();
    expect(await rowsOf(body.user.id)).toMatchObject([{ provider: "oidc", subject: sub, email }]);

    const second = await signInWith(ctx, "oidc");

    expect(second.statusCode).toBe(200);
    expect(second.json().user.id).toBe(body.user.id);
    const events = await eventsOf(body.user.id);
    expect(events).toEqual(
      expect.arrayContaining([
        { type: "user_registered", data: { provider: "oidc" } },
        { type: "identity_linked", data: expect.objectContaining({ provider: "oidc" }) },
        { type: "login_succeeded", data: expect.objectContaining({ method: "oidc" }) },
      ]),
    );
    expect(events.filter((event) => event.type === "login_succeeded")).toHaveLength(2);
    const subjects = (await mailsTo(email)).map((mail) => mail.subject);
    expect(subjects).not.toContain("Mock ID was linked to your account");
    // The sign-in that made the account is not a new device; the second one, without a device
    // token, is.
    const notices = subjects.filter((subject) => subject === "New sign-in to your account");
    expect(notices).toHaveLength(1);
  });

  it("signs in with GitHub, its verified primary email making the account", async () => {
    const email = uniqueEmail("gh");
    github.as({ subject: String(Date.now()), email, emailVerified: true, name: "Octo Cat" });

    const response = await signInWith(ctx, "github");

    expect(response.statusCode).toBe(200);
    expect(response.json().user).toMatchObject({ email, name: "Octo Cat", emailVerified: true });
    const events = await eventsOf(response.json().user.id);
    expect(events).toContainEqual({
      type: "login_succeeded",
      data: expect.objectContaining({ method: "github" }),
    });
  });

  it("answers 400 for an unknown state, and for a state or exchange code used twice", async () => {
    oidc.as({ subject: subject(), email: uniqueEmail(), emailVerified: true });
    const visit = await visitProvider(ctx, "oidc");
    const wrong = visit.callback.replace(/state=[^&]+/, "state=forged");
    expectProblem(await callback(ctx, wrong), 400, "invalid_state");
    expectProblem(
      await callback(ctx, "/api/auth/providers/oidc/callback?code=x"),
      400,
      "invalid_state",
    );

    const landed = landingOf(await callback(ctx, visit.callback));
    expectProblem(await callback(ctx, visit.callback), 400, "invalid_state");
    const code = landed.fragment.get("code") ?? "";
    expect(landed.location.pathname).toBe("/signed-in");
    expectProblem(await exchange(ctx, code, "not-the-key"), 400, "invalid_code");
    // The code was spent by the wrong key: the right one comes too late.
    expectProblem(await exchange(ctx, code, visit.clientKey), 400, "invalid_code");
  });

  it.each(["signature", "nonce"] as const)(
    "answers 400 for an ID token whose %s does not match",
    async (forge) => {
      oidc.as({ subject: subject(), email: uniqueEmail(), emailVerified: true }, { forge });
      const visit = await visitProvider(ctx, "oidc");

      const response = await callback(ctx, visit.callback);

      expectProblem(response, 400, "provider_error");
      oidc.as({ subject: subject() });
    },
  );

  it("answers 400 when the provider refuses, as the callback's error says", async () => {
    const visit = await visitProvider(ctx, "oidc");
    const state = visit.location.searchParams.get("state") ?? "";
    const url = `/api/auth/providers/oidc/callback?error=access_denied&state=${state}`;

    const response = await callback(ctx, url);

    expect(expectProblem(response, 400, "provider_error").detail).toContain("access_denied");
  });

  it("answers 400 provider_error for a code GitHub does not accept", async () => {
    github.as({ subject: String(Date.now() + 3), email: uniqueEmail(), emailVerified: true });
    const visit = await visitProvider(ctx, "github");
    const forged = visit.callback.replace(/code=[^&]+/, "code=forged");

    expectProblem(await callback(ctx, forged), 400, "provider_error");
  });

  it("does not link an unverified provider email to an existing account", async () => {
    const { user } = await createUser(ctx);
    await verifyEmail(user.id);
    oidc.as({ subject: subject(), email: user.email, emailVerified: false });

    const visit = await visitProvider(ctx, "oidc");
    expectProblem(await callback(ctx, visit.callback), 409, "account_exists");

    expect(await rowsOf(user.id)).toEqual([]);
  });

  it("does not link a verified provider email to an account whose email is unverified", async () => {
    const { user } = await createUser(ctx);
    github.as({ subject: String(Date.now() + 1), email: user.email, emailVerified: true });

    const visit = await visitProvider(ctx, "github");
    expectProblem(await callback(ctx, visit.callback), 409, "account_exists");

    expect(await rowsOf(user.id)).toEqual([]);
  });

  it("links to the existing account when both sides have verified the email", async () => {
    const { user } = await createUser(ctx);
    await verifyEmail(user.id);
    oidc.as({ subject: subject(), email: user.email, emailVerified: true });

    const response = await signInWith(ctx, "oidc");

    expect(response.statusCode).toBe(200);
    expect(response.json().user.id).toBe(user.id);
    expect(await rowsOf(user.id)).toHaveLength(1);
    const [notice] = (await mailsTo(user.email)).filter((mail) => mail.subject.includes("linked"));
    expect(notice?.subject).toBe("Mock ID was linked to your account");
  });

  it("links from a signed-in account, lists and unlinks; another account's identity is 409", async () => {
    const account = await createUser(ctx);
    const sub = subject();
    oidc.as({ subject: sub, email: uniqueEmail("elsewhere"), emailVerified: false });

    const visit = await visitProvider(ctx, "oidc", bearer(account.accessToken));
    const landed = landingOf(await callback(ctx, visit.callback));

    expect(landed.fragment.get("linked")).toBe("oidc");
    const listed = await identitiesOf(account.accessToken);
    expect(listed.statusCode).toBe(200);
    const [identity] = listed.json().items;
    expect(identity).toMatchObject({ provider: "oidc", lastUsedAt: expect.any(String) });
    // The identity now signs in to this account.
    const signedIn = await signInWith(ctx, "oidc");
    expect(signedIn.json().user.id).toBe(account.user.id);

    const other = await createUser(ctx);
    const again = await visitProvider(ctx, "oidc", bearer(other.accessToken));
    expectProblem(await callback(ctx, again.callback), 409, "identity_taken");
    expectProblem(await unlink(other.accessToken, identity.id), 404, "identity_not_found");

    expect((await unlink(account.accessToken, identity.id)).statusCode).toBe(204);
    expect((await identitiesOf(account.accessToken)).json().items).toEqual([]);
    expect(await eventsOf(account.user.id)).toContainEqual({
      type: "identity_unlinked",
      data: { identityId: identity.id, provider: "oidc" },
    });
    const subjects = (await mailsTo(account.user.email)).map((mail) => mail.subject);
    expect(subjects).toContain("Mock ID was unlinked from your account");
  });

  it("refuses to unlink the only way a password-less account signs in", async () => {
    const email = uniqueEmail("only");
    github.as({ subject: String(Date.now() + 2), email, emailVerified: true });
    const { accessToken } = (await signInWith(ctx, "github")).json();
    const [identity] = (await identitiesOf(accessToken)).json().items;

    expectProblem(await unlink(accessToken, identity.id), 409, "last_sign_in_method");
    // A second identity makes the first removable.
    oidc.as({ subject: subject(), email: uniqueEmail(), emailVerified: false });
    const visit = await visitProvider(ctx, "oidc", bearer(accessToken));
    landingOf(await callback(ctx, visit.callback));
    expect((await unlink(accessToken, identity.id)).statusCode).toBe(204);
  });

  it("pages the identities: a cursor from the first page gives the rest", async () => {
    github.as({
      subject: String(Date.now() + 6),
      email: uniqueEmail("pages"),
      emailVerified: true,
    });
    const { accessToken } = (await signInWith(ctx, "github")).json();
    oidc.as({ subject: subject(), email: uniqueEmail(), emailVerified: false });
    const visit = await visitProvider(ctx, "oidc", bearer(accessToken));
    landingOf(await callback(ctx, visit.callback));
    const page = (url: string) =>
      ctx.app.inject({ method: "GET", url, headers: bearer(accessToken) });
    const first = await page("/api/auth/identities?limit=1");
    expect(first.statusCode).toBe(200);
    expect(first.json().items.map((item: { provider: string }) => item.provider)).toEqual(["oidc"]);
    const rest = await page(`/api/auth/identities?limit=1&cursor=${first.json().nextCursor}`);
    expect(rest.statusCode).toBe(200);
    expect(rest.json()).toMatchObject({ items: [{ provider: "github" }], nextCursor: null });
  });

  it("lets a password-less account with a passkey unlink its only identity", async () => {
    github.as({
      subject: String(Date.now() + 3),
      email: uniqueEmail("keyed"),
      emailVerified: true,
    });
    const { accessToken } = (await signInWith(ctx, "github")).json();
    const [identity] = (await identitiesOf(accessToken)).json().items;
    await registerPasskey(ctx.app, accessToken);
    expect((await unlink(accessToken, identity.id)).statusCode).toBe(204);
  });

  it("re-authenticates a password-less account with a passkey, or not at all", async () => {
    github.as({ subject: String(Date.now() + 5), email: uniqueEmail("re"), emailVerified: true });
    const { accessToken, user } = (await signInWith(ctx, "github")).json();
    const { authenticator } = await registerPasskey(ctx.app, accessToken);
    const reauthenticate = (payload: object) =>
      ctx.app.inject({
        method: "POST",
        url: "/api/auth/reauthenticate",
        headers: bearer(accessToken),
        payload,
        remoteAddress: randomIp(),
      });
    expectProblem(await reauthenticate({}), 403, "reauthentication_required");
    expectProblem(await reauthenticate({ password: "any password" }), 403, "invalid_password");
    const asked = await ctx.app.inject({
      method: "POST",
      url: "/api/auth/passkeys/authentication/options",
      remoteAddress: randomIp(),
    });
    const { challengeId, options } = asked.json();
    const passkey = { challengeId, response: authenticator.assert(options) };
    const done = await reauthenticate({ passkey });
    expect(done.statusCode).toBe(200);
    expect(await eventsOf(user.id)).toContainEqual({
      type: "reauthenticated",
      data: expect.objectContaining({ secondFactor: "passkey" }),
    });
  });

  it("asks for the second step after the provider when the account has an authenticator app", async () => {
    github.as({ subject: String(Date.now() + 4), email: uniqueEmail("mfa"), emailVerified: true });
    const first = (await signInWith(ctx, "github")).json();
    const { secret } = await enableTotp(ctx, first.accessToken);

    const again = await signInWith(ctx, "github");
    expect(again.statusCode).toBe(202);
    expect(again.json()).toMatchObject({
      status: "mfa_required",
      methods: ["totp", "recovery_code"],
    });
    const done = await ctx.app.inject({
      method: "POST",
      url: "/api/auth/login/mfa",
      payload: { mfaToken: again.json().mfaToken, code: totpCode(secret, new Date(), 1) },
      remoteAddress: randomIp(),
    });
    expect(done.statusCode).toBe(200);
    expect(done.json().user.id).toBe(first.user.id);
    const events = await eventsOf(first.user.id);
    expect(events).toContainEqual({
      type: "mfa_challenged",
      data: { method: "github" },
    });
    expect(events).toContainEqual({
      type: "login_succeeded",
      data: expect.objectContaining({ method: "github", secondFactor: "totp" }),
    });
  });

  it("never signs in a password-less account with a password, and asks it to set one by reset", async () => {
    const email = uniqueEmail("nopass");
    oidc.as({ subject: subject(), email, emailVerified: true });
    const { accessToken } = (await signInWith(ctx, "oidc")).json();
    const post = (url: string, payload: object, headers: Record<string, string> = {}) =>
      ctx.app.inject({ method: "POST", url, payload, headers, remoteAddress: randomIp() });

    const login = await post("/api/auth/login", { email, password: "anything at all, really" });

    expectProblem(login, 401, "invalid_credentials");
    const change = { currentPassword: "whatever it was", newPassword: "a brand new passphrase" };
    expectProblem(
      await post("/api/auth/password", change, bearer(accessToken)),
      409,
      "no_password",
    );
    const newEmail = { newEmail: uniqueEmail(), password: "whatever it was" };
    expectProblem(
      await post("/api/auth/email/change", newEmail, bearer(accessToken)),
      409,
      "no_password",
    );
    expectProblem(
      await ctx.app.inject({
        method: "DELETE",
        url: "/api/me",
        payload: { password: "whatever it was" },
        headers: bearer(accessToken),
      }),
      409,
      "no_password",
    );
  });

  it("creates an unverified account, and mails a verification link, for an unverified email", async () => {
    const email = uniqueEmail("unverified");
    oidc.as({ subject: subject(), email, emailVerified: false });

    const response = await signInWith(ctx, "oidc");

    expect(response.json().user).toMatchObject({ email, emailVerified: false });
    const subjects = (await mailsTo(email)).map((mail) => mail.subject);
    expect(subjects.some((line) => /verify|confirm/i.test(line))).toBe(true);
  });

  it("answers 401 invalid_credentials for a disabled account, at the callback or the exchange", async () => {
    const email = uniqueEmail("disabled");
    const sub = subject();
    oidc.as({ subject: sub, email, emailVerified: true });
    const { user } = (await signInWith(ctx, "oidc")).json();

    const visit = await visitProvider(ctx, "oidc");
    const landed = landingOf(await callback(ctx, visit.callback));
    await ctx.deps.db.update(users).set({ disabledAt: new Date() }).where(eq(users.id, user.id));
    const code = landed.fragment.get("code") ?? "";
    expectProblem(await exchange(ctx, code, visit.clientKey), 401, "invalid_credentials");

    const later = await visitProvider(ctx, "oidc");
    expectProblem(await callback(ctx, later.callback), 401, "invalid_credentials");
  });

  it("limits start and link, the callback and the exchange to 10 a minute per IP", async () => {
    const { accessToken } = await createUser(ctx);
    const requests = [
      { method: "POST" as const, url: "/api/auth/providers/oidc/start" },
      {
        method: "POST" as const,
        url: "/api/auth/providers/oidc/link",
        headers: bearer(accessToken),
      },
      { method: "GET" as const, url: "/api/auth/providers/oidc/callback?code=a&state=guess" },
      {
        method: "POST" as const,
        url: "/api/auth/providers/exchange",
        payload: { code: "guess", clientKey: "guess" },
      },
    ];
    for (const request of requests) {
      const remoteAddress = randomIp();
      const statuses: number[] = [];
      for (let i = 0; i < 11; i++) {
        statuses.push((await ctx.app.inject({ ...request, remoteAddress })).statusCode);
      }
      expect(statuses.slice(0, 10).every((status) => status === statuses[0])).toBe(true);
      expect(statuses[0]).not.toBe(429);
      expect(statuses[10]).toBe(429);
    }
  });

  it("answers 503, and logs why, when the provider has no such issuer", async () => {
    // The provider answers, but not with this issuer's configuration: the setup is wrong.
    const capture = capturingLogger();
    const misnamed = await createTestApp({
      env: { ...providersEnv(`${oidc.issuer}/tenant-that-is-not`, github.url) },
      overrides: { logger: capture.logger },
    });
    try {
      const response = await misnamed.app.inject({
        method: "POST",
        url: "/api/auth/providers/oidc/start",
        remoteAddress: randomIp(),
      });
      const problem = expectProblem(response, 503, "provider_unavailable");
      expect(problem.detail).toBe("Mock ID is not set up right on this server; try again later.");
      const failed = capture.lines.find((line) => line.msg === "request failed");
      // The reason reaches the operator: the cause, appended to the message by the serializer.
      const logged = failed?.err as { message?: string } | undefined;
      expect(logged?.message).toContain("unexpected HTTP response status code");
    } finally {
      await misnamed.close();
    }
  });

  it("keeps no flow secret in clear: state and keys are stored as hashes", async () => {
    const visit = await visitProvider(ctx, "oidc");
    const state = visit.location.searchParams.get("state") ?? "";
    const rows = await ctx.deps.db.select().from(identityFlows);
    const text = JSON.stringify(rows);
    expect(text).not.toContain(state);
    expect(text).not.toContain(visit.clientKey);
  });
});

describe("identity providers not configured or not reachable", () => {
  let ctx: TestContext;
  beforeAll(async () => {
    // A closed port: discovery fails at once.
    ctx = await createTestApp({
      env: {
        OIDC_ISSUER: "http://127.0.0.1:9/",
        OIDC_CLIENT_ID: "x",
        OIDC_CLIENT_SECRET: "y",
      },
    });
  });
  afterAll(() => ctx.close());

  it("answers 404 provider_not_found for every route of an unconfigured provider", async () => {
    const { accessToken } = await createUser(ctx);
    const requests = [
      { method: "POST" as const, url: "/api/auth/providers/github/start" },
      { method: "POST" as const, url: "/api/auth/providers/github/link" },
      { method: "GET" as const, url: "/api/auth/providers/github/callback?code=a&state=b" },
      { method: "POST" as const, url: "/api/auth/providers/nope/start" },
    ];
    for (const request of requests) {
      const response = await ctx.app.inject({
        ...request,
        headers: bearer(accessToken),
        remoteAddress: randomIp(),
      });
      expectProblem(response, 404, "provider_not_found");
    }
    const listed = await ctx.app.inject({ method: "GET", url: "/api/auth/providers" });
    expect(listed.json()).toEqual({ providers: [{ id: "oidc", name: "OpenID Connect" }] });
  });

  it("answers 503 provider_unavailable when the provider cannot be reached", async () => {
    const { accessToken } = await createUser(ctx);
    for (const purpose of ["start", "link"]) {
      const response = await ctx.app.inject({
        method: "POST",
        url: `/api/auth/providers/oidc/${purpose}`,
        headers: bearer(accessToken),
        remoteAddress: randomIp(),
      });
      expectProblem(response, 503, "provider_unavailable");
    }
  });
});
