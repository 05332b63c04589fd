import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  anonymous,
  createRecipe,
  recipeBody,
  signUp,
  type TestUser,
} from "../../../test/factories/recipes.ts";
import { createTestApp, type TestContext } from "../../../test/helpers/app.ts";
import { recipeIngredients, recipes } from "./recipes.table.ts";

let ctx: TestContext;
let alice: TestUser;
let admin: TestUser;

beforeAll(async () => {
  ctx = await createTestApp();
  alice = await signUp(ctx);
  admin = await signUp(ctx, "admin");
});
afterAll(() => ctx.close());

const inject = (
  user: TestUser,
  method: "GET" | "POST" | "PATCH" | "DELETE",
  url: string,
  payload?: object,
  headers: Record<string, string> = {},
) => ctx.app.inject({ method, url, payload, headers: { ...user.headers, ...headers } });

describe("POST /api/recipes", () => {
  it("creates a recipe and answers 201 with Location and ETag", async () => {
    const response = await inject(alice, "POST", "/api/recipes", recipeBody());
    expect(response.statusCode).toBe(201);
    const recipe = response.json();
    expect(response.headers.location).toBe(`/api/recipes/${recipe.id}`);
    expect(response.headers.etag).toBe('"1"');
    expect(recipe).toMatchObject({
      title: "Tomato soup",
      servings: 4,
      totalMinutes: 35,
      visibility: "public",
      author: { id: alice.id, name: alice.name },
      tags: ["soup", "vegetarian"],
      rating: { average: null, count: 0 },
      favorited: false,
      version: 1,
      steps: ["Chop the tomatoes.", "Simmer for 20 minutes.", "Blend and season."],
    });
    expect(recipe.ingredients).toEqual([
      { name: "Tomatoes", quantity: 800, unit: "g", note: null },
      { name: "Olive oil", quantity: 2, unit: "tbsp", note: "extra virgin" },
      { name: "Salt", quantity: null, unit: null, note: null },
    ]);
    const rows = await ctx.deps.db
      .select()
      .from(recipeIngredients)
      .where(eq(recipeIngredients.recipeId, recipe.id));
    expect(rows).toHaveLength(3);
  });

  it("returns 401 without a signed-in caller and stores nothing", async () => {
    const title = `anon ${Date.now()}`;
    const response = await inject(anonymous, "POST", "/api/recipes", recipeBody({ title }));
    expect(response.statusCode).toBe(401);
    expect(await ctx.deps.db.select().from(recipes).where(eq(recipes.title, title))).toEqual([]);
  });

  it.each([
    ["an empty title", { title: " " }],
    ["a title over 200 chars", { title: "x".repeat(201) }],
    ["a description over 5,000 chars", { description: "x".repeat(5_001) }],
    ["0 servings", { servings: 0 }],
    ["101 servings", { servings: 101 }],
    ["negative minutes", { prepMinutes: -1 }],
    ["over 2,880 minutes", { cookMinutes: 2_881 }],
    ["101 ingredients", { ingredients: Array.from({ length: 101 }, () => ({ name: "x" })) }],
    ["an unknown unit", { ingredients: [{ name: "x", quantity: 1, unit: "bucket" }] }],
    ["a zero quantity", { ingredients: [{ name: "x", quantity: 0, unit: "g" }] }],
    ["101 steps", { steps: Array.from({ length: 101 }, () => "stir") }],
    ["a step over 2,000 chars", { steps: ["x".repeat(2_001)] }],
    ["21 tags", { tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }],
    ["a tag over 40 chars", { tags: ["x".repeat(41)] }],
    ["a tag that is not a slug", { tags: ["two words"] }],
    ["an unknown visibility", { visibility: "friends" }],
  ])("returns 400 for %s", async (_label, overrides) => {
    const response = await inject(alice, "POST", "/api/recipes", recipeBody(overrides));
    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe("validation_failed");
  });

  it("answers 201 with exactly what a later read returns", async () => {
    const body = recipeBody({
      tags: ["zest", "a-b", "ab", "a1"],
      ingredients: [
        { name: "Flour", quantity: 0.1 + 0.2, unit: "g" },
        { name: "Salt" },
        { name: "Egg", quantity: 1e-7, note: "beaten" },
      ],
    });
    const created = await inject(alice, "POST", "/api/recipes", body);
    expect(created.statusCode).toBe(201);
    const read = await inject(alice, "GET", `/api/recipes/${created.json().id}`);
    expect(created.json()).toEqual(read.json());
    expect(read.json().tags).toEqual(["a-b", "a1", "ab", "zest"]);
  });

  it("lower-cases and de-duplicates tags", async () => {
    const recipe = await createRecipe(ctx, alice, { tags: ["Quick", "QUICK", " dinner "] });
    expect(recipe.tags).toEqual(["dinner", "quick"]);
  });
});

