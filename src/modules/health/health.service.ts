/** A check resolves when its dependency is fine and throws when it is not. */
export type HealthCheck = () => Promise<unknown>;
/** Fields a failing check adds to its entry in the report, besides its error message. */
export type CheckFields = { pending?: number };
export type CheckResult = {
  status: "up" | "down";
  latencyMs: number;
  error?: string;
} & CheckFields;
export type Readiness = { status: "ready" | "not_ready"; checks: Record<string, CheckResult> };

type HealthDeps = {
  checks: Record<string, HealthCheck>;
  lifecycle: { shuttingDown: boolean };
  timeoutMs?: number;
};

/** What a check throws to be reported down with fields of its own. */
export class CheckFailedError extends Error {
  constructor(
    message: string,
    readonly fields: CheckFields,
  ) {
    super(message);
  }
}

/**
 * Down while the database lacks migrations the code expects (every request would fail), with
 * how many are pending. The expected set is fixed for the life of the process and applied
 * migrations are never undone, so once the database has caught up it is not asked again.
 */
export function schemaCheck(
  pendingMigrations: () => Promise<number>,
  message: (pending: number) => string,
): HealthCheck {
  let upToDate = false;
  return async () => {
    if (upToDate) return;
    const pending = await pendingMigrations();
    if (pending > 0) throw new CheckFailedError(message(pending), { pending });
    upToDate = true;
  };
}

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
      ...(error instanceof CheckFailedError ? error.fields : {}),
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
