import { afterAll, beforeAll, describe, expect } from "vitest";
import { createRecipe, signUpActors, type TestUser } from "../../../test/factories/recipes.ts";
import { createTestApp, type TestContext } from "../../../test/helpers/app.ts";
import { authzMatrix } from "../../../test/helpers/authz-matrix.ts";
import {
  recipeActors,
  recipeExpected,
  recipeRoutes,
  recipeSnapshot,
} from "../../../test/helpers/recipes-matrix.ts";

type Who = (typeof recipeActors)[number];

let ctx: TestContext;
let people: Record<Who, TestUser>;

// The table is shared with the GraphQL matrix (src/graphql/graphql.authorization.test.ts).
const matrix = authzMatrix({
  module: "recipes",
  app: () => ctx.app,
  actors: recipeActors,
  routes: recipeRoutes,
  expected: recipeExpected,
});

beforeAll(async () => {
  ctx = await createTestApp();
  people = await signUpActors(ctx, "author");
});
afterAll(() => ctx.close());

describe("authorization matrix for /api/recipes/:id routes", () => {
  matrix.run(
    "$route of a $variant recipe by $actor answers $expected",
    async ({ variant, route, actor, expected }, send) => {
      const recipe = await createRecipe(ctx, people.author, { visibility: variant });
      const before = await recipeSnapshot(ctx.deps.db, recipe.id);

      const response = await send({ params: { id: recipe.id }, headers: people[actor].headers });

      if (expected >= 400) expect(await recipeSnapshot(ctx.deps.db, recipe.id)).toEqual(before);
      if (route === "rate" && expected === 403) {
        expect(response.json().code).toBe("cannot_rate_own_recipe");
      }
    },
  );
});
