import rateLimit from "@fastify/rate-limit";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Redis } from "ioredis";
import { ServiceUnavailableError, TooManyRequestsError } from "./errors.ts";
import { RATE_LIMITED } from "./openapi.ts";

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

const NAMESPACE = "stratum:rl:";

// One window per key, as the plugin's own store counts: the first hit starts it, later hits
// read what is left of it (a key somehow left without expiry gets one again).
const INCR = `
local current = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if current == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {current, ttl}`;
const READ = `
local current = redis.call('GET', KEYS[1])
if not current then return {0, 0} end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then ttl = 0 end
return {tonumber(current), ttl}`;

type Counts = { current: number; ttl: number };
type Callback = (error: Error | null, result?: Counts) => void;
type Scripts = {
  stratumRateLimitIncr(key: string, windowMs: number): Promise<[number, number]>;
  stratumRateLimitRead(key: string): Promise<[number, number]>;
};

function answer(counts: Promise<[number, number]>, callback: Callback): void {
  counts.then(
    ([current, ttl]) => callback(null, { current, ttl }),
    (error: Error) => callback(error),
  );
}

/**
 * A store for the plugin's documented `store` option. Its own Redis store prefixes each key with
 * the route's method and URL, which a limiter made by `createRateLimit` does not have (keys read
 * `stratum:rl:undefinedundefined-…`). Here a key is the namespace and the rule's own key, e.g.
 * `stratum:rl:login-ip:192.0.2.1`, the same for every limiter and every replica.
 */
function namedRedisStore(redis: Redis) {
  if (!("stratumRateLimitIncr" in redis)) {
    redis.defineCommand("stratumRateLimitIncr", { numberOfKeys: 1, lua: INCR });
    redis.defineCommand("stratumRateLimitRead", { numberOfKeys: 1, lua: READ });
  }
  const scripts = redis as unknown as Scripts;
  return class NamedRedisStore {
    incr(key: string, callback: Callback, timeWindow: number): void {
      answer(scripts.stratumRateLimitIncr(NAMESPACE + key, timeWindow), callback);
    }
    read(key: string, callback: Callback): void {
      answer(scripts.stratumRateLimitRead(NAMESPACE + key), callback);
    }
    /** Every limiter shares the one prefix: its keys carry the rule's name (see `checkFor`). */
    child(): NamedRedisStore {
      return this;
    }
  };
}

/**
 * Counters live in process, or in Redis (shared by every replica) when a client is given.
 * Only limiters made with `createRateLimiter`/`createCounter` apply: nothing is global.
 */
export async function registerRateLimit(app: FastifyInstance, redis?: Redis): Promise<void> {
  await app.register(rateLimit, {
    global: false,
    enableDraftSpec: true,
    skipOnError: false,
    cache: LOCAL_CACHE_ENTRIES,
    ...(redis ? { store: namedRedisStore(redis) } : {}),
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
  async function rateLimited(request: FastifyRequest, reply: FastifyReply): Promise<void> {
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
  }
  // Routes that run it document 429 (lib/openapi.ts).
  return Object.assign(rateLimited, { [RATE_LIMITED]: true });
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
