import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { manualClock, randomIp } from "../../../test/factories/auth.ts";
import { bearer, createUser, strongPassword, uniqueEmail } from "../../../test/factories/users.ts";
import { createTestApp, type TestContext } from "../../../test/helpers/app.ts";
import { drainQueue, outboxMessages, queuedJobs } from "../../../test/helpers/queue.ts";

const USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0 <b>";

describe("security notices by mail", () => {
  let ctx: TestContext;
  const clock = manualClock(new Date("2026-12-04T09:30:00Z"));
  beforeAll(async () => {
    ctx = await createTestApp({ overrides: { clock } });
  });
  afterAll(() => ctx.close());

  /** Each request from a new address; the answer carries it as `ip`. */
  async function post(url: string, payload: object, headers: Record<string, string> = {}) {
    const ip = randomIp();
    const response = await ctx.app.inject({
      method: "POST",
      url,
      payload,
      remoteAddress: ip,
      headers: { "user-agent": USER_AGENT, ...headers },
    });
    return Object.assign(response, { ip });
  }

  /** Runs the queued jobs; the mails an address got, oldest first. */
  async function mailsTo(to: string) {
    await drainQueue(ctx.deps);
    return (await outboxMessages(ctx.deps)).filter((mail) => mail.to === to).reverse();
  }

  /** Asserts that no secret of the flow stands in a mail. */
  function expectNoSecrets(mail: { text: string; html: string }, secrets: string[]) {
    for (const secret of [...secrets, "token="]) {
      expect(mail.text).not.toContain(secret);
      expect(mail.html).not.toContain(secret);
    }
  }

  it("tells of a sign-in from an unknown device: when, the IP and the user agent", async () => {
    const { user, password } = await createUser(ctx);
    const response = await post("/api/auth/login", { email: user.email, password });
    expect(response.statusCode).toBe(200);
    // The job carries ids and a time; the address, IP and user agent are read when it runs.
    const jobs = await queuedJobs(ctx.deps, "auth.notify");
    const job = jobs.find((queued) => queued.data.userId === user.id);
    expect(job?.data).toEqual({
      notice: "new_sign_in",
      userId: user.id,
      sessionId: expect.any(String),
      at: "2026-12-04T09:30:00.000Z",
    });

    const mails = await mailsTo(user.email);
    expect(mails.map((mail) => mail.subject)).toEqual(["New sign-in to your account"]);
    const mail = mails[0] as { text: string; html: string };
    expect(mail.text).toContain("When: 2026-12-04 09:30 UTC");
    expect(mail.text).toContain(`IP address: ${response.ip}`);
    expect(mail.text).toContain(`Device: ${USER_AGENT}`);
    expect(mail.html).toContain("Firefox/140.0 &lt;b&gt;");
    const { accessToken, refreshToken, deviceToken } = response.json();
    expectNoSecrets(mail, [password, accessToken, refreshToken, deviceToken]);
  });

  it("says nothing on register, nor on a login from the device register trusted", async () => {
    const email = uniqueEmail();
    const password = strongPassword();
    const registered = await post("/api/auth/register", { email, password, name: "Ada" });
    expect(registered.statusCode).toBe(201);
    const { deviceToken } = registered.json();

    const login = await post("/api/auth/login", { email, password, deviceToken });

    expect(login.statusCode).toBe(200);
    expect((await mailsTo(email)).map((mail) => mail.subject)).toEqual([
      "Confirm your email address",
    ]);
  });

  it("says nothing when a login fails", async () => {
    const { user } = await createUser(ctx);
    const login = await post("/api/auth/login", { email: user.email, password: "wrong-pass-1" });
    expect(login.statusCode).toBe(401);
    expect(await mailsTo(user.email)).toEqual([]);
  });

  it("tells the account's address that its password was changed", async () => {
    const { user, password, accessToken } = await createUser(ctx);
    const newPassword = strongPassword();
    const changed = await post(
      "/api/auth/password",
      { currentPassword: password, newPassword },
      bearer(accessToken),
    );
    expect(changed.statusCode).toBe(204);

    const mails = await mailsTo(user.email);
    expect(mails.map((mail) => mail.subject)).toEqual(["Your password was changed"]);
    const mail = mails[0] as { text: string; html: string };
    expect(mail.text).toContain("When: 2026-12-04 09:30 UTC");
    expect(mail.text).toContain("Forgot password");
    expectNoSecrets(mail, [password, newPassword, accessToken]);
  });

  it("tells of a password set with a reset link, and of no refused change", async () => {
    const { user, password, accessToken } = await createUser(ctx);
    const refused = await post(
      "/api/auth/password",
      { currentPassword: "wrong-pass-1", newPassword: strongPassword() },
      bearer(accessToken),
    );
    expect(refused.statusCode).toBe(403);
    expect(await post("/api/auth/password/forgot", { email: user.email })).toMatchObject({
      statusCode: 202,
    });
    const [link] = await mailsTo(user.email);
    const token = new URL(link?.text.match(/https?:\/\/\S+/)?.[0] ?? "").searchParams.get("token");
    const newPassword = strongPassword();

    const reset = await post("/api/auth/password/reset", { token, newPassword });

    expect(reset.statusCode).toBe(204);
    const mails = await mailsTo(user.email);
    expect(mails.map((mail) => mail.subject)).toEqual([
      "Reset your password",
      "Your password was changed",
    ]);
    expectNoSecrets(mails[1] as { text: string; html: string }, [
      password,
      newPassword,
      String(token),
    ]);
  });
});
