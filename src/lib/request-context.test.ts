import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUser } from "../../test/factories/users.ts";
import { createTestApp, type TestContext } from "../../test/helpers/app.ts";
import { capturingLogger } from "../../test/helpers/logs.ts";
import { drainQueue, queuedJobs } from "../../test/helpers/queue.ts";

describe("the request id on every line a request causes", () => {
  let ctx: TestContext;
  const logs = capturingLogger("info");
  beforeAll(async () => {
    ctx = await createTestApp({ overrides: { logger: logs.logger } });
  });
  afterAll(() => ctx.close());

  const linesOf = (requestId: string) =>
    logs
      .text()
      .split("\n")
      .filter((line) => line.includes(`"requestId":"${requestId}"`));

  it("a service's line after the body is read, and each line of the job the request enqueued", async () => {
    const { user } = await createUser(ctx);
    logs.clear();

    const login = await ctx.app.inject({
      method: "POST",
      url: "/api/auth/login",
      headers: { "x-request-id": "req-login-1" },
      payload: { email: user.email, password: "not the password" },
    });
    expect(login.statusCode).toBe(401);
    const forgot = await ctx.app.inject({
      method: "POST",
      url: "/api/auth/password/forgot",
      headers: { "x-request-id": "req-forgot-1" },
      payload: { email: user.email },
    });
    expect(forgot.statusCode).toBe(202);
    // Other files' tests on the worker's database leave link jobs too: this one is the user's.
    const jobs = await queuedJobs(ctx.deps, "auth.send-link");
    const job = jobs.find((queued) => queued.data.userId === user.id);
    expect(job?.origin).toEqual({ requestId: "req-forgot-1" });
    expect(await drainQueue(ctx.deps)).toBeGreaterThan(0);

    const messages = (requestId: string) =>
      linesOf(requestId).map((line) => JSON.parse(line).msg as string);
    // The audit service logs through deps.logger, knowing nothing of the request.
    expect(messages("req-login-1")).toEqual(["audit login_failed", "request completed"]);
    expect(messages("req-forgot-1")).toEqual(
      expect.arrayContaining(["request completed", "job started", "job completed"]),
    );
    // Never twice on one line, whether the line names it itself or not.
    for (const line of logs.text().split("\n")) {
      expect(line.split('"requestId"').length).toBeLessThanOrEqual(2);
    }
  });

  it("lines outside any request carry none", async () => {
    logs.clear();
    ctx.deps.logger.info("background");
    expect(logs.lines).toEqual([expect.not.objectContaining({ requestId: expect.anything() })]);
  });
});
