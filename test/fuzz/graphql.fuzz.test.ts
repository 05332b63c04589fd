import { randomInt } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import fc from "fast-check";
import type { LightMyRequestResponse } from "fastify";
import { buildClientSchema, getIntrospectionQuery, type IntrospectionQuery } from "graphql";
import { afterAll, describe, expect, it } from "vitest";
import { responseMediaType } from "../../src/graphql/media-type.ts";
import { createPasswordHasher } from "../../src/lib/passwords.ts";
import { randomIp } from "../factories/auth.ts";
import { createRecipe, signUp, type TestUser } from "../factories/recipes.ts";
import { createTestApp } from "../helpers/app.ts";
import { capturingLogger } from "../helpers/logs.ts";
import { bounded } from "./bounded.ts";
import { type GraphqlRequest, gen } from "./graphql.ts";

// FUZZ_RUNS=500 FUZZ_SEED=123 npx vitest run test/fuzz/graphql.fuzz.test.ts: more cases, or replay.
const RUNS = Number(process.env.FUZZ_RUNS ?? 50);
const SEED = Number(process.env.FUZZ_SEED ?? randomInt(2 ** 31));
const REQUEST_BOUND_MS = 5_000;

const serverLog = capturingLogger("warn");
const ctx = await createTestApp({
  overrides: {
    // Input handling is under test, not hashing: cheap Argon2 keeps sign-ups fast.
    hasher: createPasswordHasher({ memoryCost: 1_024, timeCost: 1, parallelism: 1 }),
    logger: serverLog.logger,
  },
});
const startedAt = Date.now();
afterAll(async () => {
  mkdirSync("reports", { recursive: true });
  const requests = Object.values(statuses).reduce((sum, n) => sum + n, 0);
  const report = {
    seed: SEED,
    runsPerProperty: RUNS,
    requests,
    statuses,
    durationMs: Date.now() - startedAt,
  };
  writeFileSync("reports/graphql-fuzz.json", `${JSON.stringify(report, null, 2)}\n`);
  await ctx.close();
});

// The schema as the running app serves it (introspection is on outside production).
const introspected = await ctx.app.inject({
  method: "POST",
  url: "/graphql",
  payload: { query: getIntrospectionQuery({ descriptions: false }) },
});
const schema = buildClientSchema((introspected.json() as { data: IntrospectionQuery }).data);

const user = await signUp(ctx);
const other = await signUp(ctx);
const anonymous: TestUser = { id: "", name: "", role: "user", headers: {} };
const recipes = await Promise.all([
  createRecipe(ctx, user, { visibility: "public" }),
  createRecipe(ctx, user, { visibility: "private" }),
  createRecipe(ctx, other, { visibility: "public" }),
  createRecipe(ctx, other, { visibility: "private" }),
]);
const page = await ctx.app.inject({ method: "GET", url: "/api/recipes?limit=1" });
const generators = gen(schema, {
  ids: recipes.map((recipe) => recipe.id),
  userIds: [user.id, other.id],
  cursors: [String(page.json().nextCursor ?? "AAAA"), "AAAA"],
  tags: ["soup", "vegetarian"],
});
// Mostly nobody and a signed-in user; now and then a token that does not verify (a 401).
const badToken: TestUser = { ...anonymous, headers: { authorization: "Bearer not.a.token" } };
const actor = fc.constantFrom<[string, TestUser]>(
  ["anonymous", anonymous],
  ["user", user],
  ["anonymous", anonymous],
  ["user", user],
  ["user", user],
  ["bad-token", badToken],
);

type Transport = "post" | "get";
type Answer = { statusCode: number; body: Record<string, unknown> };
const statuses: Record<string, number> = {};

const STACK = /\bat .*[/\\][^\s]*\.[cm]?[jt]s\b|\n\s+at /;
const SQL =
  /\b(select|insert|update|delete)\b[\s\S]*\b(from|into|set|where)\b|SQLSTATE|\brelation "|syntax error at or near/i;

/** What an answer may be: its statuses, and the media type the request's `Accept` chose. */
type Expected = { statuses: readonly number[]; mediaType: string };
const GRAPHQL_ANSWER: Expected = { statuses: [200, 400, 401, 405], mediaType: "application/json" };

