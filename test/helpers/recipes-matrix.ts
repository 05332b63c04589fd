import { count, eq } from "drizzle-orm";
import type { Db } from "../../src/db/client.ts";
import { favorites } from "../../src/modules/favorites/favorites.table.ts";
import { ratings } from "../../src/modules/ratings/ratings.table.ts";
import { recipes } from "../../src/modules/recipes/recipes.table.ts";

/**
 * The authorization matrix of a recipe's routes, one table for two doors: the REST matrix
 * (src/modules/recipes/recipes.authorization.test.ts) sends each cell to /api/recipes/:id…, the
 * GraphQL one (src/graphql/graphql.authorization.test.ts) asks the same cell through /graphql.
 */
export const recipeActors = ["author", "other", "admin", "anonymous"] as const;

export const recipeRoutes = {
  read: { method: "GET", path: "/api/recipes/:id" },
  update: { method: "PATCH", path: "/api/recipes/:id", payload: { title: "Changed" } },
  delete: { method: "DELETE", path: "/api/recipes/:id" },
  favorite: { method: "PUT", path: "/api/recipes/:id/favorite" },
  unfavorite: { method: "DELETE", path: "/api/recipes/:id/favorite" },
  rate: { method: "PUT", path: "/api/recipes/:id/rating", payload: { stars: 4 } },
  unrate: { method: "DELETE", path: "/api/recipes/:id/rating" },
  ratings: { method: "GET", path: "/api/recipes/:id/ratings" },
} as const;

export type RecipeRoute = keyof typeof recipeRoutes;

/** Expected status per route, for [author, other, admin, anonymous]; the variant is the visibility. */
export const recipeExpected = {
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
} as const satisfies Record<string, Record<RecipeRoute, readonly number[]>>;

/** Everything a request to a recipe could change. */
export async function recipeSnapshot(db: Db, recipeId: string) {
  const [recipe] = await db.select().from(recipes).where(eq(recipes.id, recipeId));
  const [favoriteCount] = await db
    .select({ n: count() })
    .from(favorites)
    .where(eq(favorites.recipeId, recipeId));
  const [ratingCount] = await db
    .select({ n: count() })
    .from(ratings)
    .where(eq(ratings.recipeId, recipeId));
  return { recipe, favorites: favoriteCount?.n, ratings: ratingCount?.n };
}
