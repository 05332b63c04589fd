import { count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anonymous, createRecipe, signUp, type TestUser } from "../../../test/factories/recipes.ts";
import { createTestApp, type TestContext } from "../../../test/helpers/app.ts";
import { favorites } from "../favorites/favorites.table.ts";
import { ratings } from "../ratings/ratings.table.ts";
import { recipes } from "./recipes.table.ts";

type Who = "author" | "other" | "admin" | "anonymous";
type Visibility = "public" | "private";
type Route = { method: "GET" | "PUT" | "PATCH" | "DELETE"; path: string; payload?: object };

const routes: Record<string, Route> = {
  read: { method: "GET", path: "" },
  update: { method: "PATCH", path: "", payload: { title: "Changed" } },
  delete: { method: "DELETE", path: "" },
  favorite: { method: "PUT", path: "/favorite" },
  unfavorite: { method: "DELETE", path: "/favorite" },
  rate: { method: "PUT", path: "/rating", payload: { stars: 4 } },
  unrate: { method: "DELETE", path: "/rating" },
  ratings: { method: "GET", path: "/ratings" },
};

// Expected status per route, for [author, other, admin, anonymous].
const expected: Record<Visibility, Record<keyof typeof routes, number[]>> = {
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
};

const whos: Who[] = ["author", "other", "admin", "anonymous"];
const cases = (Object.keys(expected) as Visibility[]).flatMap((visibility) =>
  Object.entries(expected[visibility]).flatMap(([route, statuses]) =>
    whos.map((who, i) => ({ visibility, route, who, status: statuses[i] as number })),
  ),
);

let ctx: TestContext;
let people: Record<Who, TestUser>;

beforeAll(async () => {
  ctx = await createTestApp();
  people = {
    author: await signUp(ctx),
    other: await signUp(ctx),
    admin: await signUp(ctx, "admin"),
    anonymous,
  };
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
  it.each(cases)(
    "$route of a $visibility recipe by $who answers $status",
    async ({ visibility, route, who, status }) => {
      const recipe = await createRecipe(ctx, people.author, { visibility });
      const { method, path, payload } = routes[route] as Route;
      const before = await snapshot(recipe.id);

      const response = await ctx.app.inject({
        method,
        url: `/api/recipes/${recipe.id}${path}`,
        headers: people[who].headers,
        payload,
      });

      expect(response.statusCode).toBe(status);
      if (status >= 400) {
        expect(response.headers["content-type"]).toMatch(/^application\/problem\+json/);
        expect(await snapshot(recipe.id)).toEqual(before);
      }
      if (status === 401) expect(response.headers["www-authenticate"]).toBe("Bearer");
      if (route === "rate" && status === 403) {
        expect(response.json().code).toBe("cannot_rate_own_recipe");
      }
    },
  );
});
