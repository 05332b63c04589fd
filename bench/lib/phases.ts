import type { BenchOptions } from "./args.ts";
import type { DriverRequest } from "./driver.ts";
import { runLoad } from "./load.ts";
import { type Measurement, type Monitor, measure } from "./measure.ts";
import type { ParallelRuns, ScenarioRuns } from "./report.ts";
import { login, loginRequests, SCENARIOS, type Scenario } from "./scenarios.ts";
import type { Seeded } from "./seed.ts";
import type { RunningServer } from "./servers.ts";

export type Target = { name: string; server: RunningServer; monitor?: Monitor };

const log = (message: string) =>
  console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);

export { log };

function describe(m: Measurement): string {
  return (
    `${Math.round(m.rps)} req/s, p99 ${m.p99Ms} ms, ${m.errors} errors, ` +
    `server ${m.serverCpuMsPerReq.toFixed(3)} ms/req, db ${m.dbCpuMsPerReq.toFixed(3)} ms/req`
  );
}

async function requestsFor(scenario: Scenario, target: Target, seeded: Seeded) {
  const tokens = scenario.needsTokens ? await login(target.server.url, seeded) : [];
  return scenario.requests({ seeded, tokens });
}

/** Warm-up, then rounds in which the targets take turns (the order flips every round). */
export async function runScenario(
  scenario: Scenario,
  targets: [Target, Target],
  seeded: Seeded,
  options: BenchOptions,
): Promise<ScenarioRuns> {
  const requests = new Map<Target, DriverRequest[]>();
  for (const target of targets) {
    requests.set(target, await requestsFor(scenario, target, seeded));
    await runLoad({
      url: target.server.url,
      connections: options.connections,
      durationS: options.warmupS,
      requests: requests.get(target) as DriverRequest[],
    });
  }
  const runs = new Map<Target, Measurement[]>(targets.map((t) => [t, []]));
  for (let round = 0; round < options.rounds; round++) {
    const order = round % 2 === 0 ? targets : [targets[1], targets[0]];
    for (const target of order) {
      const m = await measure(
        target.server,
        {
          connections: options.connections,
          durationS: options.durationS,
          requests: requests.get(target) as DriverRequest[],
        },
        target.monitor,
      );
      log(`${scenario.id} round ${round + 1} ${target.name}: ${describe(m)}`);
      runs.get(target)?.push(m);
    }
  }
  return {
    id: scenario.id,
    title: scenario.title,
    stratum: runs.get(targets[0]) as Measurement[],
    floor: runs.get(targets[1]) as Measurement[],
  };
}

/**
 * 6b: scenario 1's reads while logins run beside them. Each round first measures the reads
 * alone, right before, so that both p99s see the same machine.
 */
export async function runParallel(
  target: Target,
  seeded: Seeded,
  options: BenchOptions,
): Promise<ParallelRuns> {
  const reads = SCENARIOS[0]?.requests({ seeded, tokens: [] }) ?? [];
  const load = { connections: options.connections, durationS: options.durationS, requests: reads };
  const result: ParallelRuns = { server: target.name, alone: [], reads: [], logins: [] };
  for (let round = 0; round < options.rounds; round++) {
    const alone = await measure(target.server, load, target.monitor);
    log(`6b round ${round + 1} ${target.name}: reads alone ${describe(alone)}`);
    result.alone.push(alone);
    const [r, l] = await Promise.all([
      measure(target.server, load, target.monitor),
      runLoad({
        url: target.server.url,
        connections: options.loginConnections,
        durationS: options.durationS,
        requests: loginRequests(seeded),
      }),
    ]);
    log(
      `6b round ${round + 1} ${target.name}: reads ${describe(r)}; logins ${Math.round(l.rps)} req/s, ${l.errors} errors`,
    );
    result.reads.push(r);
    result.logins.push({
      ...l,
      serverCpuMsPerReq: Number.NaN,
      dbCpuMsPerReq: Number.NaN,
      backends: 0,
      peakRssMb: 0,
    });
  }
  return result;
}

/** Scenario rounds against one server with no floor beside it (the embedded mode). */
export async function runAlone(
  scenario: Scenario,
  target: Target,
  seeded: Seeded,
  options: BenchOptions,
): Promise<Measurement[]> {
  const requests = await requestsFor(scenario, target, seeded);
  await runLoad({
    url: target.server.url,
    connections: options.connections,
    durationS: options.warmupS,
    requests,
  });
  const rounds: Measurement[] = [];
  for (let round = 0; round < options.rounds; round++) {
    const m = await measure(target.server, {
      connections: options.connections,
      durationS: options.durationS,
      requests,
    });
    log(`7/${scenario.id} round ${round + 1} ${target.name}: ${describe(m)}`);
    rounds.push(m);
  }
  return rounds;
}
