import { eq } from "drizzle-orm";
import { parse } from "graphql";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  anonymous,
  createRecipe,
  recipeBody,
  signUp,
  type TestUser,
} from "../../test/factories/recipes.ts";
import { createTestApp, type TestContext } from "../../test/helpers/app.ts";
import { dataExports } from "../modules/exports/exports.table.ts";

let ctx: TestContext;
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  ctx = await createTestApp();
  alice = await signUp(ctx);
  bob = await signUp(ctx);
});
afterAll(() => ctx.close());

type Answer = {
  statusCode: number;
  headers: Record<string, unknown>;
  body: { data?: Record<string, unknown> | null; errors?: GqlError[] };
};
type GqlError = { message: string; path?: string[]; extensions: Record<string, unknown> };

async function gql(user: TestUser, query: string, variables?: object): Promise<Answer> {
  const response = await ctx.app.inject({
    method: "POST",
    url: "/graphql",
    headers: user.headers,
    payload: { query, variables },
  });
  return { statusCode: response.statusCode, headers: response.headers, body: response.json() };
}

const firstError = (answer: Answer) => answer.body.errors?.[0]?.extensions;

const RECIPE = `id title visibility version servings tags favorited
  author { id name } rating { average count }
  ingredients { name quantity unit note } steps`;

