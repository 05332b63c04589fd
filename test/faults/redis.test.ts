import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { randomIp } from "../factories/auth.ts";
import {
  attempt,
  PG_URL,
  REDIS_URL,
  recordFigure,
  redisControl,
  register,
  scratchDatabase,
  startApi,
  waitUntil,
} from "./support.ts";

function login(baseUrl: string, ip: string, email: string) {
  return attempt(`${baseUrl}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-for": ip },
    body: JSON.stringify({ email, password: "not the password at all" }),
  });
}

describe.runIf(PG_URL && REDIS_URL)("Redis loss", () => {
  afterEach(() => redisControl.start());

  it("fails auth routes closed with fast 503s, keeps other routes up, and resumes shared limits", async () => {
    const server = await startApi({
      DATABASE_URL: await scratchDatabase("redisloss"),
      REDIS_URL: REDIS_URL as string,
      TRUST_PROXY: "true",
    });
    try {
      const user = await register(server.url, "redisloss");
      redisControl.stop();
      await sleep(300);
      const logins = [];
      for (let i = 0; i < 20; i++) logins.push(await login(server.url, randomIp(), user.email));
      const reads = await Promise.all(
        Array.from({ length: 10 }, () => attempt(`${server.url}/api/recipes?limit=5`)),
      );
      const slowest = Math.max(...logins.map((o) => o.ms));

      await redisControl.start();
      const ip = randomIp();
      await waitUntil(
        async () => (await login(server.url, randomIp(), "warmup@example.com")).status === 401,
        15_000,
      );
      const after = [];
      for (let i = 0; i < 6; i++) after.push((await login(server.url, ip, user.email)).status);

      recordFigure(
        "4. Redis stopped",
        "`redis-cli shutdown` with REDIS_URL set; 20 logins and 10 reads during the outage; restart",
        `logins: ${[...new Set(logins.map((o) => o.status))].join("/")} (slowest ${slowest.toFixed(0)} ms); reads: ${[...new Set(reads.map((o) => o.status))].join("/")}; after restart the 6th login of one email got ${after[5]}`,
        logins.every((o) => o.status === 503) && slowest < 1_000 && after[5] === 429,
      );
      expect(logins.map((o) => o.status)).toEqual(Array(20).fill(503));
      expect(slowest).toBeLessThan(1_000);
      expect(reads.map((o) => o.status)).toEqual(Array(10).fill(200));
      expect(after).toEqual([401, 401, 401, 401, 401, 429]);
    } finally {
      server.child.kill("SIGTERM");
      await server.exited;
    }
  });
});
