export type HealthCheck = () => Promise<unknown>;
export type CheckResult = { status: "up" | "down"; latencyMs: number; error?: string };
export type Readiness = { status: "ready" | "not_ready"; checks: Record<string, CheckResult> };

type HealthDeps = {
  checks: Record<string, HealthCheck>;
  lifecycle: { shuttingDown: boolean };
  timeoutMs?: number;
};

async function run(check: HealthCheck, timeoutMs: number): Promise<CheckResult> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { status: "up", latencyMs: Math.round((performance.now() - started) * 100) / 100 };
  } catch (error) {
    return {
      status: "down",
      latencyMs: Math.round(performance.now() - started),
      error: error instanceof Error ? error.message : String(error),
    };
  } finally {
    clearTimeout(timer);
  }
}

export function createHealthService({ checks, lifecycle, timeoutMs = 2_000 }: HealthDeps) {
  return {
    async readiness(): Promise<Readiness> {
      const names = Object.keys(checks);
      const results = await Promise.all(
        names.map((name) => run(checks[name] as HealthCheck, timeoutMs)),
      );
      const byName = Object.fromEntries(names.map((name, i) => [name, results[i] as CheckResult]));
      const allUp = results.every((result) => result.status === "up");
      return { status: allUp && !lifecycle.shuttingDown ? "ready" : "not_ready", checks: byName };
    },
  };
}

export type HealthService = ReturnType<typeof createHealthService>;
