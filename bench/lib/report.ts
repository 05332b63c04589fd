import type { BenchOptions } from "./args.ts";
import { type Measurement, medianRatio, summarise } from "./measure.ts";
import type { ProfileSummary } from "./profile.ts";

export type ScenarioRuns = {
  id: string;
  title: string;
  stratum: Measurement[];
  floor: Measurement[];
};
/** A GraphQL scenario and its REST twin, both on Stratum, measured in alternating rounds. */
export type GraphqlRuns = {
  id: string;
  title: string;
  /** The REST scenario it is compared with. */
  rest: string;
  graphql: Measurement[];
  restRuns: Measurement[];
};
export type ParallelRuns = {
  server: string;
  alone: Measurement[];
  reads: Measurement[];
  logins: Measurement[];
};
export type StartRuns = { name: string; samples: { readyMs: number; idleRssBytes: number }[] };
export type Machine = {
  cpus: number;
  model: string;
  memGb: number;
  node: string;
  postgres: string;
  /** 1-minute load averages at the start and the end of the run. */
  load?: [number, number];
};

export type Results = {
  date: string;
  options: BenchOptions;
  machine: Machine;
  scenarios: ScenarioRuns[];
  graphql: GraphqlRuns[];
  parallel: ParallelRuns[];
  embedded: { id: string; title: string; rounds: Measurement[] }[];
  starts: StartRuns[];
  checks: string[];
  profile?: ProfileSummary;
  /** The floor under the same scenario, to compare where each spends its time. */
  floorProfile?: ProfileSummary;
  /** Which scenario the profile ran. */
  profiled?: string;
  /** For a GraphQL scenario: the REST scenario whose Stratum profile stands where the floor's does. */
  profiledAgainst?: string;
  startupProfile?: ProfileSummary;
};

type Target = {
  key: "rps" | "p99Ms" | "serverCpuMsPerReq" | "dbCpuMsPerReq";
  op: ">=" | "<=";
  value: number;
};

const TARGETS: Record<string, Target[]> = {
  "1": [
    { key: "rps", op: ">=", value: 0.85 },
    { key: "serverCpuMsPerReq", op: "<=", value: 1.25 },
    { key: "dbCpuMsPerReq", op: "<=", value: 1.1 },
    { key: "p99Ms", op: "<=", value: 2 },
  ],
  "2": [
    { key: "rps", op: ">=", value: 0.85 },
    { key: "serverCpuMsPerReq", op: "<=", value: 1.25 },
    { key: "dbCpuMsPerReq", op: "<=", value: 1.1 },
  ],
  "3": [
    { key: "rps", op: ">=", value: 0.85 },
    { key: "serverCpuMsPerReq", op: "<=", value: 1.25 },
    { key: "dbCpuMsPerReq", op: "<=", value: 1.1 },
  ],
  "5": [{ key: "rps", op: ">=", value: 0.75 }],
};

const f = (value: number, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : "–");
const int = (value: number) =>
  Number.isFinite(value) ? Math.round(value).toLocaleString("en-US") : "–";
const met = (ok: boolean) => (ok ? "met" : "**missed**");

function ratioCell(runs: ScenarioRuns, key: Target["key"]): string {
  const ratio = medianRatio(runs.stratum, runs.floor, key);
  const target = TARGETS[runs.id]?.find((t) => t.key === key);
  if (!target) return f(ratio);
  const ok = target.op === ">=" ? ratio >= target.value : ratio <= target.value;
  return `${f(ratio)} (${target.op} ${target.value} ${met(ok)})`;
}

function headline(results: Results): string[] {
  if (results.scenarios.length === 0) return [];
  const lines = [
    "## Stratum / floor (median of per-round ratios)",
    "",
    "| # | scenario | req/s | p99 | server CPU/req | DB CPU/req | errors (Stratum / floor) |",
    "|---|---|---|---|---|---|---|",
  ];
  for (const runs of results.scenarios) {
    const errors = `${summarise(runs.stratum).errors} / ${summarise(runs.floor).errors}`;
    lines.push(
      `| ${runs.id} | ${runs.title} | ${ratioCell(runs, "rps")} | ${ratioCell(runs, "p99Ms")} | ${ratioCell(runs, "serverCpuMsPerReq")} | ${ratioCell(runs, "dbCpuMsPerReq")} | ${errors} |`,
    );
  }
  return lines;
}

