import type { Redis } from "ioredis";
import type { Logger } from "./logger.ts";

/**
 * A client that fails fast: with ioredis' defaults a dead Redis made requests hang for over
 * 30 s; without an offline queue and with short timeouts errors arrive in milliseconds.
 * ioredis is loaded only when Redis is configured.
 */
export async function createRedis(url: string, logger: Logger): Promise<Redis> {
  const { Redis } = await import("ioredis");
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 500,
    commandTimeout: 250,
    lazyConnect: false,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
  let reported = false;
  redis.on("error", (error) => {
    // One line per outage, not one per reconnect attempt.
    if (!reported) logger.error({ err: error }, "redis unavailable");
    reported = true;
  });
  redis.on("ready", () => {
    if (reported) logger.info("redis available again");
    reported = false;
  });
  return redis;
}

/** The readiness check: fails fast (see the client's timeouts) when Redis does not answer. */
export async function pingRedis(redis: Redis): Promise<void> {
  const answer = await redis.ping();
  if (answer !== "PONG") throw new Error(`unexpected PING answer: ${answer}`);
}

export async function closeRedis(redis: Redis): Promise<void> {
  try {
    await redis.quit();
  } catch {
    redis.disconnect();
  }
}
