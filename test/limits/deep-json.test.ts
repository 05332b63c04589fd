import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomIp } from "../factories/auth.ts";
import { createRecipe, recipeBody, signUp, type TestUser } from "../factories/recipes.ts";
import { createTestApp, type TestContext } from "../helpers/app.ts";
import { expectProblem, limitsEnv, recordLimits, round } from "./support.ts";

let ctx: TestContext;
let author: TestUser;
let limit: number;

beforeAll(async () => {
  ctx = await createTestApp({ env: limitsEnv() });
  limit = ctx.deps.config.http.bodyLimit;
  author = await signUp(ctx);
});
afterAll(() => ctx.close());

const arrays = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;
const objects = (depth: number) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
/** The deepest nesting that fits the body limit: every byte but the brackets' partners opens. */
const deepestArrays = () => arrays(Math.floor(limit / 2));

describe("the deepest JSON", () => {
  it("answers 400 problem+json to bodies nested 100k deep and more, and keeps serving", async () => {
    const recipe = await createRecipe(ctx, author);
    const inField = (depth: number) =>
      JSON.stringify(recipeBody()).replace('"servings":4', `"servings":${arrays(depth)}`);
    const unknownField = (depth: number) =>
      JSON.stringify(recipeBody()).replace("{", `{"extra":${objects(depth)},`);
    const cases = [
      { name: "100k nested arrays", method: "POST", url: "/api/recipes", body: arrays(100_000) },
      { name: "100k nested objects", method: "POST", url: "/api/recipes", body: objects(100_000) },
      {
        name: "deepest arrays within the limit",
        method: "POST",
        url: "/api/recipes",
        body: deepestArrays(),
      },
      {
        name: "100k nested arrays in a field",
        method: "POST",
        url: "/api/recipes",
        body: inField(100_000),
      },
      {
        name: "100k nested objects in an unknown field",
        method: "POST",
        url: "/api/recipes",
        body: unknownField(100_000),
        expect: 201,
      },
      {
        name: "100k nested arrays, PATCH",
        method: "PATCH",
        url: `/api/recipes/${recipe.id}`,
        body: arrays(100_000),
      },
      {
        name: "100k nested arrays, login",
        method: "POST",
        url: "/api/auth/login",
        body: arrays(100_000),
      },
      {
        name: "100k nested objects, shopping list",
        method: "POST",
        url: "/api/shopping-list",
        body: objects(100_000),
      },
      {
        name: "100k nested objects under __proto__",
        method: "POST",
        url: "/api/recipes",
        body: `{"__proto__":${objects(100_000)}}`,
      },
    ] as const;

    const figures: Record<string, { bytes: number; status: number; ms: number }> = {};
    for (const { name, method, url, body, ...rest } of cases) {
      expect(Buffer.byteLength(body)).toBeLessThanOrEqual(limit);
      const started = performance.now();
      const response = await ctx.app.inject({
        method,
        url,
        headers: { ...author.headers, "content-type": "application/json" },
        remoteAddress: randomIp(),
        payload: body,
      });
      const ms = performance.now() - started;
      figures[name] = {
        bytes: Buffer.byteLength(body),
        status: response.statusCode,
        ms: round(ms),
      };
      const status = "expect" in rest ? rest.expect : 400;
      if (status === 400) {
        expectProblem(
          { status: response.statusCode, headers: response.headers, body: response.body },
          400,
        );
      } else {
        expect(response.statusCode, `${name}: ${response.body.slice(0, 200)}`).toBe(status);
      }
      expect(ms, name).toBeLessThan(5_000);
    }

    // Still serving: a read and a write right after.
    expect((await ctx.app.inject({ method: "GET", url: "/health/live" })).statusCode).toBe(200);
    const after = await createRecipe(ctx, author);
    expect((await ctx.app.inject({ url: `/api/recipes/${after.id}` })).statusCode).toBe(200);

    await recordLimits("deepJson", { bodyLimitBytes: limit, cases: figures });
  });
});
