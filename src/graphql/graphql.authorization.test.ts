import { afterAll, beforeAll, describe, expect } from "vitest";
import { createRecipe, signUpActors, type TestUser } from "../../test/factories/recipes.ts";
import { bearer, type CreatedUser, createUser } from "../../test/factories/users.ts";
import { createTestApp, type TestContext } from "../../test/helpers/app.ts";
import {
  type ExportRoute,
  type ExportVariant,
  exportActors,
  exportExpected,
  exportRoutes,
  exportsSnapshot,
  idsOf,
  startOwnersExports,
} from "../../test/helpers/exports-matrix.ts";
import { type GraphqlOperations, graphqlColumn } from "../../test/helpers/graphql-matrix.ts";
import { drainQueue } from "../../test/helpers/queue.ts";
import {
  type RecipeRoute,
  recipeActors,
  recipeExpected,
  recipeRoutes,
  recipeSnapshot,
} from "../../test/helpers/recipes-matrix.ts";
import {
  createShoppingListRecipes,
  SECRET_INGREDIENT,
  type ShoppingListVariant,
  shoppingListActors,
  shoppingListExpected,
  shoppingListRoutes,
} from "../../test/helpers/shopping-lists-matrix.ts";
import {
  disableAccount,
  type UserRoute,
  userActors,
  userExpected,
  userRoutes,
  userSnapshot,
} from "../../test/helpers/users-matrix.ts";

// The GraphQL column of the authorization matrices: every cell of a REST table (shared in
// test/helpers/*-matrix.ts) whose route has a GraphQL operation, asked through POST /graphql,
// gets REST's decision (test/helpers/graphql-matrix.ts says how it is compared) and a refusal
// changes nothing. Not in the column, as GraphQL has no operation for them: the auth matrix
// (DELETE /api/auth/sessions/:id, an account flow), the admin routes of the users matrix, an
// export by id and its download. `myFavorites` and `tags` are in no REST matrix.

let ctx: TestContext;
const app = () => ctx.app;

beforeAll(async () => {
  ctx = await createTestApp();
});
afterAll(async () => {
  await drainQueue(ctx.deps);
  await ctx.close();
});

const recipeOperations: GraphqlOperations<RecipeRoute> = {
  read: { field: "recipe", document: "query ($id: ID!) { recipe(id: $id) { id title } }" },
  update: {
    field: "updateRecipe",
    document: `mutation ($id: ID!) { updateRecipe(id: $id, input: { title: "Changed" }) { id title } }`,
  },
  delete: { field: "deleteRecipe", document: "mutation ($id: ID!) { deleteRecipe(id: $id) }" },
  favorite: {
    field: "favoriteRecipe",
    document: "mutation ($id: ID!) { favoriteRecipe(id: $id) }",
  },
  unfavorite: {
    field: "unfavoriteRecipe",
    document: "mutation ($id: ID!) { unfavoriteRecipe(id: $id) }",
  },
  rate: {
    field: "rateRecipe",
    document: "mutation ($id: ID!) { rateRecipe(id: $id, input: { stars: 4 }) { stars } }",
  },
  unrate: { field: "unrateRecipe", document: "mutation ($id: ID!) { unrateRecipe(id: $id) }" },
  // A recipe's ratings are a field of the recipe: the recipe's own decision answers first.
  ratings: {
    field: "recipe",
    label: "recipe.ratings",
    document: "query ($id: ID!) { recipe(id: $id) { ratings { items { stars } } } }",
  },
};

describe("GraphQL column of the recipe authorization matrix", () => {
  const column = graphqlColumn(
    {
      module: "recipes",
      app,
      actors: recipeActors,
      routes: recipeRoutes,
      expected: recipeExpected,
    },
    recipeOperations,
  );
  let people: Record<(typeof recipeActors)[number], TestUser>;
  beforeAll(async () => {
    people = await signUpActors(ctx, "author");
  });

  column.run(
    "$route of a $variant recipe by $actor answers as REST's $expected",
    async ({ variant, route, actor, expected }, ask) => {
      const recipe = await createRecipe(ctx, people.author, { visibility: variant });
      const before = await recipeSnapshot(ctx.deps.db, recipe.id);
      const id = recipe.id;

      const answer = await ask({
        headers: people[actor].headers,
        variables: { id },
        params: { id },
      });

      if (expected >= 400) expect(await recipeSnapshot(ctx.deps.db, recipe.id)).toEqual(before);
      if (route === "ratings" && expected === 200) {
        expect(answer.data?.recipe).toEqual({ ratings: { items: [] } });
      }
    },
  );
});

