import { rm } from "node:fs/promises";
import type { BenchOptions } from "./args.ts";
import { runLoad } from "./load.ts";
import { log } from "./phases.ts";
import { summariseProfiles } from "./profile.ts";
import { GRAPHQL_SCENARIOS, login, SCENARIOS } from "./scenarios.ts";
import type { Seeded } from "./seed.ts";
import { type ServerSpec, startServer } from "./servers.ts";

/** Node flags that write a CPU profile into `dir` when the process exits. */
export const cpuProfFlags = (dir: string) => ["--cpu-prof", `--cpu-prof-dir=${dir}`];

/**
 * Runs a scenario against a server started with `cpuProfFlags(dir)` and summarises the profile,
 * leaving out start-up and warm-up.
 */
export async function profileScenario(
  id: string,
  spec: ServerSpec,
  dir: string,
  seeded: Seeded,
  options: BenchOptions,
) {
  await rm(dir, { recursive: true, force: true });
  const scenario =
    SCENARIOS.find((candidate) => candidate.id === id) ??
    GRAPHQL_SCENARIOS.map((graphql) => ({ ...graphql, needsTokens: false })).find(
      (candidate) => candidate.id === id,
    );
  if (!scenario) throw new Error(`no scenario ${id}`);
  const server = await startServer(spec);
  let skipMs = 0;
  try {
    const tokens = scenario.needsTokens ? await login(server.url, seeded) : [];
    const requests = scenario.requests({ seeded, tokens });
    const load = { url: server.url, connections: options.connections, requests };
    await runLoad({ ...load, durationS: options.warmupS });
    skipMs = performance.now() - server.startedAt;
    const m = await runLoad({ ...load, durationS: options.durationS });
    log(`profiled scenario ${id}: ${Math.round(m.rps)} req/s, ${m.errors} errors`);
  } finally {
    await server.stop();
  }
  log(`profile written to ${dir}`);
  return summariseProfiles(dir, { fromMs: skipMs });
}

/** Where start-up time goes: a profile from spawn to the first 200 from /health/ready. */
export async function profileStartup(spec: ServerSpec, dir: string) {
  await rm(dir, { recursive: true, force: true });
  const server = await startServer(spec);
  await server.stop();
  return summariseProfiles(dir, { fromMs: 0, toMs: server.readyMs }, 20);
}
