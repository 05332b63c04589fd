import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createRecipe,
  recipeBody,
  signUp,
  type TestUser,
} from "../../../test/factories/recipes.ts";
import { createUser } from "../../../test/factories/users.ts";
import { createTestApp, type TestContext } from "../../../test/helpers/app.ts";
import { preparedExecutions } from "../../db/prepared.ts";
import { CreateRecipeBody } from "./recipes.schema.ts";

let ctx: TestContext;
let few: TestUser;
let many: TestUser;
let reader: TestUser;

/** How many SQL statements one request sends. */
async function statementsFor(
  url: string,
  user: TestUser,
  method: "GET" | "POST" = "GET",
  payload?: object,
) {
  const before = ctx.deps.database.stats.queries;
  const response = await ctx.app.inject({ method, url, headers: user.headers, payload });
  expect(response.statusCode).toBe(200);
  return ctx.deps.database.stats.queries - before;
}

const ingredients = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ name: `thing ${i}`, quantity: i + 1, unit: "g" }));

beforeAll(async () => {
  ctx = await createTestApp();
  [few, many, reader] = [await signUp(ctx), await signUp(ctx), await signUp(ctx)];
  const one = await createRecipe(ctx, few, { ingredients: ingredients(1), tags: ["a"] });
  await ctx.app.inject({
    method: "PUT",
    url: `/api/recipes/${one.id}/favorite`,
    headers: reader.headers,
  });
  // Through the services (not HTTP) to keep the setup quick; the requests measured are HTTP.
  const author = { userId: many.id, role: "user" as const, sessionId: randomUUID() };
  const fan = { userId: reader.id, role: "user" as const, sessionId: randomUUID() };
  for (let i = 0; i < 100; i++) {
    const body = recipeBody({ ingredients: ingredients(20), tags: ["x", "y", `t${i}`] });
    const recipe = await ctx.deps.recipes.create(author, CreateRecipeBody.parse(body));
    await ctx.deps.favorites.favorite(fan, recipe.id);
    await ctx.deps.ratings.rate(fan, recipe.id, { stars: 3, comment: null });
  }
});
afterAll(() => ctx.close());

describe("SQL statements per request (no N+1)", () => {
  it("lists a page of 100 with as many statements as a page of 1", async () => {
    const small = await statementsFor(`/api/recipes?author=${few.id}&limit=1`, reader);
    const large = await statementsFor(`/api/recipes?author=${many.id}&limit=100`, reader);
    const page = await ctx.app.inject({ url: `/api/recipes?author=${many.id}&limit=100` });
    expect(page.json().items).toHaveLength(100);
    expect(small).toBeGreaterThanOrEqual(2);
    expect(large).toBe(small);
    for (const sort of ["oldest", "rating"]) {
      expect(
        await statementsFor(`/api/recipes?author=${many.id}&limit=100&sort=${sort}`, reader),
      ).toBe(small);
    }
  });

  it("reads a recipe with 20 ingredients with as many statements as one with 1", async () => {
    const [small] = (await (await ctx.app.inject({ url: `/api/recipes?author=${few.id}` })).json())
      .items;
    const [large] = (await (await ctx.app.inject({ url: `/api/recipes?author=${many.id}` })).json())
      .items;
    expect(await statementsFor(`/api/recipes/${large.id}`, reader)).toBe(
      await statementsFor(`/api/recipes/${small.id}`, reader),
    );
  });

  it("lists 100 favorites with as many statements as 1", async () => {
    const one = await statementsFor("/api/me/favorites?limit=1", reader);
    expect(await statementsFor("/api/me/favorites?limit=100", reader)).toBe(one);
    const page = await ctx.app.inject({
      url: "/api/me/favorites?limit=100",
      headers: reader.headers,
    });
    expect(page.json().items).toHaveLength(100);
  });

  it("builds a shopping list of 50 recipes with as many statements as of 1", async () => {
    const page = (await ctx.app.inject({ url: `/api/recipes?author=${many.id}&limit=100` })).json();
    const ids = page.items.slice(0, 50).map((item: { id: string }) => ({ id: item.id }));
    const one = await statementsFor("/api/shopping-list", reader, "POST", {
      recipes: ids.slice(0, 1),
    });
    expect(await statementsFor("/api/shopping-list", reader, "POST", { recipes: ids })).toBe(one);
  });
});

// The benchmark's requests and searches: every statement they send must be a named prepared
// statement (a repository that sends one some other way fails here).
describe("prepared statements on the hot paths", () => {
  async function statementsOf(
    request: { method?: "GET" | "POST"; url: string; payload?: object },
    user?: TestUser,
  ) {
    const { database } = ctx.deps;
    const before = { sent: database.stats.queries, prepared: preparedExecutions(database.db) };
    const response = await ctx.app.inject({ ...request, headers: user?.headers });
    expect(response.statusCode).toBeLessThan(300);
    const sent = database.stats.queries - before.sent;
    return { sent, unprepared: sent - (preparedExecutions(database.db) - before.prepared) };
  }

  it("reads, lists, searches and creates recipes with prepared statements only", async () => {
    const page = (await ctx.app.inject({ url: `/api/recipes?author=${many.id}` })).json();
    const id = page.items[0].id;
    const requests = [
      [{ url: `/api/recipes/${id}` }, undefined],
      [{ url: `/api/recipes/${id}` }, reader],
      [{ url: "/api/recipes?limit=20" }, undefined],
      [{ url: "/api/recipes?limit=20" }, reader],
      [{ url: "/api/recipes?q=thing&limit=20" }, undefined],
      [{ url: "/api/recipes?q=thing&sort=relevance&ingredient=thing&tag=x" }, reader],
      [{ method: "POST", url: "/api/recipes", payload: recipeBody({ tags: ["a", "b"] }) }, few],
    ] as const;
    for (const [request, user] of requests) {
      const { sent, unprepared } = await statementsOf(request, user);
      expect({ url: request.url, sent: sent > 0, unprepared }).toEqual({
        url: request.url,
        sent: true,
        unprepared: 0,
      });
    }
  });

  it("creates a recipe with the session check, the author's name and one write", async () => {
    const body = recipeBody({ ingredients: ingredients(8), tags: ["a", "b", "c"] });
    const created = { method: "POST", url: "/api/recipes", payload: body } as const;
    expect(await statementsOf(created, few)).toEqual({ sent: 3, unprepared: 0 });
  });

  it("logs in with prepared statements only, but for the new-device notice's job", async () => {
    const email = `cook-${randomUUID()}@example.com`;
    const { password } = await createUser(ctx, { email });
    const login = { method: "POST", url: "/api/auth/login", payload: { email, password } } as const;
    // A device not seen before: the `auth.notify` job is enqueued with pg-boss's own statements.
    const first = await statementsOf(login);
    expect(first.unprepared).toBeLessThanOrEqual(2);
    const { deviceToken } = (await ctx.app.inject(login)).json();
    const known = { ...login, payload: { email, password, deviceToken } };
    expect(await statementsOf(known)).toEqual({ sent: expect.any(Number), unprepared: 0 });
  });
});