function detail(results: Results): string[] {
  if (results.scenarios.length === 0) return [];
  const lines = [
    "## Absolute numbers (medians over rounds; noisy on a shared machine)",
    "",
    "| # | server | req/s | p50 ms | p99 ms | errors | server CPU ms/req | DB CPU ms/req | peak RSS MB |",
    "|---|---|---|---|---|---|---|---|---|",
  ];
  for (const runs of results.scenarios) {
    for (const [name, rounds] of [
      ["Stratum", runs.stratum],
      ["floor", runs.floor],
    ] as const) {
      const s = summarise(rounds);
      lines.push(
        `| ${runs.id} | ${name} | ${int(s.rps)} | ${f(s.p50Ms, 1)} | ${f(s.p99Ms, 1)} | ${s.errors} | ${f(s.serverCpuMsPerReq, 3)} | ${f(s.dbCpuMsPerReq, 3)} | ${f(s.peakRssMb, 0)} |`,
      );
    }
  }
  return lines;
}

/** GraphQL / REST on Stratum: what the second door costs on the same work. */
const GRAPHQL_RPS_TARGET = 0.8;

function graphql(results: Results): string[] {
  if (results.graphql.length === 0) return [];
  const lines = [
    "## GraphQL / REST on Stratum (median of per-round ratios)",
    "",
    "Both on the same Stratum server, the GraphQL query selecting every field of the REST answer; rounds alternate as against the floor.",
    "",
    "| # | scenario | vs | req/s | p99 | server CPU/req | DB CPU/req | errors (GraphQL / REST) |",
    "|---|---|---|---|---|---|---|---|",
  ];
  for (const run of results.graphql) {
    const ratio = (key: Target["key"]) => medianRatio(run.graphql, run.restRuns, key);
    const rps = ratio("rps");
    const errors = `${summarise(run.graphql).errors} / ${summarise(run.restRuns).errors}`;
    lines.push(
      `| ${run.id} | ${run.title} | ${run.rest} | ${f(rps)} (>= ${GRAPHQL_RPS_TARGET} ${met(rps >= GRAPHQL_RPS_TARGET)}) | ${f(ratio("p99Ms"))} | ${f(ratio("serverCpuMsPerReq"))} | ${f(ratio("dbCpuMsPerReq"))} | ${errors} |`,
    );
  }
  lines.push(
    "",
    "| # | door | req/s | p50 ms | p99 ms | errors | server CPU ms/req | DB CPU ms/req | peak RSS MB |",
    "|---|---|---|---|---|---|---|---|---|",
  );
  for (const run of results.graphql) {
    for (const [name, rounds] of [
      ["GraphQL", run.graphql],
      [`REST (${run.rest})`, run.restRuns],
    ] as const) {
      const s = summarise(rounds);
      lines.push(
        `| ${run.id} | ${name} | ${int(s.rps)} | ${f(s.p50Ms, 1)} | ${f(s.p99Ms, 1)} | ${s.errors} | ${f(s.serverCpuMsPerReq, 3)} | ${f(s.dbCpuMsPerReq, 3)} | ${f(s.peakRssMb, 0)} |`,
      );
    }
  }
  return ["", ...lines];
}

function parallel(results: Results): string[] {
  if (results.parallel.length === 0) return [];
  const lines = [
    `## 6b: scenario 1 while ${results.options.loginConnections} connections log in`,
    "",
    "Each round measures the reads alone, then the reads with logins beside them; medians over rounds.",
    "",
    "| server | p99 alone ms | p99 with logins ms | ratio | reads req/s | logins req/s | errors |",
    "|---|---|---|---|---|---|---|",
  ];
  for (const run of results.parallel) {
    const alone = summarise(run.alone);
    const reads = summarise(run.reads);
    const logins = summarise(run.logins);
    const ratio = medianRatio(run.reads, run.alone, "p99Ms");
    const verdict = run.server === "Stratum" ? ` (<= 3 ${met(ratio <= 3)})` : "";
    lines.push(
      `| ${run.server} | ${f(alone.p99Ms, 1)} | ${f(reads.p99Ms, 1)} | ${f(ratio)}${verdict} | ${int(reads.rps)} | ${int(logins.rps)} | ${reads.errors + logins.errors} |`,
    );
  }
  return ["", ...lines];
}

