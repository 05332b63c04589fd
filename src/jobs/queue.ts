import type PgBoss from "pg-boss";
import type { Database, Tx } from "../db/client.ts";
import type { Clock } from "../lib/clock.ts";
import type { JobBacklog } from "./backlog.ts";
import { BOSS_SCHEMA, transactionExecutor } from "./boss.ts";
import type { AnyJob, JobPayloads } from "./define.ts";

export type SendOptions = {
  /** Enqueue inside this transaction: the job exists if and only if it commits. */
  tx?: Tx;
  startAfter?: Date;
  /** At most one queued job per key and job name; a duplicate send returns null. */
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

export type FailedJob = {
  id: string;
  name: string;
  attempts: number;
  failedAt: Date | null;
  error: string;
  data: unknown;
};

export function sendOptionsFor(job: AnyJob): PgBoss.SendOptions {
  return {
    retryLimit: job.retry.limit,
    retryDelay: job.retry.delaySeconds,
    retryBackoff: job.retry.backoff,
    expireInSeconds: job.expireInSeconds,
  };
}

function errorText(output: unknown): string {
  const value = (output as { message?: unknown; value?: { message?: unknown } } | null) ?? {};
  return String(value.message ?? value.value?.message ?? JSON.stringify(output));
}

type QueueOptions<Jobs extends readonly AnyJob[]> = {
  boss: PgBoss;
  database: Database;
  jobs: Jobs;
  /** Jobs known at runtime only (tests); send them through `sendUntyped`. */
  extraJobs?: readonly AnyJob[];
  checks?: SendChecks;
  backlog: JobBacklog;
  clock: Clock;
};

export function createJobQueue<const Jobs extends readonly AnyJob[]>({
  boss,
  database,
  jobs,
  extraJobs = [],
  checks = {},
  backlog,
  clock,
}: QueueOptions<Jobs>) {
  const all = [...jobs, ...extraJobs];
  const byName = new Map<string, AnyJob>(all.map((job) => [job.name, job]));
  const names = [...byName.keys()];
  const run = (text: string, values: unknown[] = []) => boss.getDb().executeSql(text, values);

  function validated(name: string, payload: unknown): unknown {
    const job = byName.get(name);
    if (!job) throw new InvalidJobError(`Unknown job "${name}"`);
    const parsed = job.payload.safeParse(payload);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
      throw new InvalidJobError(`Invalid payload for job "${name}": ${problems.join("; ")}`);
    }
    checks[name]?.(parsed.data);
    return parsed.data;
  }

  /** The job and its backlog row commit together, in the caller's transaction or one of ours. */
  async function sendIn(tx: Tx, name: string, data: unknown, options: SendOptions) {
    const job = byName.get(name) as AnyJob;
    const id = await boss.send(name, data as object, {
      ...sendOptionsFor(job),
      ...(options.startAfter ? { startAfter: options.startAfter } : {}),
      ...(options.singletonKey ? { singletonKey: options.singletonKey } : {}),
      db: transactionExecutor(database, tx),
    });
    const now = clock.now();
    const dueAt = options.startAfter && options.startAfter > now ? options.startAfter : now;
    if (id) await backlog.record({ jobId: id, queue: name, dueAt }, tx);
    return id;
  }

  async function sendUntyped(name: string, payload: unknown, options: SendOptions = {}) {
    const data = validated(name, payload);
    // Before any transaction: on PGlite, starting the queue inside one would wait for it.
    await ensureStarted();
    if (options.tx) return sendIn(options.tx, name, data, options);
    return database.db.transaction((tx) => sendIn(tx, name, data, options));
  }

  /**
   * pg-boss's standard queues ignore a bare singletonKey; this index makes it mean "at most one
   * unfinished job per name and key" (its insert does ON CONFLICT DO NOTHING and returns null).
   */
  async function createPendingKeyIndex(): Promise<void> {
    // Checked first: CREATE INDEX locks out job writes even when the index exists.
    const { rows } = await run(
      `select to_regclass('${BOSS_SCHEMA}.stratum_job_pending_key')::text as name`,
    );
    if (rows[0]?.name) return;
    try {
      await run(
        `create unique index if not exists stratum_job_pending_key on ${BOSS_SCHEMA}.job
           (name, singleton_key)
           where state < 'completed' and singleton_key is not null
             and left(name, 10) <> '__pgboss__'`,
      );
    } catch (error) {
      // Another process created it at the same moment.
      if (!/already exists|duplicate key/.test(String(error))) throw error;
    }
  }

  async function start(): Promise<void> {
    // pg-boss cannot start again after a failed start, so the database is checked first.
    await run("select 1 as ok");
    await boss.start();
    await createPendingKeyIndex();
    for (const job of all) {
      const policy = sendOptionsFor(job);
      await boss.createQueue(job.name, { name: job.name, ...policy });
      await boss.updateQueue(job.name, { name: job.name, ...policy });
      if (job.schedule) await boss.schedule(job.name, job.schedule, {}, policy);
    }
  }

  let started: Promise<void> | undefined;
  /**
   * Installs pg-boss's schema (idempotent, locked) and one queue per job, with schedules.
   * A failure (database down) is retried by the next call.
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

    /** Jobs waiting or running, by name and state (the queue depth metric). */
    async depth(): Promise<{ name: string; state: string; count: number }[]> {
      const { rows } = await run(
        `select name, state::text as state, count(*)::int as count from ${BOSS_SCHEMA}.job
         where name = any($1::text[]) and state in ('created', 'retry', 'active', 'failed')
         group by name, state`,
        [names],
      );
      return rows.map((row) => ({ ...row, count: Number(row.count) })) as never;
    },

    /** The dead letters: jobs that exhausted their retries or failed for good. */
    async failed(limit = 50): Promise<FailedJob[]> {
      const { rows } = await run(
        `select id, name, retry_count, completed_on, output, data from ${BOSS_SCHEMA}.job
         where state = 'failed' and left(name, 10) <> '__pgboss__'
         order by completed_on desc, id limit $1`,
        [limit],
      );
      return rows.map((row) => ({
        id: String(row.id),
        name: String(row.name),
        attempts: Number(row.retry_count) + 1,
        failedAt: row.completed_on ? new Date(row.completed_on as string) : null,
        error: errorText(row.output),
        data: row.data,
      }));
    },

    /** Puts a dead letter back in its queue for one more attempt; false when there is none. */
    async retry(id: string): Promise<boolean> {
      const { rows } = await run(
        `select name from ${BOSS_SCHEMA}.job where id = $1::uuid and state = 'failed'`,
        [id],
      );
      const name = rows[0]?.name;
      if (typeof name !== "string") return false;
      await boss.retry(name, id);
      return true;
    },

    async ping(): Promise<void> {
      await ensureStarted();
      await run(`select version from ${BOSS_SCHEMA}.version`);
    },
  };
}

export type JobQueue = ReturnType<typeof createJobQueue<readonly AnyJob[]>>;
