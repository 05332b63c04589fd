import { createHash } from "node:crypto";
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestContext } from "../../../test/helpers/app.ts";
import { loggerOptions } from "../../lib/logger.ts";

const PAGES = [
  { url: "/verify-email", action: "/api/auth/email/verify", inputs: 0 },
  { url: "/reset-password", action: "/api/auth/password/reset", inputs: 2 },
  { url: "/confirm-email", action: "/api/auth/email/change/confirm", inputs: 0 },
  { url: "/undo-email-change", action: "/api/auth/email/change/undo", inputs: 0 },
];

function inlineHash(html: string, tag: "script" | "style"): string {
  const content = html.match(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`))?.[1] ?? "";
  return `'sha256-${createHash("sha256").update(content).digest("base64")}'`;
}

describe("the pages of the links in auth mails", () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestApp();
  });
  afterAll(() => ctx.close());

  for (const { url, action, inputs } of PAGES) {
    it(`GET ${url} serves an uncached HTML form that posts to ${action}`, async () => {
      const response = await ctx.app.inject({
        method: "GET",
        url: `${url}?token=abc`,
        headers: { host: "stratum.test:3000" },
      });
      expect(response.statusCode).toBe(200);
      expect(response.headers).toMatchObject({
        "content-type": "text/html; charset=utf-8",
        "cache-control": "no-store",
        "referrer-policy": "no-referrer",
        "x-content-type-options": "nosniff",
        "x-frame-options": "DENY",
      });
      expect(response.body).toContain(`<form action="${action}" method="post"`);
      expect(response.body.match(/<input [^>]*type="password"/g) ?? []).toHaveLength(inputs);
      // Nothing from another origin: no absolute or scheme-relative address anywhere.
      expect(response.body).not.toMatch(/(?:[a-z]+:)?\/\/[\w.-]/i);
    });

    it(`GET ${url} allows exactly its inline style and script, over plain http`, async () => {
      const response = await ctx.app.inject({ method: "GET", url });
      const policy = String(response.headers["content-security-policy"]);
      expect(policy).toContain("default-src 'none'");
      expect(policy).toContain(`script-src ${inlineHash(response.body, "script")}`);
      expect(policy).toContain(`style-src ${inlineHash(response.body, "style")}`);
      expect(policy).toContain("connect-src 'self'");
      expect(policy).toContain("frame-ancestors 'none'");
      expect(policy).not.toContain("upgrade-insecure-requests");
      expect(response.body.match(/<script|<style/g)).toHaveLength(2);
    });
  }

  it("answers the forms' requests with a problem whose detail the page shows", async () => {
    const verify = await ctx.app.inject({
      method: "POST",
      url: "/api/auth/email/verify",
      payload: { token: "not-a-token" },
    });
    const reset = await ctx.app.inject({
      method: "POST",
      url: "/api/auth/password/reset",
      payload: { token: "not-a-token", newPassword: "a long passphrase of mine" },
    });
    for (const response of [verify, reset]) {
      expect(response.statusCode).toBe(400);
      expect(response.json().detail).toBe("The link is invalid, expired or already used.");
    }
  });

  it("keeps the link's token out of the request log", async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, callback) {
        lines.push(String(chunk));
        callback();
      },
    });
    const logger = pino(loggerOptions({ logLevel: "info" }), stream);
    const logged = await createTestApp({ overrides: { logger } });
    try {
      for (const { url } of PAGES) {
        await logged.app.inject({ method: "GET", url: `${url}?token=secret-link-token` });
      }
    } finally {
      await logged.close();
    }
    const completed = lines
      .join("")
      .split("\n")
      .filter((line) => line.includes("completed"));
    expect(completed).toHaveLength(PAGES.length);
    expect(completed.join("\n")).not.toContain("secret-link-token");
    expect(completed[0]).toContain('"url":"/verify-email"');
  });

  it("keeps the pages out of the OpenAPI document", () => {
    const paths = Object.keys((ctx.app.swagger() as { paths: object }).paths);
    for (const { url } of PAGES) expect(paths).not.toContain(url);
  });
});
