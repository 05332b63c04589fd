import { and, asc, desc, eq, gt, inArray, sql } from "drizzle-orm";
import type { Db, Executor } from "../../db/client.ts";
import { prepared } from "../../db/prepared.ts";
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
  // One lateral page per key; the index on (recipe_id, updated_at, user_id) gives each in order.
  const listManyStatement = prepared(db, "ratings_list_many", (tx) => {
    const p = (name: string) => sql.placeholder(name);
    // Timestamps travel as text: Drizzle's postgres.js driver passes dates through unparsed,
    // which leaves postgres.js no serializer for a timestamptz[] parameter.
    const key = sql`unnest(${p("recipeIds")}::uuid[], ${p("afterAts")}::text[]::timestamptz[],
      ${p("afterIds")}::uuid[]) with ordinality as key(recipe_id, after_at, after_id, n)`;
    const page = tx
      .select({ ...columns, sortKey: sql<string>`${ratings.updatedAt}::text`.as("sort_key") })
      .from(ratings)
      .innerJoin(users, eq(users.id, ratings.userId))
      .where(
        and(
          sql`${ratings.recipeId} = key.recipe_id`,
          sql`(key.after_at is null
            or (${ratings.updatedAt}, ${ratings.userId}) < (key.after_at, key.after_id))`,
        ),
      )
      .orderBy(desc(ratings.updatedAt), desc(ratings.userId))
      .limit(p("limit"))
      .as("page");
    return tx
      .select({
        key: sql<number>`(key.n - 1)::int`,
        recipeId: page.recipeId,
        userId: page.userId,
        userName: page.userName,
        stars: page.stars,
        comment: page.comment,
        createdAt: page.createdAt,
        updatedAt: page.updatedAt,
        sortKey: page.sortKey,
      })
      .from(key)
      .crossJoinLateral(page)
      .orderBy(sql`key.n`, desc(page.updatedAt), desc(page.userId));
  });

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

    /** Who may see each of the recipes: one statement, in no particular order. */
    async recipesAccess(recipeIds: string[]) {
      if (recipeIds.length === 0) return [];
      return db
        .select({ id: recipes.id, authorId: recipes.authorId, visibility: recipes.visibility })
        .from(recipes)
        .where(inArray(recipes.id, recipeIds));
    },

    /**
     * `list` for several recipes in one statement, each with its own keyset: the first
     * `limit + 1` rows after `after` for each key, tagged with the key's index (`key`).
     */
    async listMany(keys: { recipeId: string; after?: [string, string] }[], limit: number) {
      if (keys.length === 0) return [];
      return listManyStatement({
        recipeIds: keys.map((key) => key.recipeId),
        afterAts: keys.map((key) => key.after?.[0] ?? null),
        afterIds: keys.map((key) => key.after?.[1] ?? null),
        limit: limit + 1,
      });
    },
  };
}

export type RatingsRepository = ReturnType<typeof createRatingsRepository>;
