import type { TestUser } from "../factories/recipes.ts";
import { createRecipe } from "../factories/recipes.ts";
import type { TestContext } from "./app.ts";

/**
 * The authorization matrix of the recipe ids a shopping list takes, one table for two doors:
 * the REST matrix (src/modules/shopping-lists/shopping-lists.authorization.test.ts) sends them
 * to POST /api/shopping-list, its GraphQL column (src/graphql/graphql.authorization.test.ts)
 * to `shoppingList(recipes: [...])`. Each id is checked like a read of /api/recipes/:id.
 */
export const shoppingListActors = ["author", "other", "admin", "anonymous"] as const;

export const shoppingListRoutes = {
  build: { method: "POST", path: "/api/shopping-list" },
} as const;

export type ShoppingListVariant = keyof typeof shoppingListExpected;

/** Expected status, for [author, other, admin, anonymous]. */
export const shoppingListExpected = {
  "public recipe": { build: [200, 200, 200, 401] },
  "private recipe": { build: [200, 404, 200, 401] },
} as const satisfies Record<string, Record<keyof typeof shoppingListRoutes, readonly number[]>>;

/** What the author's recipes hold: a list that shows it read a recipe it should not have. */
export const SECRET_INGREDIENT = { name: "secret spice", quantity: 3, unit: "g" } as const;

/** The author's recipe per variant, each with the one secret ingredient. */
export async function createShoppingListRecipes(
  ctx: TestContext,
  author: TestUser,
): Promise<Record<ShoppingListVariant, string>> {
  const ingredients = [SECRET_INGREDIENT];
  const open = await createRecipe(ctx, author, { ingredients });
  const hidden = await createRecipe(ctx, author, { ingredients, visibility: "private" });
  return { "public recipe": open.id, "private recipe": hidden.id };
}
