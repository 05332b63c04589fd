import { sql } from "drizzle-orm";
import type { Db, Executor } from "./client.ts";
import { nameStatement } from "./traced.ts";

/** Values for a statement's `sql.placeholder(name)`s. */
export type Values = Record<string, unknown>;

/** What a Drizzle query builder offers once its values are placeholders (public API). */
type Buildable<R> = {
  prepare(name: string): { execute(values?: Values): Promise<R> };
  execute(values?: Values): Promise<R>;
  toSQL(): { sql: string };
};

/** How many calls ran as named prepared statements, per database: the fast-path test reads it. */
const preparedCalls = new WeakMap<Db, { count: number }>();

/** Named statements a database has executed so far (see src/db/prepared.test.ts). */
export function preparedExecutions(db: Db): number {
  return preparedCalls.get(db)?.count ?? 0;
}

function counterOf(db: Db): { count: number } {
  let counter = preparedCalls.get(db);
  if (!counter) {
    counter = { count: 0 };
    preparedCalls.set(db, counter);
  }
  return counter;
}

/**
 * A statement built once with placeholders for its values and prepared by name with Drizzle's
 * `.prepare()`: Drizzle then never rebuilds its text, and postgres.js parses and plans it once per
 * connection instead of on every call (an unnamed statement costs a describe round trip and a
 * fresh plan each time: ~2.8× the database CPU of a by-id read).
 *
 * In a caller's transaction the statement is built for that transaction and prepared there too
 * (postgres.js reuses a connection's statement by its text), so only the building is repeated.
 * Writes on the hot paths are therefore single statements on the database (see the recipes
 * repository's create).
 */
export function prepared<R>(db: Db, name: string, build: (executor: Executor) => Buildable<R>) {
  let statement: { execute(values?: Values): Promise<R> } | undefined;
  const counter = counterOf(db);
  let named = false;
  const buildNamed = (executor: Executor) => {
    const builder = build(executor);
    if (!named) {
      // Traced, its statement spans take this name (src/db/traced.ts); untraced, this is free.
      nameStatement(db, name, () => builder.toSQL().sql);
      named = true;
    }
    return builder;
  };
  return (values: Values, tx: Executor = db): Promise<R> => {
    counter.count++;
    if (tx !== db) return buildNamed(tx).prepare(name).execute(values);
    statement ??= buildNamed(db).prepare(name);
    return statement.execute(values);
  };
}

/**
 * Like `prepared`, for a statement whose text depends on which optional parts are present (a
 * list's filters): one statement per shape, at most `limit` of them kept.
 */
export function preparedByShape<S, R>(
  db: Db,
  name: string,
  shapeKey: (shape: S) => string,
  build: (executor: Executor, shape: S) => Buildable<R>,
  limit = 256,
) {
  const statements = new Map<string, (values: Values, tx?: Executor) => Promise<R>>();
  return (shape: S, values: Values, tx: Executor = db): Promise<R> => {
    const key = shapeKey(shape);
    let statement = statements.get(key);
    if (!statement) {
      if (statements.size >= limit) statements.clear();
      statement = prepared(db, `${name}:${key}`, (executor) => build(executor, shape));
      statements.set(key, statement);
    }
    return statement(values, tx);
  };
}

/**
 * An insert of one row as a prepared statement: the row's keys name placeholders, so the text
 * is built once per set of columns given (a key whose value is undefined is left out and takes
 * its default, as in Drizzle's own insert). `build` receives the row made of placeholders; each
 * value is encoded by its column when the statement runs.
 */
export function preparedInsert<V extends object, R>(
  db: Db,
  name: string,
  build: (executor: Executor, row: V) => Buildable<R>,
) {
  const byColumns = preparedByShape(
    db,
    name,
    (keys: string[]) => keys.join(","),
    (executor, keys) =>
      build(executor, Object.fromEntries(keys.map((key) => [key, sql.placeholder(key)])) as V),
  );
  return (row: V, tx: Executor = db): Promise<R> => {
    const values = row as Values;
    const keys = Object.keys(values).filter((key) => values[key] !== undefined);
    return byColumns(keys, values, tx);
  };
}
