import type { z } from "zod";

export type RetryPolicy = {
  /** Retries after the first attempt; 0 sends the first failure straight to the dead letters. */
  limit: number;
  /** Seconds before the first retry; doubled (with jitter) on each further one when backoff. */
  delaySeconds: number;
  backoff: boolean;
};

/** What a handler knows about the run it is in (the id doubles as an idempotency key). */
export type JobRun = { id: string; name: string; attempt: number };

export type JobDefinition<
  Name extends string = string,
  Payload extends z.ZodType = z.ZodType,
  Context = never,
> = {
  name: Name;
  payload: Payload;
  retry: RetryPolicy;
  /**
   * A run still active after this long is treated as crashed and retried, so set it to what the
   * job needs: it is how fast work of a killed worker is picked up again.
   */
  expireInSeconds: number;
  /** Cron schedule (UTC) for recurring jobs; they run with an empty payload. */
  schedule?: string;
  /**
   * `exclusive`: at most one unfinished (waiting, retrying or running) job per `singletonKey`; a
   * duplicate send returns null. Sends without a key share one slot. Default: no such limit, and
   * a send with a `singletonKey` is refused. Fixed when the queue is created (pg-boss's queue
   * policy): changing it later needs the queue deleted.
   */
  policy?: "exclusive";
  /** `context` is the composition root's deps; a handler declares only the pieces it uses. */
  handle(payload: z.output<Payload>, context: Context, run: JobRun): Promise<void>;
};

/** Declares a job; the name and payload schema give `queue.send` its types. */
export function defineJob<const Name extends string, Payload extends z.ZodType, Context>(
  definition: JobDefinition<Name, Payload, Context>,
): JobDefinition<Name, Payload, Context> {
  return definition;
}

// biome-ignore lint/suspicious/noExplicitAny: a list of jobs mixes handlers of every context type
export type AnyJob = JobDefinition<string, z.ZodType, any>;

/** `{ "mail.send": { to, template, data }, … }` for a list of job definitions. */
export type JobPayloads<Jobs extends readonly AnyJob[]> = {
  [Job in Jobs[number] as Job["name"]]: z.input<Job["payload"]>;
};

type UnionToIntersection<U> = (U extends unknown ? (arg: U) => void : never) extends (
  arg: infer I,
) => void
  ? I
  : never;

/** Everything the handlers of a list of jobs need from the deps, checked where the worker runs. */
export type JobsContext<Jobs extends readonly AnyJob[]> = UnionToIntersection<
  Parameters<Jobs[number]["handle"]>[1]
>;
