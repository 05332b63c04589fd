import type { BenchOptions } from "./args.ts";
import type { DriverRequest } from "./driver.ts";
import { runLoad } from "./load.ts";
import { type Measurement, type Monitor, measure } from "./measure.ts";
import type { GraphqlRuns, ParallelRuns, ScenarioRuns } from "./report.ts";
import {
  type GraphqlScenario,
  login,
  loginRequests,
  SCENARIOS,
  type Scenario,
} from "./scenarios.ts";
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

type Side = { target: Target; requests: DriverRequest[] };

/** Warm-up, then rounds in which the two sides take turns (the order flips every round). */
async function runPair(
  id: string,
  sides: [Side, Side],
  options: BenchOptions,
): Promise<[Measurement[], Measurement[]]> {
  for (const side of sides) {
    await runLoad({
      url: side.target.server.url,
      connections: options.connections,
      durationS: options.warmupS,
      requests: side.requests,
    });
  }
  const runs = new Map<Side, Measurement[]>(sides.map((side) => [side, []]));
  for (let round = 0; round < options.rounds; round++) {
    const order = round % 2 === 0 ? sides : [sides[1], sides[0]];
    for (const side of order) {
      const m = await measure(
        side.target.server,
        {
          connections: options.connections,
          durationS: options.durationS,
          requests: side.requests,
        },
        side.target.monitor,
      );
      log(`${id} round ${round + 1} ${side.target.name}: ${describe(m)}`);
      runs.get(side)?.push(m);
    }
  }
  return [runs.get(sides[0]) as Measurement[], runs.get(sides[1]) as Measurement[]];
}

/** A scenario on Stratum and on the floor. */
export async function runScenario(
  scenario: Scenario,
  targets: [Target, Target],
  seeded: Seeded,
  options: BenchOptions,
): Promise<ScenarioRuns> {
  const sides: [Side, Side] = [
    { target: targets[0], requests: await requestsFor(scenario, targets[0], seeded) },
    { target: targets[1], requests: await requestsFor(scenario, targets[1], seeded) },
  ];
  const [stratum, floor] = await runPair(scenario.id, sides, options);
  return { id: scenario.id, title: scenario.title, stratum, floor };
}

/**
 * A GraphQL scenario and the REST scenario doing the same work, both on Stratum, rounds taking
 * turns as against the floor.
 */
export async function runGraphql(
  scenario: GraphqlScenario,
  stratum: Target,
  seeded: Seeded,
  options: BenchOptions,
): Promise<GraphqlRuns> {
  const rest = SCENARIOS.find((sc) => sc.id === scenario.rest) as Scenario;
  const sides: [Side, Side] = [
    {
      target: { ...stratum, name: `${stratum.name} GraphQL` },
      requests: scenario.requests({ seeded, tokens: [] }),
    },
    {
      target: { ...stratum, name: `${stratum.name} REST (${rest.id})` },
      requests: await requestsFor(rest, stratum, seeded),
    },
  ];
  const [graphql, restRuns] = await runPair(scenario.id, sides, options);
  return { id: scenario.id, title: scenario.title, rest: rest.id, graphql, restRuns };
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
