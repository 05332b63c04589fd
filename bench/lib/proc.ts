import { readFileSync } from "node:fs";
import type postgres from "postgres";

/** Linux reports CPU time in clock ticks; 100 per second on every mainstream kernel build. */
const TICKS_PER_SECOND = 100;

/** User + system CPU seconds of a process, all its threads included; undefined once it is gone. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name, which may itself contain spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** Resident set size in bytes; undefined once the process is gone. */
export function rssBytes(pid: number): number | undefined {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

export type Usage = { serverCpuS: number; dbCpuS: number; backends: number; peakRssBytes: number };

/**
 * Samples, while a measurement runs, the server's CPU and RSS and the CPU of the PostgreSQL
 * backends serving it. Backends are found in pg_stat_activity by database and application name;
 * one that appears during the window counts from zero, one that ends counts up to its last
 * sample, so every backend that existed in the window is counted.
 */
export function startUsageSampler(options: {
  pid: number;
  monitor?: postgres.Sql;
  database?: string;
  /** Which backends belong to the measured server. */
  backendFilter?: (applicationName: string) => boolean;
  intervalMs?: number;
}) {
  const { pid, monitor, database } = options;
  const cpuStart = cpuSeconds(pid) ?? 0;
  let cpuLast = cpuStart;
  let peakRss = rssBytes(pid) ?? 0;
  const backends = new Map<number, { first: number; last: number }>();
  let stopped = false;
  let pending: Promise<void> = Promise.resolve();

  async function sampleBackends(initial: boolean) {
    if (!monitor || !database) return;
    const rows = await monitor<{ pid: number; application_name: string }[]>`
      select pid, application_name from pg_stat_activity
      where datname = ${database} and backend_type = 'client backend'`;
    for (const row of rows) {
      if (options.backendFilter && !options.backendFilter(row.application_name)) continue;
      const cpu = cpuSeconds(row.pid);
      if (cpu === undefined) continue;
      const known = backends.get(row.pid);
      if (known) known.last = cpu;
      else backends.set(row.pid, { first: initial ? cpu : 0, last: cpu });
    }
  }

  function sampleServer() {
    cpuLast = cpuSeconds(pid) ?? cpuLast;
    peakRss = Math.max(peakRss, rssBytes(pid) ?? 0);
  }

  const ready = sampleBackends(true);
  const timer = setInterval(() => {
    sampleServer();
    pending = pending.then(() => (stopped ? undefined : sampleBackends(false))).catch(() => {});
  }, options.intervalMs ?? 250);

  return {
    ready,
    async stop(): Promise<Usage> {
      clearInterval(timer);
      await pending;
      sampleServer();
      await sampleBackends(false);
      stopped = true;
      let dbCpu = 0;
      for (const { first, last } of backends.values()) dbCpu += last - first;
      return {
        serverCpuS: cpuLast - cpuStart,
        dbCpuS: dbCpu,
        backends: backends.size,
        peakRssBytes: peakRss,
      };
    },
  };
}