/** What the GraphQL-over-HTTP contract says of this answer; empty when it holds. */
function contract(
  statusCode: number,
  contentType: unknown,
  text: string,
  expected: Expected = GRAPHQL_ANSWER,
): string[] {
  const wrong: string[] = [];
  if (!expected.statuses.includes(statusCode)) wrong.push(`status ${statusCode}`);
  if (String(contentType) !== `${expected.mediaType}; charset=utf-8`)
    wrong.push(`content-type ${String(contentType)}`);
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text);
  } catch {
    return [...wrong, "a body that is not JSON"];
  }
  if (!body || typeof body !== "object" || Array.isArray(body)) return [...wrong, "not an object"];
  const errors = body.errors;
  if (errors !== undefined && (!Array.isArray(errors) || errors.length === 0))
    wrong.push("`errors` present but not a non-empty list");
  if (statusCode === 200 && !("data" in body)) wrong.push("200 without `data`");
  if (statusCode !== 200) {
    if ("data" in body) wrong.push(`${statusCode} with \`data\``);
    if (!Array.isArray(errors) || errors.length === 0) wrong.push(`${statusCode} without errors`);
  }
  for (const error of Array.isArray(errors) ? errors : []) {
    const { message, extensions } = (error ?? {}) as {
      message?: unknown;
      extensions?: { code?: unknown; status?: unknown };
    };
    if (typeof message !== "string") wrong.push("an error without a message");
    else if (STACK.test(message)) wrong.push(`a stack trace in a message: ${message}`);
    else if (SQL.test(message)) wrong.push(`SQL in a message: ${message}`);
    if (typeof extensions?.code !== "string") wrong.push("an error without extensions.code");
    if (typeof extensions?.status !== "number") wrong.push("an error without extensions.status");
    else if (extensions.status >= 500)
      wrong.push(`an error of status ${extensions.status} (${String(extensions.code)})`);
  }
  return wrong;
}

/** Sends one request within the time bound and throws what the contract breaks. */
async function send(
  request: GraphqlRequest | unknown,
  caller: TestUser,
  transport: Transport = "post",
): Promise<Answer> {
  serverLog.clear();
  const shown = JSON.stringify(request).slice(0, 400);
  const req = request as GraphqlRequest;
  const search = new URLSearchParams({ query: req.query ?? "" });
  if (req.variables !== undefined) search.set("variables", JSON.stringify(req.variables));
  if (req.operationName !== undefined) search.set("operationName", req.operationName);
  const response = await bounded(
    ctx.app.inject({
      remoteAddress: randomIp(),
      ...(transport === "get"
        ? { method: "GET", url: `/graphql?${search}`, headers: caller.headers }
        : {
            method: "POST",
            url: "/graphql",
            headers: { ...caller.headers, "content-type": "application/json" },
            payload: typeof request === "string" ? request : JSON.stringify(request),
          }),
    }),
    `${transport} ${shown}`,
    REQUEST_BOUND_MS,
  );
  return checked(response, `${transport.toUpperCase()} ${shown}`);
}

/** Counts the answer's status and throws what the contract breaks, with the server's log. */
function checked(
  response: LightMyRequestResponse,
  shown: string,
  expected: Expected = GRAPHQL_ANSWER,
): Answer {
  statuses[response.statusCode] = (statuses[response.statusCode] ?? 0) + 1;
  const { statusCode, headers, body } = response;
  const wrong = contract(statusCode, headers["content-type"], body, expected);
  if (wrong.length > 0) {
    const logged = serverLog.lines.map((line) => `\n  server log: ${line.msg}`.slice(0, 600));
    throw new Error(
      `${shown} → ${statusCode}${wrong.map((line) => `\n  - ${line}`).join("")}\n  body: ${body.slice(0, 600)}${logged.join("")}`,
    );
  }
  return { statusCode, body: JSON.parse(body) };
}

async function assertWithSeed<T>(property: fc.IAsyncProperty<T>, offset: number): Promise<void> {
  const seed = (SEED + offset * 7_919) % 2 ** 31;
  try {
    await fc.assert(property, { numRuns: RUNS, seed });
  } catch (error) {
    (error as Error).message =
      `FUZZ_SEED=${SEED} replays this run (property seed ${seed}).\n${(error as Error).message}`;
    throw error;
  }
}

