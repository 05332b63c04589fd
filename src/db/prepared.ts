import { Column, is, noopDecoder, Param, Placeholder, SQL, Subquery } from "drizzle-orm";
import { type Db, type Executor, preparable, UNWRAPPED } from "./client.ts";

/** Values for a statement's `sql.placeholder(name)`s. */
export type Values = Record<string, unknown>;

/** What a Drizzle query builder offers once its values are placeholders. */
type Buildable<R> = {
  prepare(name: string): { execute(values?: Values): Promise<R> };
  execute(values?: Values): Promise<R>;
};

type Decoder = { mapFromDriverValue(value: unknown): unknown };
type Field = { path: string[]; field: unknown };

/**
 * The parts of Drizzle's prepared query (0.45; postgres-js and PGlite sessions) a compiled
 * statement reads once. Not public API: `compile` checks every part it relies on and leaves a
 * query it does not recognise to Drizzle, and src/db/prepared.test.ts compares the two on
 * every shape of statement the repositories use.
 */
type DrizzlePrepared = {
  queryString?: unknown;
  params?: unknown;
  fields?: Field[];
  customResultMapper?: unknown;
  logger?: { logQuery(query: string, params: unknown[]): void };
  /** PGlite's query options (row mode and parsers), for rows as arrays and as objects. */
  queryConfig?: object;
  rawQueryConfig?: object;
};

/** The client a database or transaction runs on: postgres.js's or PGlite's. */
type Client = {
  [UNWRAPPED]?: Client;
  unsafe?(
    query: string,
    params: unknown[],
    options: { prepare: boolean },
  ): Promise<unknown> & { values(): Promise<unknown[][]> };
  query?(query: string, params: unknown[], options?: object): Promise<{ rows: unknown[][] }>;
};

type Statement<R> = (executor: Executor, values: Values) => Promise<R>;

function decoderOf(field: unknown): Decoder {
  if (is(field, Column)) return field as unknown as Decoder;
  const sqlOf = (value: unknown) => (value as { decoder: Decoder }).decoder;
  if (is(field, SQL)) return sqlOf(field);
  if (is(field, Subquery)) return sqlOf((field as unknown as { _: { sql: SQL } })._.sql);
  return sqlOf((field as { sql: SQL }).sql);
}

const identity = (decoder: Decoder) =>
  decoder.mapFromDriverValue === Column.prototype.mapFromDriverValue ||
  decoder.mapFromDriverValue === noopDecoder.mapFromDriverValue;

/** Fills the placeholders as Drizzle's `fillPlaceholders` does, with its checks done once. */
function parameterFiller(params: unknown[]): (values: Values) => unknown[] {
  const getters = params.map((param): ((values: Values) => unknown) => {
    const encoded = is(param, Param) && is(param.value, Placeholder);
    const placeholder = encoded ? (param as Param).value : param;
    if (!is(placeholder, Placeholder)) return () => param;
    const { name } = placeholder;
    const read = (values: Values) => {
      if (!(name in values)) throw new Error(`No value for placeholder "${name}" was provided`);
      return values[name];
    };
    if (!encoded) return read;
    const { encoder } = param as Param;
    return (values) => encoder.mapToDriverValue(read(values));
  });
  return (values) => getters.map((get) => get(values));
}

/** Turns a row of values (in select order) into the object Drizzle would return. */
function rowMapper(fields: Field[]): (row: unknown[]) => Record<string, unknown> {
  const keys = fields.map(({ path }) => path[0] as string);
  const decoders = fields.map(({ field }) => {
    const decoder = decoderOf(field);
    return identity(decoder) ? undefined : decoder;
  });
  return (row) => {
    const result: Record<string, unknown> = {};
    for (let i = 0; i < keys.length; i++) {
      const value = row[i];
      const decoder = decoders[i];
      result[keys[i] as string] =
        value === null || decoder === undefined ? value : decoder.mapFromDriverValue(value);
    }
    return result;
  };
}

/**
 * A prepared Drizzle query reduced to what changes per call: its text and row mapping are read
 * once, and each call fills the placeholders, sends the text and maps the rows. Drizzle's own
 * execute redoes the checks of every parameter and column on each call and wraps it in tracing
 * and cache layers: ~8% of a by-id read's CPU. Returns undefined for a query it does not
 * recognise (nested selections, relational queries), which then stays with Drizzle.
 * verify: raw-sql-allowed — it sends the text Drizzle's builder made, unchanged; every value
 * travels as a parameter.
 */
function compile<R>(prepared: unknown): Statement<R> | undefined {
  const query = prepared as DrizzlePrepared;
  const { queryString, params, fields, logger, queryConfig, rawQueryConfig } = query;
  if (typeof queryString !== "string" || !Array.isArray(params) || !logger) return;
  if (query.customResultMapper || fields?.some(({ path }) => path.length !== 1)) return;
  const fill = parameterFiller(params);
  // postgres.js's client is wrapped to decide `prepare` per call (src/db/client.ts); the
  // decision is made here once instead.
  const options = { prepare: preparable(queryString) };
  const clientOf = (executor: Executor) => {
    const client = (executor as unknown as { session: { client: Client } }).session.client;
    return client[UNWRAPPED] ?? client;
  };
  // Without a selection (a write without `returning`) the driver's own result is the answer,
  // as Drizzle returns it; with one, rows come as arrays and are mapped.
  const map = fields && rowMapper(fields);
  return async (executor, values) => {
    const client = clientOf(executor);
    const parameters = fill(values);
    logger.logQuery(queryString, parameters);
    if (client.unsafe) {
      const pending = client.unsafe(queryString, parameters, options);
      return (map ? (await pending.values()).map(map) : await pending) as R;
    }
    const result = await client.query?.(
      queryString,
      parameters,
      map ? queryConfig : rawQueryConfig,
    );
    return (map ? (result?.rows ?? []).map(map) : result) as R;
  };
}

/**
 * A statement whose SQL text is built once, with placeholders for its values, and then only
 * executed: Drizzle otherwise rebuilds the text on every call, which was about a third of the
 * CPU time of a by-id read. The same statement runs on the database or in a caller's
 * transaction (postgres.js prepares it per connection by its text).
 */
export function reusable<R>(db: Db, name: string, build: (executor: Executor) => Buildable<R>) {
  let statement: Statement<R> | undefined;
  return (values: Values, tx: Executor = db): Promise<R> => {
    if (!statement) {
      const prepared = build(db).prepare(name);
      statement =
        compile<R>(prepared) ??
        ((executor, v) => (executor === db ? prepared.execute(v) : build(executor).execute(v)));
    }
    return statement(tx, values);
  };
}

/**
 * Like `reusable`, for a statement whose text depends on which optional parts are present (a
 * list's filters): one statement per shape, at most `limit` of them kept.
 */
export function reusableByShape<S, R>(
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
      statement = reusable(db, `${name}:${key}`, (executor) => build(executor, shape));
      statements.set(key, statement);
    }
    return statement(values, tx);
  };
}
