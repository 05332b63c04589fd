import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recipeBody, signUp, type TestUser } from "../../test/factories/recipes.ts";
import { createTestApp, type TestContext } from "../../test/helpers/app.ts";
import { CreateRecipeBody } from "../modules/recipes/recipes.schema.ts";

// The GraphQL side of src/modules/recipes/recipes.queries.test.ts: the same work through
// POST /graphql costs the same fixed number of SQL statements as through REST, whatever the page.

let ctx: TestContext;
let author: TestUser;
let reader: TestUser;
let recipeIds: string[];

const SUMMARY =
  "id title author { id name } tags rating { average count } favorited ingredientCount";
const RECIPE = `id title version servings author { id name } tags rating { average count } favorited
  ingredients { name quantity unit note } steps`;

/** How many SQL statements one request sends (it must succeed). */
async function statements(request: { method?: "GET" | "POST"; url: string; payload?: object }) {
  const before = ctx.deps.database.stats.queries;
  const response = await ctx.app.inject({ ...request, headers: reader.headers });
  expect(response.statusCode, response.body).toBe(200);
  if (request.url === "/graphql") expect(response.json().errors).toBeUndefined();
  return { sent: ctx.deps.database.stats.queries - before, body: response.json() };
}

const graphql = (query: string, variables?: object) =>
  statements({ method: "POST", url: "/graphql", payload: { query, variables } });

beforeAll(async () => {
  ctx = await createTestApp();
  [author, reader] = [await signUp(ctx), await signUp(ctx)];
  // Through the services (not HTTP) to keep the setup quick; the requests measured are HTTP.
  const writer = { userId: author.id, role: "user" as const, sessionId: randomUUID() };
  const fan = { userId: reader.id, role: "user" as const, sessionId: randomUUID() };
  recipeIds = [];
  for (let i = 0; i < 25; i++) {
    const ingredients = Array.from({ length: 1 + (i % 5) }, (_, n) => ({
      name: `thing ${n}`,
      quantity: n + 1,
      unit: "g",
    }));
    const body = recipeBody({ ingredients, tags: ["x", `t${i}`] });
    const recipe = await ctx.deps.recipes.create(writer, CreateRecipeBody.parse(body));
    recipeIds.push(recipe.id);
    if (i % 2 === 0) await ctx.deps.favorites.favorite(fan, recipe.id);
    if (i % 3 === 0) await ctx.deps.ratings.rate(fan, recipe.id, { stars: 4, comment: null });
  }
});
afterAll(() => ctx.close());

describe("SQL statements per GraphQL request (no N+1)", () => {
  it("lists recipes(first: 5) and recipes(first: 20) with as many statements as REST", async () => {
    const list = `query ($author: String, $first: Int) {
      recipes(author: $author, first: $first) { items { ${SUMMARY} } nextCursor } }`;
    const rest = await statements({ url: `/api/recipes?author=${author.id}&limit=5` });
    const restLarge = await statements({ url: `/api/recipes?author=${author.id}&limit=20` });
    const small = await graphql(list, { author: author.id, first: 5 });
    const large = await graphql(list, { author: author.id, first: 20 });

    expect(small.body.data.recipes.items).toHaveLength(5);
    expect(large.body.data.recipes.items).toHaveLength(20);
    expect(large.body.data.recipes.items[0]).toMatchObject({
      author: { id: author.id, name: author.name },
      favorited: expect.any(Boolean),
      ingredientCount: expect.any(Number),
    });
    expect(rest.sent).toBeGreaterThanOrEqual(2);
    expect(restLarge.sent).toBe(rest.sent);
    expect({ small: small.sent, large: large.sent }).toEqual({
      small: rest.sent,
      large: rest.sent,
    });
  });

  it("answers the same page as REST", async () => {
    const rest = await statements({ url: `/api/recipes?author=${author.id}&limit=20` });
    const { body } = await graphql(
      `query ($author: String) { recipes(author: $author, first: 20) { items { ${SUMMARY} } } }`,
      { author: author.id },
    );
    const pick = (item: Record<string, unknown>) => ({
      id: item.id,
      title: item.title,
      author: item.author,
      tags: item.tags,
      rating: item.rating,
      favorited: item.favorited,
      ingredientCount: item.ingredientCount,
    });
    expect(body.data.recipes.items).toEqual(rest.body.items.map(pick));
  });

  it("reads recipe(id) with as many statements as GET /api/recipes/:id", async () => {
    const read = `query ($id: ID!) { recipe(id: $id) { ${RECIPE} } }`;
    const counts = [];
    for (const id of [recipeIds[0], recipeIds[4]] as string[]) {
      const rest = await statements({ url: `/api/recipes/${id}` });
      const answer = await graphql(read, { id });
      expect(answer.body.data.recipe.id).toBe(id);
      expect(answer.sent).toBe(rest.sent);
      counts.push(answer.sent);
    }
    // One ingredient or five: the same statements.
    expect(counts[1]).toBe(counts[0]);
  });

  it("batches ratings nested on a page: the same statements for 5 recipes or 20", async () => {
    const list = `query ($author: String, $first: Int) { recipes(author: $author, first: $first) {
      items { id ratings(first: 2) { items { stars } nextCursor } } } }`;
    const bare = `query ($author: String, $first: Int) {
      recipes(author: $author, first: $first) { items { id } } }`;
    const base = await graphql(bare, { author: author.id, first: 5 });
    const five = await graphql(list, { author: author.id, first: 5 });
    const twenty = await graphql(list, { author: author.id, first: 20 });

    expect(five.sent - base.sent).toBeGreaterThan(0);
    expect(twenty.sent).toBe(five.sent);
    // And each recipe gets its own ratings: the ones rated (every third) have one.
    const rated = twenty.body.data.recipes.items.filter(
      (item: { ratings: { items: unknown[] } }) => item.ratings.items.length > 0,
    );
    expect(rated.length).toBeGreaterThan(0);
    for (const item of twenty.body.data.recipes.items) {
      const rest = await ctx.app.inject({ url: `/api/recipes/${item.id}/ratings?limit=2` });
      expect(item.ratings.items).toEqual(
        rest.json().items.map((rating: { stars: number }) => ({ stars: rating.stars })),
      );
      expect(item.ratings.nextCursor).toBe(rest.json().nextCursor);
    }
  });
});
