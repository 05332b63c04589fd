import type { Db as BossDb, JobWithMetadata, PgBoss } from "pg-boss";
import type { Database } from "../db/client.ts";
import { DEAD_LETTERS, inTransaction } from "./boss.ts";

export type FailedJob = {
  /** The failed job's own id (what `npm run jobs -- retry` takes). */
  id: string;
  name: string;
  attempts: number;
  failedAt: Date | null;
  error: string;
  data: unknown;
};

type DeadLetter = FailedJob & { entryId: string };

/** What the runner writes for a job that failed for good before its retries ran out. */
type RefusedJob = {
  source: { name: string; id: string; attempt: number };
  error: string;
  payload: unknown;
};

function errorText(output: unknown): string {
  const value = (output as { message?: unknown; value?: { message?: unknown } } | null) ?? {};
  return String(value.message ?? value.value?.message ?? JSON.stringify(output));
}

/**
 * pg-boss copies a job that used up its retries into its queue's dead-letter queue, with the
 * source queue, id, retry count and error. A job refused for good earlier (an `AppError`) is
 * written there by the runner, as a `RefusedJob`. Both read back as one `FailedJob`.
 */
function asDeadLetter(entry: JobWithMetadata<unknown>): DeadLetter {
  if (entry.sourceName) {
    return {
      entryId: entry.id,
      id: entry.sourceId ?? entry.id,
      name: entry.sourceName,
      attempts: (entry.sourceRetryCount ?? 0) + 1,
      failedAt: entry.createdOn,
      error: errorText(entry.sourceOutput),
      data: entry.data,
    };
  }
  const refused = entry.data as RefusedJob;
  return {
    entryId: entry.id,
    id: refused.source.id,
    name: refused.source.name,
    attempts: refused.source.attempt,
    failedAt: entry.createdOn,
    error: refused.error,
    data: refused.payload,
  };
}

type FailingRun = {
  id: string;
  name: string;
  data: unknown;
  retryCount: number;
  retryLimit: number;
};

export function createDeadLetters({ boss, database }: { boss: PgBoss; database: Database }) {
  return {
    /** Every dead letter, newest first (they are few: an operator's list, kept 30 days). */
    async list(): Promise<DeadLetter[]> {
      const entries = await boss.findJobs<unknown>(DEAD_LETTERS, { queued: true, limit: 100_000 });
      return entries.map(asDeadLetter).reverse();
    },

    /**
     * Ends a run for good. On its last attempt pg-boss's own failure does it; before that the job
     * is failed (keeping the error), cancelled and recorded here, all in one transaction.
     */
    async failForGood(job: FailingRun, error: unknown): Promise<void> {
      if (job.retryCount >= job.retryLimit) {
        await boss.fail(job.name, job.id, error as object);
        return;
      }
      const refused: RefusedJob = {
        source: { name: job.name, id: job.id, attempt: job.retryCount + 1 },
        error: errorText(error),
        payload: job.data,
      };
      await inTransaction(database, async (db) => {
        await boss.fail(job.name, job.id, error as object, { db });
        await boss.cancel(job.name, job.id, { db });
        await boss.send(DEAD_LETTERS, refused, { db });
      });
    },

    /** Removes a dead letter and what is left of its failed job, so the job can be sent again. */
    async remove(letter: DeadLetter, db: BossDb): Promise<void> {
      await boss.deleteJob(DEAD_LETTERS, letter.entryId, { db });
      await boss.deleteJob(letter.name, letter.id, { db });
    },
  };
}

export type DeadLetters = ReturnType<typeof createDeadLetters>;