function embedded(results: Results): string[] {
  if (results.embedded.length === 0) return [];
  const lines = [
    "## 7: Stratum on embedded PGlite (database work is inside the server process)",
    "",
    "| # | scenario | req/s | p50 ms | p99 ms | errors | server CPU ms/req | peak RSS MB |",
    "|---|---|---|---|---|---|---|---|",
  ];
  for (const run of results.embedded) {
    const s = summarise(run.rounds);
    lines.push(
      `| ${run.id} | ${run.title} | ${int(s.rps)} | ${f(s.p50Ms, 1)} | ${f(s.p99Ms, 1)} | ${s.errors} | ${f(s.serverCpuMsPerReq, 3)} | ${f(s.peakRssMb, 0)} |`,
    );
  }
  return ["", ...lines];
}

function starts(results: Results): string[] {
  if (results.starts.length === 0) return [];
  const median = (values: number[]) =>
    [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
  const lines = [
    `## Cold start to ready and idle RSS (median of ${results.options.starts} starts)`,
    "",
    "| server | spawn → /health/ready 200, ms | idle RSS MB | target |",
    "|---|---|---|---|",
  ];
  for (const run of results.starts) {
    const ready = median(run.samples.map((s) => s.readyMs));
    const rss = median(run.samples.map((s) => s.idleRssBytes)) / 1024 / 1024;
    const target =
      run.name === "Stratum (PostgreSQL)"
        ? `start <= 1500 ms ${met(ready <= 1500)}, RSS <= 120 MB ${met(rss <= 120)}`
        : "";
    lines.push(`| ${run.name} | ${int(ready)} | ${f(rss, 0)} | ${target} |`);
  }
  return ["", ...lines];
}

function profile(title: string, p: ProfileSummary | undefined): string[] {
  if (!p) return [];
  return [
    "",
    `## Profile: ${title} (--cpu-prof, ${int(p.totalMs)} ms of samples, idle excluded)`,
    "",
    "| self time by package | ms | share |",
    "|---|---|---|",
    ...p.packages.map((row) => `| ${row.name} | ${int(row.selfMs)} | ${f(row.share * 100, 1)}% |`),
    "",
    "| top functions by self time | ms | share |",
    "|---|---|---|",
    ...p.functions.map(
      (row) => `| \`${row.name}\` | ${int(row.selfMs)} | ${f(row.share * 100, 1)}% |`,
    ),
  ];
}

export function renderResults(results: Results): string {
  const { options: o, machine: m } = results;
  return [
    "# Stratum benchmark results",
    "",
    `${results.date} · ${m.cpus} × ${m.model} · ${f(m.memGb, 1)} GB RAM · Node ${m.node} · ${m.postgres}`,
    "",
    ...(m.load
      ? [
          `1-minute load average: ${f(m.load[0], 1)} at the start, ${f(m.load[1], 1)} at the end.`,
          "",
        ]
      : []),
    `${o.connections} connections, ${o.warmupS} s warm-up, ${o.rounds} rounds × ${o.durationS} s per scenario and server, production mode with info logging. Generated by \`npm run bench\`; see bench/README.md for how to read it.`,
    "",
    ...(Object.keys(o.stratumEnv ?? {}).length > 0
      ? [
          `Stratum ran with ${Object.entries(o.stratumEnv)
            .map(([key, value]) => `\`${key}=${value}\``)
            .join(", ")} (\`--stratum-env\`).`,
          "",
        ]
      : []),
    "Ratios are the headline: both servers ran on the same machine, in alternating order, minutes apart. CPU per request comes from /proc and is the steadier measure on a shared machine.",
    "",
    ...headline(results),
    ...graphql(results),
    ...parallel(results),
    "",
    ...detail(results),
    ...embedded(results),
    ...starts(results),
    ...profile(
      `Stratum during scenario ${results.profiled ?? "1"}, after warm-up`,
      results.profile,
    ),
    ...profile(
      results.profiledAgainst
        ? `Stratum during REST scenario ${results.profiledAgainst}, after warm-up`
        : `floor during scenario ${results.profiled ?? "1"}, after warm-up`,
      results.floorProfile,
    ),
    ...profile("Stratum start-up, spawn to ready", results.startupProfile),
    ...(results.checks.length ? ["", "## Checks", "", ...results.checks.map((c) => `- ${c}`)] : []),
    "",
  ].join("\n");
}
