import { and, asc, desc, eq, gt, or, sql } from "drizzle-orm";
import type { Db, Executor } from "../../db/client.ts";
import { recipes } from "../recipes/recipes.table.ts";
import { favorites } from "./favorites.table.ts";

export function createFavoritesRepository(db: Db) {
  return {
    async add(userId: string, recipeId: string, now: Date, tx: Executor = db): Promise<void> {
      await tx.insert(favorites).values({ userId, recipeId, createdAt: now }).onConflictDoNothing();
    },

    async remove(userId: string, recipeId: string, tx: Executor = db): Promise<void> {
      await tx
        .delete(favorites)
        .where(and(eq(favorites.userId, userId), eq(favorites.recipeId, recipeId)));
    },

    /** A page of the user's favorites in recipe order, for an export. */
    async pageByUser(userId: string, afterRecipeId: string | undefined, limit: number) {
      return db
        .select({ recipeId: favorites.recipeId, createdAt: favorites.createdAt })
        .from(favorites)
        .where(
          and(
            eq(favorites.userId, userId),
            afterRecipeId ? gt(favorites.recipeId, afterRecipeId) : undefined,
          ),
        )
        .orderBy(asc(favorites.recipeId))
        .limit(limit);
    },

    async removeAllByUser(userId: string, tx: Executor = db): Promise<number> {
      const rows = await tx
        .delete(favorites)
        .where(eq(favorites.userId, userId))
        .returning({ recipeId: favorites.recipeId });
      return rows.length;
    },

    /**
     * A page of the user's favorites, newest first, leaving out recipes that turned private
     * under someone else. `after` is the last row's sort key (PostgreSQL text) and recipe id.
     */
    async list(userId: string, after: [string, string] | undefined, limit: number) {
      const keyset = after
        ? sql`(${favorites.createdAt}, ${favorites.recipeId}) < (${after[0]}::timestamptz, ${after[1]}::uuid)`
        : undefined;
      return db
        .select({
          recipeId: favorites.recipeId,
          sortKey: sql<string>`${favorites.createdAt}::text`,
        })
        .from(favorites)
        .innerJoin(recipes, eq(recipes.id, favorites.recipeId))
        .where(
          and(
            eq(favorites.userId, userId),
            or(eq(recipes.visibility, "public"), eq(recipes.authorId, userId)),
            keyset,
          ),
        )
        .orderBy(desc(favorites.createdAt), desc(favorites.recipeId))
        .limit(limit + 1);
    },
  };
}

export type FavoritesRepository = ReturnType<typeof createFavoritesRepository>;
