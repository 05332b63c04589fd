import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { recipeBody } from "../factories/recipes.ts";
import { type Spawned, spawnProcess } from "../helpers/process.ts";

type Service = "api" | "worker" | "migrate";

/** The argv of each service, as the image and compose.yaml run them (deploy/commands.json). */
export const COMMANDS = JSON.parse(readFileSync("deploy/commands.json", "utf8")) as Record<
  Service,
  string[]
>;

export type Proc = Spawned;

/** Starts a service with exactly its deploy/commands.json argv. */
export function startService(service: Service, env: Record<string, string>): Proc {
  const [command = "node", ...args] = COMMANDS[service];
  return spawnProcess(command, args, env, "ignore");
}

export async function waitUntil(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  what: string,
): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (
      await Promise.resolve()
        .then(check)
        .catch(() => false)
    )
      return Date.now() - started;
    await sleep(50);
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`);
}

export async function ready(url: string): Promise<boolean> {
  const response = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(1_000) });
  await response.arrayBuffer();
  return response.status === 200;
}

type Outcome = {
  kind: "read" | "write";
  status: number | null;
  error?: string;
  /** When it was sent and when its answer (or error) came, in epoch ms. */
  sent: number;
  at: number;
};

/**
 * A bounded mix of reads (a page of recipes) and writes (a recipe as a signed-in user) through
 * the balancer: `readers` and `writers` loops back to back, until stopped or `maxRequests`.
 * Every write answered 201 is an acknowledged write; its id is kept to be read back.
 */
export function startLoad(options: {
  baseUrl: string;
  token: string;
  readers: number;
  writers: number;
  maxRequests: number;
}) {
  const outcomes: Outcome[] = [];
  const acknowledged: string[] = [];
  let inFlight = 0;
  let sent = 0;
  let stopped = false;
  const once_ = async (kind: Outcome["kind"]) => {
    const index = sent++;
    const sentAt = Date.now();
    inFlight++;
    try {
      const response = await fetch(
        kind === "read"
          ? `${options.baseUrl}/api/recipes?limit=5`
          : `${options.baseUrl}/api/recipes`,
        kind === "read"
          ? { signal: AbortSignal.timeout(10_000) }
          : {
              method: "POST",
              headers: {
                authorization: `Bearer ${options.token}`,
                "content-type": "application/json",
              },
              body: JSON.stringify(recipeBody({ title: `Topology soup ${index}` })),
              signal: AbortSignal.timeout(10_000),
            },
      );
      const body = (await response.json().catch(() => undefined)) as { id?: string } | undefined;
      if (kind === "write" && response.status === 201 && body?.id) acknowledged.push(body.id);
      outcomes.push({ kind, status: response.status, sent: sentAt, at: Date.now() });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause;
      outcomes.push({
        kind,
        status: null,
        error: cause?.code ?? (error as Error).name,
        sent: sentAt,
        at: Date.now(),
      });
    } finally {
      inFlight--;
    }
  };
  const loop = async (kind: Outcome["kind"]) => {
    while (!stopped && sent < options.maxRequests) await once_(kind);
  };
  const done = Promise.all([
    ...Array.from({ length: options.readers }, () => loop("read")),
    ...Array.from({ length: options.writers }, () => loop("write")),
  ]);
  return {
    outcomes,
    acknowledged,
    inFlight: () => inFlight,
    async stop() {
      stopped = true;
      await done;
    },
  };
}

export type Load = ReturnType<typeof startLoad>;

/** Answers other than 200 (reads) and 201 (writes), connection errors included. */
export function failures(outcomes: readonly Outcome[]): Outcome[] {
  return outcomes.filter((o) => o.status !== (o.kind === "read" ? 200 : 201));
}

/** How many acknowledged writes cannot be read back through the balancer. */
export async function missingWrites(baseUrl: string, ids: readonly string[]): Promise<string[]> {
  const missing: string[] = [];
  const queue = [...ids];
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let id = queue.pop(); id; id = queue.pop()) {
        const response = await fetch(`${baseUrl}/api/recipes/${id}`, {
          signal: AbortSignal.timeout(10_000),
        }).catch(() => undefined);
        await response?.arrayBuffer();
        if (response?.status !== 200) missing.push(`${id} (${response?.status ?? "no answer"})`);
      }
    }),
  );
  return missing;
}

export type Figure = { test: string; injects: string; figure: string; pass: boolean };

export const REPORT_FILE = "reports/topology.json";

export function writeReport(report: {
  versions: Record<string, string>;
  setup: string;
  figures: Figure[];
}): void {
  mkdirSync(dirname(REPORT_FILE), { recursive: true });
  writeFileSync(
    REPORT_FILE,
    `${JSON.stringify({ at: new Date().toISOString(), ...report }, null, 2)}\n`,
  );
}

/** "3 read TimeoutError, 1 write 502", or "none". */
export function describeFailures(outcomes: readonly Outcome[]): string {
  const counts = new Map<string, number>();
  for (const o of failures(outcomes)) {
    const key = `${o.kind} ${o.status ?? o.error}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([key, n]) => `${n} ${key}`).join(", ") || "none";
}

export function summarize(outcomes: readonly Outcome[]): string {
  const reads = outcomes.filter((o) => o.kind === "read").length;
  return `${outcomes.length} requests (${reads} reads, ${outcomes.length - reads} writes)`;
}
