import { z } from "zod";
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
import type { RecipeSummary } from "../recipes/recipes.schema.ts";
import type { RecipesService } from "../recipes/recipes.service.ts";
import type { FavoritesRepository } from "./favorites.repository.ts";

type FavoritesDeps = {
  favoritesRepository: FavoritesRepository;
  recipes: RecipesService;
  clock: Clock;
};

const FavoriteCursor = z.tuple([TimestampKeySchema, z.uuid()]);

export function createFavoritesService({
  favoritesRepository: repo,
  recipes,
  clock,
}: FavoritesDeps) {
  return {
    /** Idempotent: favoriting twice keeps the first time. */
    async favorite(actor: Actor, recipeId: string): Promise<void> {
      await recipes.ensureViewable(actor, recipeId);
      await repo.add(actor.userId, recipeId, clock.now());
    },

    async unfavorite(actor: Actor, recipeId: string): Promise<void> {
      await recipes.ensureViewable(actor, recipeId);
      await repo.remove(actor.userId, recipeId);
    },

    /** The user's favorites for an export, a page at a time. */
    exportRows(userId: string) {
      return allRows(
        (after, limit) => repo.pageByUser(userId, after, limit),
        (row) => row.recipeId,
      );
    },

    async removeAllByUser(userId: string): Promise<number> {
      return repo.removeAllByUser(userId);
    },

    /** Three statements per page: the favorites, their summaries, their tags. */
    async list(actor: Actor, page: PageQuery): Promise<Page<RecipeSummary>> {
      const after = decodeOptionalCursor(page.cursor, FavoriteCursor);
      const rows = await repo.list(actor.userId, after, page.limit);
      const kept = rows.slice(0, page.limit);
      const summaries = await recipes.summariesOf(
        actor,
        kept.map((row) => row.recipeId),
      );
      return {
        ...toPage(rows, page.limit, (row) => [row.sortKey, row.recipeId]),
        items: summaries,
      };
    },
  };
}

export type FavoritesService = ReturnType<typeof createFavoritesService>;
