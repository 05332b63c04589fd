import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BrowserSession, openBrowser } from "../helpers/browser.ts";

// What a new user does in the first hour, in a real browser against the real server, opened by
// a host name other than localhost (see test/browser/global-setup.ts).
const SHOTS = process.env.BROWSER_SCREENSHOTS_DIR ?? tmpdir();
const PASSWORD = "a long passphrase of mine";
const NEW_PASSWORD = "another long passphrase of mine";

describe("the first hour, in a browser, on a host name other than localhost", () => {
  let browser: BrowserSession;
  let origin: string;
  const email = `new-user-${Date.now()}@example.com`;
  const api = (method: string, path: string, body?: unknown) => browser.api(method, path, body);
  const linkFromMail = (subject: string) => browser.linkFromMail(email, subject);
  const openPage = () => browser.openPage();

  beforeAll(async () => {
    browser = await openBrowser();
    origin = browser.origin;
  });

  afterAll(async () => {
    await browser?.close();
  });

  it("registers, then confirms the email address through the link of the mail", async () => {
    const registered = await api("POST", "/api/auth/register", {
      email,
      password: PASSWORD,
      name: "New User",
    });
    expect(registered.status).toBe(201);
    const { accessToken } = (await registered.json()) as { accessToken: string };

    const link = await linkFromMail("Confirm your email address");
    expect(link.startsWith(`${origin}/verify-email?token=`)).toBe(true);
    const { page, refused, referers } = await openPage();
    await page.goto(link);
    await page.screenshot({ path: join(SHOTS, "stratum-verify-email.png") });
    await page.getByRole("button", { name: "Confirm my email address" }).click();
    await page.locator("#status.success").waitFor({ state: "visible" });
    expect(await page.locator("#status").textContent()).toContain("is confirmed");
    await page.screenshot({ path: join(SHOTS, "stratum-verify-email-done.png") });
    expect(refused).toEqual([]);
    expect(referers).toEqual([]);

    const me = await browser.api("GET", "/api/auth/me", undefined, accessToken);
    expect(((await me.json()) as { emailVerified: boolean }).emailVerified).toBe(true);
  });

  it("sets a new password through the reset link, showing the API's refusals on the way", async () => {
    expect((await api("POST", "/api/auth/password/forgot", { email })).status).toBe(202);
    const link = await linkFromMail("Reset your password");
    expect(link.startsWith(`${origin}/reset-password?token=`)).toBe(true);
    const { page, refused, referers } = await openPage();
    await page.goto(link);
    const status = page.locator("#status");
    const submit = page.getByRole("button", { name: "Set the new password" });

    await page.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel("New password, again").fill(`${NEW_PASSWORD}!`);
    await submit.click();
    expect(await status.textContent()).toBe("The two passwords differ.");

    await page.getByLabel("New password", { exact: true }).fill("password123");
    await page.getByLabel("New password, again").fill("password123");
    await submit.click();
    await page.locator("#status.error", { hasText: "too common" }).waitFor();
    expect(await status.textContent()).toBe(
      "The request is invalid. The password is too common; choose a less predictable password.",
    );
    await page.screenshot({ path: join(SHOTS, "stratum-reset-password-refused.png") });

    await page.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel("New password, again").fill(NEW_PASSWORD);
    await submit.click();
    await page.locator("#status.success").waitFor({ state: "visible" });
    expect(await status.textContent()).toContain("Your password is changed");
    await page.screenshot({ path: join(SHOTS, "stratum-reset-password-done.png") });
    expect(refused).toEqual([]);
    expect(referers).toEqual([]);

    const login = (password: string) => api("POST", "/api/auth/login", { email, password });
    expect((await login(NEW_PASSWORD)).status).toBe(200);
    expect((await login(PASSWORD)).status).toBe(401);
  });
});
