import { desc } from "drizzle-orm";
import type { Deps } from "../../src/deps.ts";
import { mailOutbox } from "../../src/modules/mail/mail.table.ts";

export type QueuedJob = {
  id: string;
  name: string;
  state: string;
  data: Record<string, unknown>;
  retryCount: number;
  startAfter: Date;
};

/**
 * Runs every job that is due, and the jobs those enqueue, in this process; returns how many ran.
 * `{ now: true }` also runs jobs waiting for a later start (retries in backoff, startAfter).
 */
export function drainQueue(deps: Deps, options: { now?: boolean } = {}): Promise<number> {
  return deps.worker.drain(deps, { ignoreStartAfter: options.now ?? false });
}

/** Jobs of one name (or all), oldest first, in every state: "a mail.send job was enqueued". */
export async function queuedJobs(deps: Deps, name?: string): Promise<QueuedJob[]> {
  const { rows } = await deps.queue.boss.getDb().executeSql(
    `select id, name, state::text as state, data, retry_count, start_after from pgboss.job
       where ($1::text is null or name = $1) and name not like '\\_\\_pgboss%'
       order by created_on, id`,
    [name ?? null],
  );
  return rows.map((row) => ({
    id: String(row.id),
    name: String(row.name),
    state: String(row.state),
    data: row.data as Record<string, unknown>,
    retryCount: Number(row.retry_count),
    startAfter: new Date(row.start_after as string),
  }));
}

/** Messages the development transport stored, newest first: "the mail arrived". */
export async function outboxMessages(deps: Deps) {
  return deps.db.select().from(mailOutbox).orderBy(desc(mailOutbox.createdAt), desc(mailOutbox.id));
}
