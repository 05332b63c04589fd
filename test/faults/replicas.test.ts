import { describe, expect, it } from "vitest";
import { randomIp } from "../factories/auth.ts";
import {
  attempt,
  PG_URL,
  REDIS_URL,
  recordFigure,
  register,
  scratchDatabase,
  startApi,
} from "./support.ts";

describe.runIf(PG_URL && REDIS_URL)("two replicas on one PostgreSQL and Redis", () => {
  it("share the login rate limit and revocations", async () => {
    const env = {
      DATABASE_URL: await scratchDatabase("replicas"),
      REDIS_URL: REDIS_URL as string,
      TRUST_PROXY: "true",
    };
    const a = await startApi(env);
    const b = await startApi({ ...env, MIGRATE_ON_START: "false" });
    try {
      const ip = randomIp();
      const statuses: (number | null)[] = [];
      for (let i = 0; i < 12; i++) {
        const target = i % 2 === 0 ? a : b;
        const outcome = await attempt(`${target.url}/api/auth/login`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-forwarded-for": ip },
          body: JSON.stringify({
            email: `nobody${i}@example.com`,
            password: "wrong password here",
          }),
        });
        statuses.push(outcome.status);
      }
      const allowed = statuses.filter((s) => s === 401).length;

      const user = await register(a.url, "replica");
      const auth = { authorization: `Bearer ${user.accessToken}` };
      const before = await attempt(`${b.url}/api/auth/me`, { headers: auth });
      const logout = await attempt(`${a.url}/api/auth/logout`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: "{}",
      });
      const afterOnB = await attempt(`${b.url}/api/auth/me`, { headers: auth });

      recordFigure(
        "6. Two replicas",
        "two API processes on one PostgreSQL + Redis; 12 failed logins from one IP alternating between them; logout on one",
        `${allowed} of 12 logins allowed before 429 (limit 10 per IP); token after logout on A: ${afterOnB.status} on B`,
        allowed === 10 && afterOnB.status === 401,
      );
      expect(allowed).toBe(10);
      expect(statuses.slice(10)).toEqual([429, 429]);
      expect(before.status).toBe(200);
      expect(logout.status).toBe(204);
      expect(afterOnB.status).toBe(401);
    } finally {
      a.child.kill("SIGTERM");
      b.child.kill("SIGTERM");
      await Promise.all([a.exited, b.exited]);
    }
  });
});
