import { afterAll, beforeAll, describe, expect } from "vitest";
import { signUpActors, type TestUser } from "../../../test/factories/recipes.ts";
import { createTestApp, type TestContext } from "../../../test/helpers/app.ts";
import { authzMatrix } from "../../../test/helpers/authz-matrix.ts";
import {
  createShoppingListRecipes,
  SECRET_INGREDIENT,
  type ShoppingListVariant,
  shoppingListActors,
  shoppingListExpected,
  shoppingListRoutes,
} from "../../../test/helpers/shopping-lists-matrix.ts";

let ctx: TestContext;
let people: Record<(typeof shoppingListActors)[number], TestUser>;
let recipeIds: Record<ShoppingListVariant, string>;

// The table is shared with the GraphQL matrix (src/graphql/graphql.authorization.test.ts).
const matrix = authzMatrix({
  module: "shopping-lists",
  app: () => ctx.app,
  actors: shoppingListActors,
  routes: shoppingListRoutes,
  expected: shoppingListExpected,
});

beforeAll(async () => {
  ctx = await createTestApp();
  people = await signUpActors(ctx, "author");
  recipeIds = await createShoppingListRecipes(ctx, people.author);
});
afterAll(() => ctx.close());

describe("authorization matrix for recipe ids in POST /api/shopping-list", () => {
  matrix.run("a list of a $variant by $actor answers $expected", async (cell, send) => {
    const payload = { recipes: [{ id: recipeIds[cell.variant] }] };

    const response = await send({ headers: people[cell.actor].headers, payload });

    if (cell.expected === 200) {
      expect(response.json().items).toEqual([SECRET_INGREDIENT]);
    } else {
      expect(response.body).not.toMatch(/secret spice/i);
    }
  });
});
