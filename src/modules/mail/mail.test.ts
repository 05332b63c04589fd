import { sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { createTestApp, type TestContext, testConfig } from "../../../test/helpers/app.ts";
import { resetDatabase } from "../../../test/helpers/database.ts";
import {
  crashAfterEffect,
  drainQueue,
  outboxMessages,
  queuedJobs,
} from "../../../test/helpers/queue.ts";
import { ConfigError } from "../../config.ts";
import { defineMailTemplate, escapeHtml } from "./mail.templates.ts";

const welcome = defineMailTemplate({
  name: "test.welcome",
  data: z.object({ name: z.string(), link: z.url() }),
  subject: ({ name }) => `Welcome, ${name}`,
  text: ({ name, link }) => `Hello ${name}, confirm here: ${link}`,
  html: ({ name, link }) =>
    `<p>Hello ${escapeHtml(name)}</p><a href="${escapeHtml(link)}">confirm</a>`,
});

describe("mail with the development outbox", () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestApp();
    ctx.deps.mailTemplates.add(welcome);
  });
  afterAll(() => ctx.close());
  beforeEach(() => resetDatabase(ctx.deps.database));

  it("renders the template in a mail.send job and lists it at GET /api/dev/mail", async () => {
    const payload = welcome.message("ada@example.com", {
      name: "Ada <3",
      link: "https://app.example.com/verify?token=abc",
    });
    await ctx.deps.queue.send("mail.send", payload);
    expect(await queuedJobs(ctx.deps, "mail.send")).toMatchObject([{ state: "created" }]);
    expect(await outboxMessages(ctx.deps)).toEqual([]);

    await drainQueue(ctx.deps);

    const response = await ctx.app.inject({ method: "GET", url: "/api/dev/mail" });
    expect(response.statusCode).toBe(200);
    const [item] = response.json().items;
    expect(item).toMatchObject({
      to: "ada@example.com",
      subject: "Welcome, Ada <3",
      text: "Hello Ada <3, confirm here: https://app.example.com/verify?token=abc",
      html: '<p>Hello Ada &lt;3</p><a href="https://app.example.com/verify?token=abc">confirm</a>',
    });
    expect(item.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Date(item.createdAt).toISOString()).toBe(item.createdAt);
  });

  it("lists the newest message first", async () => {
    for (const name of ["first", "second"]) {
      await ctx.deps.queue.send(
        "mail.send",
        welcome.message(`${name}@example.com`, {
          name,
          link: "https://example.com",
        }),
      );
      await drainQueue(ctx.deps);
    }
    const response = await ctx.app.inject({ method: "GET", url: "/api/dev/mail?limit=1" });
    expect(response.json().items.map((m: { to: string }) => m.to)).toEqual(["second@example.com"]);
  });

  it("does not send twice when the same job runs again", async () => {
    await ctx.deps.queue.send(
      "mail.send",
      welcome.message("once@example.com", { name: "Once", link: "https://example.com" }),
    );
    // As if the worker died after sending but before marking the job done: it runs again.
    await crashAfterEffect(ctx.deps, "mail.send");
    expect(await outboxMessages(ctx.deps)).toHaveLength(1);
    expect(await drainQueue(ctx.deps, { now: true })).toBe(1);
    expect(await outboxMessages(ctx.deps)).toHaveLength(1);
  });

  it("sends once per natural key, whatever the number of jobs", async () => {
    const payload = welcome.message(
      "key@example.com",
      { name: "Key", link: "https://example.com" },
      "verify:token-1",
    );
    await ctx.deps.queue.send("mail.send", payload);
    await ctx.deps.queue.send("mail.send", payload);
    expect(await drainQueue(ctx.deps)).toBe(2);
    expect(await outboxMessages(ctx.deps)).toHaveLength(1);
  });

  it("commits the mail job with the transaction that asked for it", async () => {
    await ctx.deps.db.transaction(async (tx) => {
      await tx.execute(sql`select 1`);
      await ctx.deps.queue.send(
        "mail.send",
        welcome.message("tx@example.com", { name: "Tx", link: "https://example.com" }),
        { tx },
      );
    });
    await drainQueue(ctx.deps);
    expect((await outboxMessages(ctx.deps)).map((m) => m.to)).toEqual(["tx@example.com"]);
  });

  it("rejects template data that does not match the template's schema at enqueue time", async () => {
    const send = ctx.deps.queue.send("mail.send", {
      to: "bad@example.com",
      template: "test.welcome",
      data: { name: "x" },
    });
    await expect(send).rejects.toThrow(/Invalid data for mail template "test.welcome"/);
  });

  it("cleans up outbox messages older than a week in the hourly cleanup", async () => {
    await ctx.deps.queue.send(
      "mail.send",
      welcome.message("old@example.com", { name: "Old", link: "https://example.com" }),
    );
    await drainQueue(ctx.deps);
    await ctx.deps.db.execute(sql`update mail_outbox set created_at = now() - interval '8 days'`);
    await ctx.deps.queue.send("maintenance.cleanup", {});
    await drainQueue(ctx.deps);
    expect(await outboxMessages(ctx.deps)).toEqual([]);
  });
});

describe("mail configuration", () => {
  it("requires MAIL_FROM when SMTP_URL is set", () => {
    expect(() => testConfig({ SMTP_URL: "smtp://127.0.0.1:2525" })).toThrow(ConfigError);
    const config = testConfig({ SMTP_URL: "smtp://127.0.0.1:2525", MAIL_FROM: "a@example.com" });
    expect(config.mail).toEqual({ smtpUrl: "smtp://127.0.0.1:2525", from: "a@example.com" });
  });

  it("has no development mail route in production", async () => {
    const ctx = await createTestApp({
      env: { NODE_ENV: "production", ALLOW_EMBEDDED_IN_PRODUCTION: "true" },
    });
    try {
      const response = await ctx.app.inject({ method: "GET", url: "/api/dev/mail" });
      expect(response.statusCode).toBe(404);
    } finally {
      await ctx.close();
    }
  });
});
