import { sql } from "drizzle-orm";
import Fastify from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectProblem, randomIp } from "../../test/factories/auth.ts";
import { createRecipe, recipeBody, signUp, type TestUser } from "../../test/factories/recipes.ts";
import { createTestApp, type TestContext } from "../../test/helpers/app.ts";
import { capturingLogger } from "../../test/helpers/logs.ts";
import { handleFrameworkError, registerErrorHandling } from "./error-handler.ts";

describe("text PostgreSQL cannot store", () => {
  let ctx: TestContext;
  let cook: TestUser;
  beforeAll(async () => {
    ctx = await createTestApp();
    cook = await signUp(ctx);
  });
  afterAll(() => ctx.close());

  const send = (method: "POST" | "PATCH" | "PUT", url: string, payload: object, user = cook) =>
    ctx.app.inject({ method, url, payload, headers: user.headers, remoteAddress: randomIp() });

  it("answers a NUL character in a recipe with 400 invalid_text, not 500", async () => {
    const titled = await send("POST", "/api/recipes", recipeBody({ title: "Soup\u0000" }));
    expectProblem(titled, 400, "invalid_text");
    const ingredient = { name: "Salt\u0000", quantity: null, unit: null };
    const inList = await send("POST", "/api/recipes", recipeBody({ ingredients: [ingredient] }));
    expectProblem(inList, 400, "invalid_text");
  });

  it("answers a NUL character in a name or a rating comment with 400 invalid_text", async () => {
    expectProblem(await send("PATCH", "/api/auth/me", { name: "Ann\u0000" }), 400, "invalid_text");
    const recipe = await createRecipe(ctx, await signUp(ctx));
    const rated = await send("PUT", `/api/recipes/${recipe.id}/rating`, {
      stars: 4,
      comment: "good\u0000",
    });
    expectProblem(rated, 400, "invalid_text");
  });

  it("still stores other unusual text: lone surrogates, RTL marks, emoji", async () => {
    const title = "\u202Eabc \uD83D\uDE00 \uD800";
    const response = await send("POST", "/api/recipes", recipeBody({ title }));
    expect(response.statusCode).toBe(201);
  });
});

describe("handleFrameworkError", () => {
  const app = Fastify({ frameworkErrors: handleFrameworkError });
  registerErrorHandling(app);
  app.get("/things/:id", async () => ({ ok: true }));
  afterAll(() => app.close());

  it("renders a path that is not valid percent-encoding as 400 problem+json", async () => {
    for (const segment of ["%", "%zz", "%ED%A0%80"]) {
      const response = await app.inject({ method: "GET", url: `/things/${segment}` });
      const problem = expectProblem(response, 400, "bad_url");
      expect(response.headers["x-request-id"]).toBe(problem.requestId);
    }
  });

  it("renders a path parameter over maxParamLength as 414 problem+json", async () => {
    const response = await app.inject({ method: "GET", url: `/things/${"a".repeat(101)}` });
    const problem = expectProblem(response, 414, "uri_too_long");
    expect(response.headers["x-request-id"]).toBe(problem.requestId);
  });
});

describe("the error log line of a failed query", () => {
  const capture = capturingLogger();
  const email = "ann.private@example.com";
  const shortValue = "zz";
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestApp({
      overrides: { logger: capture.logger },
      configure: (app) => {
        app.get("/probe/failing-query", async () =>
          ctx.deps.db.execute(sql`select ${shortValue}::text as a, ${email}::uuid as b`),
        );
      },
    });
  });
  afterAll(() => ctx.close());

  it("keeps the SQL text and carries none of its bound values", async () => {
    const response = await ctx.app.inject({ method: "GET", url: "/probe/failing-query" });
    expectProblem(response, 500, "internal_error");
    const line = capture.lines.find((entry) => entry.msg === "unhandled error");
    const err = line?.err as Record<string, unknown>;
    expect(err.message).toContain("select $1::text as a, $2::uuid as b");
    expect(err.message).toContain("invalid input syntax for type uuid");
    expect(err.code).toBe("22P02");
    const text = JSON.stringify(line);
    expect(text).not.toContain(email);
    expect(text).not.toContain(`"${shortValue}"`);
    expect(text).not.toContain(`\\"${shortValue}\\"`);
    expect(err).not.toHaveProperty("params");
    expect(err).not.toHaveProperty("parameters");
    expect(capture.text()).not.toContain(email);
  });
});