describe("POST /graphql queries", () => {
  it("answers me for a signed-in caller and unauthorized for nobody", async () => {
    const mine = await gql(alice, "{ me { id name role } }");
    expect(mine.statusCode).toBe(200);
    expect(mine.body.data?.me).toEqual({ id: alice.id, name: alice.name, role: "user" });

    const nobody = await gql(anonymous, "{ me { id } }");
    expect(nobody.statusCode).toBe(200);
    expect(nobody.body.data).toEqual({ me: null });
    expect(firstError(nobody)).toMatchObject({ code: "unauthorized", status: 401 });
    expect(firstError(nobody)?.requestId).toBe(nobody.headers["x-request-id"]);
  });

  it("reads a recipe, scaled, with its ratings paginated", async () => {
    const recipe = await createRecipe(ctx, alice);
    await gql(bob, `mutation { rateRecipe(id: "${recipe.id}", input: { stars: 4 }) { stars } }`);
    const answer = await gql(
      anonymous,
      `query ($id: ID!) { recipe(id: $id, servings: 8) { ${RECIPE}
         ratings(first: 1) { items { stars user { id } } nextCursor } } }`,
      { id: recipe.id },
    );
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data?.recipe).toMatchObject({
      id: recipe.id,
      servings: 8,
      author: { id: alice.id, name: alice.name },
      tags: ["soup", "vegetarian"],
      rating: { average: 4, count: 1 },
      favorited: false,
      ingredients: [
        { name: "Tomatoes", quantity: 1600, unit: "g", note: null },
        expect.anything(),
        expect.anything(),
      ],
      ratings: { items: [{ stars: 4, user: { id: bob.id } }], nextCursor: null },
    });
  });

  it("pages nested ratings per recipe, each field with its own first and after", async () => {
    const [soup, stew] = [await createRecipe(ctx, alice), await createRecipe(ctx, alice)];
    const raters = [bob, await signUp(ctx), await signUp(ctx)];
    for (const [n, rater] of raters.entries()) {
      const rate = `mutation ($id: ID!, $stars: Int!) { rateRecipe(id: $id, input: { stars: $stars }) { stars } }`;
      await gql(rater, rate, { id: soup.id, stars: n + 1 });
      if (n === 0) await gql(rater, rate, { id: stew.id, stars: 5 });
    }
    const rest = (id: string, query: string) =>
      ctx.app.inject({ url: `/api/recipes/${id}/ratings?${query}` }).then((r) => r.json());
    const firstPage = await rest(soup.id, "limit=2");
    const secondPage = await rest(soup.id, `limit=2&cursor=${firstPage.nextCursor}`);
    const stars = (page: { items: { stars: number }[] }) => page.items.map((r) => r.stars);

    const answer = await gql(
      anonymous,
      `query ($soup: ID!, $stew: ID!, $after: String) {
        soup: recipe(id: $soup) {
          one: ratings(first: 1) { items { stars } nextCursor }
          two: ratings(first: 2) { items { stars } nextCursor }
          next: ratings(first: 2, after: $after) { items { stars } nextCursor }
          broken: ratings(after: "not-a-cursor") { items { stars } }
        }
        stew: recipe(id: $stew) { ratings { items { stars } nextCursor } } }`,
      { soup: soup.id, stew: stew.id, after: firstPage.nextCursor },
    );

    expect(stars(firstPage)).toHaveLength(2);
    expect(answer.body.data?.soup).toEqual({
      one: {
        items: stars(firstPage)
          .slice(0, 1)
          .map((n) => ({ stars: n })),
        nextCursor: expect.any(String),
      },
      two: { items: stars(firstPage).map((n) => ({ stars: n })), nextCursor: firstPage.nextCursor },
      next: { items: stars(secondPage).map((n) => ({ stars: n })), nextCursor: null },
      broken: null,
    });
    expect(answer.body.data?.stew).toEqual({
      ratings: { items: [{ stars: 5 }], nextCursor: null },
    });
    expect(answer.body.errors).toHaveLength(1);
    expect(answer.body.errors?.[0]).toMatchObject({
      path: ["soup", "broken"],
      extensions: { code: "invalid_cursor", status: 400 },
    });
  });

  it("lists recipes with the REST filters, pages and visibility", async () => {
    const tag = `gql-${Date.now()}`;
    await createRecipe(ctx, alice, { tags: [tag], title: "One" });
    await createRecipe(ctx, alice, { tags: [tag], title: "Two" });
    await createRecipe(ctx, alice, { tags: [tag], title: "Hidden", visibility: "private" });
    const list = `query ($tag: [String!], $after: String) {
      recipes(tag: $tag, sort: oldest, first: 1, after: $after) {
        items { title ingredientCount } nextCursor } }`;
    const page1 = await gql(bob, list, { tag: [tag] });
    const first = page1.body.data?.recipes as { items: unknown[]; nextCursor: string };
    expect(first.items).toEqual([{ title: "One", ingredientCount: 3 }]);
    const page2 = await gql(bob, list, { tag: [tag], after: first.nextCursor });
    expect(page2.body.data?.recipes).toEqual({
      items: [{ title: "Two", ingredientCount: 3 }],
      nextCursor: null,
    });
    const own = await gql(alice, `{ recipes(tag: ["${tag}"], author: "me") { items { title } } }`);
    expect(own.body.data?.recipes).toEqual({
      items: [{ title: "Hidden" }, { title: "Two" }, { title: "One" }],
    });
  });

  it("hides a private recipe from others as REST does", async () => {
    const secret = await createRecipe(ctx, alice, { visibility: "private" });
    const query = `{ recipe(id: "${secret.id}") { title } }`;
    expect((await gql(alice, query)).body.data?.recipe).toEqual({ title: "Tomato soup" });
    for (const caller of [bob, anonymous]) {
      const answer = await gql(caller, query);
      expect(answer.statusCode).toBe(200);
      expect(answer.body.data).toEqual({ recipe: null });
      expect(answer.body.errors?.[0]).toMatchObject({
        path: ["recipe"],
        extensions: { code: "recipe_not_found", status: 404 },
      });
    }
  });

  it("answers tags, favorites, exports and a shopping list", async () => {
    const recipe = await createRecipe(ctx, alice, { tags: ["gql-tags"] });
    await gql(bob, `mutation { favoriteRecipe(id: "${recipe.id}") }`);
    const answer = await gql(
      bob,
      `{ tags(first: 100) { items { name count } }
         myFavorites { items { id favorited } }
         myExports { items { id } nextCursor }
         shoppingList(recipes: [{ id: "${recipe.id}", servings: 2 }]) {
           items { name quantity unit } } }`,
    );
    expect(answer.body.errors).toBeUndefined();
    const data = answer.body.data as Record<string, { items: unknown[] }>;
    expect(data.tags?.items).toContainEqual({ name: "gql-tags", count: 1 });
    expect(data.myFavorites?.items).toEqual([{ id: recipe.id, favorited: true }]);
    expect(data.myExports).toEqual({ items: [], nextCursor: null });
    expect(data.shoppingList?.items).toContainEqual({ name: "tomatoes", quantity: 400, unit: "g" });
  });
});

