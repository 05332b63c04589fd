import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "../lib/logger.ts";
import type { FetchOptions, JobRunner } from "./runner.ts";

type WorkerOptions = {
  runner: JobRunner;
  logger: Logger;
  /** Makes sure the queue is installed (it may not be when the database was down at start). */
  prepare: () => Promise<void>;
};

/**
 * The fetch loop around a runner. Several of these (processes or threads of one) share a queue:
 * pg-boss hands each job to one of them with SELECT … FOR UPDATE SKIP LOCKED.
 */
export function createWorker({ runner, logger, prepare }: WorkerOptions) {
  let loop: Promise<void> | undefined;
  let stopping = false;
  let waiting: AbortController | undefined;
  let lastError: unknown;

  runner.onSlotFree = () => waiting?.abort();

  async function nap(ms: number): Promise<void> {
    waiting = new AbortController();
    await sleep(ms, undefined, { signal: waiting.signal }).catch(() => {});
    waiting = undefined;
  }

  async function runLoop(): Promise<void> {
    while (!stopping) {
      let fetched = 0;
      try {
        await prepare();
        fetched = await runner.fetchOnce();
        lastError = undefined;
      } catch (error) {
        lastError = error;
        logger.error({ err: error }, "could not fetch jobs");
      }
      const full = runner.running.size >= runner.concurrency;
      if (!stopping && (fetched === 0 || full)) await nap(runner.pollIntervalMs);
    }
  }

  return {
    get running(): boolean {
      return loop !== undefined && !stopping;
    },

    /** `context` is what the handlers receive: the composition root's deps. */
    start(context: unknown): void {
      if (loop) return;
      runner.setContext(context);
      stopping = false;
      loop = runLoop();
      logger.info({ concurrency: runner.concurrency }, "job worker started");
    },

    /**
     * Stops fetching, lets running jobs finish for up to `timeoutMs`, then hands the rest back
     * to the queue so another worker (or the next start) runs them: nothing is lost.
     */
    async stop(timeoutMs: number): Promise<void> {
      if (!loop) return;
      stopping = true;
      waiting?.abort();
      await loop;
      const finished = await runner.settle(timeoutMs);
      const released = finished ? 0 : await runner.release();
      loop = undefined;
      logger.info({ released }, "job worker stopped");
    },

    /** Runs everything that is due, including jobs those jobs enqueue, then returns (tests, CLI). */
    async drain(context: unknown, options: FetchOptions = {}): Promise<number> {
      runner.setContext(context);
      await prepare();
      let total = 0;
      for (;;) {
        const fetched = await runner.fetchOnce(options);
        await runner.settle();
        total += fetched;
        if (fetched === 0) return total;
      }
    },

    /** Readiness: fails while the loop cannot reach the queue. */
    health(): void {
      if (lastError) throw lastError;
      if (stopping) throw new Error("job worker is stopping");
    },
  };
}

export type Worker = ReturnType<typeof createWorker>;
