import { and, asc, inArray, lte } from "drizzle-orm";
import type { PgBoss } from "pg-boss";
import type { Db, Executor } from "../db/client.ts";
import type { Clock } from "../lib/clock.ts";
import { jobBacklog } from "./backlog.table.ts";

export type QueueAge = { queue: string; oldestQueuedAgeSeconds: number };

type BacklogOptions = { db: Db; boss: PgBoss; clock: Clock };

/** Rounds of dropping stale rows per read; what is left is checked on the next read. */
const MAX_ROUNDS = 5;

/**
 * The waiting jobs' record (`job_backlog`): a row is written with the job, in the sender's
 * transaction, and deleted when a worker fetches the job. A row whose job left the queue another
 * way (cancelled, expired by retention, a delete that failed, a job of pg-boss 10's schema) is
 * found stale when it is the oldest of its queue and dropped then, so the record heals itself.
 */
export function createJobBacklog({ db, boss, clock }: BacklogOptions) {
  async function oldestRows(queues?: string[]) {
    return db
      .selectDistinctOn([jobBacklog.queue])
      .from(jobBacklog)
      .where(
        and(
          lte(jobBacklog.dueAt, clock.now()),
          queues ? inArray(jobBacklog.queue, queues) : undefined,
        ),
      )
      .orderBy(asc(jobBacklog.queue), asc(jobBacklog.dueAt), asc(jobBacklog.jobId));
  }

  /** Still waiting, as pg-boss's public API reports it: created and never fetched. */
  async function waiting(queue: string, jobId: string): Promise<boolean> {
    const [job] = await boss.findJobs(queue, { id: jobId });
    return job?.state === "created";
  }

  return {
    async record(entry: { jobId: string; queue: string; dueAt: Date }, tx: Executor) {
      await tx.insert(jobBacklog).values(entry).onConflictDoNothing();
    },

    async forget(jobIds: string[]): Promise<void> {
      if (jobIds.length > 0) await db.delete(jobBacklog).where(inArray(jobBacklog.jobId, jobIds));
    },

    /** Per queue with a due job waiting, how long the oldest has waited. */
    async oldest(): Promise<QueueAge[]> {
      const ages: QueueAge[] = [];
      let rows = await oldestRows();
      for (let round = 0; rows.length > 0 && round < MAX_ROUNDS; round++) {
        const stale: typeof rows = [];
        for (const row of rows) {
          if (!(await waiting(row.queue, row.jobId))) stale.push(row);
          else {
            const ageMs = clock.now().getTime() - row.dueAt.getTime();
            ages.push({ queue: row.queue, oldestQueuedAgeSeconds: Math.max(0, ageMs / 1000) });
          }
        }
        if (stale.length === 0) break;
        await this.forget(stale.map((row) => row.jobId));
        rows = await oldestRows(stale.map((row) => row.queue));
      }
      return ages.sort((a, b) => a.queue.localeCompare(b.queue));
    },
  };
}

export type JobBacklog = ReturnType<typeof createJobBacklog>;