describe("POST /graphql scalars", () => {
  it("answers a size over 32 bits (an int64 in REST) exactly, as a Float", async () => {
    const user = await signUp(ctx);
    const requested = await gql(user, "mutation { requestExport { id } }");
    const { id } = (requested.body.data as { requestExport: { id: string } }).requestExport;
    await ctx.deps.db
      .update(dataExports)
      .set({ sizeBytes: 5_000_000_123 })
      .where(eq(dataExports.id, id));

    const answer = await gql(user, "{ myExports { items { id sizeBytes } } }");
    const rest = await ctx.app.inject({ url: "/api/me/exports", headers: user.headers });

    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data?.myExports).toEqual({ items: [{ id, sizeBytes: 5_000_000_123 }] });
    expect(rest.json().items[0].sizeBytes).toBe(5_000_000_123);
  });
});

describe("POST /graphql mutations", () => {
  const create = `mutation ($input: CreateRecipeInput!) { createRecipe(input: $input) { ${RECIPE} } }`;

  it("creates, updates with the expected version and deletes a recipe", async () => {
    const created = await gql(alice, create, { input: recipeBody({ title: "Via GraphQL" }) });
    const recipe = created.body.data?.createRecipe as { id: string; version: number };
    expect(recipe).toMatchObject({ title: "Via GraphQL", version: 1, author: { id: alice.id } });

    const update = `mutation ($id: ID!, $v: Int) {
      updateRecipe(id: $id, input: { title: "Renamed" }, expectedVersion: $v) { title version } }`;
    const updated = await gql(alice, update, { id: recipe.id, v: 1 });
    expect(updated.body.data?.updateRecipe).toEqual({ title: "Renamed", version: 2 });

    const stale = await gql(alice, update, { id: recipe.id, v: 1 });
    expect(stale.statusCode).toBe(200);
    expect(Object.keys(firstError(stale) ?? {})).toEqual(["code", "status", "requestId"]);
    expect(firstError(stale)).toMatchObject({ code: "version_mismatch", status: 412 });

    const other = await gql(bob, update, { id: recipe.id });
    expect(firstError(other)).toMatchObject({ code: "not_recipe_author", status: 403 });

    const removed = await gql(
      alice,
      `mutation { deleteRecipe(id: "${recipe.id}", expectedVersion: 2) }`,
    );
    expect(removed.body.data).toEqual({ deleteRecipe: true });
    const gone = await ctx.app.inject({ method: "GET", url: `/api/recipes/${recipe.id}` });
    expect(gone.statusCode).toBe(404);
  });

  it("refuses an invalid input with the field paths, and stores nothing", async () => {
    const answer = await gql(alice, create, {
      input: recipeBody({ title: " ", servings: 0, tags: ["Not a slug"] }),
    });
    expect(answer.statusCode).toBe(200);
    const extensions = firstError(answer);
    expect(extensions).toMatchObject({ code: "validation_failed", status: 400 });
    const paths = ((extensions?.errors ?? []) as { path: string }[]).map((error) => error.path);
    expect(paths).toEqual(
      expect.arrayContaining(["input.title", "input.servings", "input.tags.0"]),
    );
  });

  it("refuses a null for a field REST refuses null for, and changes nothing", async () => {
    const recipe = await createRecipe(ctx, alice);
    const answer = await gql(
      alice,
      `mutation ($id: ID!) { updateRecipe(id: $id, input: { title: null, servings: 6 }) { id } }`,
      { id: recipe.id },
    );
    const rest = await ctx.app.inject({
      method: "PATCH",
      url: `/api/recipes/${recipe.id}`,
      headers: alice.headers,
      payload: { title: null, servings: 6 },
    });

    expect(rest.statusCode).toBe(400);
    expect(firstError(answer)).toMatchObject({ code: rest.json().code, status: 400 });
    const paths = ((firstError(answer)?.errors ?? []) as { path: string }[]).map((e) => e.path);
    expect(paths).toEqual(
      rest.json().errors.map((e: { path: string }) => `input.${e.path.replace(/^body\./, "")}`),
    );
    const stored = await ctx.app.inject({ url: `/api/recipes/${recipe.id}` });
    expect(stored.json()).toMatchObject({ title: recipe.title, servings: recipe.servings });
  });

  it("refuses a mutation without a token with unauthorized", async () => {
    const answer = await gql(anonymous, create, { input: recipeBody() });
    expect(answer.body.data).toEqual({ createRecipe: null });
    expect(firstError(answer)).toMatchObject({ code: "unauthorized", status: 401 });
  });

  it("rates, unrates, favorites, unfavorites and requests an export", async () => {
    const recipe = await createRecipe(ctx, alice);
    const id = recipe.id;
    const answer = await gql(
      bob,
      `mutation {
        rateRecipe(id: "${id}", input: { stars: 5, comment: "Good" }) { stars comment recipeId }
        unrateRecipe(id: "${id}")
        favoriteRecipe(id: "${id}")
        unfavoriteRecipe(id: "${id}")
        requestExport { id status }
      }`,
    );
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data).toMatchObject({
      rateRecipe: { stars: 5, comment: "Good", recipeId: id },
      unrateRecipe: true,
      favoriteRecipe: true,
      unfavoriteRecipe: true,
      requestExport: { status: "queued" },
    });
    const own = await gql(
      alice,
      `mutation { rateRecipe(id: "${id}", input: { stars: 5 }) { stars } }`,
    );
    expect(firstError(own)).toMatchObject({ code: "cannot_rate_own_recipe", status: 403 });
  });
});

