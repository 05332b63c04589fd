import type { SendOptions as BossSendOptions, PgBoss, Queue } from "pg-boss";
import type { Database, Tx } from "../db/client.ts";
import type { Clock } from "../lib/clock.ts";
import { currentRequestId } from "../lib/request-context.ts";
import type { Tracing } from "../lib/tracing.types.ts";
import type { JobBacklog } from "./backlog.ts";
import { DEAD_LETTERS, transactionExecutor } from "./boss.ts";
import type { DeadLetters } from "./dead-letters.ts";
import type { AnyJob, JobPayloads } from "./define.ts";
import { withOrigin } from "./origin.ts";

export type { FailedJob } from "./dead-letters.ts";

export type SendOptions = {
  /** Enqueue inside this transaction: the job exists if and only if it commits. */
  tx?: Tx;
  startAfter?: Date;
  /**
   * Only for jobs with `policy: "exclusive"`: at most one unfinished job per key and job name;
   * a duplicate send returns null.
   */
  singletonKey?: string;
};

/** Extra enqueue-time checks a composition root adds (the mail templates check theirs). */
export type SendChecks = Record<string, (payload: unknown) => void>;

/** Sending an unknown job or a payload that fails its schema is a bug in the caller. */
export class InvalidJobError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InvalidJobError";
  }
}

const DAY = 24 * 3600;

export function sendOptionsFor(job: AnyJob): BossSendOptions {
  return {
    retryLimit: job.retry.limit,
    retryDelay: job.retry.delaySeconds,
    retryBackoff: job.retry.backoff,
    expireInSeconds: job.expireInSeconds,
  };
}

/** A job's queue: its retry policy, its dead letters, and how long finished jobs are kept. */
function queueOptionsFor(job: AnyJob): Omit<Queue, "name"> {
  return { ...sendOptionsFor(job), deadLetter: DEAD_LETTERS, deleteAfterSeconds: 7 * DAY };
}

type QueueOptions<Jobs extends readonly AnyJob[]> = {
  boss: PgBoss;
  database: Database;
  jobs: Jobs;
  /** Jobs known at runtime only (tests); send them through `sendUntyped`. */
  extraJobs?: readonly AnyJob[];
  checks?: SendChecks;
  backlog: JobBacklog;
  deadLetters: DeadLetters;
  clock: Clock;
  tracing: Tracing;
};

