import { count } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRecipe, signUpActors, type TestUser } from "../../test/factories/recipes.ts";
import { createTestApp, type TestContext } from "../../test/helpers/app.ts";
import { drainQueue } from "../../test/helpers/queue.ts";
import {
  type RecipeRoute,
  recipeActors,
  recipeExpected,
  recipeSnapshot,
} from "../../test/helpers/recipes-matrix.ts";
import { dataExports } from "../modules/exports/exports.table.ts";

// The GraphQL column of the authorization matrices: each cell of the REST table asked through
// POST /graphql gets the same decision. REST 2xx ↔ the field's data and no error; REST 4xx ↔
// the field null and one error whose `extensions.status` is the REST status, and nothing changed.

let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestApp();
});
afterAll(async () => {
  await drainQueue(ctx.deps);
  await ctx.close();
});

type Answer = {
  statusCode: number;
  data: Record<string, unknown> | null | undefined;
  errors: { path?: string[]; extensions: { code: string; status: number } }[] | undefined;
};

async function gql(user: TestUser, query: string, variables?: object): Promise<Answer> {
  const response = await ctx.app.inject({
    method: "POST",
    url: "/graphql",
    headers: user.headers,
    payload: { query, variables },
  });
  const { data, errors } = response.json();
  return { statusCode: response.statusCode, data, errors };
}

/** Asserts the GraphQL answer for `field` is the decision REST answers with `status`. */
function expectDecision(answer: Answer, field: string, status: number) {
  expect(answer.statusCode).toBe(200);
  if (status < 400) {
    expect(answer.errors).toBeUndefined();
    expect(answer.data?.[field]).not.toBeNull();
    expect(answer.data?.[field]).toBeDefined();
  } else {
    expect(answer.data).toEqual({ [field]: null });
    expect(answer.errors).toHaveLength(1);
    expect(answer.errors?.[0]).toMatchObject({ path: [field], extensions: { status } });
  }
}

/** Each REST route of a recipe as a GraphQL operation, and the root field that answers it. */
const recipeOperations: Record<RecipeRoute, { field: string; document: string }> = {
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
    document: "query ($id: ID!) { recipe(id: $id) { ratings { items { stars } } } }",
  },
};

const recipeCells = Object.entries(recipeExpected).flatMap(([variant, rows]) =>
  Object.entries(rows).flatMap(([route, row]) =>
    recipeActors.map((actor, i) => ({
      variant: variant as keyof typeof recipeExpected,
      route: route as RecipeRoute,
      actor,
      expected: row[i] as number,
    })),
  ),
);

describe("GraphQL column of the recipe authorization matrix", () => {
  let people: Record<(typeof recipeActors)[number], TestUser>;
  beforeAll(async () => {
    people = await signUpActors(ctx, "author");
  });

  it.each(recipeCells)(
    "$route of a $variant recipe by $actor answers as REST's $expected",
    async ({ variant, route, actor, expected }) => {
      const recipe = await createRecipe(ctx, people.author, { visibility: variant });
      const before = await recipeSnapshot(ctx.deps.db, recipe.id);
      const { field, document } = recipeOperations[route];

      const answer = await gql(people[actor], document, { id: recipe.id });

      expectDecision(answer, field, expected);
      if (expected >= 400) expect(await recipeSnapshot(ctx.deps.db, recipe.id)).toEqual(before);
      if (route === "rate" && expected === 403) {
        expect(answer.errors?.[0]?.extensions.code).toBe("cannot_rate_own_recipe");
      }
      if (route === "ratings" && expected === 200) {
        expect(answer.data?.recipe).toEqual({ ratings: { items: [] } });
      }
    },
  );
});

// No REST matrix covers the exports list and request (they have no path parameter): this table
// is their own, and each cell is asked through both doors.
const exportActors = ["owner", "other", "admin", "anonymous"] as const;
const exportOperations = {
  myExports: {
    rest: { method: "GET", url: "/api/me/exports" },
    document: "{ myExports { items { id } } }",
  },
  requestExport: {
    rest: { method: "POST", url: "/api/me/exports" },
    document: "mutation { requestExport { id } }",
  },
} as const;
// Expected status per operation, for [owner, other, admin, anonymous], while the owner has an
// export in progress: each signed-in caller sees and starts only their own.
const exportExpected = {
  myExports: [200, 200, 200, 401],
  requestExport: [202, 202, 202, 401],
} as const;

/** The ids of a page of exports (or of `{ items: [anExport] }`). */
const idsOf = (value: unknown): string[] =>
  ((value as { items?: ({ id: string } | null)[] } | null)?.items ?? []).flatMap((item) =>
    item ? [item.id] : [],
  );

const exportCells = Object.entries(exportExpected).flatMap(([operation, row]) =>
  exportActors.map((actor, i) => ({
    operation: operation as keyof typeof exportOperations,
    actor,
    expected: row[i] as number,
  })),
);

describe("GraphQL column of the exports authorization matrix", () => {
  let people: Record<(typeof exportActors)[number], TestUser>;
  let ownersExport: string;
  beforeAll(async () => {
    people = await signUpActors(ctx, "owner");
    const started = await gql(people.owner, exportOperations.requestExport.document);
    const ids = idsOf({ items: [started.data?.requestExport] });
    expect(ids).toHaveLength(1);
    ownersExport = String(ids[0]);
  });

  const exportsCount = async () =>
    (await ctx.deps.db.select({ n: count() }).from(dataExports))[0]?.n;

  it.each(exportCells)(
    "$operation by $actor answers as REST's $expected",
    async ({ operation, actor, expected }) => {
      const { rest, document } = exportOperations[operation];
      const user = people[actor];
      const before = await exportsCount();

      const answer = await gql(user, document);
      expectDecision(answer, operation, expected);
      if (expected >= 400) expect(await exportsCount()).toBe(before);

      const response = await ctx.app.inject({ ...rest, headers: user.headers });
      expect(response.statusCode, response.body).toBe(expected);
      if (expected >= 400) {
        expect(response.json().code).toBe(answer.errors?.[0]?.extensions.code);
        expect(await exportsCount()).toBe(before);
        return;
      }
      // Only the owner's door leads to the owner's export, through either API.
      const mine = actor === "owner";
      const fromGraphql =
        operation === "myExports"
          ? idsOf(answer.data?.myExports)
          : idsOf({ items: [answer.data?.requestExport] });
      const fromRest = operation === "myExports" ? idsOf(response.json()) : [response.json().id];
      expect(fromGraphql.includes(ownersExport)).toBe(mine);
      expect(fromRest.includes(ownersExport)).toBe(mine);
    },
  );
});
