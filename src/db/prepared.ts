import type { Db, Executor } from "./client.ts";

/** Values for a statement's `sql.placeholder(name)`s. */
export type Values = Record<string, unknown>;

/** What a Drizzle query builder offers once its values are placeholders. */
type Buildable<R> = {
  prepare(name: string): { execute(values?: Values): Promise<R> };
  execute(values?: Values): Promise<R>;
};

/**
 * A statement whose SQL text is built once, with placeholders for its values, and then only
 * executed: Drizzle otherwise rebuilds the text on every call, which was about a third of the
 * CPU time of a by-id read. Inside a transaction the statement is built on the transaction, as
 * any other (a prepared Drizzle query is bound to the pool).
 */
export function reusable<R>(db: Db, name: string, build: (executor: Executor) => Buildable<R>) {
  let prepared: { execute(values?: Values): Promise<R> } | undefined;
  return (values: Values, tx: Executor = db): Promise<R> => {
    if (tx !== db) return build(tx).execute(values);
    prepared ??= build(db).prepare(name);
    return prepared.execute(values);
  };
}

/**
 * Like `reusable`, for a statement whose text depends on which optional parts are present (a
 * list's filters): one prepared statement per shape, at most `limit` of them kept.
 */
export function reusableByShape<S, R>(
  db: Db,
  name: string,
  shapeKey: (shape: S) => string,
  build: (executor: Executor, shape: S) => Buildable<R>,
  limit = 256,
) {
  const prepared = new Map<string, { execute(values?: Values): Promise<R> }>();
  return (shape: S, values: Values, tx: Executor = db): Promise<R> => {
    if (tx !== db) return build(tx, shape).execute(values);
    const key = shapeKey(shape);
    let statement = prepared.get(key);
    if (!statement) {
      if (prepared.size >= limit) prepared.clear();
      statement = build(db, shape).prepare(`${name}:${key}`);
      prepared.set(key, statement);
    }
    return statement.execute(values);
  };
}
