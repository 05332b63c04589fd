import { sql } from "drizzle-orm";
import {
  customType,
  doublePrecision,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
} from "drizzle-orm/pg-core";
import { users } from "../users/users.table.ts";

/** A PostgreSQL text-search document; written as SQL expressions, never read back. */
export const tsvector = customType<{ data: string }>({ dataType: () => "tsvector" });

export const recipes = pgTable(
  "recipes",
  {
    id: uuid().primaryKey().defaultRandom(),
    authorId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    title: text().notNull(),
    description: text().notNull().default(""),
    servings: integer().notNull(),
    prepMinutes: integer().notNull(),
    cookMinutes: integer().notNull(),
    totalMinutes: integer().generatedAlwaysAs(sql`prep_minutes + cook_minutes`),
    visibility: text({ enum: ["public", "private"] })
      .notNull()
      .default("public"),
    steps: text().array().notNull().default(sql`'{}'::text[]`),
    // Title, description and ingredient names, kept in step by the repository on every write:
    // ingredient names live in another table, which a generated column cannot read.
    search: tsvector().notNull(),
    // Ingredient names only, for the `ingredient` filter (word-prefix match, GIN-indexed).
    ingredientSearch: tsvector().notNull(),
    // Maintained in the rating transaction under a row lock, so they stay exact.
    ratingCount: integer().notNull().default(0),
    ratingSum: integer().notNull().default(0),
    ratingAverage: doublePrecision().notNull().default(0),
    version: integer().notNull().default(1),
    createdAt: timestamp({ withTimezone: true, mode: "date" }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (table) => [
    index("recipes_created_at_id_idx").on(table.createdAt, table.id),
    index("recipes_public_created_at_id_idx")
      .on(table.createdAt, table.id)
      .where(sql`${table.visibility} = 'public'`),
    index("recipes_author_id_created_at_id_idx").on(table.authorId, table.createdAt, table.id),
    index("recipes_rating_average_id_idx").on(table.ratingAverage, table.id),
    index("recipes_total_minutes_idx").on(table.totalMinutes),
    index("recipes_search_idx").using("gin", table.search),
    index("recipes_ingredient_search_idx").using("gin", table.ingredientSearch),
  ],
);

export const recipeIngredients = pgTable(
  "recipe_ingredients",
  {
    recipeId: uuid()
      .notNull()
      .references(() => recipes.id, { onDelete: "cascade" }),
    position: integer().notNull(),
    name: text().notNull(),
    quantity: doublePrecision(),
    unit: text(),
    note: text(),
  },
  (table) => [primaryKey({ columns: [table.recipeId, table.position] })],
);

export const recipeTags = pgTable(
  "recipe_tags",
  {
    recipeId: uuid()
      .notNull()
      .references(() => recipes.id, { onDelete: "cascade" }),
    tag: text().notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.recipeId, table.tag] }),
    index("recipe_tags_tag_recipe_id_idx").on(table.tag, table.recipeId),
  ],
);

export type RecipeRow = typeof recipes.$inferSelect;
export type RecipeIngredientRow = typeof recipeIngredients.$inferSelect;
