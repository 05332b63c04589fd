import { pino } from "pino";

const REDACTED = "[redacted]";
// Where drivers keep a failed statement's bound values: Drizzle (`params`), PGlite (`params`,
// `queryOptions`), postgres.js (`parameters`, `args`; enumerable only in its debug mode).
const VALUE_KEYS = ["params", "parameters", "args", "queryOptions"] as const;
// Shorter values are redacted only where PostgreSQL quotes them (`… for type uuid: "x"`):
// replaced everywhere, a value like "1" would garble every line number of the stack.
const MIN_BARE_LENGTH = 3;

type ErrorLike = Record<string, unknown> & { message?: unknown; stack?: unknown; cause?: unknown };

function* chain(error: unknown): Generator<ErrorLike> {
  let current = error;
  for (let depth = 0; current && typeof current === "object" && depth < 5; depth++) {
    yield current as ErrorLike;
    current = (current as ErrorLike).cause;
  }
}

function asText(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === "string") return value;
  if (typeof value === "object" && !(value instanceof Date)) return JSON.stringify(value);
  return value instanceof Date ? value.toISOString() : String(value);
}

/** What a failed statement leaves in the error's text: its bound values and Drizzle's list. */
function secretsOf(error: unknown): { values: string[]; lists: string[]; queries: string[] } {
  const values = new Set<string>();
  const lists: string[] = [];
  const queries = new Set<string>();
  for (const link of chain(error)) {
    if (typeof link.query === "string" && link.query) queries.add(link.query);
    for (const key of ["params", "parameters"] as const) {
      const bound = link[key];
      if (!Array.isArray(bound)) continue;
      // Drizzle's message is `Failed query: <sql>\nparams: <values joined by commas>`.
      if (key === "params") lists.push(`\nparams: ${String(bound)}`);
      for (const value of bound) {
        const text = asText(value);
        if (text) values.add(text);
      }
    }
  }
  const longestFirst = (a: string, b: string) => b.length - a.length;
  return { values: [...values].sort(longestFirst), lists, queries: [...queries] };
}

function redactValues(text: string, values: readonly string[]): string {
  let result = text;
  for (const value of values) {
    result =
      value.length >= MIN_BARE_LENGTH
        ? result.replaceAll(value, REDACTED)
        : result.replaceAll(`"${value}"`, `"${REDACTED}"`);
  }
  return result;
}

/** Redacts bound values everywhere but inside the statements' SQL text, which holds none. */
function scrub(text: string, secrets: ReturnType<typeof secretsOf>): string {
  let result = text;
  for (const list of secrets.lists) result = result.replaceAll(list, "");
  const [query, ...others] = secrets.queries;
  if (!query) return redactValues(result, secrets.values);
  return result
    .split(query)
    .map((part) => scrub(part, { ...secrets, lists: [], queries: others }))
    .join(query);
}

/**
 * pino's error serializer, minus the bound values of a failed SQL statement. Drizzle puts them
 * in its error's message and `params`, PGlite on its errors, and PostgreSQL repeats an
 * offending value in its message (`invalid input syntax for type uuid: "…"`): they may be
 * emails, names or tokens, and a log line must not carry them. The SQL text stays.
 */
export function serializeError(error: unknown): unknown {
  const serialized = pino.stdSerializers.err(error as Error) as unknown;
  // Not error-like: pino hands the caller's own value back, which is not ours to change.
  if (serialized === error || !serialized || typeof serialized !== "object") return serialized;
  const secrets = secretsOf(error);
  const fields = serialized as Record<string, unknown>;
  for (const key of VALUE_KEYS) delete fields[key];
  // pino keeps only the message and stack of a cause: keep the database's SQLSTATE too.
  fields.code ??= [...chain(error)].map((link) => link.code).find((c) => typeof c === "string");
  if (secrets.values.length === 0 && secrets.lists.length === 0) return serialized;
  for (const key of ["message", "stack"]) {
    if (typeof fields[key] === "string") fields[key] = scrub(fields[key] as string, secrets);
  }
  return serialized;
}
