import { index, pgTable, primaryKey, smallint, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { recipes } from "../recipes/recipes.table.ts";
import { users } from "../users/users.table.ts";

export const ratings = pgTable(
  "ratings",
  {
    recipeId: uuid()
      .notNull()
      .references(() => recipes.id, { onDelete: "cascade" }),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    stars: smallint().notNull(),
    comment: text(),
    createdAt: timestamp({ withTimezone: true, mode: "date" }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (table) => [
    primaryKey({ columns: [table.recipeId, table.userId] }),
    index("ratings_recipe_id_updated_at_user_id_idx").on(
      table.recipeId,
      table.updatedAt,
      table.userId,
    ),
    index("ratings_user_id_idx").on(table.userId),
  ],
);

export type RatingRow = typeof ratings.$inferSelect;
