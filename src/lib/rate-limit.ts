import rateLimit from "@fastify/rate-limit";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Redis } from "ioredis";
import { ServiceUnavailableError, TooManyRequestsError } from "./errors.ts";

export type RateLimitRule = {
  /** Names the bucket; keys of different rules never collide. */
  name: string;
  max: number;
  windowMs: number;
  /** The bucket a request counts against, or undefined when the rule does not apply to it. */
  key(request: FastifyRequest): string | undefined | Promise<string | undefined>;
};

type Check = ReturnType<FastifyInstance["createRateLimit"]>;
type StoreErrors = "fail-closed" | "fail-open";

// Entries per in-process bucket; the plugin's own default (5,000) is easy to flush.
const LOCAL_CACHE_ENTRIES = 50_000;
type Result = Awaited<ReturnType<Check>>;
type Counted = Extract<Result, { isAllowed: false }>;

/**
 * Counters live in process, or in Redis (shared by every replica) when a client is given.
 * Only limiters made with `createRateLimiter`/`createCounter` apply: nothing is global.
 */
export async function registerRateLimit(app: FastifyInstance, redis?: Redis): Promise<void> {
  await app.register(rateLimit, {
    global: false,
    enableDraftSpec: true,
    skipOnError: false,
    nameSpace: "stratum:rl:",
    cache: LOCAL_CACHE_ENTRIES,
    ...(redis ? { redis } : {}),
  });
}

const unavailable = () =>
  new ServiceUnavailableError("rate_limit_unavailable", {
    detail: "Rate limiting is unavailable, so this request is refused; retry shortly.",
    headers: { "retry-after": "5" },
  });

function headersOf(result: Counted, exceeded: boolean): Record<string, string> {
  const headers: Record<string, string> = {
    "ratelimit-limit": String(result.max),
    "ratelimit-remaining": String(exceeded ? 0 : result.remaining),
    "ratelimit-reset": String(result.ttlInSeconds),
  };
  if (exceeded) headers["retry-after"] = String(Math.max(1, result.ttlInSeconds));
  return headers;
}

const tooMany = (result: Counted) =>
  new TooManyRequestsError("rate_limited", {
    detail: `Too many requests; retry in ${Math.max(1, result.ttlInSeconds)} s.`,
    headers: headersOf(result, true),
  });

function checkFor(
  app: FastifyInstance,
  rule: Omit<RateLimitRule, "key">,
  keys: WeakMap<FastifyRequest, string>,
): Check {
  const options = {
    max: rule.max,
    timeWindow: rule.windowMs,
    cache: LOCAL_CACHE_ENTRIES,
    keyGenerator: (request: FastifyRequest) => `${rule.name}:${keys.get(request)}`,
  };
  return app.createRateLimit(options);
}

/** The store's answer; undefined when it failed and the caller chose to fail open. */
async function run(
  check: Check,
  request: FastifyRequest,
  options: { increment?: boolean; storeErrors?: StoreErrors } = {},
): Promise<Result | undefined> {
  try {
    return await check(request, { increment: options.increment ?? true });
  } catch (error) {
    request.log.error({ err: error }, "rate limit store failed");
    if (options.storeErrors === "fail-open") return undefined;
    throw unavailable();
  }
}

/**
 * A hook that counts the request against every rule that applies (every attempt counts,
 * whatever its outcome) and answers 429 when any bucket is over its limit. The RateLimit-*
 * headers describe the bucket closest to its limit. When the store fails the request is
 * refused with 503 by default: auth fails closed, never open and never with a 500. Routes
 * where availability matters more may pass `storeErrors: "fail-open"` (logged, let through).
 */
export function createRateLimiter(
  app: FastifyInstance,
  rules: RateLimitRule[],
  options: { storeErrors?: StoreErrors } = {},
) {
  const keys = new WeakMap<FastifyRequest, string>();
  const checks = rules.map((rule) => ({ rule, check: checkFor(app, rule, keys) }));
  return async function rateLimited(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    let tightest: Counted | undefined;
    let exceeded: Counted | undefined;
    for (const { rule, check } of checks) {
      const key = await rule.key(request);
      if (key === undefined) continue;
      keys.set(request, key);
      const result = await run(check, request, options);
      if (!result || result.isAllowed) continue;
      if (result.isExceeded) exceeded ??= result;
      if (!tightest || result.remaining < tightest.remaining) tightest = result;
    }
    if (exceeded) throw tooMany(exceeded);
    if (tightest) reply.headers(headersOf(tightest, false));
  };
}

/**
 * A bucket that only some outcomes count against (failed logins per account): `assertOpen`
 * reads it without counting, `hit` counts one. Store failures are 503s.
 */
export function createCounter(app: FastifyInstance, rule: Omit<RateLimitRule, "key">) {
  const keys = new WeakMap<FastifyRequest, string>();
  const check = checkFor(app, rule, keys);
  return {
    async assertOpen(request: FastifyRequest, key: string): Promise<void> {
      keys.set(request, key);
      const result = await run(check, request, { increment: false });
      if (result && !result.isAllowed && result.remaining <= 0) throw tooMany(result);
    },
    async hit(request: FastifyRequest, key: string): Promise<void> {
      keys.set(request, key);
      await run(check, request);
    },
  };
}

/** The client's address as Fastify resolved it (X-Forwarded-For counts only with TRUST_PROXY). */
export const clientIp = (request: FastifyRequest): string => request.ip;
