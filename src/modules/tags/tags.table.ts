import { index, integer, pgTable, text } from "drizzle-orm/pg-core";

/**
 * How many public recipes carry each tag, kept in step by the recipes repository in the same
 * transaction as every recipe write, so `GET /api/tags` reads a few hundred rows instead of
 * grouping every tag of every recipe.
 */
export const tagCounts = pgTable(
  "tag_counts",
  {
    tag: text().primaryKey(),
    publicCount: integer().notNull().default(0),
  },
  (table) => [index("tag_counts_public_count_tag_idx").on(table.publicCount, table.tag)],
);
