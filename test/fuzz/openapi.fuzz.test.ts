import { randomInt } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPasswordHasher } from "../../src/lib/passwords.ts";
import { randomIp } from "../factories/auth.ts";
import { bearer } from "../factories/users.ts";
import { createTestApp } from "../helpers/app.ts";
import { capturingLogger, type LogLine } from "../helpers/logs.ts";
import { bounded } from "./bounded.ts";
import { matchOperation, type Operation, operationsOf } from "./openapi.ts";
import { type Actor, fuzzCases, malformedSegment } from "./requests.ts";
import { createResponseChecker } from "./responses.ts";
import { createWorld, type Rendered, render, type World } from "./world.ts";

// FUZZ_RUNS=500 FUZZ_SEED=123 npx vitest run test/fuzz: more cases, or replay a failed run.
const RUNS = Number(process.env.FUZZ_RUNS ?? 50);
const SEED = Number(process.env.FUZZ_SEED ?? randomInt(2 ** 31));
const REQUEST_BOUND_MS = 5_000;
const redisUrl = process.env.TEST_REDIS_URL;

// Warnings and errors only: a failure's message quotes what the server logged for it (the cause
// of a 5xx, such as the SQLSTATE behind a 503), and a long run keeps no access lines.
const serverLog = capturingLogger("warn");
const ctx = await createTestApp({
  env: redisUrl ? { REDIS_URL: redisUrl } : {},
  overrides: {
    // Input handling is under test, not hashing: cheap Argon2 keeps sign-ups and logins fast.
    hasher: createPasswordHasher({ memoryCost: 1_024, timeCost: 1, parallelism: 1 }),
    logger: serverLog.logger,
  },
});
const served = await ctx.app.inject({ method: "GET", url: "/openapi.json" });
const operations = operationsOf(served.json());
const checker = createResponseChecker();

type Figures = { requests: number; statuses: Record<string, number> };
const perOperation = new Map<string, Figures>();
const startedAt = new Date();
const startedCpu = process.cpuUsage();

function count(operation: Operation, status: number): void {
  const figures = perOperation.get(operation.key) ?? { requests: 0, statuses: {} };
  figures.requests += 1;
  figures.statuses[status] = (figures.statuses[status] ?? 0) + 1;
  perOperation.set(operation.key, figures);
}

const show = (request: Rendered) =>
  `${request.method} ${request.url.slice(0, 300)}${request.url.length > 300 ? "…" : ""}`;

/** A write that succeeded may have signed the fixtures out (logout, password change, deletion). */
async function stillUsable(world: World): Promise<boolean> {
  for (const [account, role] of [
    [world.user, "user"],
    [world.admin, "admin"],
  ] as const) {
    const me = await ctx.app.inject({
      method: "GET",
      url: "/api/auth/me",
      headers: bearer(account.accessToken),
    });
    if (me.statusCode !== 200 || me.json().role !== role) return false;
  }
  return true;
}

/** Hands each list a cursor of another list too: a foreign cursor must be a 400, not a 500. */
async function harvestCursors(world: World): Promise<string[]> {
  const cursors: string[] = [];
  for (const operation of operations) {
    const listed = operation.method === "GET" && operation.query.some((p) => p.name === "cursor");
    if (!listed || operation.pathParams.length > 0) continue;
    const response = await ctx.app.inject({
      method: "GET",
      url: `${operation.path}?limit=1`,
      headers: bearer(world.admin.accessToken),
    });
    const next = response.statusCode === 200 ? response.json().nextCursor : null;
    if (typeof next === "string") cursors.push(next);
  }
  return cursors;
}