describe("GET /api/recipes/:id", () => {
  it("returns a public recipe to anyone, with an ETag", async () => {
    const created = await createRecipe(ctx, alice);
    const response = await inject(anonymous, "GET", `/api/recipes/${created.id}`);
    expect(response.statusCode).toBe(200);
    expect(response.headers.etag).toBe('"1"');
    expect(response.json()).toEqual(created);
  });

  it("scales quantities to ?servings, rounded to 3 significant digits", async () => {
    const created = await createRecipe(ctx, alice, {
      servings: 3,
      ingredients: [
        { name: "flour", quantity: 250, unit: "g" },
        { name: "egg", quantity: 1, unit: null },
        { name: "salt", quantity: null, unit: null },
      ],
    });
    const response = await inject(anonymous, "GET", `/api/recipes/${created.id}?servings=7`);
    expect(response.statusCode).toBe(200);
    const recipe = response.json();
    expect(recipe.servings).toBe(7);
    expect(recipe.ingredients.map((i: { quantity: number | null }) => i.quantity)).toEqual([
      583,
      2.33,
      null,
    ]);
  });

  it.each(["0", "101", "abc"])("returns 400 for ?servings=%s", async (servings) => {
    const created = await createRecipe(ctx, alice);
    const response = await inject(
      anonymous,
      "GET",
      `/api/recipes/${created.id}?servings=${servings}`,
    );
    expect(response.statusCode).toBe(400);
  });

  it("returns 404 for an unknown id and 400 for a malformed one", async () => {
    const missing = await inject(
      anonymous,
      "GET",
      "/api/recipes/00000000-0000-4000-8000-000000000000",
    );
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe("recipe_not_found");
    expect((await inject(anonymous, "GET", "/api/recipes/nope")).statusCode).toBe(400);
  });
});

describe("PATCH /api/recipes/:id", () => {
  it("applies a partial update, replaces lists whole and bumps the version", async () => {
    const created = await createRecipe(ctx, alice);
    const response = await inject(
      alice,
      "PATCH",
      `/api/recipes/${created.id}`,
      {
        title: "Roasted tomato soup",
        ingredients: [{ name: "Roma tomatoes", quantity: 1, unit: "kg" }],
        tags: ["Roasted"],
      },
      { "if-match": '"1"' },
    );
    expect(response.statusCode).toBe(200);
    expect(response.headers.etag).toBe('"2"');
    const recipe = response.json();
    expect(recipe).toMatchObject({
      title: "Roasted tomato soup",
      version: 2,
      tags: ["roasted"],
      servings: 4,
    });
    expect(recipe.ingredients).toEqual([
      { name: "Roma tomatoes", quantity: 1, unit: "kg", note: null },
    ]);
    expect(recipe.steps).toEqual(created.steps);
  });

  it("returns 412 for a stale If-Match and changes nothing", async () => {
    const created = await createRecipe(ctx, alice);
    await inject(alice, "PATCH", `/api/recipes/${created.id}`, { servings: 2 });
    const response = await inject(
      alice,
      "PATCH",
      `/api/recipes/${created.id}`,
      { title: "Lost update" },
      { "if-match": '"1"' },
    );
    expect(response.statusCode).toBe(412);
    expect(response.json().code).toBe("version_mismatch");
    const after = (await inject(alice, "GET", `/api/recipes/${created.id}`)).json();
    expect(after).toMatchObject({ title: created.title, version: 2, servings: 2 });
  });

  it("applies without If-Match, and accepts a weak tag and *", async () => {
    const created = await createRecipe(ctx, alice);
    expect(
      (await inject(alice, "PATCH", `/api/recipes/${created.id}`, { servings: 2 })).statusCode,
    ).toBe(200);
    expect(
      (
        await inject(
          alice,
          "PATCH",
          `/api/recipes/${created.id}`,
          { servings: 3 },
          { "if-match": 'W/"2"' },
        )
      ).statusCode,
    ).toBe(200);
    expect(
      (
        await inject(
          alice,
          "PATCH",
          `/api/recipes/${created.id}`,
          { servings: 4 },
          { "if-match": "*" },
        )
      ).statusCode,
    ).toBe(200);
  });

  it("lets an admin edit and rejects an empty body", async () => {
    const created = await createRecipe(ctx, alice);
    expect(
      (await inject(admin, "PATCH", `/api/recipes/${created.id}`, { title: "Admin fix" })).json()
        .title,
    ).toBe("Admin fix");
    expect((await inject(alice, "PATCH", `/api/recipes/${created.id}`, {})).statusCode).toBe(400);
  });
});

describe("DELETE /api/recipes/:id", () => {
  it("returns 412 for a stale If-Match and keeps the recipe", async () => {
    const created = await createRecipe(ctx, alice);
    await inject(alice, "PATCH", `/api/recipes/${created.id}`, { servings: 2 });
    const stale = await inject(alice, "DELETE", `/api/recipes/${created.id}`, undefined, {
      "if-match": '"1"',
    });
    expect(stale.statusCode).toBe(412);
    expect((await inject(alice, "GET", `/api/recipes/${created.id}`)).statusCode).toBe(200);
    const fresh = await inject(alice, "DELETE", `/api/recipes/${created.id}`, undefined, {
      "if-match": '"2"',
    });
    expect(fresh.statusCode).toBe(204);
  });

  it("deletes with its ingredients and answers 204, then 404", async () => {
    const created = await createRecipe(ctx, alice);
    expect((await inject(alice, "DELETE", `/api/recipes/${created.id}`)).statusCode).toBe(204);
    expect((await inject(alice, "GET", `/api/recipes/${created.id}`)).statusCode).toBe(404);
    const rows = await ctx.deps.db
      .select()
      .from(recipeIngredients)
      .where(eq(recipeIngredients.recipeId, created.id));
    expect(rows).toEqual([]);
  });
});
