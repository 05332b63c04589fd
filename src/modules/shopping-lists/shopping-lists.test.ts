import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRecipe, signUp, type TestUser } from "../../../test/factories/recipes.ts";
import { createTestApp, type TestContext } from "../../../test/helpers/app.ts";

let ctx: TestContext;
let cook: TestUser;
let other: TestUser;

beforeAll(async () => {
  ctx = await createTestApp();
  cook = await signUp(ctx);
  other = await signUp(ctx);
});
afterAll(() => ctx.close());

const build = (user: TestUser, payload: object) =>
  ctx.app.inject({ method: "POST", url: "/api/shopping-list", headers: user.headers, payload });

describe("POST /api/shopping-list", () => {
  it("adds up scaled ingredients across recipes and units", async () => {
    const pancakes = await createRecipe(ctx, cook, {
      servings: 2,
      ingredients: [
        { name: "Flour", quantity: 200, unit: "g" },
        { name: "Milk", quantity: 1, unit: "cup" },
        { name: "Egg", quantity: 2, unit: null },
        { name: "salt", quantity: null, unit: null },
      ],
    });
    const bread = await createRecipe(ctx, cook, {
      servings: 1,
      visibility: "private",
      ingredients: [
        { name: " flour  ", quantity: 0.9, unit: "kg" },
        { name: "milk", quantity: 100, unit: "ml" },
        { name: "Salt", quantity: 1, unit: "tsp" },
      ],
    });
    const response = await build(cook, {
      recipes: [{ id: pancakes.id, servings: 4 }, { id: bread.id }],
    });
    expect(response.statusCode).toBe(200);
    expect(response.json().items).toEqual([
      { name: "egg", quantity: 4, unit: null },
      { name: "flour", quantity: 1.3, unit: "kg" },
      { name: "milk", quantity: 573, unit: "ml" },
      { name: "salt", quantity: 4.93, unit: "ml" },
      { name: "salt", quantity: null, unit: null },
    ]);
  });

  it("answers 404 when any recipe is not visible to the caller", async () => {
    const visible = await createRecipe(ctx, cook);
    const hidden = await createRecipe(ctx, cook, { visibility: "private" });
    const response = await build(other, { recipes: [{ id: visible.id }, { id: hidden.id }] });
    expect(response.statusCode).toBe(404);
    const missing = await build(other, {
      recipes: [{ id: "00000000-0000-4000-8000-000000000000" }],
    });
    expect(missing.statusCode).toBe(404);
  });

  it.each([
    ["no recipes", { recipes: [] }],
    ["51 recipes", { recipes: Array.from({ length: 51 }, () => ({ id: crypto.randomUUID() })) }],
    ["0 servings", { recipes: [{ id: crypto.randomUUID(), servings: 0 }] }],
  ])("answers 400 for %s", async (_label, payload) => {
    expect((await build(cook, payload)).statusCode).toBe(400);
  });

  it("answers 401 to anonymous callers", async () => {
    const response = await ctx.app.inject({
      method: "POST",
      url: "/api/shopping-list",
      payload: { recipes: [{ id: crypto.randomUUID() }] },
    });
    expect(response.statusCode).toBe(401);
  });
});