export function createJobQueue<const Jobs extends readonly AnyJob[]>({
  boss,
  database,
  jobs,
  extraJobs = [],
  checks = {},
  backlog,
  deadLetters,
  clock,
  tracing,
}: QueueOptions<Jobs>) {
  const all = [...jobs, ...extraJobs];
  const byName = new Map<string, AnyJob>(all.map((job) => [job.name, job]));
  const names = [...byName.keys()];

  function validated(name: string, payload: unknown, options: SendOptions): unknown {
    const job = byName.get(name);
    if (!job) throw new InvalidJobError(`Unknown job "${name}"`);
    if (options.singletonKey !== undefined && job.policy !== "exclusive") {
      throw new InvalidJobError(`Job "${name}" takes no singletonKey: its policy is not exclusive`);
    }
    const parsed = job.payload.safeParse(payload);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
      throw new InvalidJobError(`Invalid payload for job "${name}": ${problems.join("; ")}`);
    }
    checks[name]?.(parsed.data);
    return parsed.data;
  }

  /** The job and its backlog row commit together, in the caller's transaction or one of ours. */
  async function sendIn(
    tx: Tx,
    name: string,
    data: unknown,
    options: SendOptions & { id?: string },
  ) {
    // A job this process does not know (a dead letter requeued by the CLI) takes its queue's policy.
    const job = byName.get(name);
    const id = await boss.send(name, data as object, {
      ...(job ? sendOptionsFor(job) : {}),
      ...(options.id ? { id: options.id } : {}),
      ...(options.startAfter ? { startAfter: options.startAfter } : {}),
      ...(options.singletonKey !== undefined ? { singletonKey: options.singletonKey } : {}),
      db: transactionExecutor(tx),
    });
    const now = clock.now();
    const dueAt = options.startAfter && options.startAfter > now ? options.startAfter : now;
    if (id) await backlog.record({ jobId: id, queue: name, dueAt }, tx);
    return id;
  }

  async function sendUntyped(name: string, payload: unknown, options: SendOptions = {}) {
    const valid = validated(name, payload, options);
    // Before any transaction: on PGlite, starting the queue inside one would wait for it.
    await ensureStarted();
    const attributes = { "messaging.system": "pg-boss", "messaging.destination.name": name };
    return tracing.span(`send ${name}`, { kind: "producer", attributes }, () => {
      // The job's run continues this request's log lines and this span's trace.
      const origin = { requestId: currentRequestId(), traceparent: tracing.traceparent() };
      const data = withOrigin(valid, origin);
      if (options.tx) return sendIn(options.tx, name, data, options);
      return database.db.transaction((tx) => sendIn(tx, name, data, options));
    });
  }

  async function start(): Promise<void> {
    // pg-boss cannot start again after a failed start, so the database is checked first.
    await boss.getDb().executeSql("select 1 as ok", []);
    await boss.start();
    await boss.createQueue(DEAD_LETTERS, { retentionSeconds: 30 * DAY });
    for (const job of all) {
      const options = queueOptionsFor(job);
      await boss.createQueue(job.name, { ...options, policy: job.policy ?? "standard" });
      await boss.updateQueue(job.name, options);
      if (job.schedule) await boss.schedule(job.name, job.schedule, {}, sendOptionsFor(job));
    }
  }

  let started: Promise<void> | undefined;
  /**
   * Installs pg-boss's schema (idempotent, locked), one queue per job and the dead-letter queue,
   * with schedules. A failure (database down) is retried by the next call.
   */
  function ensureStarted(): Promise<void> {
    started ??= start().catch((error: unknown) => {
      started = undefined;
      throw error;
    });
    return started;
  }

  return {
    jobs: all,
    boss,
    ensureStarted,

    async send<Name extends keyof JobPayloads<Jobs> & string>(
      name: Name,
      payload: JobPayloads<Jobs>[Name],
      options: SendOptions = {},
    ): Promise<string | null> {
      return sendUntyped(name, payload, options);
    },

    sendUntyped,

    /**
     * Jobs per queue and state (`ready`, `deferred`, `active`), and the dead letters waiting under
     * `jobs.dead-letters` (state `dead`). pg-boss recounts a queue at most once a minute.
     */
    async depth(): Promise<{ name: string; state: string; count: number }[]> {
      await ensureStarted();
      const rows: { name: string; state: string; count: number }[] = [];
      const counts = await Promise.all(
        [...names, DEAD_LETTERS].map(
          async (name) => (await boss.getQueueStats(name, { force: true }))[0],
        ),
      );
      for (const stats of counts) {
        if (!stats) continue;
        const { name } = stats;
        if (name === DEAD_LETTERS) rows.push({ name, state: "dead", count: stats.queuedCount });
        else {
          rows.push({ name, state: "ready", count: stats.readyCount });
          rows.push({ name, state: "deferred", count: stats.deferredCount });
          rows.push({ name, state: "active", count: stats.activeCount });
        }
      }
      return rows.map((row) => ({ ...row, count: Number(row.count) }));
    },

    /** The dead letters, newest first: jobs that exhausted their retries or failed for good. */
    async failed(limit = 50) {
      await ensureStarted();
      return (await deadLetters.list()).slice(0, limit);
    },

    /**
     * Sends a dead letter back to its queue under its own id for a fresh round of attempts;
     * false when there is no such dead letter.
     */
    async retry(id: string): Promise<boolean> {
      await ensureStarted();
      const letter = (await deadLetters.list()).find((entry) => entry.id === id);
      if (!letter) return false;
      await database.db.transaction(async (tx) => {
        await deadLetters.remove(letter, transactionExecutor(tx));
        await sendIn(tx, letter.name, letter.data, { id: letter.id });
      });
      return true;
    },

    async ping(): Promise<void> {
      await ensureStarted();
      if ((await boss.schemaVersion()) === null) throw new Error("job queue schema is missing");
    },
  };
}

export type JobQueue = ReturnType<typeof createJobQueue<readonly AnyJob[]>>;
