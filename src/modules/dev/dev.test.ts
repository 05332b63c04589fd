import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectProblem, stableProblem } from "../../../test/factories/auth.ts";
import { createTestApp, type TestContext } from "../../../test/helpers/app.ts";
import { testDatabase } from "../../../test/helpers/database.ts";

// PGlite and its migrations take seconds: not inside the first test's time.
beforeAll(async () => {
  await testDatabase();
});

const UNUSED_POSTGRES = "postgres://stratum@127.0.0.1:1/unused";

async function mailboxStatus(env: Record<string, string>): Promise<number> {
  const ctx = await createTestApp({ env });
  try {
    return (await ctx.app.inject({ url: "/api/dev/mail" })).statusCode;
  } finally {
    await ctx.close();
  }
}

describe("GET /api/dev/mail: where it exists", () => {
  it("exists on the embedded database", async () => {
    expect(await mailboxStatus({})).toBe(200);
  });

  it("does not exist with DATABASE_URL unless DEV_MAILBOX=true", async () => {
    expect(await mailboxStatus({ DATABASE_URL: UNUSED_POSTGRES })).toBe(404);
    expect(await mailboxStatus({ DATABASE_URL: UNUSED_POSTGRES, DEV_MAILBOX: "true" })).toBe(200);
  });

  it("does not exist when turned off, nor in production", async () => {
    expect(await mailboxStatus({ DEV_MAILBOX: "false" })).toBe(404);
    const production = { NODE_ENV: "production", ALLOW_EMBEDDED_IN_PRODUCTION: "true" };
    expect(await mailboxStatus(production)).toBe(404);
  });
});

describe("GET /api/dev/mail: who gets an answer", () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestApp();
  });
  afterAll(() => ctx.close());

  const get = (remoteAddress: string, headers: Record<string, string> = {}) =>
    ctx.app.inject({ url: "/api/dev/mail?limit=1", remoteAddress, headers });

  it.each(["127.0.0.1", "127.3.2.1", "::1", "::ffff:127.0.0.1"])("answers %s", async (address) => {
    expect((await get(address)).statusCode).toBe(200);
  });

  it("answers any other caller like an unknown route, whatever X-Forwarded-For says", async () => {
    const unknown = await ctx.app.inject({ url: "/api/dev/nothing", remoteAddress: "203.0.113.7" });
    for (const response of [
      await get("203.0.113.7"),
      await get("203.0.113.7", { "x-forwarded-for": "127.0.0.1" }),
      await get("10.0.0.2"),
      await get("::ffff:192.168.1.5"),
    ]) {
      expectProblem(response, 404, "route_not_found");
      expect(stableProblem(response)).toEqual({
        ...stableProblem(unknown),
        detail: "No route for GET /api/dev/mail.",
        instance: "/api/dev/mail",
      });
    }
  });

  it("refuses a request a local proxy forwarded", async () => {
    const forwarded: Record<string, string>[] = [
      { "x-forwarded-for": "203.0.113.7" },
      { forwarded: "for=203.0.113.7" },
    ];
    for (const headers of forwarded) {
      expectProblem(await get("127.0.0.1", headers), 404, "route_not_found");
    }
  });

  it("refuses a bad query from another caller with the same 404, not a 400", async () => {
    const response = await ctx.app.inject({
      url: "/api/dev/mail?limit=nope",
      remoteAddress: "203.0.113.7",
    });
    expectProblem(response, 404, "route_not_found");
  });
});
