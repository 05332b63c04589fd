import { z } from "zod";
import { BadRequestError } from "./errors.ts";

/**
 * Keyset (cursor) pagination shared by every list endpoint.
 *
 * A cursor is the sort key of the last item of a page, JSON-encoded and base64url'd. It is
 * opaque to clients: they only hand it back. Each list validates the decoded key with its own
 * zod schema, so a tampered or foreign cursor is a 400 `invalid_cursor`, never a 500.
 *
 * A repository fetches `limit + 1` rows in a total order (the sort key always ends with a unique
 * column such as `id`), and `toPage` turns them into `{ items, nextCursor }`.
 */

export const DEFAULT_PAGE_LIMIT = 20;
export const MAX_PAGE_LIMIT = 100;
const MAX_CURSOR_LENGTH = 1_024;

export type Page<T> = { items: T[]; nextCursor: string | null };

export const LimitSchema = z.coerce
  .number()
  .int()
  .min(1)
  .max(MAX_PAGE_LIMIT)
  .default(DEFAULT_PAGE_LIMIT)
  .describe(`Page size, 1–${MAX_PAGE_LIMIT}`);

export const CursorSchema = z
  .string()
  .min(1)
  .max(MAX_CURSOR_LENGTH)
  .regex(/^[A-Za-z0-9_-]+$/, "is not a cursor")
  .optional()
  .describe("The `nextCursor` of the previous page");

/** `?limit=&cursor=`; spread it into a list's query schema. */
export const PageQuerySchema = z.object({ limit: LimitSchema, cursor: CursorSchema });
export type PageQuery = z.output<typeof PageQuerySchema>;

/**
 * The response schema of a list: `{ items: [item], nextCursor }`. A named item (`.meta({ id })`)
 * names its page too: `Recipe` → `RecipePage` in the OpenAPI document.
 */
export function pageSchema<T extends z.ZodType>(item: T) {
  const page = z.object({
    items: z.array(item),
    nextCursor: z
      .string()
      .nullable()
      .describe("Pass as `cursor` for the next page; null at the end"),
  });
  const id = z.globalRegistry.get(item)?.id;
  return id === undefined ? page : page.meta({ id: `${id}Page` });
}

/**
 * A timestamp sort key as PostgreSQL prints it (`select created_at::text`). Keeping the text
 * keeps the microseconds that a JS Date would drop, so the keyset condition is exact; the
 * pattern keeps anything else out of the `::timestamptz` cast.
 */
export const TimestampKeySchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2}){0,2}$/);

/** A floating-point sort key as PostgreSQL prints it; safe to cast with `::float8`/`::real`. */
export const NumberKeySchema = z.string().regex(/^-?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i);

export function encodeCursor(key: unknown): string {
  return Buffer.from(JSON.stringify(key), "utf8").toString("base64url");
}

/** Decodes a cursor and checks its shape; anything else is a 400 `invalid_cursor`. */
export function decodeCursor<T extends z.ZodType>(cursor: string, schema: T): z.output<T> {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw invalidCursor();
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw invalidCursor();
  return parsed.data;
}

/** Like `decodeCursor`, but `undefined` stays `undefined` (the first page). */
export function decodeOptionalCursor<T extends z.ZodType>(
  cursor: string | undefined,
  schema: T,
): z.output<T> | undefined {
  return cursor === undefined ? undefined : decodeCursor(cursor, schema);
}

/**
 * Cuts `limit + 1` fetched rows down to a page; the extra row only says that there is a next
 * page, whose cursor is the key of the last row kept.
 */
export function toPage<Row, Item = Row>(
  rows: Row[],
  limit: number,
  keyOf: (row: Row) => unknown,
  map: (row: Row) => Item = (row) => row as unknown as Item,
): Page<Item> {
  const kept = rows.slice(0, limit);
  const last = kept.at(-1);
  const nextCursor = rows.length > limit && last !== undefined ? encodeCursor(keyOf(last)) : null;
  return { items: kept.map(map), nextCursor };
}

function invalidCursor(): BadRequestError {
  return new BadRequestError("invalid_cursor", {
    detail: "The cursor is not valid; start again without one.",
    errors: [{ path: "querystring.cursor", message: "is not a valid cursor" }],
  });
}

/**
 * Every row of a source read in key order a page at a time, for work over all of a user's rows
 * (exports, batch jobs) that must not hold them all in memory.
 */
export async function* allRows<T>(
  fetchPage: (after: string | undefined, limit: number) => Promise<T[]>,
  keyOf: (row: T) => string,
  pageSize = 100,
): AsyncGenerator<T> {
  let after: string | undefined;
  for (;;) {
    const rows = await fetchPage(after, pageSize);
    yield* rows;
    const last = rows.at(-1);
    if (rows.length < pageSize || last === undefined) return;
    after = keyOf(last);
  }
}
