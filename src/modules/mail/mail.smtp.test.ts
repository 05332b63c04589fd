import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { eq } from "drizzle-orm";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { createUser, strongPassword } from "../../../test/factories/users.ts";
import { createTestApp, type TestContext } from "../../../test/helpers/app.ts";
import { resetDatabase } from "../../../test/helpers/database.ts";
import { drainQueue, outboxMessages, queuedJobs } from "../../../test/helpers/queue.ts";
import { userTokens } from "../auth/auth.table.ts";
import { defineMailTemplate } from "./mail.templates.ts";

const notice = defineMailTemplate({
  name: "test.notice",
  data: z.object({ code: z.string() }),
  subject: ({ code }) => `Your code ${code}`,
  text: ({ code }) => `Use the code ${code} to continue.`,
  html: ({ code }) => `<p>Use the code <b>${code}</b> to continue.</p>`,
});

type Received = { from: string; to: string[]; raw: string };

/** An in-process SMTP server that answers each message with the next scripted reply. */
function smtpServer(received: Received[], replies: (number | "ok")[]) {
  return new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        const reply = replies.shift() ?? "ok";
        if (reply !== "ok") {
          const error = Object.assign(new Error(`scripted ${reply}`), { responseCode: reply });
          return callback(error);
        }
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          raw: Buffer.concat(chunks).toString("utf8"),
        });
        callback();
      });
    },
  });
}

describe("mail over SMTP", () => {
  const received: Received[] = [];
  const replies: (number | "ok")[] = [];
  const server = smtpServer(received, replies);
  let ctx: TestContext;

  beforeAll(async () => {
    server.listen(0, "127.0.0.1");
    await once(server.server, "listening");
    const { port } = server.server.address() as AddressInfo;
    ctx = await createTestApp({
      env: { SMTP_URL: `smtp://127.0.0.1:${port}`, MAIL_FROM: "Stratum <mail@stratum.test>" },
    });
    ctx.deps.mailTemplates.add(notice);
  });
  afterAll(async () => {
    await ctx.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  beforeEach(async () => {
    await resetDatabase(ctx.deps.database);
    received.length = 0;
    replies.length = 0;
  });

  it("delivers the message with its recipient, subject and body", async () => {
    await ctx.deps.queue.send("mail.send", notice.message("grace@example.com", { code: "1234" }));
    await drainQueue(ctx.deps);

    expect(received).toHaveLength(1);
    const [mail] = received;
    expect(mail?.from).toBe("mail@stratum.test");
    expect(mail?.to).toEqual(["grace@example.com"]);
    expect(mail?.raw).toContain("Subject: Your code 1234");
    expect(mail?.raw).toContain("Use the code 1234 to continue.");
    expect(mail?.raw).toContain("<b>1234</b>");
    expect(mail?.raw).toMatch(/Message-ID: <job_[\w.-]+@stratum\.mail>/i);
    expect(await outboxMessages(ctx.deps)).toEqual([]);
    expect((await queuedJobs(ctx.deps, "mail.send"))[0]?.state).toBe("completed");
  });

  it("retries after a temporary 4xx answer and then delivers", async () => {
    replies.push(451);
    await ctx.deps.queue.send("mail.send", notice.message("retry@example.com", { code: "42" }));

    await drainQueue(ctx.deps);
    const [waiting] = await queuedJobs(ctx.deps, "mail.send");
    expect(waiting?.state).toBe("retry");
    expect(waiting?.startAfter.getTime()).toBeGreaterThan(Date.now());
    expect(received).toEqual([]);

    await drainQueue(ctx.deps, { now: true });
    expect(received.map((mail) => mail.to)).toEqual([["retry@example.com"]]);
    expect((await queuedJobs(ctx.deps, "mail.send"))[0]).toMatchObject({
      state: "completed",
      retryCount: 1,
    });
  });

  it("mails one working reset link when the first send is refused for now", async () => {
    const { user } = await createUser(ctx);
    replies.push(451);
    await ctx.deps.recovery.forgotPassword(user.email);
    await drainQueue(ctx.deps);
    await drainQueue(ctx.deps, { now: true });
    expect(received.map((mail) => mail.to)).toEqual([[user.email]]);
    // Quoted-printable: soft line breaks and "=" as "=3D".
    const body = received[0]?.raw.replace(/=\r?\n/g, "").replace(/=3D/g, "=") ?? "";
    const token = body.match(/reset-password\?token=([\w-]+)/)?.[1];
    const issued = await ctx.deps.db
      .select()
      .from(userTokens)
      .where(eq(userTokens.userId, user.id));
    expect(issued.filter((row) => row.usedAt === null)).toHaveLength(1);
    expect(issued).toHaveLength(2);
    const reset = await ctx.app.inject({
      method: "POST",
      url: "/api/auth/password/reset",
      payload: { token, newPassword: strongPassword() },
    });
    expect(reset.statusCode).toBe(204);
  });

  it("fails the job without retries after a permanent 5xx rejection", async () => {
    replies.push(550, "ok");
    await ctx.deps.queue.send("mail.send", notice.message("nobody@example.com", { code: "0" }));

    expect(await drainQueue(ctx.deps, { now: true })).toBe(1);
    expect(received).toEqual([]);
    // The job ends cancelled (no further attempt); its dead letter carries the rejection.
    expect((await queuedJobs(ctx.deps, "mail.send"))[0]).toMatchObject({
      state: "cancelled",
      retryCount: 0,
    });
    expect(await ctx.deps.queue.failed()).toMatchObject([
      { name: "mail.send", attempts: 1, error: expect.stringContaining("550") },
    ]);
  });
});
