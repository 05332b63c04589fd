import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anonymous, createRecipe, signUp, type TestUser } from "../../test/factories/recipes.ts";
import { createTestApp, type TestContext } from "../../test/helpers/app.ts";
import { JIT_AFTER_RUNS } from "./graphql.routes.ts";

// A document's first run goes through graphql-js, the later ones through the query graphql-jit
// compiled from it. Each document here is sent until it has run compiled twice, and every
// answer must equal the first: data, errors (codes, paths, messages) and HTTP status alike.

let ctx: TestContext;
let alice: TestUser;
let bob: TestUser;
let ids: { open: string; hidden: string };

beforeAll(async () => {
  ctx = await createTestApp();
  [alice, bob] = [await signUp(ctx), await signUp(ctx)];
  const open = await createRecipe(ctx, alice);
  const hidden = await createRecipe(ctx, alice, { visibility: "private" });
  ids = { open: open.id, hidden: hidden.id };
  await ctx.app.inject({
    method: "PUT",
    url: `/api/recipes/${open.id}/rating`,
    headers: bob.headers,
    payload: { stars: 4, comment: "Good" },
  });
  await ctx.app.inject({
    method: "PUT",
    url: `/api/recipes/${open.id}/favorite`,
    headers: bob.headers,
  });
});
afterAll(() => ctx.close());

const RECIPE = `id title description servings prepMinutes cookMinutes totalMinutes visibility
  author { id name } tags rating { average count } favorited version createdAt updatedAt
  ingredients { name quantity unit note } steps
  ratings(first: 5) { items { recipeId user { id name } stars comment createdAt updatedAt } nextCursor }`;

type Case = { name: string; as: () => TestUser; query: string; variables?: () => object };

const cases: Case[] = [
  { name: "me", as: () => alice, query: "{ me { id email name role emailVerified createdAt } }" },
  { name: "me, anonymous", as: () => anonymous, query: "{ me { id } }" },
  {
    name: "a recipe in full, with variables, fragments and __typename",
    as: () => bob,
    query: `query ($id: ID!, $servings: Int) { recipe(id: $id, servings: $servings) { ...R __typename } }
      fragment R on Recipe { ${RECIPE} }`,
    variables: () => ({ id: ids.open, servings: 8 }),
  },
  {
    name: "a private recipe for someone else (not found, field null)",
    as: () => bob,
    query: `query ($id: ID!) { recipe(id: $id) { id } me { id } }`,
    variables: () => ({ id: ids.hidden }),
  },
  {
    name: "an id that is not a uuid (validation_failed with its path)",
    as: () => bob,
    query: `{ recipe(id: "nope") { id } }`,
  },
  {
    name: "a page of summaries with nested ratings, aliases and a bad cursor",
    as: () => bob,
    query: `{ recipes(first: 20, sort: newest) { items { id title author { name } tags
        rating { average count } favorited ingredientCount totalMinutes
        a: ratings(first: 1) { items { stars } nextCursor }
        b: ratings(after: "garbage") { items { stars } } } nextCursor } }`,
  },
  {
    name: "filters, an enum and an invalid argument",
    as: () => alice,
    query: `{ mine: recipes(author: "me", visibility: private) { items { id visibility } }
      bad: recipes(sort: relevance) { items { id } } }`,
  },
  {
    name: "tags, favorites, exports and a shopping list",
    as: () => bob,
    query: `query ($id: ID!) { tags(first: 5) { items { tag count } nextCursor }
      myFavorites { items { id favorited } } myExports { items { id status } }
      shoppingList(recipes: [{ id: $id, servings: 2 }]) { items { name quantity unit } } }`,
    variables: () => ({ id: ids.open }),
  },
  {
    name: "signed-in fields for nobody",
    as: () => anonymous,
    query: "{ myFavorites { items { id } } myExports { items { id } } }",
  },
  {
    name: "a variable of the wrong type",
    as: () => bob,
    query: "query ($first: Int) { tags(first: $first) { items { tag } } }",
    variables: () => ({ first: "ten" }),
  },
  {
    name: "a mutation refused: another author's recipe",
    as: () => bob,
    query: `mutation ($id: ID!) { updateRecipe(id: $id, input: { title: "Mine" }) { id } }`,
    variables: () => ({ id: ids.open }),
  },
  {
    name: "a mutation refused: invalid input, field paths",
    as: () => alice,
    query: `mutation { createRecipe(input: { title: "", description: "x", servings: 0,
      prepMinutes: 1, cookMinutes: 1, ingredients: [], steps: [] }) { id } }`,
  },
  {
    name: "a stale expected version",
    as: () => alice,
    query: `mutation ($id: ID!) { deleteRecipe(id: $id, expectedVersion: 99) }`,
    variables: () => ({ id: ids.open }),
  },
  {
    name: "an idempotent mutation",
    as: () => bob,
    query: `mutation ($id: ID!) { favoriteRecipe(id: $id) }`,
    variables: () => ({ id: ids.open }),
  },
];

async function send(test: Case) {
  const response = await ctx.app.inject({
    method: "POST",
    url: "/graphql",
    headers: test.as().headers,
    payload: { query: test.query, variables: test.variables?.() },
  });
  // The request id differs per request; everything else must not.
  const text = response.body.replaceAll(String(response.headers["x-request-id"]), "<request id>");
  return { status: response.statusCode, body: JSON.parse(text) };
}

describe("compiled queries (graphql-jit) answer as graphql-js does", () => {
  it.each(cases)("$name", async (test) => {
    const first = await send(test);
    expect(first.body.data ?? first.body.errors).toBeDefined();
    for (let run = 0; run < JIT_AFTER_RUNS + 2; run++) {
      expect(await send(test)).toEqual(first);
    }
  });
});