describe("GraphQL fuzzer: answers in the GraphQL-over-HTTP shape, never a 5xx, within bounds", () => {
  it("builds the schema from the app's introspection", () => {
    expect(introspected.statusCode).toBe(200);
    expect(schema.getQueryType()?.name).toBe("Query");
    expect(schema.getMutationType()?.name).toBe("Mutation");
  });

  it("valid queries, over POST and GET", async () => {
    let ok = 0;
    const property = fc.asyncProperty(
      generators.validQuery,
      actor,
      fc.constantFrom<Transport>("post", "post", "get"),
      async (request, [, caller], transport) => {
        const answer = await send(request, caller, transport);
        if (answer.statusCode === 200) ok += 1;
      },
    );
    await assertWithSeed(property, 1);
    // Most generated queries validate: a generator that only produced refusals tests little.
    expect(ok).toBeGreaterThan(RUNS / 2);
  });

  it("valid mutations; over GET they are refused", async () => {
    const property = fc.asyncProperty(
      generators.validMutation,
      actor,
      fc.constantFrom<Transport>("post", "post", "post", "get"),
      async (request, [, caller], transport) => {
        const answer = await send(request, caller, transport);
        // A document over a limit is refused (400) before the method is looked at.
        // A token that does not verify is a 401 before anything else.
        if (transport === "get")
          expect(caller === badToken ? [401] : [400, 405]).toContain(answer.statusCode);
      },
    );
    await assertWithSeed(property, 2);
  });

  it("broken documents, wrong variables and documents over the limits", async () => {
    const property = fc.asyncProperty(
      generators.broken,
      actor,
      fc.constantFrom<Transport>("post", "post", "get"),
      async (request, [, caller], transport) => {
        await send(request, caller, transport);
      },
    );
    await assertWithSeed(property, 3);
  });

  it("bodies that are not one GraphQL request", async () => {
    const odd = fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      generators.validQuery.map((request) => [request]),
      fc
        .tuple(generators.validQuery, fc.jsonValue({ maxDepth: 2 }))
        .map(([request, variables]) => ({ ...request, variables })),
      fc
        .tuple(generators.validQuery, fc.jsonValue({ maxDepth: 1 }))
        .map(([request, operationName]) => ({ ...request, operationName })),
      fc
        .tuple(generators.validQuery, fc.jsonValue({ maxDepth: 1 }))
        .map(([request, extensions]) => ({ ...request, extensions })),
      fc.jsonValue({ maxDepth: 1 }).map((query) => ({ query })),
    );
    const property = fc.asyncProperty(odd, actor, async (body, [, caller]) => {
      await send(JSON.stringify(body) ?? "null", caller);
    });
    await assertWithSeed(property, 4);
  });

  it("bodies of any media type, with any Accept", async () => {
    const bodyLimit = ctx.deps.config.http.bodyLimit;
    // Half of them JSON, which is read; the other half refused before the body is read.
    const contentType = fc.oneof(
      fc.constantFrom(
        "application/json",
        "application/json; charset=utf-8",
        'application/json; charset="UTF-8"',
        "application/json; charset=utf-16",
        "Application/JSON;",
      ),
      fc.constantFrom<string | undefined>(
        undefined,
        "application/json, text/plain",
        "text/plain",
        "text/plain; charset=utf-8",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=X",
        "application/graphql",
        "application/graphql+json",
        "application/graphql-response+json",
        "application/octet-stream",
        "*/*",
        "",
        "garbage",
      ),
    );
    const accept = fc.constantFrom<string | undefined>(
      undefined,
      "*/*",
      "application/json",
      "application/graphql-response+json",
      "application/graphql-response+json, application/json",
      "application/json;q=0, */*",
      "text/html",
      "nonsense;q=x",
    );
    const query = generators.validQuery;
    const small = JSON.stringify({ query: "{ tags { items { name } } }" });
    const body = fc.oneof(
      query.map((request) => JSON.stringify(request)),
      query.map((request) => request.query),
      query.map((request) => new URLSearchParams({ query: request.query }).toString()),
      query.map((request) => `--X\r\n\r\n${request.query}\r\n--X--\r\n`),
      fc.constantFrom("", "null", "[]", "{}", '""', "1", "[null]", "{", "\uFEFF{}"),
      fc.jsonValue({ maxDepth: 2 }).map((value) => JSON.stringify(value) ?? "null"),
      fc.string({ maxLength: 200 }),
      // Around the body limit: a valid request padded to a size that is read, or one too large.
      fc
        .integer({ min: bodyLimit - 1, max: bodyLimit + 1 })
        .map((size) => `${small.slice(0, -1)}${" ".repeat(size - small.length)}}`),
    );
    const property = fc.asyncProperty(
      contentType,
      accept,
      body,
      actor,
      async (type, acceptHeader, payload, [, caller]) => {
        const headers: Record<string, string> = { ...caller.headers };
        if (type !== undefined) headers["content-type"] = type;
        if (acceptHeader !== undefined) headers.accept = acceptHeader;
        const shown = `POST ${JSON.stringify(headers)} ${JSON.stringify(payload.slice(0, 300))}`;
        const response = await bounded(
          ctx.app.inject({ method: "POST", url: "/graphql", headers, payload }),
          shown,
          REQUEST_BOUND_MS,
        );
        const answer = checked(response, shown, {
          statuses: [200, 400, 401, 405, 413, 415],
          mediaType: responseMediaType(acceptHeader),
        });
        // A token that does not verify is refused before the body is read.
        if (caller === badToken) {
          expect(answer.statusCode, shown).toBe(401);
          return;
        }
        const json = type?.split(";")[0]?.trim().toLowerCase() === "application/json";
        const bytes = Buffer.byteLength(payload);
        if (bytes > 0 && !json) expect(answer.statusCode, shown).toBe(415);
        if (json && bytes > bodyLimit) expect(answer.statusCode, shown).toBe(413);
        if (answer.statusCode >= 400) {
          const [error] = answer.body.errors as { extensions: { status: number } }[];
          expect(error?.extensions.status, shown).toBe(answer.statusCode);
        }
      },
    );
    await assertWithSeed(property, 5);
  });
});
