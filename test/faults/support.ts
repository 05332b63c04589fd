import { appendFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { recipeBody as factoryRecipeBody } from "../factories/recipes.ts";
import { createScratchPostgres } from "../helpers/database.ts";
import { startServer } from "../helpers/process.ts";

export { postgresControl, redisControl, waitUntil } from "./services.ts";

export const PG_URL = process.env.TEST_DATABASE_URL;
export const REDIS_URL = process.env.TEST_REDIS_URL;
export const JWT_SECRET = "fault-test-secret-that-is-long-enough-1234";
export const RESULTS_FILE = "reports/faults.jsonl";

/** Appends one figure to the run's results; `npm run test:faults` turns them into docs. */
export function recordFigure(test: string, injects: string, figure: string, pass: boolean): void {
  mkdirSync(dirname(RESULTS_FILE), { recursive: true });
  appendFileSync(
    RESULTS_FILE,
    `${JSON.stringify({ test, injects, figure, pass, at: new Date().toISOString() })}\n`,
  );
}

export async function scratchDatabase(label: string): Promise<string> {
  if (!PG_URL) throw new Error("TEST_DATABASE_URL is required for fault tests");
  return createScratchPostgres(PG_URL, label);
}

/** The API as a real process on PostgreSQL (migrating on start) with production-like settings. */
export function startApi(env: Record<string, string>) {
  return startServer({
    JWT_SECRET,
    MIGRATE_ON_START: "true",
    // "Server listening" is an info line; request lines are info too, as in production.
    LOG_LEVEL: "info",
    WORKER_MODE: "off",
    ...env,
  });
}

export type Outcome = { status: number | null; error?: string; ms: number };

/** One request with a hard client-side deadline; never throws. */
export async function attempt(
  url: string,
  init: RequestInit = {},
  timeoutMs = 10_000,
): Promise<Outcome> {
  const started = performance.now();
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    await response.arrayBuffer();
    return { status: response.status, ms: performance.now() - started };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    const name = cause?.code ?? (error as Error).name;
    return { status: null, error: name, ms: performance.now() - started };
  }
}

export async function register(
  baseUrl: string,
  label: string,
): Promise<{ accessToken: string; email: string; password: string }> {
  const email = `${label}-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`;
  const password = "correct horse battery staple";
  const response = await fetch(`${baseUrl}/api/auth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password, name: label }),
  });
  if (response.status !== 201)
    throw new Error(`register failed: ${response.status} ${await response.text()}`);
  const body = (await response.json()) as { accessToken: string };
  return { accessToken: body.accessToken, email, password };
}

/** A valid recipe to create, as JSON, numbered so writes can be told apart. */
export function recipeBody(index: number): string {
  return JSON.stringify(factoryRecipeBody({ title: `Fault test soup ${index}` }));
}

/**
 * Runs `workers` loops until `stop()` is called or `maxRequests` were sent, each calling `once`.
 * Bounded in count and time, as every load here must be.
 */
export function runLoad(workers: number, maxRequests: number, once: (i: number) => Promise<void>) {
  let stopped = false;
  let sent = 0;
  const loops = Array.from({ length: workers }, async () => {
    while (!stopped && sent < maxRequests) {
      const index = sent++;
      await once(index);
    }
  });
  return {
    stop() {
      stopped = true;
    },
    done: Promise.all(loops),
  };
}
