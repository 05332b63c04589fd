import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectProblem, randomIp } from "../../../test/factories/auth.ts";
import { bearer, createUser, strongPassword, uniqueEmail } from "../../../test/factories/users.ts";
import { createTestApp, type TestContext } from "../../../test/helpers/app.ts";
import { drainQueue, outboxMessages, queuedJobs } from "../../../test/helpers/queue.ts";
import { createPasswordHasher } from "../../lib/passwords.ts";
import { emailChanges } from "./auth.table.ts";

describe("changing the account's email", () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestApp({
      overrides: {
        hasher: createPasswordHasher({ memoryCost: 1_024, timeCost: 1, parallelism: 1 }),
      },
    });
  });
  afterAll(() => ctx.close());

  const post = (url: string, payload: object, headers: Record<string, string> = {}) =>
    ctx.app.inject({ method: "POST", url, payload, headers, remoteAddress: randomIp() });
  const requestChange = (accessToken: string, newEmail: string, password: string) =>
    post("/api/auth/email/change", { newEmail, password }, bearer(accessToken));
  const login = (email: string, password: string) =>
    post("/api/auth/login", { email, password, deviceToken: undefined });
  const me = (accessToken: string) =>
    ctx.app.inject({ method: "GET", url: "/api/auth/me", headers: bearer(accessToken) });

  /** Runs the queued jobs; the mails an address got, oldest first. */
  async function mailsTo(to: string) {
    await drainQueue(ctx.deps);
    return (await outboxMessages(ctx.deps)).filter((mail) => mail.to === to).reverse();
  }

  function tokenIn(mail: { text: string } | undefined, path: string): string {
    const url = new URL(mail?.text.match(/https?:\/\/\S+/)?.[0] ?? "");
    expect(url.pathname).toBe(`/${path}`);
    return url.searchParams.get("token") ?? "";
  }

  async function changed(options: { newEmail?: string } = {}) {
    const account = await createUser(ctx);
    const newEmail = options.newEmail ?? uniqueEmail("new");
    const response = await requestChange(account.accessToken, newEmail, account.password);
    expect(response.statusCode).toBe(202);
    const [confirmation] = await mailsTo(newEmail);
    return { ...account, newEmail, confirmation };
  }

  it("mails the new address a link; login keeps the old address until it is opened", async () => {
    const { user, password, accessToken, newEmail, confirmation } = await changed();
    expect(confirmation?.subject).toBe("Confirm your new email address");
    const token = tokenIn(confirmation, "confirm-email");
    const jobs = await queuedJobs(ctx.deps, "auth.email-change-link");
    const job = jobs.find((queued) => queued.data.userId === user.id);
    expect(job?.data).toEqual({ purpose: "email_change", userId: user.id });
    expect((await login(user.email, password)).statusCode).toBe(200);
    expectProblem(await login(newEmail, password), 401, "invalid_credentials");

    const confirmed = await post("/api/auth/email/change/confirm", { token });

    expect(confirmed.statusCode).toBe(204);
    expect((await me(accessToken)).json()).toMatchObject({ email: newEmail, emailVerified: true });
    expect((await login(newEmail, password)).statusCode).toBe(200);
    expectProblem(await login(user.email, password), 401, "invalid_credentials");
    expectProblem(await post("/api/auth/email/change/confirm", { token }), 400, "invalid_token");
    const [notice] = await mailsTo(user.email);
    expect(notice?.subject).toBe("The email address of your account was changed");
    expect(notice?.text).toContain(newEmail);
    tokenIn(notice, "undo-email-change");
    for (const mail of [confirmation, notice]) expect(mail?.text).not.toContain(password);
  });

  it("undoes from the old address: the old email back, every session ended", async () => {
    const { user, accessToken, newEmail, confirmation, ...account } = await changed();
    const token = tokenIn(confirmation, "confirm-email");
    expect((await post("/api/auth/email/change/confirm", { token })).statusCode).toBe(204);
    // Whoever made the change also changes the password: the undo link still works.
    const password = strongPassword();
    const change = { currentPassword: account.password, newPassword: password };
    expect((await post("/api/auth/password", change, bearer(accessToken))).statusCode).toBe(204);
    const [notice] = (await mailsTo(user.email)).filter((mail) =>
      mail.subject.startsWith("The email address"),
    );

    const undone = await post("/api/auth/email/change/undo", {
      token: tokenIn(notice, "undo-email-change"),
    });

    expect(undone.statusCode).toBe(204);
    expectProblem(await me(accessToken), 401, "invalid_token");
    expect((await login(user.email, password)).statusCode).toBe(200);
    expectProblem(await login(newEmail, password), 401, "invalid_credentials");
  });

  it("leaves no address of the change behind when the account is deleted", async () => {
    const { user, password, accessToken, newEmail, confirmation } = await changed();
    const token = tokenIn(confirmation, "confirm-email");
    expect((await post("/api/auth/email/change/confirm", { token })).statusCode).toBe(204);
    await drainQueue(ctx.deps);
    const deleted = await ctx.app.inject({
      method: "DELETE",
      url: "/api/me",
      headers: bearer(accessToken),
      payload: { password },
    });
    expect(deleted.statusCode).toBe(202);

    expect(await mailsTo(user.email)).toEqual([]);
    expect(await mailsTo(newEmail)).toEqual([]);
    const rows = await ctx.deps.db.select().from(emailChanges);
    expect(rows.filter((row) => row.userId === user.id)).toEqual([]);
  });

  it("answers the same for a taken address, and mails nobody", async () => {
    const other = await createUser(ctx);
    const { user, confirmation } = await changed({ newEmail: other.user.email });
    expect(confirmation).toBeUndefined();
    expect(await mailsTo(user.email)).toEqual([]);
  });

  it("refuses a confirmation once another account has taken the address", async () => {
    const { newEmail, confirmation } = await changed();
    await createUser(ctx, { email: newEmail });
    const token = tokenIn(confirmation, "confirm-email");
    expectProblem(await post("/api/auth/email/change/confirm", { token }), 409, "email_taken");
  });

  it("cannot undo once another account has taken the old address", async () => {
    const { user, confirmation } = await changed();
    const token = tokenIn(confirmation, "confirm-email");
    expect((await post("/api/auth/email/change/confirm", { token })).statusCode).toBe(204);
    const [notice] = await mailsTo(user.email);
    await createUser(ctx, { email: user.email });
    const undo = { token: tokenIn(notice, "undo-email-change") };
    expectProblem(await post("/api/auth/email/change/undo", undo), 409, "email_taken");
  });

  it("limits the links to 10 tries a minute per IP", async () => {
    for (const url of ["/api/auth/email/change/confirm", "/api/auth/email/change/undo"]) {
      const remoteAddress = randomIp();
      const statuses: number[] = [];
      for (let i = 0; i < 11; i++) {
        const response = await ctx.app.inject({
          method: "POST",
          url,
          payload: { token: `guess-${i}` },
          remoteAddress,
        });
        statuses.push(response.statusCode);
      }
      expect(statuses).toEqual([...Array(10).fill(400), 429]);
    }
  });

  it("refuses a wrong password with 403 and queues nothing", async () => {
    const { user, accessToken } = await createUser(ctx);
    const newEmail = uniqueEmail("new");
    const response = await requestChange(accessToken, newEmail, "wrong-pass-1");
    expectProblem(response, 403, "invalid_password");
    const jobs = await queuedJobs(ctx.deps, "auth.email-change-link");
    expect(jobs.filter((job) => job.data.userId === user.id)).toEqual([]);
  });

  it("answers 401 without a token, and 400 for an unknown link", async () => {
    const response = await post("/api/auth/email/change", {
      newEmail: uniqueEmail(),
      password: "x",
    });
    expectProblem(response, 401, "unauthorized");
    const undo = await post("/api/auth/email/change/undo", { token: "not-a-token" });
    expectProblem(undo, 400, "invalid_token");
  });

  it("limits requests to 5 an hour per account", async () => {
    const { accessToken, password } = await createUser(ctx);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      statuses.push((await requestChange(accessToken, uniqueEmail("new"), password)).statusCode);
    }
    expect(statuses).toEqual([202, 202, 202, 202, 202, 429]);
  });
});
