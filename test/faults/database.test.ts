import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import {
  attempt,
  type Outcome,
  PG_URL,
  postgresControl,
  recordFigure,
  runLoad,
  scratchDatabase,
  startApi,
  waitUntil,
} from "./support.ts";

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function problemType(url: string): Promise<string | null> {
  const response = await fetch(url).catch(() => undefined);
  await response?.arrayBuffer();
  return response?.headers.get("content-type") ?? null;
}

describe.runIf(PG_URL)("database loss", () => {
  afterEach(async () => {
    postgresControl.signalAll("CONT");
    await postgresControl.start();
  });

  it("answers 503 problem+json while PostgreSQL is down and serves again within 2 s", async () => {
    // A request may wait on a dead connection until the handler timeout answers it with 503.
    const server = await startApi({
      DATABASE_URL: await scratchDatabase("dbloss"),
      HANDLER_TIMEOUT_MS: "3000",
    });
    const url = `${server.url}/api/recipes?limit=5`;
    try {
      const during: Outcome[] = [];
      let down = false;
      const load = runLoad(8, 50_000, async () => {
        const sentWhileDown = down;
        const outcome = await attempt(url);
        if (sentWhileDown && down) during.push(outcome);
        await sleep(10);
      });
      await sleep(500);
      postgresControl.stopImmediate();
      down = true;
      await sleep(3_000);
      const contentType = await problemType(url);
      down = false;
      await postgresControl.start();
      const recoveredMs = await waitUntil(async () => (await attempt(url)).status === 200, 15_000);
      load.stop();
      await load.done;

      const statuses = new Set(during.map((o) => o.status));
      const p99 = percentile(
        during.map((o) => o.ms),
        99,
      );
      const health = await attempt(`${server.url}/health/live`);
      recordFigure(
        "3a. PostgreSQL stopped for 3 s under load",
        "`pg_ctl stop -m immediate` while 8 clients read; restart; HANDLER_TIMEOUT_MS=3000",
        `${during.length} requests during the outage: statuses ${[...statuses].join("/")}, p99 ${p99.toFixed(0)} ms; served again ${recoveredMs} ms after PostgreSQL answered`,
        [...statuses].every((s) => s === 503) && p99 <= 3_500 && recoveredMs <= 2_000,
      );
      expect(during.length).toBeGreaterThan(0);
      expect([...statuses]).toEqual([503]);
      expect(contentType).toMatch(/application\/problem\+json/);
      expect(p99).toBeLessThanOrEqual(3_500);
      expect(recoveredMs).toBeLessThanOrEqual(2_000);
      expect(health.status).toBe(200);
    } finally {
      server.child.kill("SIGTERM");
      await server.exited;
    }
  });

  it("answers 503 within the timeout when PostgreSQL hangs (SIGSTOP)", async () => {
    const server = await startApi({
      DATABASE_URL: await scratchDatabase("dbhang"),
      HANDLER_TIMEOUT_MS: "2000",
      DB_STATEMENT_TIMEOUT_MS: "1500",
    });
    const url = `${server.url}/api/recipes?limit=5`;
    try {
      expect((await attempt(url)).status).toBe(200);
      postgresControl.signalAll("STOP");
      const outcomes = await Promise.all(Array.from({ length: 8 }, () => attempt(url, {}, 10_000)));
      postgresControl.signalAll("CONT");
      const recoveredMs = await waitUntil(async () => (await attempt(url)).status === 200, 15_000);
      const slowest = Math.max(...outcomes.map((o) => o.ms));
      recordFigure(
        "3b. PostgreSQL hung (SIGSTOP)",
        "every PostgreSQL process stopped with SIGSTOP; HANDLER_TIMEOUT_MS=2000",
        `8/8 requests answered ${[...new Set(outcomes.map((o) => o.status))].join("/")} within ${slowest.toFixed(0)} ms; served again ${recoveredMs} ms after SIGCONT`,
        outcomes.every((o) => o.status === 503) && slowest < 3_000,
      );
      expect(outcomes.map((o) => o.status)).toEqual(Array(8).fill(503));
      expect(slowest).toBeLessThan(3_000);
    } finally {
      postgresControl.signalAll("CONT");
      server.child.kill("SIGTERM");
      await server.exited;
    }
  });
});
