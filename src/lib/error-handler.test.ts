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

  it("still stores other unusual text: RTL marks, emoji, U+FFFD", async () => {
    const title = "\u202Eabc \uD83D\uDE00 \uFFFD";
    const response = await send("POST", "/api/recipes", recipeBody({ title }));
    expect(response.statusCode).toBe(201);
    expect(response.json().title).toBe(title);
  });

  // JSON's `\udc00` escape decodes to a lone UTF-16 surrogate, which has no UTF-8 form: PGlite
  // refused it in a text[] (500), PostgreSQL's driver stored U+FFFD instead.
  it("answers a lone surrogate in a body array item with 400 invalid_text naming it", async () => {
    const body = recipeBody({ title: "Lone surrogate", steps: ["Stir.", "\u00C0\udc00"] });
    const response = await send("POST", "/api/recipes", body);
    const problem = expectProblem(response, 400, "invalid_text");
    expect(problem.errors).toEqual([{ path: "body.steps.1", message: expect.any(String) }]);
    const mine = await ctx.app.inject({
      url: `/api/recipes?author=${cook.id}`,
      headers: cook.headers,
    });
    expect(mine.json().items.map((recipe: { title: string }) => recipe.title)).not.toContain(
      "Lone surrogate",
    );
  });

  it("answers a lone surrogate in a plain string field with 400 invalid_text naming it", async () => {
    const response = await ctx.app.inject({
      method: "PATCH",
      url: "/api/auth/me",
      headers: { ...cook.headers, "content-type": "application/json" },
      payload: '{"name":"Ann \\ud800"}',
    });
    const problem = expectProblem(response, 400, "invalid_text");
    expect(problem.errors).toEqual([{ path: "body.name", message: expect.any(String) }]);
    const me = await ctx.app.inject({ url: "/api/auth/me", headers: cook.headers });
    expect(me.json().name).toBe(cook.name);
  });

  it("searches for a query value that is not valid UTF-8 as the text it is", async () => {
    // The query parser leaves a percent-encoded surrogate undecoded: no lone surrogate arrives.
    const response = await ctx.app.inject({
      url: "/api/recipes?q=%ED%B0%80",
      headers: cook.headers,
    });
    expect(response.statusCode).toBe(200);
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
