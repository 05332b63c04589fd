import type { DriverRequest } from "./driver.ts";
import { BENCH_PASSWORD, SEARCH_TERMS, type Seeded } from "./seed.ts";

export type ScenarioContext = { seeded: Seeded; tokens: string[] };

export type Scenario = {
  id: "1" | "2" | "3" | "4" | "5" | "6";
  title: string;
  /** Whether the scenario needs access tokens, obtained by logging in before it runs. */
  needsTokens: boolean;
  requests(context: ScenarioContext): DriverRequest[];
};

const json = { "content-type": "application/json" };
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const READ_IDS = 2_000;

export const recipeBody = JSON.stringify({
  title: "Benchmark braised beans",
  description: "Creamy beans braised with garlic, tomato and herbs.",
  servings: 4,
  prepMinutes: 15,
  cookMinutes: 90,
  visibility: "public",
  ingredients: [
    { name: "white beans", quantity: 500, unit: "g" },
    { name: "garlic", quantity: 4, unit: "clove" },
    { name: "tomato", quantity: 1, unit: "can" },
    { name: "olive oil", quantity: 3, unit: "tbsp" },
    { name: "rosemary", quantity: 2, unit: "sprig" },
    { name: "stock", quantity: 500, unit: "ml" },
    { name: "salt", quantity: null, unit: null, note: "to taste" },
    { name: "black pepper", quantity: 1, unit: "pinch" },
  ],
  steps: [
    "Soak the beans overnight.",
    "Warm the oil and soften the garlic.",
    "Add the tomato and rosemary.",
    "Add the beans and stock.",
    "Braise for 90 minutes.",
    "Season and serve.",
  ],
  tags: ["vegan", "one-pot", "winter"],
});

export const SCENARIOS: Scenario[] = [
  {
    id: "1",
    title: "GET /api/recipes/:id anonymous",
    needsTokens: false,
    requests: ({ seeded }) =>
      seeded.publicRecipeIds
        .slice(0, READ_IDS)
        .map((id) => ({ method: "GET", path: `/api/recipes/${id}` })),
  },
  {
    id: "2",
    title: "GET /api/recipes/:id with an access token",
    needsTokens: true,
    requests: ({ seeded, tokens }) =>
      seeded.publicRecipeIds.slice(0, READ_IDS).map((id, i) => ({
        method: "GET",
        path: `/api/recipes/${id}`,
        headers: bearer(tokens[i % tokens.length] as string),
      })),
  },
  {
    id: "3",
    title: "GET /api/recipes?limit=20 (newest)",
    needsTokens: false,
    requests: () => [{ method: "GET", path: "/api/recipes?limit=20" }],
  },
  {
    id: "4",
    title: "GET /api/recipes?q=…&limit=20 (full-text)",
    needsTokens: false,
    requests: () =>
      SEARCH_TERMS.map((term) => ({
        method: "GET",
        path: `/api/recipes?q=${encodeURIComponent(term)}&limit=20`,
      })),
  },
  {
    id: "5",
    title: "POST /api/recipes (8 ingredients)",
    needsTokens: true,
    requests: ({ tokens }) =>
      tokens.map((token) => ({
        method: "POST",
        path: "/api/recipes",
        headers: { ...json, ...bearer(token) },
        body: recipeBody,
      })),
  },
  {
    id: "6",
    title: "POST /api/auth/login",
    needsTokens: false,
    requests: ({ seeded }) => loginRequests(seeded),
  },
];

/** The fields of the REST answers (RecipeSchema, RecipeSummarySchema), selected over GraphQL. */
const COMMON_FIELDS =
  "id title description servings prepMinutes cookMinutes totalMinutes visibility " +
  "author { id name } tags rating { average count } favorited version createdAt updatedAt";
export const RECIPE_FIELDS = `${COMMON_FIELDS} ingredients { name quantity unit note } steps`;
export const SUMMARY_FIELDS = `${COMMON_FIELDS} ingredientCount`;

export const RECIPE_QUERY = `query Recipe($id: ID!) { recipe(id: $id) { ${RECIPE_FIELDS} } }`;
export const RECIPES_QUERY = `{ recipes(first: 20) { items { ${SUMMARY_FIELDS} } nextCursor } }`;

export type GraphqlScenario = {
  id: "8" | "9";
  title: string;
  /** The REST scenario doing the same work, measured beside it on Stratum. */
  rest: "1" | "3";
  /** The field of `data` that must equal the REST answer. */
  field: "recipe" | "recipes";
  requests(context: ScenarioContext): DriverRequest[];
};

const graphql = (query: string, variables?: Record<string, unknown>): DriverRequest => ({
  method: "POST",
  path: "/graphql",
  headers: json,
  body: JSON.stringify(variables ? { query, variables } : { query }),
});

/** GraphQL against REST on the same server: the ratio is what the GraphQL door costs. */
export const GRAPHQL_SCENARIOS: GraphqlScenario[] = [
  {
    id: "8",
    title: "POST /graphql recipe(id) anonymous",
    rest: "1",
    field: "recipe",
    requests: ({ seeded }) =>
      seeded.publicRecipeIds.slice(0, READ_IDS).map((id) => graphql(RECIPE_QUERY, { id })),
  },
  {
    id: "9",
    title: "POST /graphql recipes(first: 20) (newest)",
    rest: "3",
    field: "recipes",
    requests: () => [graphql(RECIPES_QUERY)],
  },
];

/**
 * Logins spread over every seeded user, each from its own client address (Stratum runs behind
 * a trusted proxy here, as in production), so the per-address and per-account limits are
 * checked on every login but what gets measured is logging in, not answering 429.
 */
export function loginRequests(seeded: Seeded): DriverRequest[] {
  return seeded.users.map((user, i) => ({
    method: "POST",
    path: "/api/auth/login",
    headers: { ...json, "x-forwarded-for": `10.1.${i >> 8}.${i & 255}` },
    body: JSON.stringify({ email: user.email, password: BENCH_PASSWORD }),
  }));
}

let tokenLogins = 0;

/** Logs a few seeded users in through the API and returns their access tokens. */
export async function login(url: string, seeded: Seeded, count = 8): Promise<string[]> {
  const tokens: string[] = [];
  for (const user of seeded.users.slice(0, count)) {
    const n = tokenLogins++;
    const response = await fetch(`${url}/api/auth/login`, {
      method: "POST",
      headers: { ...json, "x-forwarded-for": `10.2.${n >> 8}.${n & 255}` },
      body: JSON.stringify({ email: user.email, password: BENCH_PASSWORD }),
    });
    const body = (await response.json()) as { accessToken?: string };
    if (response.status !== 200 || !body.accessToken) {
      throw new Error(`login at ${url} answered ${response.status}: ${JSON.stringify(body)}`);
    }
    tokens.push(body.accessToken);
  }
  return tokens;
}
