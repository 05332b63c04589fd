import { eq, lte, or, type SQL, sql } from "drizzle-orm";
import type { Sort } from "./recipes.schema.ts";
import { recipes, recipeTags } from "./recipes.table.ts";

/** The list query's inputs, already validated and resolved by the service. */
export type RecipeListParams = {
  viewerId: string | null;
  /** Contains at least one searchable word (the service answers empty otherwise). */
  q?: string;
  tags: string[];
  /** Letters and digits only, so they are safe inside `to_tsquery`. */
  ingredientWords: string[];
  maxTotalMinutes?: number;
  authorId?: string;
  visibility?: "public" | "private";
  sort: Sort;
  /** The sort key and id of the last row of the previous page. */
  after?: [string, string];
  limit: number;
};

const p = sql.placeholder;

/**
 * The text-search queries of a list. Every shape is a prepared statement, and PostgreSQL may then
 * run it on a generic plan, where `websearch_to_tsquery($1)` is no constant: in a relevance sort
 * (every match ranked) it was re-evaluated for each row, 10.4 ms against 4.2 ms for a custom plan
 * (EXPLAIN ANALYZE, 20,000 recipes, "garlic"). Sorted by relevance, the query is therefore a
 * scalar subquery, computed once per execution whatever the plan (3.0 ms on the generic plan).
 * Other sorts keep it inline: their custom plans see the words and walk the date or rating index
 * until the page is full (0.06 ms), and PostgreSQL keeps choosing those plans.
 */
function searchQueries(params: RecipeListParams) {
  const once = (query: SQL) => (params.sort === "relevance" ? sql`(select ${query})` : query);
  return {
    words: once(sql`websearch_to_tsquery('english', ${p("q")})`),
    ingredients: once(sql`to_tsquery('simple', ${p("ingredients")})`),
  };
}

/**
 * The list statement is built from the parameters' shape (which filters are present, the sort,
 * whether a cursor is) with every value a placeholder, so one prepared statement serves every
 * request of that shape; `listValues` supplies the values.
 */
export function listShape(params: RecipeListParams): string {
  return [
    params.viewerId === null ? "anon" : "viewer",
    params.q === undefined ? "" : "q",
    `t${params.tags.length}`,
    params.ingredientWords.length === 0 ? "" : "i",
    params.maxTotalMinutes === undefined ? "" : "m",
    params.authorId === undefined ? "" : "a",
    params.visibility === undefined ? "" : "v",
    params.sort,
    params.after === undefined ? "" : "after",
  ].join(",");
}

export function listValues(params: RecipeListParams): Record<string, unknown> {
  const values: Record<string, unknown> = {
    viewerId: params.viewerId,
    q: params.q,
    ingredients: params.ingredientWords.map((word) => `${word}:*`).join(" & "),
    maxTotalMinutes: params.maxTotalMinutes,
    authorId: params.authorId,
    visibility: params.visibility,
    afterKey: params.after?.[0],
    afterId: params.after?.[1],
    limit: params.limit + 1,
  };
  params.tags.forEach((tag, i) => {
    values[`tag${i}`] = tag;
  });
  return values;
}

export function listFilters(params: RecipeListParams): SQL[] {
  const query = searchQueries(params);
  const filters: (SQL | undefined)[] = [
    params.viewerId === null
      ? eq(recipes.visibility, "public")
      : or(eq(recipes.visibility, "public"), eq(recipes.authorId, p("viewerId"))),
    params.q === undefined ? undefined : sql`${recipes.search} @@ ${query.words}`,
    ...params.tags.map(
      (_, i) => sql`exists (select 1 from ${recipeTags}
        where ${recipeTags.recipeId} = ${recipes.id} and ${recipeTags.tag} = ${p(`tag${i}`)})`,
    ),
    params.ingredientWords.length === 0
      ? undefined
      : sql`${recipes.ingredientSearch} @@ ${query.ingredients}`,
    params.maxTotalMinutes === undefined
      ? undefined
      : lte(recipes.totalMinutes, p("maxTotalMinutes")),
    params.authorId === undefined ? undefined : eq(recipes.authorId, p("authorId")),
    params.visibility === undefined ? undefined : eq(recipes.visibility, p("visibility")),
  ];
  return filters.filter((filter): filter is SQL => filter !== undefined);
}

type SortSpec = { key: SQL; type: "timestamptz" | "float8" | "real"; direction: "asc" | "desc" };

function sortSpec(params: RecipeListParams): SortSpec {
  switch (params.sort) {
    case "oldest":
      return { key: sql`${recipes.createdAt}`, type: "timestamptz", direction: "asc" };
    case "rating":
      return { key: sql`${recipes.ratingAverage}`, type: "float8", direction: "desc" };
    case "relevance":
      return {
        key: sql`ts_rank(${recipes.search}, ${searchQueries(params).words})`,
        type: "real",
        direction: "desc",
      };
    default:
      return { key: sql`${recipes.createdAt}`, type: "timestamptz", direction: "desc" };
  }
}

/**
 * The order of a list and its keyset condition. Ties are broken by id, so the order is total and
 * walking the cursors returns every row exactly once. The sort key travels through the cursor as
 * PostgreSQL's own text form, which casts back to the exact same value (microseconds included).
 */
// verify: raw-sql-allowed — sql.raw only ever receives the fixed words of sortSpec (asc/desc,
// </>, a type name), never input; values travel as parameters.
export function listOrder(params: RecipeListParams) {
  const { key, type, direction } = sortSpec(params);
  const dir = sql.raw(direction);
  const after = params.after
    ? sql`(${key}, ${recipes.id}) ${sql.raw(direction === "desc" ? "<" : ">")}
        (${p("afterKey")}::${sql.raw(type)}, ${p("afterId")}::uuid)`
    : undefined;
  return {
    orderBy: [sql`${key} ${dir}`, sql`${recipes.id} ${dir}`],
    sortKey: sql<string>`(${key})::text`,
    after,
  };
}
