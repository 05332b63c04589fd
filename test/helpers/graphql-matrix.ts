import { expect, it, onTestFinished } from "vitest";
import {
  type CellRequest,
  cellReport,
  cellsOf,
  type MatrixCell,
  type MatrixSpec,
  urlOf,
} from "./authz-matrix.ts";

/** The GraphQL operation that asks what a REST route asks, and the root field that answers. */
export type GraphqlOperation = {
  field: string;
  document: string;
  /** How the report names it, when not the field (two routes answered by one field). */
  label?: string;
};

/**
 * One entry per route of the REST table: a route added to the table must be given its GraphQL
 * operation, or `null` where GraphQL has none (account flows, admin routes).
 */
export type GraphqlOperations<R extends string> = Record<R, GraphqlOperation | null>;

export type GraphqlError = {
  message: string;
  path?: string[];
  extensions: { code: string; status: number };
};
export type GraphqlAnswer = {
  statusCode: number;
  data: Record<string, unknown> | null | undefined;
  errors: GraphqlError[] | undefined;
};

/** The cell's caller, the operation's variables, and what the REST twin needs (path, body). */
export type GraphqlCellRequest = CellRequest & { variables?: object };

/**
 * Asks the cell through POST /graphql and asserts REST's decision: for a REST 2xx, the field's
 * data and no error; for a REST 4xx, the field null and one error whose `extensions.status` is
 * the REST status and `extensions.code` the code of the REST problem — which it gets by sending
 * the REST request too (a refusal changes nothing, so the second door sees the same state). A
 * token that does not verify refuses the whole request, before execution: then the HTTP status
 * is REST's and there is no `data` (docs/graphql.md).
 */
export type AskCell = (request: GraphqlCellRequest) => Promise<GraphqlAnswer>;

/**
 * The GraphQL column of an authorization matrix: the cells of the same table (`spec`, shared
 * with the REST test) whose route has a GraphQL operation, one test each, recorded in
 * <AUTHZ_REPORT_DIR>/<module>.graphql.jsonl as module "<module> (GraphQL)".
 */
export function graphqlColumn<A extends string, R extends string, V extends string>(
  spec: MatrixSpec<A, R, V>,
  operations: GraphqlOperations<R>,
) {
  const cells = cellsOf(spec).filter((cell) => operations[cell.route] !== null);
  const report = cellReport(`${spec.module}.graphql`, `${spec.module} (GraphQL)`, cells.length);

  async function restProblemCode(cell: MatrixCell<A, R, V>, request: GraphqlCellRequest) {
    const route = spec.routes[cell.route];
    const response = await spec.app().inject({
      method: route.method,
      url: urlOf(route.path, request.params),
      headers: request.headers,
      payload: request.payload ?? route.payload,
    });
    expect(response.statusCode, `REST: ${response.body}`).toBe(cell.expected);
    return String(response.json().code);
  }

  async function ask(cell: MatrixCell<A, R, V>, request: GraphqlCellRequest) {
    const { field, document } = operations[cell.route] as GraphqlOperation;
    const response = await spec.app().inject({
      method: "POST",
      url: "/graphql",
      headers: request.headers,
      payload: { query: document, variables: request.variables },
    });
    const { data, errors } = response.json();
    const answer: GraphqlAnswer = { statusCode: response.statusCode, data, errors };
    if (cell.expected < 400) {
      expect(answer.statusCode).toBe(200);
      expect(answer.errors).toBeUndefined();
      expect(answer.data?.[field] ?? null, response.body).not.toBeNull();
      return answer;
    }
    const code = await restProblemCode(cell, request);
    const beforeExecution = code === "invalid_token";
    expect(answer.statusCode, response.body).toBe(beforeExecution ? cell.expected : 200);
    if (beforeExecution) expect(answer.data).toBeUndefined();
    else expect(answer.data).toEqual({ [field]: null });
    expect(answer.errors).toHaveLength(1);
    expect(answer.errors?.[0]).toMatchObject({
      ...(beforeExecution ? {} : { path: [field] }),
      extensions: { status: cell.expected, code },
    });
    return answer;
  }

  return {
    cells,

    /** One test per cell; `title` may use $variant, $route, $actor and $expected. */
    run(title: string, body: (cell: MatrixCell<A, R, V>, ask: AskCell) => Promise<void>) {
      it.each(cells)(title, async (cell) => {
        const operation = operations[cell.route] as GraphqlOperation;
        const kind = operation.document.trimStart().startsWith("mutation") ? "mutation" : "query";
        let actual: number | null = null;
        let answered = false;
        onTestFinished(({ task }) => {
          report({
            ...cell,
            route: `${kind} ${operation.label ?? operation.field}`,
            actual,
            pass: answered && task.result?.state === "pass",
          });
        });
        await body(cell, async (request) => {
          const answer = await ask(cell, request);
          // The status the answer stands for: its error's, or 200 for the data.
          actual = answer.errors?.[0]?.extensions.status ?? answer.statusCode;
          answered = true;
          return answer;
        });
      });
    },
  };
}
