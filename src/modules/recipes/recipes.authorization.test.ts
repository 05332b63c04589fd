import { count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect } from "vitest";
import { createRecipe, signUpActors, type TestUser } from "../../../test/factories/recipes.ts";
import { createTestApp, type TestContext } from "../../../test/helpers/app.ts";
import { authzMatrix } from "../../../test/helpers/authz-matrix.ts";
import { favorites } from "../favorites/favorites.table.ts";
import { ratings } from "../ratings/ratings.table.ts";
import { recipes } from "./recipes.table.ts";

type Who = "author" | "other" | "admin" | "anonymous";

let ctx: TestContext;
let people: Record<Who, TestUser>;

const matrix = authzMatrix({
  module: "recipes",
  app: () => ctx.app,
  actors: ["author", "other", "admin", "anonymous"] as const,
  routes: {
    read: { method: "GET", path: "/api/recipes/:id" },
    update: { method: "PATCH", path: "/api/recipes/:id", payload: { title: "Changed" } },
    delete: { method: "DELETE", path: "/api/recipes/:id" },
    favorite: { method: "PUT", path: "/api/recipes/:id/favorite" },
    unfavorite: { method: "DELETE", path: "/api/recipes/:id/favorite" },
    rate: { method: "PUT", path: "/api/recipes/:id/rating", payload: { stars: 4 } },
    unrate: { method: "DELETE", path: "/api/recipes/:id/rating" },
    ratings: { method: "GET", path: "/api/recipes/:id/ratings" },
  },
  // Expected status per route, for [author, other, admin, anonymous].
  expected: {
    public: {
      read: [200, 200, 200, 200],
      update: [200, 403, 200, 401],
      delete: [204, 403, 204, 401],
      favorite: [204, 204, 204, 401],
      unfavorite: [204, 204, 204, 401],
      rate: [403, 200, 200, 401],
      unrate: [204, 204, 204, 401],
      ratings: [200, 200, 200, 200],
    },
    private: {
      read: [200, 404, 200, 404],
      update: [200, 404, 200, 401],
      delete: [204, 404, 204, 401],
      favorite: [204, 404, 204, 401],
      unfavorite: [204, 404, 204, 401],
      rate: [403, 404, 200, 401],
      unrate: [204, 404, 204, 401],
      ratings: [200, 404, 200, 404],
    },
  },
});

beforeAll(async () => {
  ctx = await createTestApp();
  people = await signUpActors(ctx, "author");
});
afterAll(() => ctx.close());

/** Everything a request to a recipe could change. */
async function snapshot(recipeId: string) {
  const [recipe] = await ctx.deps.db.select().from(recipes).where(eq(recipes.id, recipeId));
  const [favoriteCount] = await ctx.deps.db
    .select({ n: count() })
    .from(favorites)
    .where(eq(favorites.recipeId, recipeId));
  const [ratingCount] = await ctx.deps.db
    .select({ n: count() })
    .from(ratings)
    .where(eq(ratings.recipeId, recipeId));
  return { recipe, favorites: favoriteCount?.n, ratings: ratingCount?.n };
}

describe("authorization matrix for /api/recipes/:id routes", () => {
  matrix.run(
    "$route of a $variant recipe by $actor answers $expected",
    async ({ variant, route, actor, expected }, send) => {
      const recipe = await createRecipe(ctx, people.author, { visibility: variant });
      const before = await snapshot(recipe.id);

      const response = await send({ params: { id: recipe.id }, headers: people[actor].headers });

      if (expected >= 400) expect(await snapshot(recipe.id)).toEqual(before);
      if (route === "rate" && expected === 403) {
        expect(response.json().code).toBe("cannot_rate_own_recipe");
      }
    },
  );
});
