import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anonymous, createRecipe, signUp, type TestUser } from "../../../test/factories/recipes.ts";
import { createTestApp, type TestContext } from "../../../test/helpers/app.ts";
import { ratings } from "./ratings.table.ts";

let ctx: TestContext;
let author: TestUser;
let fan: TestUser;

beforeAll(async () => {
  ctx = await createTestApp();
  author = await signUp(ctx);
  fan = await signUp(ctx);
});
afterAll(() => ctx.close());

const rate = (user: TestUser, id: string, payload: object) =>
  ctx.app.inject({
    method: "PUT",
    url: `/api/recipes/${id}/rating`,
    headers: user.headers,
    payload,
  });
const getRecipe = async (id: string) =>
  (await ctx.app.inject({ url: `/api/recipes/${id}` })).json();

describe("PUT /api/recipes/:id/rating", () => {
  it("rates, then replaces the same user's rating", async () => {
    const recipe = await createRecipe(ctx, author);
    const first = await rate(fan, recipe.id, { stars: 2, comment: "Bland" });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({
      recipeId: recipe.id,
      user: { id: fan.id, name: fan.name },
      stars: 2,
      comment: "Bland",
    });
    const second = await rate(fan, recipe.id, { stars: 5 });
    expect(second.json()).toMatchObject({ stars: 5, comment: null });
    expect((await getRecipe(recipe.id)).rating).toEqual({ average: 5, count: 1 });
    const rows = await ctx.deps.db.select().from(ratings).where(eq(ratings.recipeId, recipe.id));
    expect(rows).toHaveLength(1);
  });

  it("averages ratings of several users", async () => {
    const recipe = await createRecipe(ctx, author);
    for (const stars of [5, 4, 4]) await rate(await signUp(ctx), recipe.id, { stars });
    expect((await getRecipe(recipe.id)).rating).toEqual({ average: 4.33, count: 3 });
  });

  it("keeps count and average exact under concurrent ratings", async () => {
    const recipe = await createRecipe(ctx, author);
    const raters = await Promise.all(Array.from({ length: 12 }, () => signUp(ctx)));
    const responses = await Promise.all(
      raters.map((user, i) => rate(user, recipe.id, { stars: (i % 5) + 1 })),
    );
    expect(responses.map((response) => response.statusCode)).toEqual(raters.map(() => 200));
    // Stars 1..5, 1..5, 1, 2: 33 over 12 ratings.
    expect((await getRecipe(recipe.id)).rating).toEqual({ average: 2.75, count: 12 });
  });

  it.each([
    ["0 stars", { stars: 0 }],
    ["6 stars", { stars: 6 }],
    ["3.5 stars", { stars: 3.5 }],
    ["a comment over 2,000 chars", { stars: 3, comment: "x".repeat(2_001) }],
    ["no stars", {}],
  ])("returns 400 for %s", async (_label, payload) => {
    const recipe = await createRecipe(ctx, author);
    expect((await rate(fan, recipe.id, payload)).statusCode).toBe(400);
  });
});

describe("DELETE /api/recipes/:id/rating", () => {
  it("removes the rating and updates the aggregate; again is still 204", async () => {
    const recipe = await createRecipe(ctx, author);
    await rate(fan, recipe.id, { stars: 4 });
    const remove = () =>
      ctx.app.inject({
        method: "DELETE",
        url: `/api/recipes/${recipe.id}/rating`,
        headers: fan.headers,
      });
    expect((await remove()).statusCode).toBe(204);
    expect((await remove()).statusCode).toBe(204);
    expect((await getRecipe(recipe.id)).rating).toEqual({ average: null, count: 0 });
  });
});

describe("GET /api/recipes/:id/ratings", () => {
  it("pages through ratings newest first, each exactly once", async () => {
    const recipe = await createRecipe(ctx, author);
    const raters = [];
    for (let i = 0; i < 5; i++) {
      const user = await signUp(ctx);
      raters.push(user.id);
      await rate(user, recipe.id, { stars: 3, comment: `#${i}` });
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${cursor}` : "";
      const response = await ctx.app.inject({
        url: `/api/recipes/${recipe.id}/ratings?limit=2${query}`,
        headers: anonymous.headers,
      });
      expect(response.statusCode).toBe(200);
      const page = response.json();
      seen.push(...page.items.map((item: { user: { id: string } }) => item.user.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...raters].reverse());
  });

  it("returns 400 for a garbage cursor", async () => {
    const recipe = await createRecipe(ctx, author);
    const response = await ctx.app.inject({ url: `/api/recipes/${recipe.id}/ratings?cursor=abc` });
    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe("invalid_cursor");
  });
});

describe("ratings.listMany (several recipes' pages in one call)", () => {
  it("answers each recipe as list would: its page, or the error for one not visible", async () => {
    const open = await createRecipe(ctx, author);
    const hidden = await createRecipe(ctx, author, { visibility: "private" });
    for (const stars of [3, 4, 5]) await rate(await signUp(ctx), open.id, { stars });
    const viewer = { userId: fan.id, role: "user" as const, sessionId: crypto.randomUUID() };
    const page = (limit: number, cursor?: string) => ({ limit, cursor });
    const asList = async (limit: number, cursor?: string) => {
      const query = `limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`;
      return (await ctx.app.inject({ url: `/api/recipes/${open.id}/ratings?${query}` })).json();
    };
    const first = await asList(2);

    const answers = await ctx.deps.ratings.listMany(viewer, [
      { recipeId: open.id, page: page(2) },
      { recipeId: hidden.id, page: page(2) },
      { recipeId: open.id, page: page(1) },
      { recipeId: open.id, page: page(2, first.nextCursor) },
      { recipeId: crypto.randomUUID(), page: page(2) },
    ]);

    expect(answers[0]).toEqual(first);
    expect(answers[1]).toMatchObject({ code: "recipe_not_found", status: 404 });
    expect(answers[2]).toEqual(await asList(1));
    expect(answers[3]).toEqual(await asList(2, first.nextCursor));
    expect(answers[4]).toMatchObject({ code: "recipe_not_found", status: 404 });
    // The author sees their private recipe's (empty) page.
    const mine = { userId: author.id, role: "user" as const, sessionId: crypto.randomUUID() };
    expect(await ctx.deps.ratings.listMany(mine, [{ recipeId: hidden.id, page: page(5) }])).toEqual(
      [{ items: [], nextCursor: null }],
    );
  });
});
