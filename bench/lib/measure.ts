import type postgres from "postgres";
import type { DriverConfig, DriverResult } from "./driver.ts";
import { runLoad } from "./load.ts";
import { startUsageSampler } from "./proc.ts";
import type { RunningServer } from "./servers.ts";

export type Measurement = DriverResult & {
  serverCpuMsPerReq: number;
  dbCpuMsPerReq: number;
  backends: number;
  peakRssMb: number;
};

export type Monitor = {
  sql: postgres.Sql;
  database: string;
  backendFilter: (applicationName: string) => boolean;
};

/** One measured load window: the load generator's view plus the server's and database's CPU. */
export async function measure(
  server: RunningServer,
  config: Omit<DriverConfig, "url">,
  monitor?: Monitor,
): Promise<Measurement> {
  const sampler = startUsageSampler({
    pid: server.pid,
    monitor: monitor?.sql,
    database: monitor?.database,
    backendFilter: monitor?.backendFilter,
  });
  await sampler.ready;
  const result = await runLoad({ ...config, url: server.url });
  const usage = await sampler.stop();
  const perRequest = (seconds: number) =>
    result.requests > 0 ? (seconds * 1000) / result.requests : Number.NaN;
  return {
    ...result,
    serverCpuMsPerReq: perRequest(usage.serverCpuS),
    dbCpuMsPerReq: monitor ? perRequest(usage.dbCpuS) : Number.NaN,
    backends: usage.backends,
    peakRssMb: usage.peakRssBytes / 1024 / 1024,
  };
}

export function median(values: number[]): number {
  const sorted = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

export type Summary = {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  serverCpuMsPerReq: number;
  dbCpuMsPerReq: number;
  peakRssMb: number;
};

/** Medians over rounds; errors are summed, since any error matters. */
export function summarise(rounds: Measurement[]): Summary {
  const of = (key: keyof Summary) => median(rounds.map((round) => round[key] as number));
  return {
    rps: of("rps"),
    p50Ms: of("p50Ms"),
    p99Ms: of("p99Ms"),
    errors: rounds.reduce((sum, round) => sum + round.errors, 0),
    serverCpuMsPerReq: of("serverCpuMsPerReq"),
    dbCpuMsPerReq: of("dbCpuMsPerReq"),
    peakRssMb: Math.max(...rounds.map((round) => round.peakRssMb)),
  };
}

/** Median of the per-round ratios a/b: each round's two runs were measured back to back. */
export function medianRatio(a: Measurement[], b: Measurement[], key: keyof Summary): number {
  return median(
    a.map((round, i) => (round[key] as number) / ((b[i]?.[key] as number) ?? Number.NaN)),
  );
}
