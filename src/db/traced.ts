import type { PGlite, Transaction } from "@electric-sql/pglite";
import type postgres from "postgres";
import type { SpanAttributes, Tracing } from "../lib/tracing.types.ts";

/**
 * Statement spans from our own database layer (postgres.js and PGlite have no instrumentation):
 * the clients Drizzle is handed are wrapped, through their public methods, only when tracing is
 * on. A span is named by its prepared statement (src/db/prepared.ts) or by its operation and
 * table (`SELECT recipes`); it carries the statement's text, never its parameter values.
 */

/** Prepared statements' names by text, per traced database (`prepared()` registers them). */
const statementNames = new WeakMap<object, Map<string, string>>();

/** Registers a prepared statement's name; does nothing (not even build the text) untraced. */
export function nameStatement(db: object, name: string, text: () => string): void {
  const names = statementNames.get(db);
  if (names && names.size < 10_000) names.set(text(), name);
}

type Described = { name: string; attributes: SpanAttributes };

const OPERATION = /^\s*\(?\s*([A-Za-z]+)/;
const TARGET = /\b(?:from|into|update|join)\s+((?:"?\w+"?\.)?"?\w+"?)/i;

/** `SELECT recipes`: the statement's first keyword and the first table it names. */
export function summarize(text: string): { operation: string; collection: string | undefined } {
  const operation = OPERATION.exec(text)?.[1]?.toUpperCase() ?? "SQL";
  const collection = TARGET.exec(text)?.[1]?.replaceAll('"', "");
  return { operation, collection };
}

type Statements = {
  tracing: Tracing;
  names: Map<string, string>;
  server: SpanAttributes;
};

function createStatements(tracing: Tracing, server: SpanAttributes): Statements {
  return { tracing, names: new Map(), server };
}

const described = new Map<string, Described>();

function describe(statements: Statements, text: string): Described {
  const named = statements.names.get(text);
  let found = described.get(text);
  if (!found) {
    const { operation, collection } = summarize(text);
    const summary = collection ? `${operation} ${collection}` : operation;
    found = {
      name: summary,
      attributes: {
        "db.system.name": "postgresql",
        "db.operation.name": operation,
        "db.collection.name": collection,
        "db.query.summary": summary,
        "db.query.text": text.length > 4_000 ? `${text.slice(0, 4_000)}…` : text,
        ...statements.server,
      },
    };
    if (described.size >= 2_000) described.clear();
    described.set(text, found);
  }
  return named ? { name: named, attributes: found.attributes } : found;
}

function statementSpan<T>(statements: Statements, text: string, run: () => PromiseLike<T>) {
  const { name, attributes } = describe(statements, text);
  return statements.tracing.span(name, { kind: "client", attributes, requireParent: true }, run);
}

/** A span around one statement of our own (the job queue's), by its text. */
export function traceStatement<T>(
  tracing: Tracing,
  text: string,
  run: () => PromiseLike<T>,
): Promise<T> {
  return statementSpan(createStatements(tracing, {}), text, run);
}

// verify: raw-sql-allowed — `unsafe` here only forwards the parameterised text Drizzle built to
// the driver, unchanged; nothing here builds SQL.
type PendingQuery = { values(): PendingQuery } & PromiseLike<unknown>;

/**
 * postgres.js runs a query when it is awaited: the span starts there. Drizzle asks for `.values()`
 * first (array rows), then awaits; both pass through.
 */
function tracedQuery(statements: Statements, text: string, query: PendingQuery): PendingQuery {
  let pending = query;
  const traced: PendingQuery = {
    values() {
      pending = pending.values();
      return traced;
    },
    // biome-ignore lint/suspicious/noThenProperty: a query is awaited like the driver's own
    then(onFulfilled, onRejected) {
      return statementSpan(statements, text, () => pending).then(onFulfilled, onRejected);
    },
  };
  return traced;
}

/** What Drizzle calls on a postgres.js client or transaction. */
type PostgresLike = {
  options?: postgres.Sql["options"];
  unsafe: postgres.Sql["unsafe"];
  begin?: (...args: unknown[]) => Promise<unknown>;
  savepoint?: (...args: unknown[]) => Promise<unknown>;
};

function wrapPostgres(statements: Statements, client: PostgresLike): PostgresLike {
  const withTx =
    (open: ((...args: unknown[]) => Promise<unknown>) | undefined) =>
    (...args: unknown[]) => {
      const fn = args.pop() as (tx: PostgresLike) => unknown;
      if (!open) throw new Error("no transactions on this client");
      return open(...args, (tx: PostgresLike) => fn(wrapPostgres(statements, tx)));
    };
  return {
    options: client.options,
    unsafe: ((text: string, params?: never[], options?: postgres.UnsafeQueryOptions) =>
      tracedQuery(
        statements,
        text,
        client.unsafe(text, params, options) as unknown as PendingQuery,
      )) as unknown as postgres.Sql["unsafe"],
    begin: withTx(client.begin?.bind(client)),
    savepoint: withTx(client.savepoint?.bind(client)),
  };
}

/** The postgres.js client as Drizzle uses it (`unsafe`, `begin`, `savepoint`), each statement traced. */
export function tracePostgres(tracing: Tracing, client: postgres.Sql) {
  const statements = createStatements(tracing, {
    "server.address": client.options.host[0],
    "server.port": client.options.port[0],
    "db.namespace": client.options.database,
  });
  const wrapped = wrapPostgres(statements, client as unknown as PostgresLike);
  return traced(statements, wrapped as unknown as postgres.Sql);
}

/** The wrapped client, and `named(db)` to call once Drizzle's database exists around it. */
function traced<C>(statements: Statements, client: C) {
  return {
    client,
    named<D extends object>(db: D): D {
      statementNames.set(db, statements.names);
      return db;
    },
  };
}

type PgliteLike = Pick<PGlite, "query" | "exec"> & { transaction?: PGlite["transaction"] };

function wrapPglite(statements: Statements, client: PgliteLike | Transaction): PgliteLike {
  return {
    query: ((text: string, params?: unknown[], options?: never) =>
      statementSpan(statements, text, () =>
        client.query(text, params, options),
      )) as PGlite["query"],
    exec: ((text: string, options?: never) =>
      statementSpan(statements, text, () => client.exec(text, options))) as PGlite["exec"],
    transaction: (async (fn: (tx: Transaction) => Promise<unknown>) =>
      (client as PGlite).transaction((tx) =>
        fn(wrapPglite(statements, tx) as unknown as Transaction),
      )) as PGlite["transaction"],
  };
}

/** The PGlite client as Drizzle uses it (`query`, `transaction`), each statement traced. */
export function tracePglite(tracing: Tracing, client: PGlite) {
  const statements = createStatements(tracing, {});
  return traced(statements, wrapPglite(statements, client) as PGlite);
}