describe("GraphQL over HTTP", () => {
  it("runs a query over GET and refuses a mutation there with 405", async () => {
    const query = await ctx.app.inject({
      method: "GET",
      url: "/graphql",
      query: { query: "query ($n: Int) { tags(first: $n) { nextCursor } }", variables: '{"n":1}' },
    });
    expect(query.statusCode).toBe(200);
    expect(query.json().data.tags).toHaveProperty("nextCursor");

    const mutation = await ctx.app.inject({
      method: "GET",
      url: "/graphql",
      headers: alice.headers,
      query: { query: "mutation { requestExport { id } }" },
    });
    expect(mutation.statusCode).toBe(405);
    expect(mutation.headers.allow).toBe("POST");
    expect(mutation.json().errors[0].extensions).toMatchObject({ code: "method_not_allowed" });
  });

  it("answers 400 for a document that does not parse or validate", async () => {
    const syntax = await gql(anonymous, "{ recipes { ");
    expect(syntax.statusCode).toBe(400);
    expect(syntax.body.data).toBeUndefined();
    expect(firstError(syntax)).toMatchObject({ code: "graphql_parse_failed", status: 400 });
    const unknown = await gql(anonymous, "{ recipes { items { password } } }");
    expect(unknown.statusCode).toBe(400);
    expect(firstError(unknown)).toMatchObject({ code: "graphql_validation_failed" });
  });

  // Found by the GraphQL fuzzer: mercurius takes JSON it cannot parse as GraphQL for a parsed
  // document and failed on it with a TypeError (500), or ran it when it was an AST.
  it("answers a query that is JSON, an AST included, with the syntax error", async () => {
    const ast = JSON.stringify(parse("{ me { id } }"));
    for (const query of ["{ }", "{}", "null", "1", "[]", '"x"', '{"kind":"Document"}', ast]) {
      for (const method of ["POST", "GET"] as const) {
        const response = await ctx.app.inject(
          method === "POST"
            ? { method, url: "/graphql", headers: alice.headers, payload: { query } }
            : { method, url: "/graphql", headers: alice.headers, query: { query } },
        );
        expect(response.statusCode, `${method} ${query}`).toBe(400);
        expect(response.json().data).toBeUndefined();
        expect(response.json().errors[0].extensions).toMatchObject({
          code: "graphql_parse_failed",
          status: 400,
        });
      }
    }
  });

  // Found by the GraphQL fuzzer: over GET, a document without the operation to run was a 500.
  it("answers 400 over GET when the operation to run is not named or not there", async () => {
    const query = "query A { me { id } } query B { tags { nextCursor } }";
    const get = (operationName?: string) =>
      ctx.app.inject({
        method: "GET",
        url: "/graphql",
        query: operationName ? { query, operationName } : { query },
      });
    for (const answer of [await get(), await get("C")]) {
      expect(answer.statusCode).toBe(400);
      expect(answer.json().data).toBeUndefined();
      expect(answer.json().errors[0].extensions).toMatchObject({
        code: "graphql_validation_failed",
        status: 400,
      });
    }
    const named = await get("B");
    expect(named.statusCode).toBe(200);
    expect(named.json().data.tags).toHaveProperty("nextCursor");
  });

  it("refuses a batched array with a clear code", async () => {
    const response = await ctx.app.inject({
      method: "POST",
      url: "/graphql",
      payload: [{ query: "{ tags { nextCursor } }" }, { query: "{ tags { nextCursor } }" }],
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().errors[0].extensions).toMatchObject({
      code: "batched_queries_not_supported",
      status: 400,
    });
  });

  it("answers internal_error for an unexpected failure, without its message", async () => {
    const list = vi.spyOn(ctx.deps.tags, "list").mockRejectedValueOnce(new Error("secret detail"));
    try {
      const answer = await gql(anonymous, "{ tags { nextCursor } }");
      expect(answer.statusCode).toBe(200);
      expect(answer.body.errors?.[0]?.message).toBe("An unexpected error occurred.");
      expect(firstError(answer)).toMatchObject({ code: "internal_error", status: 500 });
      expect(JSON.stringify(answer.body)).not.toContain("secret");
    } finally {
      list.mockRestore();
    }
  });

  it("answers 401 for a token that does not verify", async () => {
    const answer = await gql(
      { ...anonymous, headers: { authorization: "Bearer nope" } },
      "{ tags { nextCursor } }",
    );
    expect(answer.statusCode).toBe(401);
    expect(answer.headers["www-authenticate"]).toBe("Bearer");
    expect(firstError(answer)).toMatchObject({ code: "invalid_token", status: 401 });
  });

  it("serves introspection unless configured off", async () => {
    const introspect = "{ __schema { queryType { name } } }";
    expect((await gql(anonymous, introspect)).body.data).toEqual({
      __schema: { queryType: { name: "Query" } },
    });
    const closed = await createTestApp({ env: { GRAPHQL_INTROSPECTION: "false" } });
    try {
      const response = await closed.app.inject({
        method: "POST",
        url: "/graphql",
        payload: { query: introspect },
      });
      expect(response.statusCode).toBe(400);
      expect(response.json().errors[0].extensions).toMatchObject({
        code: "graphql_validation_failed",
      });
    } finally {
      await closed.close();
    }
  });
});

describe("POST /graphql limits, checked before anything executes", () => {
  const codesOf = (answer: Answer) => answer.body.errors?.map((error) => error.extensions.code);

  it("refuses the classic abuse documents with 400 and a code per limit", async () => {
    // The schema has no cycle to nest along, but introspection's `ofType` does.
    const ofType = (levels: number): string =>
      levels === 0 ? "name" : `ofType { ${ofType(levels - 1)} }`;
    const deep = await gql(alice, `{ __schema { types { fields { type { ${ofType(20)} } } } } }`);
    expect(deep.statusCode).toBe(400);
    expect(codesOf(deep)).toContain("query_too_deep");
    expect(deep.body.data).toBeUndefined();

    const aliases = (count: number) =>
      Array.from({ length: count }, (_, i) => `a${i}: me { id }`).join(" ");
    const some = await gql(alice, `{ ${aliases(20)} }`);
    expect(some.statusCode).toBe(400);
    expect(codesOf(some)).toContain("too_many_aliases");
    // A bomb stops at the parser's token limit, before validation.
    const bomb = await gql(alice, `{ ${aliases(1_000)} }`);
    expect(bomb.statusCode).toBe(400);
    expect(codesOf(bomb)).toEqual(["document_too_large"]);

    const cycle = await gql(
      alice,
      "{ recipes { items { ...A } } } fragment A on RecipeSummary { id ...B } fragment B on RecipeSummary { ...A }",
    );
    expect(cycle.statusCode).toBe(400);
    expect(cycle.body.data).toBeUndefined();

    const first = await gql(alice, "{ recipes(first: 1000) { items { id } } }");
    expect(first.statusCode).toBe(400);
    expect(first.body.errors?.[0]?.extensions).toMatchObject({
      code: "first_too_large",
      status: 400,
      limit: 100,
      actual: 1000,
    });

    const viaVariable = await gql(
      alice,
      "query ($n: Int) { recipes(first: $n) { items { id } } }",
      { n: 1000 },
    );
    expect(viaVariable.statusCode).toBe(400);
    expect(codesOf(viaVariable)).toContain("first_too_large");

    const huge = await gql(alice, `{ me { id } } # ${"x".repeat(20_000)}`);
    expect(huge.statusCode).toBe(400);
    expect(codesOf(huge)).toContain("document_too_large");
  });
});
