import { desc } from "drizzle-orm";
import type { Deps } from "../../src/deps.ts";
import { type JobOrigin, splitOrigin } from "../../src/jobs/origin.ts";
import { mailOutbox } from "../../src/modules/mail/mail.table.ts";

export type QueuedJob = {
  id: string;
  name: string;
  state: string;
  /** The payload as its handler receives it, without the job's origin. */
  data: Record<string, unknown>;
  /** The request (id and trace) that enqueued the job, when there was one. */
  origin: JobOrigin | undefined;
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
  const { boss, jobs } = deps.queue;
  const names = name ? [name] : jobs.map((job) => job.name);
  const found = (await Promise.all(names.map((n) => boss.findJobs(n, { limit: 100_000 })))).flat();
  found.sort((a, b) => a.createdOn.getTime() - b.createdOn.getTime() || a.id.localeCompare(b.id));
  return found.map((job) => ({
    id: job.id,
    name: job.name,
    state: job.state,
    data: splitOrigin(job.data).payload as Record<string, unknown>,
    origin: splitOrigin(job.data).origin,
    retryCount: job.retryCount,
    startAfter: new Date(job.startAfter),
  }));
}

/**
 * As if a worker died after a job's effect and before marking it done: takes the oldest due job
 * of `name`, runs its handler, and fails the run the way pg-boss does once its expiry passes.
 * Returns the job's id; the job waits for its retry (`drainQueue(deps, { now: true })`).
 */
export async function crashAfterEffect(deps: Deps, name: string): Promise<string> {
  const { boss, jobs } = deps.queue;
  const definition = jobs.find((job) => job.name === name);
  const [job] = await boss.fetch<unknown>(name, { includeMetadata: true });
  if (!definition || !job) throw new Error(`no ${name} job to run`);
  const run = { id: job.id, name, attempt: job.retryCount + 1 };
  await definition.handle(definition.payload.parse(splitOrigin(job.data).payload), deps, run);
  await boss.fail(name, job.id, { message: "worker died" });
  return job.id;
}

/** Messages the development transport stored, newest first: "the mail arrived". */
export async function outboxMessages(deps: Deps) {
  return deps.db.select().from(mailOutbox).orderBy(desc(mailOutbox.createdAt), desc(mailOutbox.id));
}
