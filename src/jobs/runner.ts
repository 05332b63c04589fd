import { setTimeout as sleep } from "node:timers/promises";
import type { JobWithMetadata, PgBoss } from "pg-boss";
import { ZodError } from "zod";
import type { Database } from "../db/client.ts";
import { AppError } from "../lib/errors.ts";
import type { Logger } from "../lib/logger.ts";
import { runWithRequestId } from "../lib/request-context.ts";
import type { Tracing } from "../lib/tracing.types.ts";
import type { JobBacklog } from "./backlog.ts";
import { inTransaction } from "./boss.ts";
import type { DeadLetters } from "./dead-letters.ts";
import type { AnyJob } from "./define.ts";
import type { JobMetrics } from "./metrics.ts";
import { type JobOrigin, splitOrigin } from "./origin.ts";

type Fetched = JobWithMetadata<unknown>;
type Running = { job: Fetched; done: Promise<void>; released: boolean; startedAt: number };

type RunnerOptions = {
  boss: PgBoss;
  database: Database;
  deadLetters: Pick<DeadLetters, "failForGood">;
  jobs: readonly AnyJob[];
  logger: Logger;
  metrics: JobMetrics;
  backlog: Pick<JobBacklog, "forget">;
  concurrency: number;
  pollIntervalMs: number;
  tracing: Tracing;
};

export type FetchOptions = { ignoreStartAfter?: boolean };

function withTimeout<T>(promise: Promise<T>, ms: number, name: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`job ${name} ran past its expiry (${ms} ms)`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const attemptOf = (job: Fetched) => job.retryCount + 1;

/** Fetches and runs jobs with at most `concurrency` in flight across every queue. */
export function createJobRunner(options: RunnerOptions) {
  const { boss, database, deadLetters, logger, metrics, backlog, concurrency, tracing } = options;
  const byName = new Map(options.jobs.map((job) => [job.name, job]));
  const running = new Map<string, Running>();
  let context: unknown;
  let offset = 0;

  /** What every line about a run says: never the payload, which may carry personal data. */
  function describe(entry: Running) {
    const { id, name, retryCount } = entry.job;
    const durationMs = Math.round((performance.now() - entry.startedAt) * 100) / 100;
    return { job: { id, name, attempt: retryCount + 1 }, durationMs };
  }

  async function finish(entry: Running, error: unknown): Promise<void> {
    const { job } = entry;
    if (entry.released) return;
    if (error === undefined) {
      await boss.complete(job.name, job.id);
      metrics.completed.inc({ name: job.name });
      logger.info(describe(entry), "job completed");
      return;
    }
    const permanent = error instanceof AppError || error instanceof ZodError;
    if (permanent) await deadLetters.failForGood(job, error);
    else await boss.fail(job.name, job.id, error as object);
    const willRetry = !permanent && job.retryCount < job.retryLimit;
    (willRetry ? metrics.retried : metrics.failed).inc({ name: job.name });
    logger[willRetry ? "warn" : "error"](
      { err: error, ...describe(entry) },
      willRetry ? "job failed; will retry" : "job failed for good",
    );
  }

  async function execute(job: Fetched, data: unknown): Promise<void> {
    const definition = byName.get(job.name) as AnyJob;
    const run = { id: job.id, name: job.name, attempt: job.retryCount + 1 };
    const payload = definition.payload.parse(data);
    const expiryMs = Number(job.expireInSeconds) * 1000;
    await withTimeout(definition.handle(payload, context, run), expiryMs, job.name);
  }

  /** The run's span: a child of the span that sent the job, and linked to it. */
  function traced(job: Fetched, payload: unknown, origin: JobOrigin | undefined): Promise<void> {
    const attributes = {
      "messaging.system": "pg-boss",
      "messaging.operation.type": "process",
      "messaging.destination.name": job.name,
      "messaging.message.id": job.id,
      "stratum.job.attempt": attemptOf(job),
      "stratum.request_id": origin?.requestId,
    };
    return tracing.span(
      `process ${job.name}`,
      { kind: "consumer", attributes, remoteParent: origin?.traceparent },
      () => {
        logger.info(
          { job: { id: job.id, name: job.name, attempt: attemptOf(job) } },
          "job started",
        );
        return execute(job, payload);
      },
    );
  }

  function launch(job: Fetched): void {
    const { payload, origin } = splitOrigin(job.data);
    // Every line of the run, and every job it sends, carries the enqueuing request's id.
    runWithRequestId(origin?.requestId, () => start(job, payload, origin));
  }

  function start(job: Fetched, payload: unknown, origin: JobOrigin | undefined): void {
    const entry = { job, released: false, startedAt: performance.now() } as Running;
    entry.done = traced(job, payload, origin)
      .then(
        () => finish(entry, undefined),
        (error: unknown) => finish(entry, error ?? new Error("job failed")),
      )
      .catch((error: unknown) => logger.error({ err: error, jobId: job.id }, "job bookkeeping"))
      .finally(() => {
        running.delete(job.id);
        runner.onSlotFree();
      });
    running.set(job.id, entry);
  }

  /** One pass over the queues, rotating the starting queue so none starves; returns jobs fetched. */
  async function fetchOnce(fetchOptions: FetchOptions = {}): Promise<number> {
    const names = [...byName.keys()];
    offset = (offset + 1) % names.length;
    let fetched = 0;
    for (let i = 0; i < names.length; i++) {
      const free = concurrency - running.size;
      if (free <= 0) break;
      const name = names[(offset + i) % names.length] as string;
      const jobs = await boss.fetch<unknown>(name, {
        batchSize: free,
        includeMetadata: true,
        ...fetchOptions,
      });
      for (const job of jobs) launch(job);
      fetched += jobs.length;
      // A row left behind (database blip) is dropped when it is read: the run goes on regardless.
      await backlog
        .forget(jobs.map((job) => job.id))
        .catch((error: unknown) => logger.warn({ err: error }, "could not update the job backlog"));
    }
    return fetched;
  }

  const runner = {
    running,
    /** Called whenever a run ends, so a waiting fetch loop can take the free slot. */
    onSlotFree: () => {},
    setContext(value: unknown) {
      context = value;
    },
    fetchOnce,
    /** Resolves when every job started so far has finished (or `ms` passed). */
    async settle(ms = Number.POSITIVE_INFINITY): Promise<boolean> {
      const all = Promise.allSettled([...running.values()].map((entry) => entry.done));
      if (ms === Number.POSITIVE_INFINITY) await all;
      else await Promise.race([all, sleep(ms)]);
      return running.size === 0;
    },
    /**
     * Hands unfinished runs back to the queue at once, without spending one of their attempts:
     * cancelled and resumed in one transaction, each is `created` again with its retry count.
     */
    async release(): Promise<number> {
      const entries = [...running.values()];
      for (const entry of entries) entry.released = true;
      if (entries.length === 0) return 0;
      const byQueue = new Map<string, string[]>();
      for (const { job } of entries)
        byQueue.set(job.name, [...(byQueue.get(job.name) ?? []), job.id]);
      await inTransaction(database, async (db) => {
        for (const [name, ids] of byQueue) {
          await boss.cancel(name, ids, { db });
          await boss.resume(name, ids, { db });
        }
      });
      return entries.length;
    },
    pollIntervalMs: options.pollIntervalMs,
    concurrency,
  };
  return runner;
}

export type JobRunner = ReturnType<typeof createJobRunner>;
