import { isDeepStrictEqual } from "node:util";
import { GRAPHQL_SCENARIOS, recipeBody, SCENARIOS } from "./scenarios.ts";
import type { Seeded } from "./seed.ts";

type Fetched = { status: number; body: unknown };

async function call(url: string, path: string, init: RequestInit = {}): Promise<Fetched> {
  const response = await fetch(`${url}${path}`, init);
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

/** Fields that differ between any two writes (ids, clocks, tokens), blanked for comparison. */
function volatile(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(volatile);
  if (value === null || typeof value !== "object") return value;
  const VOLATILE = new Set([
    "id",
    "createdAt",
    "updatedAt",
    "accessToken",
    "refreshToken",
    "deviceToken",
  ]);
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [key, VOLATILE.has(key) ? "…" : volatile(inner)]),
  );
}

/**
 * Sends each benchmarked request once to both servers and compares the answers, so that the
 * ratios compare servers doing the same work. Returns one line per request.
 */
export async function compareResponses(
  stratumUrl: string,
  floorUrl: string,
  seeded: Seeded,
  tokens: { stratum: string; floor: string },
): Promise<string[]> {
  const id = seeded.publicRecipeIds[0];
  const login = JSON.stringify({
    email: seeded.users[1]?.email,
    password: "bench-password-correct-horse",
  });
  const cases: {
    name: string;
    path: string;
    init?: (token: string) => RequestInit;
    loose?: boolean;
  }[] = [
    { name: "1 GET /api/recipes/:id", path: `/api/recipes/${id}` },
    {
      name: "2 GET /api/recipes/:id with token",
      path: `/api/recipes/${id}`,
      init: (token) => ({ headers: { authorization: `Bearer ${token}` } }),
    },
    { name: "3 GET /api/recipes?limit=20", path: "/api/recipes?limit=20" },
    { name: "4 GET /api/recipes?q=garlic&limit=20", path: "/api/recipes?q=garlic&limit=20" },
    {
      name: "5 POST /api/recipes",
      path: "/api/recipes",
      loose: true,
      init: (token) => ({
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: recipeBody,
      }),
    },
    {
      name: "6 POST /api/auth/login",
      path: "/api/auth/login",
      loose: true,
      init: () => ({
        method: "POST",
        headers: { "content-type": "application/json", "x-forwarded-for": "10.3.0.1" },
        body: login,
      }),
    },
  ];
  const lines: string[] = [];
  for (const c of cases) {
    const a = await call(stratumUrl, c.path, c.init?.(tokens.stratum));
    const b = await call(floorUrl, c.path, c.init?.(tokens.floor));
    const same =
      a.status === b.status &&
      isDeepStrictEqual(c.loose ? volatile(a.body) : a.body, c.loose ? volatile(b.body) : b.body);
    const how = c.loose ? " (ids, timestamps and tokens blanked)" : "";
    lines.push(
      same
        ? `${c.name}: same status (${a.status}) and same JSON from both servers${how}`
        : `${c.name}: **differs**: Stratum ${a.status} ${JSON.stringify(a.body).slice(0, 300)} / floor ${b.status} ${JSON.stringify(b.body).slice(0, 300)}`,
    );
  }
  return lines;
}

/**
 * Sends the first request of each GraphQL scenario once and checks the answer: 200, `data`
 * present, no `errors`, and the queried field equal to the REST scenario's answer (so both
 * doors do the same work). Returns one line per scenario.
 */
export async function checkGraphql(url: string, seeded: Seeded): Promise<string[]> {
  const lines: string[] = [];
  for (const scenario of GRAPHQL_SCENARIOS) {
    const request = scenario.requests({ seeded, tokens: [] })[0];
    const rest = SCENARIOS.find((sc) => sc.id === scenario.rest)?.requests({
      seeded,
      tokens: [],
    })[0];
    if (!request || !rest) continue;
    const name = `${scenario.id} ${scenario.title}`;
    const a = await call(url, request.path, {
      method: request.method,
      headers: request.headers,
      body: request.body,
    });
    const b = await call(url, rest.path);
    const body = a.body as { data?: Record<string, unknown> | null; errors?: unknown } | null;
    const problems: string[] = [];
    if (a.status !== 200) problems.push(`status ${a.status}`);
    if (!body?.data) problems.push("no data");
    if (body && "errors" in body)
      problems.push(`errors ${JSON.stringify(body.errors).slice(0, 300)}`);
    if (body?.data && !isDeepStrictEqual(body.data[scenario.field], b.body)) {
      problems.push(
        `data.${scenario.field} is not the REST answer (${b.status} ${JSON.stringify(b.body).slice(0, 200)}): ${JSON.stringify(body.data[scenario.field]).slice(0, 200)}`,
      );
    }
    lines.push(
      problems.length === 0
        ? `${name}: 200, data and no errors; data.${scenario.field} is the same JSON as REST ${rest.method} ${rest.path.replace(/[0-9a-f-]{36}/, ":id")}`
        : `${name}: **fails**: ${problems.join("; ")}`,
    );
  }
  return lines;
}
