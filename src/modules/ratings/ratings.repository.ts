import { and, asc, desc, eq, gt, sql } from "drizzle-orm";
import type { Db, Executor } from "../../db/client.ts";
import { recipes } from "../recipes/recipes.table.ts";
import { users } from "../users/users.table.ts";
import { ratings } from "./ratings.table.ts";

const columns = {
  recipeId: ratings.recipeId,
  userId: ratings.userId,
  userName: users.name,
  stars: ratings.stars,
  comment: ratings.comment,
  createdAt: ratings.createdAt,
  updatedAt: ratings.updatedAt,
};

export function createRatingsRepository(db: Db) {
  return {
    /**
     * Who may rate the recipe; with `lock`, holds its row until the transaction ends so that
     * concurrent ratings of one recipe recompute its aggregate one after another.
     */
    async recipeAccess(recipeId: string, options: { lock: boolean }, tx: Executor = db) {
      const query = tx
        .select({ authorId: recipes.authorId, visibility: recipes.visibility })
        .from(recipes)
        .where(eq(recipes.id, recipeId));
      const [row] = options.lock ? await query.for("update") : await query;
      return row;
    },

    async upsert(
      values: {
        recipeId: string;
        userId: string;
        stars: number;
        comment: string | null;
        now: Date;
      },
      tx: Executor = db,
    ): Promise<void> {
      const { now, ...rating } = values;
      await tx
        .insert(ratings)
        .values({ ...rating, createdAt: now, updatedAt: now })
        .onConflictDoUpdate({
          target: [ratings.recipeId, ratings.userId],
          set: { stars: rating.stars, comment: rating.comment, updatedAt: now },
        });
    },

    async remove(recipeId: string, userId: string, tx: Executor = db): Promise<void> {
      await tx
        .delete(ratings)
        .where(and(eq(ratings.recipeId, recipeId), eq(ratings.userId, userId)));
    },

    /** Recomputes the recipe's count, sum and average from its ratings, in one statement. */
    async refreshAggregate(recipeId: string, tx: Executor = db): Promise<void> {
      const of = sql`from ${ratings} where ${ratings.recipeId} = ${recipeId}`;
      await tx
        .update(recipes)
        .set({
          ratingCount: sql`(select count(*) ${of})`,
          ratingSum: sql`(select coalesce(sum(${ratings.stars}), 0) ${of})`,
          ratingAverage: sql`(select coalesce(avg(${ratings.stars})::float8, 0) ${of})`,
        })
        .where(eq(recipes.id, recipeId));
    },

    async findOne(recipeId: string, userId: string, tx: Executor = db) {
      const [row] = await tx
        .select(columns)
        .from(ratings)
        .innerJoin(users, eq(users.id, ratings.userId))
        .where(and(eq(ratings.recipeId, recipeId), eq(ratings.userId, userId)));
      return row;
    },

    /** A page of the user's own ratings in recipe order, for an export. */
    async pageByUser(userId: string, afterRecipeId: string | undefined, limit: number) {
      return db
        .select({
          recipeId: ratings.recipeId,
          stars: ratings.stars,
          comment: ratings.comment,
          createdAt: ratings.createdAt,
          updatedAt: ratings.updatedAt,
        })
        .from(ratings)
        .where(
          and(
            eq(ratings.userId, userId),
            afterRecipeId ? gt(ratings.recipeId, afterRecipeId) : undefined,
          ),
        )
        .orderBy(asc(ratings.recipeId))
        .limit(limit);
    },

    async recipesRatedBy(userId: string, limit: number, tx: Executor = db): Promise<string[]> {
      const rows = await tx
        .select({ recipeId: ratings.recipeId })
        .from(ratings)
        .where(eq(ratings.userId, userId))
        .orderBy(asc(ratings.recipeId))
        .limit(limit);
      return rows.map((row) => row.recipeId);
    },

    /** Newest first; `after` is the sort key (PostgreSQL text) and user id of the last row. */
    async list(recipeId: string, after: [string, string] | undefined, limit: number) {
      const keyset = after
        ? sql`(${ratings.updatedAt}, ${ratings.userId}) < (${after[0]}::timestamptz, ${after[1]}::uuid)`
        : undefined;
      return db
        .select({ ...columns, sortKey: sql<string>`${ratings.updatedAt}::text` })
        .from(ratings)
        .innerJoin(users, eq(users.id, ratings.userId))
        .where(and(eq(ratings.recipeId, recipeId), keyset))
        .orderBy(desc(ratings.updatedAt), desc(ratings.userId))
        .limit(limit + 1);
    },
  };
}

export type RatingsRepository = ReturnType<typeof createRatingsRepository>;
