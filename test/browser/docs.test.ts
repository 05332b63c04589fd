import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BrowserSession, openBrowser, REPORTS_DIR } from "../helpers/browser.ts";

// Kept after the run, unlike the first hour's screenshots: what the docs page answered with the
// token of a real login.
const SCREENSHOT = join(REPORTS_DIR, "docs-try-it-out.png");
const PASSWORD = "a long passphrase of mine";
// Swagger UI's bundle applies one inline style that its own upstream policy refuses as well;
// nothing visible depends on it, and allowing it would allow any inline style on /docs.
const SWAGGER_INLINE_STYLE = /^Applying inline style violates .*'style-src 'self''/;
const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

type OpenApi = { paths: Record<string, Record<string, unknown>> };

/** Every operation Swagger UI shows, as "GET /api/auth/me". */
function operationsOnPage(page: Page): Promise<string[]> {
  return page.locator(".opblock-summary").evaluateAll((summaries) =>
    summaries.map((summary) => {
      const method = summary.querySelector(".opblock-summary-method")?.textContent ?? "?";
      const path = summary.querySelector("[data-path]")?.getAttribute("data-path") ?? "?";
      return `${method.trim().toUpperCase()} ${path}`;
    }),
  );
}

describe("/docs, in a browser", () => {
  let browser: BrowserSession;
  const email = `docs-user-${Date.now()}@example.com`;

  beforeAll(async () => {
    browser = await openBrowser();
  });

  afterAll(async () => {
    await browser?.close();
  });

  /** Registers, confirms the address through the mail's link, logs in: the login's access token. */
  async function loggedInToken(): Promise<string> {
    const { api } = browser;
    const registered = await api("POST", "/api/auth/register", {
      email,
      password: PASSWORD,
      name: "Docs Reader",
    });
    expect(registered.status).toBe(201);
    const link = await browser.linkFromMail(email, "Confirm your email address");
    const token = new URL(link).searchParams.get("token");
    expect((await api("POST", "/api/auth/email/verify", { token })).status).toBe(204);
    const login = await api("POST", "/api/auth/login", { email, password: PASSWORD });
    expect(login.status).toBe(200);
    return ((await login.json()) as { accessToken: string }).accessToken;
  }

  it("lists every operation of /openapi.json", async () => {
    const document = (await (await browser.api("GET", "/openapi.json")).json()) as OpenApi;
    const documented = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((key) => METHODS.includes(key))
        .map((method) => `${method.toUpperCase()} ${path}`),
    );
    const { page, refused } = await browser.openPage();
    await page.goto(`${browser.origin}/docs/`);
    await page.locator(".opblock-summary").first().waitFor({ state: "visible", timeout: 30_000 });

    const shown = new Set(await operationsOnPage(page));
    const missing = documented.filter((operation) => !shown.has(operation));
    const extra = [...shown].filter((operation) => !documented.includes(operation));
    expect({ missing, extra }).toEqual({ missing: [], extra: [] });
    expect(refused.filter((message) => !SWAGGER_INLINE_STYLE.test(message))).toEqual([]);
  });

  it("authorizes with the login's token and tries GET /api/auth/me: 200", async () => {
    const token = await loggedInToken();
    const { page, refused } = await browser.openPage();
    await page.goto(`${browser.origin}/docs/`);

    await page.locator(".auth-wrapper .btn.authorize").click();
    const dialog = page.locator(".modal-ux");
    await dialog.locator("#auth-bearer-value").fill(token);
    await dialog.getByRole("button", { name: "Apply credentials" }).click();
    await dialog.getByRole("button", { name: "Remove authorization" }).waitFor();
    await dialog.getByRole("button", { name: "Close" }).click();
    await page.locator(".auth-wrapper .btn.authorize.locked").waitFor();

    const me = page.locator(".opblock-get", {
      has: page.locator('.opblock-summary-path[data-path="/api/auth/me"]'),
    });
    await me.locator(".opblock-summary-control").click();
    await me.getByRole("button", { name: "Try it out" }).click();
    await me.getByRole("button", { name: "Execute" }).click();
    const live = me.locator(".live-responses-table .response");
    await live.waitFor({ state: "visible", timeout: 30_000 });
    expect((await live.locator(".response-col_status").textContent())?.trim()).toBe("200");
    expect(await live.locator(".response-col_description pre").first().textContent()).toContain(
      email,
    );

    mkdirSync(REPORTS_DIR, { recursive: true });
    await me.screenshot({ path: SCREENSHOT });
    expect(refused.filter((message) => !SWAGGER_INLINE_STYLE.test(message))).toEqual([]);
  });
});
