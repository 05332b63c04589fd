import { mkdir, writeFile } from "node:fs/promises";
import { cpus, loadavg, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import postgres from "postgres";
import { type BenchOptions, parseOptions } from "./lib/args.ts";
import { buildFloor, buildStratum } from "./lib/build.ts";
import { checkGraphql, compareResponses } from "./lib/checks.ts";
import {
  BENCH_DATABASE,
  benchPasswordHash,
  benchUrl,
  preparePglite,
  preparePostgres,
} from "./lib/database.ts";
import type { Monitor } from "./lib/measure.ts";
import { startOtlpSink } from "./lib/otlp-sink.ts";
import { log, runAlone, runGraphql, runParallel, runScenario, type Target } from "./lib/phases.ts";
import { cpuProfFlags, profileScenario, profileStartup } from "./lib/profiling.ts";
import { type Results, renderResults } from "./lib/report.ts";
import { GRAPHQL_SCENARIOS, login, SCENARIOS } from "./lib/scenarios.ts";
import type { Seeded } from "./lib/seed.ts";
import { coldStarts, type ServerSpec, startServer } from "./lib/servers.ts";

const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));
const WORK = "/tmp/stratum-bench";
const JWT_SECRET = "stratum-bench-jwt-secret-not-for-production-0123";
const FLOOR_APP = "stratum-bench-floor";
const MONITOR_APP = "stratum-bench-monitor";

function stratumSpec(env: Record<string, string>, nodeArgs: string[] = []): ServerSpec {
  return {
    name: "Stratum",
    command: process.execPath,
    args: [...nodeArgs, "dist/server.js"],
    cwd: ROOT,
    port: Number(env.PORT),
    logFile: join(WORK, `stratum-${env.PORT}.log`),
    env: {
      NODE_ENV: "production",
      LOG_LEVEL: "info",
      HOST: "127.0.0.1",
      JWT_SECRET,
      // Behind a load balancer, as deployed; the load generator names each client's address.
      TRUST_PROXY: "true",
      APP_URL: `http://127.0.0.1:${env.PORT}`,
      ...env,
    },
  };
}

const specs = (
  options: BenchOptions,
  floorScript: string,
  passwordHash: string,
  tracing: Record<string, string>,
) => ({
  stratum: stratumSpec({
    PORT: "3101",
    DATABASE_URL: benchUrl(options.adminUrl),
    MIGRATE_ON_START: "false",
    ...tracing,
    ...options.stratumEnv,
  }),
  embedded: stratumSpec({
    PORT: "3102",
    DATA_DIR: join(WORK, "embedded"),
    ALLOW_EMBEDDED_IN_PRODUCTION: "true",
    ...tracing,
  }),
  floor: {
    name: "floor",
    command: process.execPath,
    args: [floorScript],
    cwd: ROOT,
    port: 3100,
    logFile: join(WORK, "floor.log"),
    env: {
      NODE_ENV: "production",
      PORT: "3100",
      DATABASE_URL: benchUrl(options.adminUrl),
      JWT_SECRET,
      BENCH_DUMMY_HASH: passwordHash,
    },
  } satisfies ServerSpec,
});

async function machine(monitor: postgres.Sql) {
  const [row] = await monitor<{ server_version: string }[]>`show server_version`;
  return {
    cpus: cpus().length,
    model: cpus()[0]?.model.trim() ?? "unknown CPU",
    memGb: totalmem() / 1024 ** 3,
    node: process.versions.node,
    postgres: `PostgreSQL ${row?.server_version ?? "?"}`,
    load: [loadavg()[0] ?? 0, 0] as [number, number],
  };
}

async function postgresPhase(
  options: BenchOptions,
  s: ReturnType<typeof specs>,
  seeded: Seeded,
  monitor: postgres.Sql,
  results: Results,
) {
  const monitorOf = (filter: (app: string) => boolean): Monitor => ({
    sql: monitor,
    database: BENCH_DATABASE,
    backendFilter: filter,
  });
  const floorServer = await startServer(s.floor);
  const stratumServer = await startServer(s.stratum);
  const stratum: Target = {
    name: "Stratum",
    server: stratumServer,
    monitor: monitorOf((a) => a !== FLOOR_APP && a !== MONITOR_APP),
  };
  const floor: Target = {
    name: "floor",
    server: floorServer,
    monitor: monitorOf((a) => a === FLOOR_APP),
  };
  try {
    await attempt(results, "response comparison", async () => {
      const [a, b] = [
        await login(stratumServer.url, seeded, 1),
        await login(floorServer.url, seeded, 1),
      ];
      results.checks.push(
        ...(await compareResponses(stratumServer.url, floorServer.url, seeded, {
          stratum: a[0] ?? "",
          floor: b[0] ?? "",
        })),
      );
    });
    await attempt(results, "GraphQL check", async () => {
      results.checks.push(...(await checkGraphql(stratumServer.url, seeded)));
    });
    for (const scenario of SCENARIOS.filter((sc) => options.only.has(sc.id))) {
      log(`scenario ${scenario.id}: ${scenario.title}`);
      await attempt(results, `scenario ${scenario.id}`, async () => {
        results.scenarios.push(await runScenario(scenario, [stratum, floor], seeded, options));
      });
    }
    for (const scenario of GRAPHQL_SCENARIOS.filter((sc) => options.only.has(sc.id))) {
      log(`scenario ${scenario.id}: ${scenario.title} against ${scenario.rest}`);
      await attempt(results, `scenario ${scenario.id}`, async () => {
        results.graphql.push(await runGraphql(scenario, stratum, seeded, options));
      });
    }
    if (options.only.has("6")) {
      await attempt(results, "6b", async () => {
        results.parallel.push(await runParallel(stratum, seeded, options));
        results.parallel.push(await runParallel(floor, seeded, options));
      });
    }
  } finally {
    await stratumServer.stop();
    await floorServer.stop();
  }
  if (options.profile) {
    await attempt(results, "profile", async () => {
      const dir = join(WORK, "profile");
      const spec = stratumSpec(s.stratum.env, cpuProfFlags(dir));
      results.profile = await profileScenario(
        options.profile as string,
        spec,
        dir,
        seeded,
        options,
      );
      results.profiled = options.profile as string;
      // The floor speaks no GraphQL: a GraphQL scenario's second profile is Stratum under its
      // REST twin.
      const twin = GRAPHQL_SCENARIOS.find((sc) => sc.id === options.profile)?.rest;
      const floorDir = join(WORK, twin ? "profile-rest" : "profile-floor");
      const floorSpec = twin
        ? stratumSpec(s.stratum.env, cpuProfFlags(floorDir))
        : { ...s.floor, args: [...cpuProfFlags(floorDir), ...s.floor.args] };
      results.floorProfile = await profileScenario(
        twin ?? (options.profile as string),
        floorSpec,
        floorDir,
        seeded,
        options,
      );
      if (twin) results.profiledAgainst = twin;
      const startup = join(WORK, "profile-startup");
      results.startupProfile = await profileStartup(
        stratumSpec(s.stratum.env, cpuProfFlags(startup)),
        startup,
      );
    });
  }
}

