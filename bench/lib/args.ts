import { parseArgs } from "node:util";

export const SCENARIO_IDS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "start"] as const;
export type ScenarioId = (typeof SCENARIO_IDS)[number];

export type BenchOptions = {
  durationS: number;
  warmupS: number;
  rounds: number;
  connections: number;
  loginConnections: number;
  starts: number;
  only: Set<ScenarioId>;
  build: boolean;
  /** The scenario profiled under --cpu-prof, or null for none. */
  profile: string | null;
  out: string;
  adminUrl: string;
  /** Stratum traces every request to a local OTLP receiver (OTEL_EXPORTER_OTLP_ENDPOINT). */
  tracing: boolean;
  /** Settings added to the Stratum server's environment (`--stratum-env KEY=VALUE`). */
  stratumEnv: Record<string, string>;
};

const HELP = `npm run bench -- [options]
  --duration S           measured seconds per round (8)
  --warmup S             unmeasured seconds before each scenario's rounds (2)
  --rounds N             rounds per scenario and server; medians are reported (3)
  --connections N        concurrent connections of the load generator (50)
  --login-connections N  login connections running beside scenario 1 in 6b (10)
  --starts N             cold starts per server mode (3)
  --only LIST            comma-separated: ${SCENARIO_IDS.join(",")} (all)
  --no-build             use the existing dist/ instead of running npm run build
  --profile N            which scenario (1-5, 8, 9) the extra --cpu-prof run profiles (1);
                         for 8 and 9 the second profile is Stratum under the REST twin
  --no-profile           skip the extra profiled run
  --out FILE             where to write the results (bench/RESULTS.md)
  --tracing              Stratum sends traces to a local OTLP/HTTP receiver that discards them
  --stratum-env K=V      a setting for the Stratum server, e.g. DB_PREPARED_STATEMENTS=false;
                         repeatable
Env: BENCH_DATABASE_URL (postgres://postgres@127.0.0.1:5432/postgres): the server on which
the database stratum_bench is dropped, created and seeded.`;

function positive(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0)
    throw new Error(`--${name} must be a positive number`);
  return number;
}

function setting(text: string): [string, string] {
  const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(text);
  if (!match) throw new Error(`--stratum-env must be KEY=VALUE, got ${text}`);
  return [match[1] as string, match[2] as string];
}

export function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: "string" },
      warmup: { type: "string" },
      rounds: { type: "string" },
      connections: { type: "string" },
      "login-connections": { type: "string" },
      starts: { type: "string" },
      only: { type: "string" },
      "no-build": { type: "boolean" },
      profile: { type: "string" },
      "no-profile": { type: "boolean" },
      out: { type: "string" },
      tracing: { type: "boolean" },
      "stratum-env": { type: "string", multiple: true },
      help: { type: "boolean" },
    },
  });
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  const only = (values.only ?? SCENARIO_IDS.join(",")).split(",").map((id) => id.trim());
  for (const id of only) {
    if (!SCENARIO_IDS.includes(id as ScenarioId)) throw new Error(`--only: unknown scenario ${id}`);
  }
  const profiled = values.profile ?? "1";
  if (!["1", "2", "3", "4", "5", "8", "9"].includes(profiled))
    throw new Error("--profile must be 1 to 5, 8 or 9");
  return {
    durationS: positive("duration", values.duration, 8),
    warmupS: positive("warmup", values.warmup, 2),
    rounds: Math.round(positive("rounds", values.rounds, 3)),
    connections: Math.round(positive("connections", values.connections, 50)),
    loginConnections: Math.round(positive("login-connections", values["login-connections"], 10)),
    starts: Math.round(positive("starts", values.starts, 3)),
    only: new Set(only as ScenarioId[]),
    build: !values["no-build"],
    profile: !values["no-profile"] && only.includes(profiled) ? profiled : null,
    out: values.out ?? "bench/RESULTS.md",
    adminUrl: process.env.BENCH_DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres",
    tracing: values.tracing ?? false,
    stratumEnv: Object.fromEntries((values["stratum-env"] ?? []).map(setting)),
  };
}
