import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import {
  attempt,
  type Outcome,
  PG_URL,
  recordFigure,
  runLoad,
  scratchDatabase,
  startApi,
} from "./support.ts";

/**
 * The clients stand behind a balancer that checks /health/ready every 100 ms and stops routing to
 * the instance once it fails, as a load balancer or Kubernetes does. SHUTDOWN_DRAIN_MS (500 ms)
 * must cover that interval: the instance keeps serving until the balancer has moved away.
 */
describe.runIf(PG_URL)("SIGTERM under load", () => {
  it("finishes in-flight requests, serves through the drain, resets nothing, exits 0", async () => {
    const server = await startApi({
      DATABASE_URL: await scratchDatabase("sigterm"),
      SHUTDOWN_DRAIN_MS: "500",
    });
    let routable = true;
    const checks = setInterval(async () => {
      if ((await attempt(`${server.url}/health/ready`, {}, 1_000)).status !== 200) routable = false;
    }, 100);
    const outcomes: (Outcome & { afterSignal: boolean })[] = [];
    let signalled = false;
    const load = runLoad(16, 20_000, async () => {
      if (!routable) return load.stop();
      const sentAfterSignal = signalled;
      const outcome = await attempt(`${server.url}/api/recipes?limit=20`);
      outcomes.push({ ...outcome, afterSignal: sentAfterSignal });
    });
    await sleep(1_500);
    signalled = true;
    server.child.kill("SIGTERM");
    const exitCode = await server.exited;
    clearInterval(checks);
    load.stop();
    await load.done;

    const resets = outcomes.filter((o) => o.error);
    const served = outcomes.filter((o) => o.status === 200);
    const servedAfterSignal = served.filter((o) => o.afterSignal).length;
    const other = outcomes.filter((o) => o.status !== null && o.status !== 200 && o.status !== 503);
    recordFigure(
      "2. SIGTERM under load",
      "SIGTERM to the API while 16 keep-alive clients read through a balancer polling readiness every 100 ms; SHUTDOWN_DRAIN_MS=500",
      `${served.length} served (${servedAfterSignal} after the signal), ${outcomes.length - served.length - resets.length} answered 503, ${resets.length} connection errors, exit code ${exitCode}`,
      resets.length === 0 && exitCode === 0 && other.length === 0 && servedAfterSignal > 0,
    );
    expect(servedAfterSignal).toBeGreaterThan(0);
    expect(resets).toEqual([]);
    expect(other).toEqual([]);
    expect(exitCode).toBe(0);
  });
});
