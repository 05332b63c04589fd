import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { type Agent, request } from "node:http";
import { loadavg } from "node:os";
import { dirname } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { expect } from "vitest";
import type { TestContext } from "../helpers/app.ts";

export const LIMITS_FILE = "reports/limits.json";

/** Merges one test's figures into reports/limits.json (files in other workers write it too). */
export async function recordLimits(key: string, figures: Record<string, unknown>): Promise<void> {
  mkdirSync(dirname(LIMITS_FILE), { recursive: true });
  const lock = `${LIMITS_FILE}.lock`;
  for (let attempt = 0; ; attempt++) {
    try {
      closeSync(openSync(lock, "wx"));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST" || attempt > 100) throw error;
      await sleep(20);
    }
  }
  try {
    let all: Record<string, unknown> = {};
    try {
      all = JSON.parse(readFileSync(LIMITS_FILE, "utf8"));
    } catch {
      // first figure of the run, or a file some other run left half-written
    }
    // How busy the machine was: the times depend on it.
    all[key] = {
      ...figures,
      loadAverage1m: round(loadavg()[0] ?? 0, 2),
      at: new Date().toISOString(),
    };
    writeFileSync(LIMITS_FILE, `${JSON.stringify(all, null, 2)}\n`);
  } finally {
    rmSync(lock, { force: true });
  }
}

/** The environment of a limits test: with TEST_REDIS_URL set, rate limits live in Redis. */
export function limitsEnv(env: Record<string, string> = {}): Record<string, string> {
  const redis = process.env.TEST_REDIS_URL;
  return { ...(redis ? { REDIS_URL: redis } : {}), ...env };
}

/** Starts the test app on a real loopback port (the timeouts of http.Server apply there only). */
export async function listen(ctx: TestContext): Promise<{ port: number; url: string }> {
  const url = await ctx.app.listen({ host: "127.0.0.1", port: 0 });
  return { port: Number(new URL(url).port), url };
}

export type Answer = { status: number; headers: Record<string, unknown>; body: string; ms: number };

/** One request over a real socket; `chunks` sends the body with chunked encoding instead. */
export function send(
  port: number,
  options: {
    method?: string;
    path: string;
    headers?: Record<string, string | number>;
    body?: string | Buffer;
    chunks?: Buffer[];
    agent?: Agent;
  },
): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        method: options.method ?? "GET",
        path: options.path,
        headers: options.headers,
        agent: options.agent ?? false,
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on("data", (part) => parts.push(part));
        res.on("error", reject);
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(parts).toString("utf8"),
            ms: performance.now() - started,
          }),
        );
      },
    );
    req.on("error", reject);
    if (options.chunks) {
      for (const chunk of options.chunks) req.write(chunk);
      req.end();
    } else {
      req.end(options.body);
    }
  });
}

/** Asserts an RFC 9457 answer with this status (and code, when given). */
export function expectProblem(
  answer: Pick<Answer, "status" | "headers" | "body">,
  status: number,
  code?: string,
) {
  expect(answer.status, answer.body.slice(0, 300)).toBe(status);
  expect(String(answer.headers["content-type"])).toMatch(/^application\/problem\+json/);
  const problem = JSON.parse(answer.body);
  expect(problem.status).toBe(status);
  // Also the answers given before any route, by Fastify's router or Node's HTTP parser.
  expect(answer.headers["x-request-id"]).toBeTruthy();
  expect(problem.requestId).toBe(answer.headers["x-request-id"]);
  if (code) expect(problem.code).toBe(code);
  return problem;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

export const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;
