import { afterAll, beforeAll, describe, expect } from "vitest";
import { createRecipe, signUpActors, type TestUser } from "../../../test/factories/recipes.ts";
import { createTestApp, type TestContext } from "../../../test/helpers/app.ts";
import { authzMatrix } from "../../../test/helpers/authz-matrix.ts";

type Actor = "author" | "other" | "admin" | "anonymous";

let ctx: TestContext;
let people: Record<Actor, TestUser>;
const recipeIds = {} as Record<"public recipe" | "private recipe", string>;

// The route takes recipe ids in its body; each is checked like a read of /api/recipes/:id.
const matrix = authzMatrix({
  module: "shopping-lists",
  app: () => ctx.app,
  actors: ["author", "other", "admin", "anonymous"] as const,
  routes: {
    build: { method: "POST", path: "/api/shopping-list" },
  },
  // Expected status, for [author, other, admin, anonymous].
  expected: {
    "public recipe": { build: [200, 200, 200, 401] },
    "private recipe": { build: [200, 404, 200, 401] },
  },
});

beforeAll(async () => {
  ctx = await createTestApp();
  people = await signUpActors(ctx, "author");
  const ingredients = [{ name: "secret spice", quantity: 3, unit: "g" }];
  recipeIds["public recipe"] = (await createRecipe(ctx, people.author, { ingredients })).id;
  recipeIds["private recipe"] = (
    await createRecipe(ctx, people.author, { ingredients, visibility: "private" })
  ).id;
});
afterAll(() => ctx.close());

describe("authorization matrix for recipe ids in POST /api/shopping-list", () => {
  matrix.run("a list of a $variant by $actor answers $expected", async (cell, send) => {
    const payload = { recipes: [{ id: recipeIds[cell.variant] }] };

    const response = await send({ headers: people[cell.actor].headers, payload });

    if (cell.expected === 200) {
      expect(response.json().items).toEqual([{ name: "secret spice", quantity: 3, unit: "g" }]);
    } else {
      expect(response.body).not.toMatch(/secret spice/i);
    }
  });
});