describe("OpenAPI fuzzer: every documented operation", () => {
  let cursors: string[] = [];
  // Fixtures are shared until a request changes something (a 2xx write), then made anew.
  let shared: World | undefined;
  let dirty = false;

  beforeAll(async () => {
    cursors = await harvestCursors(await createWorld(ctx, []));
  });

  afterAll(async () => {
    const statuses: Record<string, number> = {};
    let requests = 0;
    for (const figures of perOperation.values()) {
      requests += figures.requests;
      for (const [status, n] of Object.entries(figures.statuses)) {
        statuses[status] = (statuses[status] ?? 0) + n;
      }
    }
    mkdirSync("reports", { recursive: true });
    const report = {
      runAt: startedAt.toISOString(),
      durationMs: Date.now() - startedAt.getTime(),
      // CPU of this worker (user + system): steadier than wall time on a busy machine.
      cpuMs: Math.round(
        (process.cpuUsage(startedCpu).user + process.cpuUsage(startedCpu).system) / 1_000,
      ),
      database: process.env.TEST_DATABASE_URL ? "postgresql" : "pglite",
      redis: Boolean(redisUrl),
      seed: SEED,
      runsPerOperation: RUNS,
      operations: operations.length,
      operationsFuzzed: perOperation.size,
      requests,
      statuses,
      operationsWithSuccess: [...perOperation.values()].filter((figures) =>
        Object.keys(figures.statuses).some((status) => status.startsWith("2")),
      ).length,
      perOperation: Object.fromEntries(perOperation),
    };
    writeFileSync("reports/fuzz.json", `${JSON.stringify(report, null, 2)}\n`);
    await ctx.close();
  });

  it("finds operations in the served document", () => {
    expect(operations.length).toBeGreaterThan(10);
    expect(cursors.length).toBeGreaterThan(0);
  });

  it.each(operations.map((operation, index) => [operation.key, operation, index] as const))(
    "%s answers a documented success or a 4xx problem, within bounds",
    async (_key, operation, index) => {
      if (!shared || dirty) shared = await createWorld(ctx, cursors);
      dirty = false;
      let world = shared;
      const seed = (SEED + index * 7_919) % 2 ** 31;
      const property = fc.asyncProperty(fuzzCases(operation), async (fuzzCase) => {
        const request = render(world, operation, fuzzCase);
        const target =
          request.method === operation.method
            ? operation
            : matchOperation(operations, request.method, request.path);
        const status = await sendAndCheck(operation, target, request, fuzzCase.actor);
        const wrote = status < 300 && request.method !== "GET";
        dirty ||= wrote;
        if (wrote && !(await stillUsable(world))) world = await createWorld(ctx, cursors);
      });
      await assertWithSeed(property, RUNS, seed);
    },
    120_000,
  );

  // The router refuses these before any route is chosen, whatever the operation.
  it("answers malformed or over-long path segments with a 4xx problem", async () => {
    const world = await createWorld(ctx, cursors);
    const withIds = operations.filter((operation) => operation.pathParams.length > 0);
    const cases = fc.record({
      key: fc.constantFrom(...withIds.map((operation) => operation.key)),
      segment: malformedSegment,
      actor: fc.constantFrom<Actor>("anonymous", "user"),
    });
    const property = fc.asyncProperty(cases, async ({ key, segment, actor }) => {
      const operation = withIds.find((candidate) => candidate.key === key) as Operation;
      const base = render(world, operation, {
        actor,
        badToken: "",
        method: undefined,
        path: Object.fromEntries(operation.pathParams.map((p) => [p.name, segment])),
        query: [],
        headers: {},
        body: { kind: "none" },
      });
      await sendAndCheck(operation, operation, base, actor);
    });
    await assertWithSeed(property, Math.max(10, Math.round(RUNS / 2)), SEED);
  });
});

/**
 * The lines logged while the request ran: its own and those of no request (a pool, a queue), or
 * all of them when it has no answer to name it.
 */
function serverLines(requestId?: unknown): string {
  const own = (line: LogLine) =>
    requestId === undefined || line.requestId === undefined || line.requestId === requestId;
  const shown = serverLog.lines.filter(own).map((line) => {
    const err = line.err as { code?: unknown; message?: unknown } | undefined;
    const cause = err ? ` [${String(err.code ?? "no code")}] ${String(err.message)}` : "";
    return `\n  server log: ${line.msg}${cause}`.slice(0, 600);
  });
  return shown.join("");
}

/** Sends one request within the time bound, counts it, and throws what the contract breaks. */
async function sendAndCheck(
  counted: Operation,
  target: Operation | undefined,
  request: Rendered,
  actor: Actor,
): Promise<number> {
  serverLog.clear();
  const response = await bounded(
    ctx.app.inject({
      method: request.method as "GET",
      url: request.url,
      headers: request.headers,
      ...(request.payload === undefined ? {} : { payload: request.payload }),
      remoteAddress: randomIp(),
    }),
    show(request),
    REQUEST_BOUND_MS,
  ).catch((error: Error) => {
    error.message += serverLines();
    throw error;
  });
  count(counted, response.statusCode);
  const wrong = checker.check(target, {
    statusCode: response.statusCode,
    headers: response.headers,
    body: response.body,
  });
  if (wrong.length > 0) {
    const problems = wrong.map((line) => `\n  - ${line}`).join("");
    throw new Error(
      `${show(request)} as ${actor} → ${response.statusCode}${problems}\n  body: ${response.body.slice(0, 400)}` +
        serverLines(response.headers["x-request-id"]),
    );
  }
  return response.statusCode;
}

async function assertWithSeed<T>(
  property: fc.IAsyncProperty<T>,
  numRuns: number,
  seed: number,
): Promise<void> {
  try {
    await fc.assert(property, { numRuns, seed });
  } catch (error) {
    (error as Error).message =
      `FUZZ_SEED=${SEED} replays this run (property seed ${seed}).\n${(error as Error).message}`;
    throw error;
  }
}