/** Runs one part of the bench; a failure is reported in the results instead of ending the run. */
async function attempt(results: Results, name: string, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    const message = (error as Error).message.split("\n")[0];
    log(`${name} failed: ${message}`);
    results.checks.push(`**${name} failed**: ${message}`);
  }
}

async function embeddedPhase(
  options: BenchOptions,
  s: ReturnType<typeof specs>,
  passwordHash: string,
  results: Results,
) {
  log("seeding the embedded (PGlite) data directory");
  const seeded = await preparePglite(s.embedded.env.DATA_DIR as string, passwordHash);
  const server = await startServer(s.embedded);
  try {
    for (const scenario of SCENARIOS.filter((sc) => sc.id === "1" || sc.id === "3")) {
      const rounds = await runAlone(
        scenario,
        { name: "Stratum (PGlite)", server },
        seeded,
        options,
      );
      results.embedded.push({ id: scenario.id, title: scenario.title, rounds });
    }
  } finally {
    await server.stop();
  }
}

async function startsPhase(options: BenchOptions, s: ReturnType<typeof specs>, results: Results) {
  const runs: [string, ServerSpec][] = [
    ["Stratum (PostgreSQL)", s.stratum],
    ["floor (PostgreSQL)", s.floor],
  ];
  if (options.only.has("7")) runs.push(["Stratum (PGlite)", s.embedded]);
  for (const [name, spec] of runs) {
    const samples = await coldStarts(spec, options.starts);
    log(
      `cold start ${name}: ${samples.map((x) => `${Math.round(x.readyMs)} ms / ${Math.round(x.idleRssBytes / 2 ** 20)} MB`).join(", ")}`,
    );
    results.starts.push({ name, samples });
  }
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  await mkdir(WORK, { recursive: true });
  if (options.build) {
    log("building Stratum (npm run build)");
    buildStratum(ROOT);
  }
  const floorScript = await buildFloor(ROOT);
  const passwordHash = await benchPasswordHash();
  const sink = options.tracing ? await startOtlpSink() : undefined;
  const s = specs(
    options,
    floorScript,
    passwordHash,
    sink ? { OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint } : {},
  );
  log(`seeding ${BENCH_DATABASE} on ${new URL(options.adminUrl).host}`);
  const seedStarted = performance.now();
  const seeded = await preparePostgres(options.adminUrl, passwordHash);
  log(`seeded in ${Math.round(performance.now() - seedStarted)} ms`);
  const monitor = postgres(options.adminUrl, {
    max: 1,
    connection: { application_name: MONITOR_APP },
  });
  const results: Results = {
    date: new Date().toISOString(),
    options,
    machine: await machine(monitor),
    scenarios: [],
    graphql: [],
    parallel: [],
    embedded: [],
    starts: [],
    checks: [`seeded ${BENCH_DATABASE} in ${Math.round(performance.now() - seedStarted)} ms`],
  };
  try {
    await postgresPhase(options, s, seeded, monitor, results);
    if (options.only.has("7")) {
      await attempt(results, "embedded mode", () =>
        embeddedPhase(options, s, passwordHash, results),
      );
    }
    if (options.only.has("start")) await startsPhase(options, s, results);
  } finally {
    await monitor.end();
    await sink?.close();
  }
  if (sink) {
    const mb = (sink.stats.bytes / 2 ** 20).toFixed(1);
    results.checks.push(
      `tracing on: Stratum exported ${sink.stats.requests} OTLP/HTTP requests (${mb} MB) to a local receiver`,
    );
  }
  if (results.machine.load) results.machine.load[1] = loadavg()[0] ?? 0;
  const markdown = renderResults(results);
  await writeFile(resolve(ROOT, options.out), markdown);
  await writeFile(join(WORK, "results.json"), JSON.stringify(results, null, 2));
  console.log(markdown);
}

await main();
