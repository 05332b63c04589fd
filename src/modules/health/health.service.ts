/** A check resolves when its dependency is fine and throws when it is not. */
export type HealthCheck = () => Promise<unknown>;
/** Fields a failing check adds to its entry in the report, besides its error message. */
export type CheckFields = { pending?: number };
export type CheckResult = {
  status: "up" | "down";
  latencyMs: number;
  error?: string;
} & CheckFields;
/** Something an operator should look at that does not make the process unready. */
export type ReadinessWarning = { queue: string; oldestQueuedAgeSeconds: number };
export type Readiness = {
  status: "ready" | "not_ready";
  checks: Record<string, CheckResult>;
  warnings?: ReadinessWarning[];
};

type HealthDeps = {
  checks: Record<string, HealthCheck>;
  lifecycle: { shuttingDown: boolean };
  timeoutMs?: number;
  warnings?: () => Promise<ReadinessWarning[]>;
};

/** What a check throws to be reported down with fields of its own. */
export class CheckFailedError extends Error {
  readonly fields: CheckFields;

  constructor(message: string, fields: CheckFields) {
    super(message);
    this.fields = fields;
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

/** Warnings never fail readiness: when they cannot be read, the checks say why. */
async function readWarnings(
  warnings: HealthDeps["warnings"],
  timeoutMs: number,
): Promise<ReadinessWarning[] | undefined> {
  if (!warnings) return undefined;
  let found: ReadinessWarning[] = [];
  const result = await run(async () => {
    found = await warnings();
  }, timeoutMs);
  return result.status === "up" ? found : [];
}

export function createHealthService({
  checks,
  lifecycle,
  timeoutMs = 2_000,
  warnings,
}: HealthDeps) {
  return {
    async readiness(): Promise<Readiness> {
      const names = Object.keys(checks);
      const pendingWarnings = readWarnings(warnings, timeoutMs);
      const results = await Promise.all(
        names.map((name) => run(checks[name] as HealthCheck, timeoutMs)),
      );
      const byName = Object.fromEntries(names.map((name, i) => [name, results[i] as CheckResult]));
      const allUp = results.every((result) => result.status === "up");
      const status = allUp && !lifecycle.shuttingDown ? "ready" : "not_ready";
      const found = await pendingWarnings;
      return { status, checks: byName, ...(found ? { warnings: found } : {}) };
    },
  };
}

export type HealthService = ReturnType<typeof createHealthService>;