describe("GraphQL column of the exports authorization matrix", () => {
  const operations: GraphqlOperations<ExportRoute> = {
    read: null,
    download: null,
    list: { field: "myExports", document: "{ myExports { items { id } } }" },
    request: { field: "requestExport", document: "mutation { requestExport { id } }" },
  };
  const column = graphqlColumn(
    {
      module: "exports",
      app,
      actors: exportActors,
      routes: exportRoutes,
      expected: exportExpected,
    },
    operations,
  );
  let people: Record<(typeof exportActors)[number], TestUser>;
  let exportIds: Record<ExportVariant, string>;
  beforeAll(async () => {
    people = await signUpActors(ctx, "owner");
    exportIds = await startOwnersExports(ctx, people.owner);
  });

  column.run("$route ($variant) by $actor answers as REST's $expected", async (cell, ask) => {
    const { route, actor, expected } = cell;
    const before = await exportsSnapshot(ctx.deps.db, people.owner.id);

    const answer = await ask({ headers: people[actor].headers });

    if (expected >= 400) {
      expect(await exportsSnapshot(ctx.deps.db, people.owner.id)).toEqual(before);
      return;
    }
    // Only the owner's door leads to the owner's exports.
    const owners = Object.values(exportIds);
    if (route === "list") {
      const listed = idsOf(answer.data?.myExports);
      expect(owners.every((id) => listed.includes(id))).toBe(actor === "owner");
      expect(owners.some((id) => listed.includes(id))).toBe(actor === "owner");
    } else {
      const id = (answer.data?.requestExport as { id: string } | null)?.id;
      expect(id === exportIds["export in progress"]).toBe(actor === "owner");
      if (actor !== "owner") expect(owners).not.toContain(id);
    }
  });
});

describe("GraphQL column of the users authorization matrix", () => {
  const operations: GraphqlOperations<UserRoute> = {
    promote: null,
    disable: null,
    me: { field: "me", document: "{ me { id } }" },
  };
  const column = graphqlColumn(
    { module: "users", app, actors: userActors, routes: userRoutes, expected: userExpected },
    operations,
  );
  let other: CreatedUser;
  let admin: CreatedUser;
  beforeAll(async () => {
    other = await createUser(ctx);
    admin = await createUser(ctx, { role: "admin" });
  });

  column.run(
    "$route ($variant) by $actor answers as REST's $expected",
    async ({ variant, actor, expected }, ask) => {
      const target = await createUser(ctx);
      if (variant === "disabled account") {
        await disableAccount(ctx, bearer(admin.accessToken), target.user.id);
      }
      const callers: Record<(typeof userActors)[number], CreatedUser | undefined> = {
        self: target,
        other,
        admin,
        anonymous: undefined,
      };
      const caller = callers[actor];
      const before = await userSnapshot(ctx.deps.db, target.user.id);

      const answer = await ask({ headers: caller ? bearer(caller.accessToken) : {} });

      expect(await userSnapshot(ctx.deps.db, target.user.id)).toEqual(before);
      if (expected === 200) expect(answer.data?.me).toEqual({ id: caller?.user.id });
    },
  );
});

describe("GraphQL column of the shopping-list authorization matrix", () => {
  const column = graphqlColumn(
    {
      module: "shopping-lists",
      app,
      actors: shoppingListActors,
      routes: shoppingListRoutes,
      expected: shoppingListExpected,
    },
    {
      build: {
        field: "shoppingList",
        document: `query ($recipes: [ShoppingListRequestRecipeInput!]!) {
          shoppingList(recipes: $recipes) { items { name quantity unit } } }`,
      },
    },
  );
  let people: Record<(typeof shoppingListActors)[number], TestUser>;
  let recipeIds: Record<ShoppingListVariant, string>;
  beforeAll(async () => {
    people = await signUpActors(ctx, "author");
    recipeIds = await createShoppingListRecipes(ctx, people.author);
  });

  column.run("a list of a $variant by $actor answers as REST's $expected", async (cell, ask) => {
    const recipes = [{ id: recipeIds[cell.variant] }];

    const answer = await ask({
      headers: people[cell.actor].headers,
      variables: { recipes },
      payload: { recipes },
    });

    if (cell.expected === 200) {
      expect(answer.data?.shoppingList).toEqual({ items: [SECRET_INGREDIENT] });
    } else {
      expect(JSON.stringify(answer)).not.toMatch(/secret spice/i);
    }
  });
});
