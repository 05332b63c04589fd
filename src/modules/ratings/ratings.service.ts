import { z } from "zod";
import type { Db } from "../../db/client.ts";
import type { Actor } from "../../lib/actor.ts";
import type { Clock } from "../../lib/clock.ts";
import {
  allRows,
  decodeOptionalCursor,
  type Page,
  type PageQuery,
  TimestampKeySchema,
  toPage,
} from "../../lib/pagination.ts";
import { ensureRatable, ensureViewable } from "../recipes/recipes.policy.ts";
import type { RatingsRepository } from "./ratings.repository.ts";
import type { RateInput, Rating } from "./ratings.schema.ts";

type RatingsDeps = { db: Db; ratingsRepository: RatingsRepository; clock: Clock };

const RatingCursor = z.tuple([TimestampKeySchema, z.uuid()]);

type RatingRecord = NonNullable<Awaited<ReturnType<RatingsRepository["findOne"]>>>;

function toRating(row: RatingRecord): Rating {
  return {
    recipeId: row.recipeId,
    user: { id: row.userId, name: row.userName },
    stars: row.stars,
    comment: row.comment,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function createRatingsService({ db, ratingsRepository: repo, clock }: RatingsDeps) {
  return {
    /** The user's ratings for an export, a page at a time. */
    exportRows(userId: string) {
      return allRows(
        (after, limit) => repo.pageByUser(userId, after, limit),
        (row) => row.recipeId,
      );
    },

    /**
     * Deletes the user's ratings a page per transaction, recomputing each rated recipe's
     * aggregate under its row lock (in recipe order, so concurrent raters cannot deadlock).
     */
    async removeAllByUser(userId: string): Promise<number> {
      let removed = 0;
      for (;;) {
        const count = await db.transaction(async (tx) => {
          const recipeIds = await repo.recipesRatedBy(userId, 100, tx);
          for (const recipeId of recipeIds) {
            await repo.recipeAccess(recipeId, { lock: true }, tx);
            await repo.remove(recipeId, userId, tx);
            await repo.refreshAggregate(recipeId, tx);
          }
          return recipeIds.length;
        });
        removed += count;
        if (count === 0) return removed;
      }
    },

    /** One rating per user and recipe: a second call replaces the first. */
    async rate(actor: Actor, recipeId: string, input: RateInput): Promise<Rating> {
      return db.transaction(async (tx) => {
        ensureRatable(actor, await repo.recipeAccess(recipeId, { lock: true }, tx));
        await repo.upsert({ recipeId, userId: actor.userId, ...input, now: clock.now() }, tx);
        await repo.refreshAggregate(recipeId, tx);
        return toRating((await repo.findOne(recipeId, actor.userId, tx)) as RatingRecord);
      });
    },

    /** Idempotent: removing a rating that is not there is fine. */
    async unrate(actor: Actor, recipeId: string): Promise<void> {
      await db.transaction(async (tx) => {
        ensureViewable(actor, await repo.recipeAccess(recipeId, { lock: true }, tx));
        await repo.remove(recipeId, actor.userId, tx);
        await repo.refreshAggregate(recipeId, tx);
      });
    },

    async list(actor: Actor | null, recipeId: string, page: PageQuery): Promise<Page<Rating>> {
      ensureViewable(actor, await repo.recipeAccess(recipeId, { lock: false }));
      const after = decodeOptionalCursor(page.cursor, RatingCursor);
      const rows = await repo.list(recipeId, after, page.limit);
      return toPage(rows, page.limit, (row) => [row.sortKey, row.userId], toRating);
    },
  };
}

export type RatingsService = ReturnType<typeof createRatingsService>;
