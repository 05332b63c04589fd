import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";

/**
 * Which statuses each operation answered in a test run, for the check that every status the
 * document lists is produced by some test (`scripts/status-coverage.ts`, run by verify). Set
 * STATUS_REPORT_DIR to record; each test process appends to its own file there.
 */
const REPORT_DIR = process.env.STATUS_REPORT_DIR;
const seen = new Set<string>();
let written = 0;
if (REPORT_DIR) process.on("exit", () => flushStatuses());

type Document = { paths: Record<string, Record<string, { responses?: object }>> };

/** `/api/recipes/:id` → `/api/recipes/{id}`, as the document names paths. */
export const documentPath = (url: string) => url.replace(/:(\w+)/g, "{$1}");

/** The statuses the app's document lists for an operation (`path` with `:name` or `{name}`). */
export function documentedStatuses(app: FastifyInstance, method: string, path: string): number[] {
  const { paths } = app.swagger() as unknown as Document;
  const operation = paths[documentPath(path)]?.[method.toLowerCase()];
  return Object.keys(operation?.responses ?? {}).map(Number);
}

/** Records every answer of a test app's documented routes (a no-op without STATUS_REPORT_DIR). */
export function recordStatuses(app: FastifyInstance): void {
  if (!REPORT_DIR) return;
  app.addHook("onResponse", (request, reply, done) => {
    const route = request.routeOptions.url;
    if (route && request.method !== "HEAD" && request.method !== "OPTIONS") {
      seen.add(`${request.method} ${documentPath(route)} ${reply.statusCode}`);
    }
    done();
  });
}

/**
 * Records an answer the route hook cannot see: Fastify gives some before its route is chosen
 * (414 for a path parameter over the limit), though the path matched the operation.
 */
export function noteStatus(method: string, path: string, status: number): void {
  if (REPORT_DIR) seen.add(`${method.toUpperCase()} ${documentPath(path)} ${status}`);
}

/** Appends what was seen since the last flush to this process's file. */
export function flushStatuses(): void {
  if (!REPORT_DIR || seen.size === written) return;
  const lines = [...seen].slice(written);
  written = seen.size;
  mkdirSync(REPORT_DIR, { recursive: true });
  appendFileSync(join(REPORT_DIR, `${process.pid}.txt`), `${lines.join("\n")}\n`);
}
