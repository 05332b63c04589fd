import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { expect, it, onTestFinished } from "vitest";
import { documentedStatuses } from "./statuses.ts";

/**
 * Where cells are recorded: `npm run test:authz` sets it to reports/authz and turns the files into
 * the table in docs/reliability.md. Unset (plain `vitest run`), nothing is written, so runs that
 * overlap never mix their cells in one report.
 */
const REPORT_DIR = process.env.AUTHZ_REPORT_DIR;

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** A route under test; `:name` segments of `path` are filled from the params of each request. */
export type MatrixRoute = { method: Method; path: string; payload?: object };

/** One expected status per actor, in the order of `actors`; `null` where the cell does not apply. */
type Row = readonly (number | null)[];

export type MatrixCell<A extends string, R extends string, V extends string> = {
  variant: V;
  route: R;
  actor: A;
  expected: number;
};

export type MatrixSpec<A extends string, R extends string, V extends string> = {
  /** Names the report file: reports/authz/<module>.jsonl. */
  module: string;
  actors: readonly A[];
  routes: Record<R, MatrixRoute>;
  /** The app the requests go to (created in a beforeAll, after the cells are declared). */
  app: () => FastifyInstance;
  /** Per variant (the state of the resource, e.g. "private recipe"), per route. */
  expected: Record<V, Partial<Record<R, Row>>>;
};

export type CellRequest = {
  params?: Record<string, string>;
  headers?: Record<string, string>;
  /** Replaces the route's own payload. */
  payload?: object;
  query?: Record<string, string>;
  /** The client's address, for routes rate limited per IP. */
  remoteAddress?: string;
};

/**
 * Sends the cell's request and asserts its status; an error status must be problem+json and a
 * 401 must carry `WWW-Authenticate: Bearer`.
 */
export type SendCell = (request: CellRequest) => Promise<LightMyRequestResponse>;

export function cellsOf<A extends string, R extends string, V extends string>(
  spec: MatrixSpec<A, R, V>,
): MatrixCell<A, R, V>[] {
  const cells: MatrixCell<A, R, V>[] = [];
  for (const variant of Object.keys(spec.expected) as V[]) {
    const rows = spec.expected[variant];
    for (const route of Object.keys(rows) as R[]) {
      const row = rows[route] as Row;
      if (row.length !== spec.actors.length) {
        throw new Error(`${variant} ${route}: ${row.length} statuses for ${spec.actors.length}`);
      }
      spec.actors.forEach((actor, i) => {
        const expected = row[i];
        if (typeof expected === "number") cells.push({ variant, route, actor, expected });
      });
    }
  }
  return cells;
}

export function urlOf(path: string, params: Record<string, string> = {}): string {
  return path.replace(/:(\w+)/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`no value for :${name} in ${path}`);
    return value;
  });
}

const isProblem = (response: LightMyRequestResponse) =>
  /^application\/problem\+json/.test(String(response.headers["content-type"] ?? ""));

/** One line of a report: a cell, the status it got and whether its whole test passed. */
export type CellOutcome = {
  route: string;
  variant: string;
  actor: string;
  expected: number;
  actual: number | null;
  pass: boolean;
};

/**
 * Records the cells of one column of a matrix in <AUTHZ_REPORT_DIR>/<file>.jsonl (nothing without
 * the variable): first how many are declared, then one line per cell as its test finishes.
 */
export function cellReport(file: string, module: string, declared: number) {
  const path = REPORT_DIR && join(REPORT_DIR, `${file}.jsonl`);
  if (path) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `${JSON.stringify({ module, declared })}\n`);
  }
  return (outcome: CellOutcome) => {
    if (!path) return;
    appendFileSync(
      path,
      `${JSON.stringify({ module, ...outcome, at: new Date().toISOString() })}\n`,
    );
  };
}

/**
 * An authorization matrix: actor × route (× state of the resource) → expected status. Each cell
 * is one test that sends a real request; its outcome (the status it got, and whether the whole
 * test passed, side-effect checks included) is appended to <AUTHZ_REPORT_DIR>/<module>.jsonl.
 */
export function authzMatrix<A extends string, R extends string, V extends string>(
  spec: MatrixSpec<A, R, V>,
) {
  const cells = cellsOf(spec);
  const report = cellReport(spec.module, spec.module, cells.length);

  function record(cell: MatrixCell<A, R, V>, actual: number | null, pass: boolean) {
    const { method, path } = spec.routes[cell.route];
    report({ ...cell, route: `${method} ${path}`, actual, pass });
  }

  return {
    cells,

    /** One test per cell; `title` may use $variant, $route, $actor and $expected. */
    run(title: string, body: (cell: MatrixCell<A, R, V>, send: SendCell) => Promise<void>) {
      it.each(cells)(title, async (cell) => {
        let actual: number | null = null;
        let answered = false;
        onTestFinished(({ task }) => {
          record(cell, actual, answered && task.result?.state === "pass");
        });
        await body(cell, async (request) => {
          const route = spec.routes[cell.route];
          const response = await spec.app().inject({
            method: route.method,
            url: `${urlOf(route.path, request.params)}${request.query ? `?${new URLSearchParams(request.query)}` : ""}`,
            headers: request.headers,
            payload: request.payload ?? route.payload,
            ...(request.remoteAddress ? { remoteAddress: request.remoteAddress } : {}),
          });
          actual = response.statusCode;
          const listed = documentedStatuses(spec.app(), route.method, route.path);
          expect(listed, `${route.method} ${route.path} documents ${cell.expected}`).toContain(
            cell.expected,
          );
          answered =
            actual === cell.expected &&
            (actual < 400 || isProblem(response)) &&
            (actual !== 401 || response.headers["www-authenticate"] === "Bearer");
          expect(response.statusCode, response.body).toBe(cell.expected);
          if (cell.expected >= 400) expect(isProblem(response)).toBe(true);
          if (cell.expected === 401) expect(response.headers["www-authenticate"]).toBe("Bearer");
          return response;
        });
      });
    },
  };
}
