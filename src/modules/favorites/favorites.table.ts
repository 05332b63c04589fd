import { index, pgTable, primaryKey, timestamp, uuid } from "drizzle-orm/pg-core";
import { recipes } from "../recipes/recipes.table.ts";
import { users } from "../users/users.table.ts";

export const favorites = pgTable(
  "favorites",
  {
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    recipeId: uuid()
      .notNull()
      .references(() => recipes.id, { onDelete: "cascade" }),
    createdAt: timestamp({ withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (table) => [
    primaryKey({ columns: [table.userId, table.recipeId] }),
    index("favorites_user_id_created_at_recipe_id_idx").on(
      table.userId,
      table.createdAt,
      table.recipeId,
    ),
    index("favorites_recipe_id_idx").on(table.recipeId),
  ],
);
