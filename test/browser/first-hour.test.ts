import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Spawned, startServer } from "../helpers/process.ts";

// What a new user does in the first hour, in a real browser against the real server, opened by
// a host name other than localhost: Chromium upgrades nothing on localhost, so only another name
// shows what a policy like `upgrade-insecure-requests` does to a page served over plain http.
const HOST_NAME = "stratum.test";
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const SHOTS = process.env.BROWSER_SCREENSHOTS_DIR ?? tmpdir();
const PASSWORD = "a long passphrase of mine";
const NEW_PASSWORD = "another long passphrase of mine";

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// Not the warnings that headers meant for https (COOP, Origin-Agent-Cluster) are ignored over
// plain http, nor the error the browser logs for an answer the page expects (a 400 it shows).
const REFUSED = /Content Security Policy|Mixed Content|net::ERR_/;
// Swagger UI's bundle applies one inline style that its own upstream policy refuses as well;
// nothing visible depends on it, and allowing it would allow any inline style on /docs.
const SWAGGER_INLINE_STYLE = /^Applying inline style violates .*'style-src 'self''/;

type Mail = { to: string; subject: string; text: string };

describe("the first hour, in a browser, on a host name other than localhost", () => {
  let dataDir: string;
  let server: Spawned & { url: string };
  let browser: Browser;
  let origin: string;
  const email = `new-user-${Date.now()}@example.com`;

  /** Over 127.0.0.1 from the test process: the development mailbox answers loopback only. */
  async function api(method: string, path: string, body?: unknown): Promise<Response> {
    return fetch(`${server.url}${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  async function linkFromMail(subject: string): Promise<string> {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const { items } = (await (await api("GET", "/api/dev/mail")).json()) as { items: Mail[] };
      const mail = items.find((item) => item.to === email && item.subject === subject);
      const link = mail?.text.match(/https?:\/\/\S+/)?.[0];
      if (link) return link;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`no mail "${subject}" for ${email}; server output:\n${server.output()}`);
  }

  /** A page that records what the browser refused to load or run, and every Referer it sent. */
  async function openPage(): Promise<{ page: Page; refused: string[]; referers: string[] }> {
    const page = await browser.newPage();
    const refused: string[] = [];
    const referers: string[] = [];
    page.on("console", (message) => {
      if (REFUSED.test(message.text())) refused.push(message.text());
    });
    page.on("pageerror", (error) => refused.push(error.message));
    page.on("request", (request) => {
      const referer = request.headers().referer;
      if (referer) referers.push(`${request.url()} <- ${referer}`);
    });
    return { page, refused, referers };
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "stratum-browser-"));
    const port = await freePort();
    origin = `http://${HOST_NAME}:${port}`;
    server = await startServer({
      NODE_ENV: "development",
      PORT: String(port),
      DATA_DIR: dataDir,
      APP_URL: origin,
      WORKER_POLL_INTERVAL_MS: "500",
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        `--host-resolver-rules=MAP ${HOST_NAME} 127.0.0.1`,
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    if (server) {
      server.child.kill("SIGTERM");
      await server.exited;
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("/docs renders the interactive docs with their operations", async () => {
    const { page, refused } = await openPage();
    await page.goto(`${origin}/docs/`);
    const register = page.locator(".opblock-summary-path", { hasText: "/api/auth/register" });
    await register.first().waitFor({ state: "visible", timeout: 30_000 });
    await page.screenshot({ path: join(SHOTS, "stratum-docs.png") });
    expect(refused.filter((message) => !SWAGGER_INLINE_STYLE.test(message))).toEqual([]);
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

    const me = await fetch(`${server.url}/api/auth/me`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
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
