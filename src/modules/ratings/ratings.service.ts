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
type KeyedRatingRecord = Awaited<ReturnType<RatingsRepository["listMany"]>>[number];

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

    /**
     * `list` for several recipes at once, in two statements whatever their number (GraphQL's
     * `ratings` on each recipe of a page). The same decision per recipe as `list`: each answer
     * is its page, or the error `list` would throw for it.
     */
    async listMany(
      actor: Actor | null,
      requests: { recipeId: string; page: PageQuery }[],
    ): Promise<(Page<Rating> | Error)[]> {
      const access = new Map(
        (await repo.recipesAccess([...new Set(requests.map((r) => r.recipeId))])).map((row) => [
          row.id,
          row,
        ]),
      );
      const answers: (Page<Rating> | Error)[] = [];
      const keys: { recipeId: string; after?: [string, string]; answer: number }[] = [];
      for (const [index, { recipeId, page }] of requests.entries()) {
        try {
          ensureViewable(actor, access.get(recipeId));
          keys.push({
            recipeId,
            after: decodeOptionalCursor(page.cursor, RatingCursor),
            answer: index,
          });
        } catch (error) {
          answers[index] = error as Error;
        }
      }
      const limit = Math.max(0, ...requests.map((r) => r.page.limit));
      const rows = new Map<number, KeyedRatingRecord[]>();
      for (const row of await repo.listMany(keys, limit)) {
        const of = rows.get(row.key);
        if (of) of.push(row);
        else rows.set(row.key, [row]);
      }
      for (const [n, key] of keys.entries()) {
        const { limit: own } = (requests[key.answer] as { page: PageQuery }).page;
        // Every key got `limit + 1` rows at most; one asking for fewer keeps its own `own + 1`.
        const fetched = (rows.get(n) ?? []).slice(0, own + 1);
        answers[key.answer] = toPage(fetched, own, (row) => [row.sortKey, row.userId], toRating);
      }
      return answers;
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
