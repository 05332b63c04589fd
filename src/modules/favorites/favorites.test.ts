import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRecipe, signUp, type TestUser } from "../../../test/factories/recipes.ts";
import { createTestApp, type TestContext } from "../../../test/helpers/app.ts";

let ctx: TestContext;
let author: TestUser;

beforeAll(async () => {
  ctx = await createTestApp();
  author = await signUp(ctx);
});
afterAll(() => ctx.close());

const favorite = (user: TestUser, id: string, method: "PUT" | "DELETE" = "PUT") =>
  ctx.app.inject({ method, url: `/api/recipes/${id}/favorite`, headers: user.headers });
const myFavorites = async (user: TestUser, query = "") => {
  const response = await ctx.app.inject({
    url: `/api/me/favorites?${query}`,
    headers: user.headers,
  });
  expect(response.statusCode).toBe(200);
  return response.json();
};

describe("favorites", () => {
  it("favorites idempotently and shows it on the recipe", async () => {
    const fan = await signUp(ctx);
    const recipe = await createRecipe(ctx, author);
    expect((await favorite(fan, recipe.id)).statusCode).toBe(204);
    expect((await favorite(fan, recipe.id)).statusCode).toBe(204);
    const read = await ctx.app.inject({ url: `/api/recipes/${recipe.id}`, headers: fan.headers });
    expect(read.json().favorited).toBe(true);
    const page = await myFavorites(fan);
    expect(page.items.map((item: { id: string }) => item.id)).toEqual([recipe.id]);
    expect(page.items[0].favorited).toBe(true);
  });

  it("unfavorites idempotently", async () => {
    const fan = await signUp(ctx);
    const recipe = await createRecipe(ctx, author);
    await favorite(fan, recipe.id);
    expect((await favorite(fan, recipe.id, "DELETE")).statusCode).toBe(204);
    expect((await favorite(fan, recipe.id, "DELETE")).statusCode).toBe(204);
    expect((await myFavorites(fan)).items).toEqual([]);
  });

  it("pages most recently favorited first and hides recipes that turned private", async () => {
    const fan = await signUp(ctx);
    const created = [];
    for (let i = 0; i < 5; i++) {
      const recipe = await createRecipe(ctx, author, { title: `F${i}` });
      created.push(recipe);
      await favorite(fan, recipe.id);
    }
    await ctx.app.inject({
      method: "PATCH",
      url: `/api/recipes/${created[2]?.id}`,
      headers: author.headers,
      payload: { visibility: "private" },
    });
    const titles: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await myFavorites(fan, `limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      titles.push(...page.items.map((item: { title: string }) => item.title));
      cursor = page.nextCursor;
    } while (cursor);
    expect(titles).toEqual(["F4", "F3", "F1", "F0"]);
  });

  it("returns 401 to anonymous callers and 400 for a bad cursor or limit", async () => {
    expect((await ctx.app.inject({ url: "/api/me/favorites" })).statusCode).toBe(401);
    const fan = await signUp(ctx);
    for (const query of ["cursor=zzz", "limit=101"]) {
      const response = await ctx.app.inject({
        url: `/api/me/favorites?${query}`,
        headers: fan.headers,
      });
      expect(response.statusCode).toBe(400);
    }
  });
});
