import { parseArgs } from "node:util";
import type { FailedJob, JobQueue } from "./queue.ts";

export const JOBS_USAGE = `usage: npm run jobs -- <subcommand>

  failed [--limit N]   list dead letters (jobs that failed for good), newest first
  retry <id> [<id>…]   put dead letters back in their queue for another attempt`;

function formatFailed(jobs: FailedJob[]): string {
  if (jobs.length === 0) return "no failed jobs";
  return jobs
    .map((job) =>
      [
        job.id,
        job.name,
        `attempts=${job.attempts}`,
        `failedAt=${job.failedAt?.toISOString() ?? "-"}`,
        `error=${JSON.stringify(job.error)}`,
      ].join("  "),
    )
    .join("\n");
}

/** `npm run jobs -- …`: the operator's view of the dead-letter queue. Returns what to print. */
export async function runJobsCommand(queue: JobQueue, args: string[]): Promise<string> {
  const [subcommand, ...rest] = args;
  if (subcommand === "failed") {
    const { values } = parseArgs({ args: rest, options: { limit: { type: "string" } } });
    const limit = values.limit === undefined ? 50 : Number.parseInt(values.limit, 10);
    if (!Number.isInteger(limit) || limit < 1)
      throw new Error("--limit must be a positive integer");
    return formatFailed(await queue.failed(limit));
  }
  if (subcommand === "retry" && rest.length > 0) {
    const lines: string[] = [];
    for (const id of rest) {
      if (!/^[0-9a-f-]{36}$/i.test(id)) throw new Error(`not a job id: ${id}`);
      if (!(await queue.retry(id))) throw new Error(`no failed job with id ${id}`);
      lines.push(`requeued ${id}`);
    }
    return lines.join("\n");
  }
  throw new Error(JOBS_USAGE);
}
